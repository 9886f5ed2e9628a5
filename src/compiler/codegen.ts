// The code generator: one pass over a validated function, one small visitor per Wasm operator, all
// emission through the ISA-neutral MacroAssembler. Every operand-stack value lives in its slot
// (frame.ts); an operator loads its operands into scratch registers, computes, moves SP to the new
// height and stores its result. Heights come from the validator, so every slot address is static.
//
// While emitting, it records per instruction its code range and its stack use, read from the
// masm's own SP bookkeeping (not from the planner, so the verifier's comparison means something).
import type {
  FuncType,
  FunctionBody,
  FunctionInfo,
  Instr,
  MemoryOp,
  Op,
  ValidatedModule,
} from "../wasm/ir.js";
import { MEMORY_LOADS, MEMORY_STORES } from "../wasm/opcodes.js";
import type { TrapKind } from "../wasm/outcome.js";
import {
  DATA_FIELD,
  type Exits,
  FUNC_REF_BYTES,
  funcRefOffset,
  globalOffset,
  REFERENCE_BYTES,
  type StackMapEntry,
  TABLE_ENTRY,
  TABLE_ENTRY_BYTES,
  TABLE_FIELD,
  trapExit,
  typeId,
  VMCTX,
  type VmContextLayout,
} from "./artifact.js";
import { CompilerInvariantError, UnsupportedOperator } from "./errors.js";
import { type CallLayout, callHeight, type FramePlan, SLOT_BYTES } from "./frame.js";
import type {
  AssembledFunction,
  Cond,
  ElementBytes,
  FloatBinop,
  FloatCond,
  FloatUnop,
  IntBinop,
  IntConversion,
  IntUnop,
  Label,
  MacroAssembler,
  Scratch,
  Width,
} from "./masm.js";

const S0: Scratch = 0;
const S1: Scratch = 1;
const S2: Scratch = 2;

export interface FunctionInput {
  readonly validated: ValidatedModule;
  /** 0 = the first function defined (not imported) by the module. */
  readonly definedIndex: number;
  readonly masm: MacroAssembler;
  readonly plan: FramePlan;
  /** Where generated code leaves to the host. */
  readonly exits: Exits;
  /** Where the module's tables, segments and function references are in the VM context. */
  readonly vmContext: VmContextLayout;
  /** Global number of this function's first trap site (the masm bakes site numbers into the code). */
  readonly firstSite: number;
}

/** A trap site as the code generator sees it: code offset relative to the function start. */
export interface FunctionTrapSite {
  readonly kind: TrapKind;
  readonly instrIndex: number | null;
  readonly codeOffset: number;
}

export interface CodeRange {
  readonly start: number;
  readonly end: number;
}

/** One compiled function; offsets are relative to its start. */
export interface CompiledFunction {
  readonly funcIndex: number;
  readonly assembled: AssembledFunction;
  readonly prologue: CodeRange;
  /** Per instruction: its code, or null when unreachable (nothing emitted, never executed). */
  readonly ranges: readonly (CodeRange | null)[];
  readonly stackMap: readonly (StackMapEntry | null)[];
  readonly prologueDepth: number;
  /** `frame`: the bytes below the reference the prologue's limit check demands; null otherwise. */
  readonly limitCheckBytes: number | null;
  /** Offsets just after each call instruction. */
  readonly returnAddresses: readonly number[];
  /** Sites firstSite, firstSite + 1, … in order. */
  readonly trapSites: readonly FunctionTrapSite[];
}

/** An open block, loop or if. The function body is not one: a branch out of it is a return. */
interface ControlFrame {
  readonly kind: "block" | "loop" | "if";
  /** Operand height at the frame's start (below its params). */
  readonly height: number;
  /** Values the block takes from the stack (its type's params). */
  readonly paramArity: number;
  /** Values a branch to this frame carries: a loop's params, else the block's results. */
  readonly branchArity: number;
  readonly resultArity: number;
  /** Where branches go: the loop header, or the end. */
  readonly label: Label;
  /** `if`: where the false condition goes (the `else`, or the `end`); null once the `else` is bound. */
  elseLabel: Label | null;
  /** Opened in unreachable code: no code is emitted until its end. */
  readonly dead: boolean;
  /** Whether control can arrive at the end: by falling through, or by a branch or the `if`'s false edge. */
  endReached: boolean;
}

/** Where a branch goes: an open frame's label, or out of the function. */
type BranchTarget = ControlFrame | "return";

type InstrOf<K extends Op> = Instr & { readonly op: K };
type Visitor<K extends Op> = (gen: FunctionCompiler, instr: InstrOf<K>) => void;

class FunctionCompiler {
  private readonly masm: MacroAssembler;
  private readonly plan: FramePlan;
  private readonly info: FunctionInfo;
  private readonly body: FunctionBody;
  private readonly control: ControlFrame[] = [];
  private readonly trapSites: FunctionTrapSite[] = [];
  private readonly returnAddresses: number[] = [];
  private readonly ranges: (CodeRange | null)[] = [];
  private readonly stackMap: (StackMapEntry | null)[] = [];
  /** False after an unconditional transfer, until a label that something branches to. */
  private reachable = true;
  /** Deepest SP within the instruction (or prologue) being emitted. */
  private deepest = 0;
  private instrIndex = 0;

  constructor(private readonly input: FunctionInput) {
    const { validated, definedIndex } = input;
    this.masm = input.masm;
    this.plan = input.plan;
    this.info = validated.functions[definedIndex]!;
    this.body = validated.module.bodies[definedIndex]!;
  }

  get funcIndex(): number {
    return this.info.funcIndex;
  }

  compile(): CompiledFunction {
    this.deepest = this.masm.spBelowReference;
    this.prologue();
    const prologueDepth = this.deepest;
    const prologue = { start: 0, end: this.masm.offset() };
    const code = this.body.code;
    for (let index = 0; index < code.length; index++) {
      this.instrIndex = index;
      this.emitInstruction(code[index]!);
    }
    return {
      funcIndex: this.funcIndex,
      assembled: this.masm.finish(),
      prologue,
      ranges: this.ranges,
      stackMap: this.stackMap,
      prologueDepth,
      limitCheckBytes: this.plan.limitCheckBytes,
      returnAddresses: this.returnAddresses,
      trapSites: this.trapSites,
    };
  }

  private emitInstruction(instr: Instr): void {
    // An `end` first joins the paths that arrive at its label; its own code (the function's
    // epilogue) runs at the label's SP.
    const height = instr.op === "end" ? this.closeFrame() : this.heightBefore;
    const structural =
      instr.op === "block" || instr.op === "loop" || instr.op === "if" || instr.op === "else";
    if (!this.reachable) {
      if (structural) (VISITORS[instr.op] as Visitor<Op>)(this, instr);
      this.ranges.push(null);
      this.stackMap.push(null);
      return;
    }
    const expected = this.plan.spAtHeight(height);
    if (this.masm.spBelowReference !== expected) {
      throw new CompilerInvariantError(
        `function ${this.funcIndex} instruction ${this.instrIndex}: SP ${this.masm.spBelowReference} below the reference, planned ${expected}`,
      );
    }
    const visit = VISITORS[instr.op] as Visitor<Op> | undefined;
    if (visit === undefined) throw new UnsupportedOperator(instr.op, this.funcIndex, this.instrIndex);
    const start = this.masm.offset();
    const depthAtStart = this.masm.spBelowReference;
    this.deepest = depthAtStart;
    visit(this, instr);
    this.stackMap.push({ depthAtStart, deepestOwn: this.deepest });
    this.ranges.push({ start, end: this.masm.offset() });
  }

  // ── frame and stack pointer ─────────────────────────────────────────────────────────────

  /** Moves SP to `below` bytes under the reference. */
  private setSp(below: number): void {
    const delta = below - this.masm.spBelowReference;
    if (delta > 0) this.masm.reserve(delta);
    if (delta < 0) this.masm.release(-delta);
    this.deepest = Math.max(this.deepest, below);
  }

  private setHeight(height: number): void {
    this.setSp(this.plan.spAtHeight(height));
  }

  private prologue(): void {
    const { masm, plan } = this;
    if (plan.frameRecordBytes > 0) masm.pushFrameRecord();
    this.deepest = Math.max(this.deepest, masm.spBelowReference);
    if (plan.limitCheckBytes !== null) {
      masm.branchIfStackBelowLimit(plan.limitCheckBytes, this.trap("stack_overflow", null));
    }
    this.setHeight(0);
    const params = this.info.type.params.length;
    const { firstArgRegister, registerArgs, stackArgs } = plan.incoming;
    for (let i = 0; i < registerArgs; i++) masm.storeArgRegToSlot(plan.localSlot(i), firstArgRegister + i);
    if (plan.resultPointerSlot !== null) masm.storeResultPointerToSlot(plan.resultPointerSlot);
    for (let j = 0; j < stackArgs; j++) {
      masm.loadIncomingStackArg(S0, j);
      masm.storeSlot(plan.localSlot(registerArgs + j), S0);
    }
    if (this.body.locals.length > 0) masm.movImm(S0, 0n, 64);
    for (let i = 0; i < this.body.locals.length; i++) masm.storeSlot(plan.localSlot(params + i), S0);
  }

  /** Returns from the function: the results (the top of the operand stack at `height`) where its callers expect them. */
  private emitReturn(height: number): void {
    const { masm, plan } = this;
    const results = this.info.type.results.length;
    if (results > 1) this.placeResults(height - results);
    else if (results === 1) {
      masm.loadSlot(S0, plan.operandSlot(height - 1));
      masm.moveToResultReg(S0);
    }
    this.setSp(plan.returnAddressBytes + plan.frameRecordBytes);
    if (plan.frameRecordBytes > 0) masm.popFrameRecordAndReturn();
    else masm.returnWithoutFrameRecord();
  }

  /**
   * Several results, from the operand slots from `first` on, by the function's call layout: through
   * the address the caller passed (kept in the hidden slot), or the memory results above the
   * reference (result area) and the first ones in the result registers, which are loaded last.
   */
  private placeResults(first: number): void {
    const { masm, plan } = this;
    const layout = plan.incoming;
    if (plan.resultPointerSlot !== null) {
      masm.loadSlot(S1, plan.resultPointerSlot);
      for (let i = 0; i < layout.results; i++) {
        masm.loadSlot(S0, plan.operandSlot(first + i));
        masm.storeToAddress(S1, SLOT_BYTES * i, S0);
      }
      if (masm.abi.indirectResultReturned) masm.moveToResultReg(S1);
      return;
    }
    const area = layout.stackArgsBytes / SLOT_BYTES;
    for (let i = 0; i < layout.memoryResults; i++) {
      masm.loadSlot(S0, plan.operandSlot(first + layout.registerResults + i));
      masm.storeIncomingSlot(area + i, S0);
    }
    for (let r = 0; r < layout.registerResults; r++) masm.loadSlotToResultReg(r, plan.operandSlot(first + r));
  }

  // ── operand stack ───────────────────────────────────────────────────────────────────────

  private get heightBefore(): number {
    return this.info.heightBefore[this.instrIndex]!;
  }

  private get heightAfter(): number {
    return this.info.heightAfter[this.instrIndex]!;
  }

  /** Loads the operand `fromTop` values below the top of the stack (0 = top) into `dst`. */
  loadOperand(dst: Scratch, fromTop: number): void {
    this.masm.loadSlot(dst, this.plan.operandSlot(this.heightBefore - 1 - fromTop));
  }

  /** Ends a value-producing instruction: SP to the height after it, `src` stored as the new top. */
  produce(src: Scratch): void {
    this.setHeight(this.heightAfter);
    this.masm.storeSlot(this.plan.operandSlot(this.heightAfter - 1), src);
  }

  /** Ends an instruction that only consumes operands. */
  consume(): void {
    this.setHeight(this.heightAfter);
  }

  /**
   * Pops the condition or index of a control instruction into `dst`; returns the height below it.
   * (Not heightAfter: for a br_table the validator reports the height of the unreachable code after it.)
   */
  private popControlOperand(dst: Scratch): number {
    this.loadOperand(dst, 0);
    const height = this.heightBefore - 1;
    this.setHeight(height);
    return height;
  }

  // ── traps ───────────────────────────────────────────────────────────────────────────────

  /**
   * A new trap site at the current instruction, and the label of its stub. Call it before the
   * instruction moves SP: the trapping frame is unwound with the state at this point.
   */
  trap(kind: TrapKind, instrIndex: number | null = this.instrIndex): Label {
    const site = this.input.firstSite + this.trapSites.length;
    const exit = trapExit(this.input.exits, kind);
    this.trapSites.push({ kind, instrIndex, codeOffset: this.masm.offset() });
    return this.masm.trapStub(site, exit);
  }

  // ── control ─────────────────────────────────────────────────────────────────────────────

  openBlock(kind: ControlFrame["kind"]): void {
    const { masm } = this;
    const params = this.info.blockParams[this.instrIndex]!;
    const results = this.info.blockResults[this.instrIndex]!;
    const dead = !this.reachable;
    const height = (kind === "if" ? this.heightBefore - 1 : this.heightBefore) - params;
    if (kind === "if" && !dead) this.popControlOperand(S0);
    const frame: ControlFrame = {
      kind,
      height,
      paramArity: params,
      branchArity: kind === "loop" ? params : results,
      resultArity: results,
      label: masm.newLabel(),
      elseLabel: kind === "if" ? masm.newLabel() : null,
      dead,
      endReached: false,
    };
    this.control.push(frame);
    if (dead) return;
    if (kind === "loop") masm.bind(frame.label);
    if (frame.elseLabel !== null) masm.branchIfZero(32, S0, frame.elseLabel);
  }

  openElse(): void {
    const frame = this.control.at(-1);
    if (frame === undefined)
      throw new CompilerInvariantError(`else outside an if in function ${this.funcIndex}`);
    if (this.reachable) {
      frame.endReached = true;
      this.masm.jump(frame.label);
    }
    if (frame.dead) return;
    this.masm.resetStackPointer(this.plan.spAtHeight(frame.height + frame.paramArity));
    this.masm.bind(frame.elseLabel!);
    this.reachable = true;
    // The `if`'s false edge now lands here, not at the end.
    frame.elseLabel = null;
  }

  /**
   * At an `end`: pops the innermost frame and binds its label, where control continues if anything
   * arrives. Returns the operand height after the `end` (the function's results at its final `end`).
   */
  private closeFrame(): number {
    const frame = this.control.pop();
    if (frame === undefined) return this.info.type.results.length;
    const height = frame.height + frame.resultArity;
    // A dead frame stays dead; a loop's label is its header, so only falling through reaches its end.
    if (frame.dead || frame.kind === "loop") return height;
    const arrives = this.reachable || frame.endReached || frame.elseLabel !== null;
    if (arrives && !this.reachable) this.masm.resetStackPointer(this.plan.spAtHeight(height));
    if (frame.elseLabel !== null) this.masm.bind(frame.elseLabel);
    this.masm.bind(frame.label);
    this.reachable = arrives;
    return height;
  }

  /** An `end`'s own code: the epilogue at the function's final `end` (inner ends only join). */
  end(): void {
    if (this.instrIndex !== this.body.code.length - 1) return;
    this.emitReturn(this.info.type.results.length);
    this.reachable = false;
  }

  private target(depth: number): BranchTarget {
    if (depth === this.control.length) return "return";
    const frame = this.control[this.control.length - 1 - depth];
    if (frame === undefined) throw new CompilerInvariantError(`branch depth ${depth} out of range`);
    return frame;
  }

  /** Whether a branch from operand height `height` is a plain jump: values in place, so SP unchanged. */
  private isPlainJump(target: BranchTarget, height: number): target is ControlFrame {
    return target !== "return" && height === target.height + target.branchArity;
  }

  /** Transfers control from operand height `height` to `target`, moving the values it carries into place. */
  private branchTo(target: BranchTarget, height: number): void {
    const { masm, plan } = this;
    if (target === "return") {
      this.emitReturn(height);
      return;
    }
    const frame = target;
    frame.endReached = true;
    for (let i = 0; i < frame.branchArity; i++) {
      const from = plan.operandSlot(height - frame.branchArity + i);
      const to = plan.operandSlot(frame.height + i);
      if (from === to) continue;
      masm.loadSlot(S1, from);
      masm.storeSlot(to, S1);
    }
    this.setHeight(frame.height + frame.branchArity);
    masm.jump(frame.label);
  }

  br(depth: number): void {
    this.branchTo(this.target(depth), this.heightBefore);
    this.reachable = false;
  }

  brIf(depth: number): void {
    const { masm } = this;
    const target = this.target(depth);
    const height = this.popControlOperand(S0);
    if (this.isPlainJump(target, height)) {
      target.endReached = true;
      masm.branchIfNonZero(32, S0, target.label);
      return;
    }
    const notTaken = masm.newLabel();
    masm.branchIfZero(32, S0, notTaken);
    const sp = masm.spBelowReference;
    this.branchTo(target, height);
    masm.resetStackPointer(sp);
    masm.bind(notTaken);
  }

  brTable(depths: readonly number[], defaultDepth: number): void {
    const { masm } = this;
    const height = this.popControlOperand(S0);
    // Each distinct target gets one landing pad that moves the values and SP, unless a plain jump does.
    const pads = new Map<number, Label>();
    const destination = (depth: number): Label => {
      const target = this.target(depth);
      if (this.isPlainJump(target, height)) {
        target.endReached = true;
        return target.label;
      }
      const pad = pads.get(depth) ?? masm.newLabel();
      pads.set(depth, pad);
      return pad;
    };
    depths.forEach((depth, index) => {
      masm.branchIfCompareImm("eq", 32, S0, index, destination(depth));
    });
    masm.jump(destination(defaultDepth));
    const sp = masm.spBelowReference;
    for (const [depth, pad] of pads) {
      masm.resetStackPointer(sp);
      masm.bind(pad);
      this.branchTo(this.target(depth), height);
    }
    this.reachable = false;
  }

  returnFromFunction(): void {
    this.emitReturn(this.heightBefore);
    this.reachable = false;
  }

  unreachable(): void {
    this.masm.jump(this.trap("unreachable"));
    this.reachable = false;
  }

  // ── calls ───────────────────────────────────────────────────────────────────────────────

  call(funcIndex: number): void {
    const { masm } = this;
    const type = this.input.validated.funcTypes[funcIndex];
    if (type === undefined) throw new CompilerInvariantError(`call to unknown function ${funcIndex}`);
    this.callSequence(type, this.heightBefore, () => {
      if (funcIndex < this.importedFunctionCount) masm.callAddress(this.input.exits.imports[funcIndex]!);
      else masm.callFunction(funcIndex);
    });
  }

  /**
   * call_indirect: the table index (top of the stack) must name an entry (else undefined_element)
   * that is initialised (type id 0: uninitialized_element) with the expected type id (else
   * indirect_call_type_mismatch). The entry's code address replaces the index in its slot, which
   * stays above SP through the call sequence, and the call goes through it.
   */
  callIndirect(typeIndex: number, table: number): void {
    const { masm } = this;
    const type = this.input.validated.module.types[typeIndex];
    if (type === undefined) throw new CompilerInvariantError(`call_indirect of unknown type ${typeIndex}`);
    const descriptor = this.tableDescriptor(table);
    const indexSlot = this.plan.operandSlot(this.heightBefore - 1);
    masm.loadSlot(S0, indexSlot);
    masm.loadVmField(S1, descriptor + TABLE_FIELD.length);
    masm.branchIfCompare("ge_u", 64, S0, S1, this.trap("undefined_element"));
    masm.movImm(S1, BigInt(Math.log2(TABLE_ENTRY_BYTES)), 64);
    masm.intBinop("shl", 64, S0, S1);
    masm.loadVmField(S1, descriptor + TABLE_FIELD.entries);
    masm.intBinop("add", 64, S1, S0); // the entry's address
    masm.loadFromAddress(S2, S1, TABLE_ENTRY.typeId);
    masm.branchIfZero(64, S2, this.trap("uninitialized_element"));
    masm.movImm(S0, typeId(type), 64);
    masm.branchIfCompare("ne", 64, S2, S0, this.trap("indirect_call_type_mismatch"));
    masm.loadFromAddress(S0, S1, TABLE_ENTRY.codeAddress);
    masm.storeSlot(indexSlot, S0);
    this.callSequence(type, this.heightBefore - 1, () => masm.callIndirectFromSlot(indexSlot));
  }

  /**
   * The call sequence (README.md): reserve the call's area (stack arguments, then the result area)
   * below the operand stack (all of it up to `this.heightBefore`, and with several results up to
   * all their slots: callHeight, stays in place), store the stack arguments at [SP + 8j], load the
   * register arguments (the values just below height `argsEnd`) and, under `native`, the result
   * area's address; call; then move the results to their slots and release the area and the operands.
   */
  private callSequence(type: FuncType, argsEnd: number, emitCall: () => void): void {
    const { masm, plan } = this;
    const arity = type.params.length;
    const layout = plan.callLayout(arity, type.results.length);
    const firstArg = argsEnd - arity;
    const { firstArgRegister, registerArgs, stackArgs } = layout;
    this.setSp(plan.spAtCall(callHeight(layout, this.heightBefore, argsEnd), arity, layout.results));
    for (let j = 0; j < stackArgs; j++) {
      masm.loadSlot(S0, plan.operandSlot(firstArg + registerArgs + j));
      masm.storeOutgoingStackArg(j, S0);
    }
    for (let i = 0; i < registerArgs; i++) {
      masm.loadSlotToArgReg(firstArgRegister + i, plan.operandSlot(firstArg + i));
    }
    if (layout.resultPointer) masm.setResultPointer(layout.stackArgsBytes);
    emitCall();
    this.returnAddresses.push(masm.offset());
    if (type.results.length === 0) {
      this.consume();
      return;
    }
    if (type.results.length > 1) {
      this.takeResults(layout, firstArg);
      return;
    }
    masm.moveFromResultReg(S0);
    this.produce(S0);
  }

  /**
   * After a call with several results: the memory results (in the result area at [SP +
   * stackArgsBytes + 8i]), then the register results, into the slots from `first` on; the area lies
   * below all of them (callHeight), so nothing unread is overwritten. Then SP to the height after.
   */
  private takeResults(layout: CallLayout, first: number): void {
    const { masm, plan } = this;
    const area = layout.stackArgsBytes / SLOT_BYTES;
    for (let i = 0; i < layout.memoryResults; i++) {
      masm.loadOutgoingSlot(S1, area + i);
      masm.storeSlot(plan.operandSlot(first + layout.registerResults + i), S1);
    }
    for (let r = 0; r < layout.registerResults; r++)
      masm.storeResultRegToSlot(plan.operandSlot(first + r), r);
    this.setHeight(this.heightAfter);
  }

  private get importedFunctionCount(): number {
    return this.input.validated.funcTypes.length - this.input.validated.module.bodies.length;
  }

  // ── locals, globals ─────────────────────────────────────────────────────────────────────

  localGet(local: number): void {
    this.masm.loadSlot(S0, this.plan.localSlot(local));
    this.produce(S0);
  }

  /** local.set, or local.tee when `keep`. */
  localSet(local: number, keep: boolean): void {
    this.loadOperand(S0, 0);
    this.masm.storeSlot(this.plan.localSlot(local), S0);
    if (!keep) this.consume();
  }

  globalGet(global: number): void {
    this.masm.loadVmField(S0, globalOffset(global));
    this.produce(S0);
  }

  globalSet(global: number): void {
    this.loadOperand(S0, 0);
    this.masm.storeVmField(globalOffset(global), S0);
    this.consume();
  }

  // ── numbers ─────────────────────────────────────────────────────────────────────────────

  constant(value: bigint, width: Width): void {
    this.masm.movImm(S0, value, width);
    this.produce(S0);
  }

  /**
   * The shape of most value operators: their `arity` operands into S0, S1, … (the deepest first),
   * `compute` leaves the result in S0, which becomes the new top of the stack.
   */
  private operate(arity: 1 | 2 | 3, compute: (masm: MacroAssembler) => void): void {
    for (let i = 0; i < arity; i++) this.loadOperand(i as Scratch, arity - 1 - i);
    compute(this.masm);
    this.produce(S0);
  }

  binary(op: IntBinop, width: Width): void {
    this.operate(2, (m) => m.intBinop(op, width, S0, S1));
  }

  /**
   * Division and remainder with Wasm's traps: divisor 0 → integer_divide_by_zero; div_s of MIN by
   * −1 → integer_overflow; rem_s of MIN by −1 is 0 (the hardware may fault on it, so never divide).
   */
  division(op: "div_s" | "div_u" | "rem_s" | "rem_u", width: Width): void {
    const { masm } = this;
    this.loadOperand(S0, 1);
    this.loadOperand(S1, 0);
    masm.branchIfZero(width, S1, this.trap("integer_divide_by_zero"));
    const done = masm.newLabel();
    if (op === "div_s" || op === "rem_s") {
      const divide = masm.newLabel();
      masm.branchIfCompareImm("ne", width, S1, -1, divide);
      if (op === "div_s") {
        masm.movImm(S2, 1n << BigInt(width - 1), width);
        masm.branchIfCompare("eq", width, S0, S2, this.trap("integer_overflow"));
      } else {
        // x rem −1 = 0 for every x.
        masm.movImm(S0, 0n, width);
        masm.jump(done);
      }
      masm.bind(divide);
    }
    masm.intBinop(op, width, S0, S1);
    masm.bind(done);
    this.produce(S0);
  }

  unary(op: IntUnop, width: Width): void {
    this.operate(1, (m) => m.intUnop(op, width, S0));
  }

  comparison(cond: Cond, width: Width): void {
    this.operate(2, (m) => m.compare(cond, width, S0, S0, S1));
  }

  eqz(width: Width): void {
    this.operate(1, (m) => m.eqz(width, S0));
  }

  conversion(kind: IntConversion): void {
    this.operate(1, (m) => m.convert(kind, S0));
  }

  select(): void {
    this.operate(3, (m) => m.select(S0, S1, S2));
  }

  // ── floats ──────────────────────────────────────────────────────────────────────────────

  /**
   * Under the deterministic strategies a NaN in S0 becomes the positive canonical NaN, so results
   * are bit-identical on every target; `native` keeps the hardware's NaN (x86's default NaN is
   * negative, AArch64's positive). Clobbers S1, S2.
   */
  private canonicaliseNaN(width: Width): void {
    if (this.plan.strategy === "native") return;
    this.masm.floatCompare("eq", width, S2, S0, S0); // 0 exactly when S0 is a NaN
    this.masm.movImm(S1, CANONICAL_NAN[width], width);
    this.masm.select(S0, S1, S2);
  }

  floatBinary(op: FloatBinop, width: Width): void {
    this.operate(2, (m) => {
      m.floatBinop(op, width, S0, S1);
      this.canonicaliseNaN(width);
    });
  }

  floatUnary(op: FloatUnop, width: Width): void {
    this.operate(1, (m) => {
      m.floatUnop(op, width, S0);
      this.canonicaliseNaN(width);
    });
  }

  floatComparison(cond: FloatCond, width: Width): void {
    this.operate(2, (m) => m.floatCompare(cond, width, S0, S0, S1));
  }

  // abs, neg and copysign are bit operations in Wasm (NaNs included): on the raw bits, never canonicalised.

  abs(width: Width): void {
    this.operate(1, (m) => {
      m.movImm(S1, magnitudeMask(width), width);
      m.intBinop("and", width, S0, S1);
    });
  }

  neg(width: Width): void {
    this.operate(1, (m) => {
      m.movImm(S1, signMask(width), width);
      m.intBinop("xor", width, S0, S1);
    });
  }

  /** The magnitude bits of the first operand with the sign bit of the second. */
  copysign(width: Width): void {
    this.operate(2, (m) => {
      m.movImm(S2, signMask(width), width);
      m.intBinop("and", width, S1, S2);
      m.movImm(S2, magnitudeMask(width), width);
      m.intBinop("and", width, S0, S2);
      m.intBinop("or", width, S0, S1);
    });
  }

  /**
   * The trapping float → integer truncations: NaN → invalid_conversion_to_integer; outside the
   * accepted range (truncationBounds) → integer_overflow; only then the masm's truncation.
   */
  truncation(from: Width, to: Width, signed: boolean): void {
    const { masm } = this;
    const bounds = truncationBounds(from, to, signed);
    this.loadOperand(S0, 0);
    masm.floatCompare("ne", from, S1, S0, S0);
    masm.branchIfNonZero(32, S1, this.trap("invalid_conversion_to_integer"));
    const overflow = this.trap("integer_overflow");
    masm.movImm(S1, floatBits(bounds.lower, from), from);
    masm.floatCompare(bounds.lowerIncluded ? "ge" : "gt", from, S2, S0, S1);
    masm.branchIfZero(32, S2, overflow);
    masm.movImm(S1, floatBits(bounds.upper, from), from);
    masm.floatCompare("lt", from, S2, S0, S1);
    masm.branchIfZero(32, S2, overflow);
    masm.truncateToInt(from, to, signed, S0);
    this.produce(S0);
  }

  /** Integer → float: exact or rounded, never a NaN. */
  convertToFloat(from: Width, to: Width, signed: boolean): void {
    this.operate(1, (m) => m.convertToFloat(from, to, signed, S0));
  }

  /** promote/demote: a NaN operand gives a NaN, canonicalised like arithmetic. */
  convertFloat(from: Width, to: Width): void {
    this.operate(1, (m) => {
      m.convertFloat(from, to, S0);
      this.canonicaliseNaN(to);
    });
  }

  // ── sign extension and saturating truncation ────────────────────────────────────────────

  signExtension(bits: 8 | 16 | 32, width: Width): void {
    this.operate(1, (m) => m.signExtend(bits, width, S0));
  }

  /** trunc_sat: never traps (NaN → 0, out of range → the nearest bound), so no check before the masm's. */
  saturatingTruncation(from: Width, to: Width, signed: boolean): void {
    this.operate(1, (m) => m.truncateSaturating(from, to, signed, S0));
  }

  // ── memory ──────────────────────────────────────────────────────────────────────────────

  /** Floats are loaded and stored as their raw bits, by the integer access of the same width. */
  load(op: MemoryOp, memOffset: number): void {
    this.loadOperand(S1, 0);
    this.masm.load(RAW_ACCESS[op] ?? op, S0, S1, memOffset, this.trap("out_of_bounds_memory"));
    this.produce(S0);
  }

  store(op: MemoryOp, memOffset: number): void {
    this.loadOperand(S1, 1);
    this.loadOperand(S0, 0);
    this.masm.store(RAW_ACCESS[op] ?? op, S1, S0, memOffset, this.trap("out_of_bounds_memory"));
    this.consume();
  }

  memorySize(): void {
    this.masm.loadVmField(S0, VMCTX.memoryPages);
    this.produce(S0);
  }

  /**
   * memory.grow in generated code: memory is mapped at its maximum, so growing only updates the size
   * fields. new = old + delta (64-bit, cannot wrap); if new > max pages the result is −1.
   */
  memoryGrow(): void {
    const { masm } = this;
    const failed = masm.newLabel();
    const done = masm.newLabel();
    this.loadOperand(S0, 0); // delta
    masm.loadVmField(S1, VMCTX.memoryPages); // old
    masm.move(S2, S1);
    masm.intBinop("add", 64, S2, S0); // new
    masm.loadVmField(S0, VMCTX.maxPages);
    masm.branchIfCompare("gt_u", 64, S2, S0, failed);
    masm.storeVmField(VMCTX.memoryPages, S2);
    masm.movImm(S0, 16n, 64);
    masm.intBinop("shl", 64, S2, S0);
    masm.storeVmField(VMCTX.memoryBytes, S2);
    masm.move(S0, S1);
    masm.jump(done);
    masm.bind(failed);
    masm.movImm(S0, 0xffff_ffffn, 32);
    masm.bind(done);
    this.produce(S0);
  }

  // ── references ──────────────────────────────────────────────────────────────────────────
  // A funcref is the address of its function's record in the VM context, an externref the host's
  // handle + 1; null is 0 for both (README.md, "Values and registers").

  refFunc(funcIndex: number): void {
    this.masm.vmAddress(S0, funcRefOffset(this.input.vmContext, funcIndex));
    this.produce(S0);
  }

  refIsNull(): void {
    this.operate(1, (m) => m.eqz(64, S0));
  }

  // ── tables ──────────────────────────────────────────────────────────────────────────────
  // A table's references are raw slots; a funcref table also keeps, per element, the call entry
  // `call_indirect` reads: a copy of the record the reference points at (zeros for null). Every
  // write of a funcref table writes both. Operands are read from their slots again where a loop
  // consumed the registers; SP moves only at the end, so trap sites unwind from the instruction's start.

  private tableDescriptor(table: number): number {
    const offset = this.input.vmContext.tables[table];
    if (offset === undefined) throw new CompilerInvariantError(`no table ${table}`);
    return offset;
  }

  private elemDescriptor(elem: number): number {
    const offset = this.input.vmContext.elemSegments[elem];
    if (offset === undefined) throw new CompilerInvariantError(`no element segment ${elem}`);
    return offset;
  }

  private dataDescriptor(data: number): number {
    const offset = this.input.vmContext.dataSegments[data];
    if (offset === undefined) throw new CompilerInvariantError(`no data segment ${data}`);
    return offset;
  }

  private isFuncrefTable(table: number): boolean {
    const { module } = this.input.validated;
    const imported = module.imports.flatMap((i) => (i.desc.kind === "table" ? [i.desc.limits] : []));
    const type = imported[table] ?? module.tables[table - imported.length];
    if (type === undefined) throw new CompilerInvariantError(`no table ${table}`);
    return type.elemType === "funcref";
  }

  /** Loads the operands `fromTop` (0 = top) into S0, S1, S2 in order. */
  private loadOperands(s0: number, s1: number, s2: number): void {
    this.loadOperand(S0, s0);
    this.loadOperand(S1, s1);
    this.loadOperand(S2, s2);
  }

  tableGet(table: number): void {
    const { masm } = this;
    const descriptor = this.tableDescriptor(table);
    this.loadOperand(S0, 0);
    masm.movImm(S1, 1n, 64);
    masm.branchIfRangeExceeds(S0, S1, descriptor + TABLE_FIELD.length, this.trap("out_of_bounds_table"));
    masm.elementAddress(S0, descriptor + TABLE_FIELD.references, REFERENCE_BYTES);
    masm.loadFromAddress(S0, S0, 0);
    this.produce(S0);
  }

  tableSet(table: number): void {
    const { masm } = this;
    const descriptor = this.tableDescriptor(table);
    this.loadOperand(S0, 1);
    this.loadOperand(S1, 0);
    masm.movImm(S2, 1n, 64);
    masm.branchIfRangeExceeds(S0, S2, descriptor + TABLE_FIELD.length, this.trap("out_of_bounds_table"));
    masm.move(S2, S0);
    masm.elementAddress(S2, descriptor + TABLE_FIELD.references, REFERENCE_BYTES);
    masm.storeAndAdvance(S2, S1, REFERENCE_BYTES);
    if (this.isFuncrefTable(table)) {
      masm.elementAddress(S0, descriptor + TABLE_FIELD.entries, TABLE_ENTRY_BYTES);
      this.recordOrNull(S1);
      masm.copyAndAdvance(S0, S1, TABLE_ENTRY_BYTES, "forward");
    }
    this.consume();
  }

  tableSize(table: number): void {
    this.masm.loadVmField(S0, this.tableDescriptor(table) + TABLE_FIELD.length);
    this.produce(S0);
  }

  /**
   * table.grow: new = length + n (64-bit, cannot wrap); above the maximum the result is −1 and
   * nothing changes; else the length becomes new, entries old…new − 1 get the value, and the
   * result is the old length. The table is mapped at its maximum, so nothing moves.
   */
  tableGrow(table: number): void {
    const { masm } = this;
    const descriptor = this.tableDescriptor(table);
    const length = descriptor + TABLE_FIELD.length;
    const [failed, done] = [masm.newLabel(), masm.newLabel()];
    masm.loadVmField(S0, length);
    this.loadOperand(S1, 0); // n
    masm.intBinop("add", 64, S0, S1);
    masm.loadVmField(S1, descriptor + TABLE_FIELD.maximum);
    masm.branchIfCompare("gt_u", 64, S0, S1, failed);
    masm.storeVmField(length, S0);
    /** S0 ← the old length (new length − n), S1 ← the value, S2 ← n. */
    const oldLength = () => {
      masm.loadVmField(S0, length);
      this.loadOperand(S1, 1);
      this.loadOperand(S2, 0);
      masm.intBinop("sub", 64, S0, S2);
    };
    this.fillElements(table, oldLength);
    oldLength();
    masm.jump(done);
    masm.bind(failed);
    masm.movImm(S0, 0xffff_ffffn, 32);
    masm.bind(done);
    this.produce(S0);
  }

  tableFill(table: number): void {
    const descriptor = this.tableDescriptor(table);
    this.loadOperands(2, 1, 0);
    this.masm.branchIfRangeExceeds(S0, S2, descriptor + TABLE_FIELD.length, this.trap("out_of_bounds_table"));
    this.fillElements(table, () => this.loadOperands(2, 1, 0));
    this.consume();
  }

  tableCopy(dstTable: number, srcTable: number): void {
    const [dst, src] = [this.tableDescriptor(dstTable), this.tableDescriptor(srcTable)];
    this.copyElements(dst, src, this.isFuncrefTable(dstTable));
  }

  tableInit(table: number, elem: number): void {
    this.copyElements(this.tableDescriptor(table), this.elemDescriptor(elem), this.isFuncrefTable(table));
  }

  elemDrop(elem: number): void {
    this.masm.movImm(S0, 0n, 64);
    this.masm.storeVmField(this.elemDescriptor(elem) + TABLE_FIELD.length, S0);
  }

  /** reg ← reg if it is a funcref other than null, else the address of the null record. */
  private recordOrNull(reg: Scratch): void {
    const { masm } = this;
    const record = masm.newLabel();
    masm.branchIfNonZero(64, reg, record);
    masm.vmAddress(reg, this.input.vmContext.nullFuncRef);
    masm.bind(record);
  }

  /**
   * Writes the value into a range of the table: `load` puts its first index in S0, the value in
   * S1 and the count in S2 (again for the call entries of a funcref table).
   */
  private fillElements(table: number, load: () => void): void {
    const { masm } = this;
    const descriptor = this.tableDescriptor(table);
    load();
    masm.elementAddress(S0, descriptor + TABLE_FIELD.references, REFERENCE_BYTES);
    this.countDown(1, () => masm.storeAndAdvance(S0, S1, REFERENCE_BYTES));
    if (!this.isFuncrefTable(table)) return;
    load();
    masm.elementAddress(S0, descriptor + TABLE_FIELD.entries, TABLE_ENTRY_BYTES);
    this.recordOrNull(S1);
    this.countDown(1, () => {
      masm.copyAndAdvance(S0, S1, FUNC_REF_BYTES, "forward");
      masm.addImmediate(S1, -FUNC_REF_BYTES);
    });
  }

  /**
   * table.copy and table.init (an element segment's descriptor has a table's shape): operands
   * d, s, n; both ranges are checked before anything is written, then the references and (funcref)
   * the call entries are moved as memory.copy moves bytes.
   */
  private copyElements(dst: number, src: number, funcref: boolean): void {
    const { masm } = this;
    const outOfBounds = this.trap("out_of_bounds_table");
    this.loadOperands(2, 1, 0);
    masm.branchIfRangeExceeds(S0, S2, dst + TABLE_FIELD.length, outOfBounds);
    masm.branchIfRangeExceeds(S1, S2, src + TABLE_FIELD.length, outOfBounds);
    const arrays: [number, ElementBytes][] = [[TABLE_FIELD.references, REFERENCE_BYTES]];
    if (funcref) arrays.push([TABLE_FIELD.entries, TABLE_ENTRY_BYTES]);
    for (const [field, bytes] of arrays) {
      this.loadOperands(2, 1, 0);
      masm.elementAddress(S0, dst + field, bytes);
      masm.elementAddress(S1, src + field, bytes);
      this.moveElements(bytes, [bytes]);
    }
    this.consume();
  }

  // ── bulk memory ─────────────────────────────────────────────────────────────────────────
  // Inline loops over absolute addresses (README.md, "Bulk memory"): 16 bytes a step, then 8, then
  // single bytes; no stack beyond the operands' slots, so every strategy and target uses the same.

  memoryCopy(): void {
    const { masm } = this;
    const outOfBounds = this.trap("out_of_bounds_memory");
    this.loadOperands(2, 1, 0);
    masm.branchIfRangeExceeds(S0, S2, VMCTX.memoryBytes, outOfBounds);
    masm.branchIfRangeExceeds(S1, S2, VMCTX.memoryBytes, outOfBounds);
    masm.addMemoryBase(S0);
    masm.addMemoryBase(S1);
    this.moveElements(1, BYTE_STEPS);
    this.consume();
  }

  memoryFill(): void {
    const { masm } = this;
    this.loadOperands(2, 1, 0);
    masm.branchIfRangeExceeds(S0, S2, VMCTX.memoryBytes, this.trap("out_of_bounds_memory"));
    masm.addMemoryBase(S0);
    masm.broadcastByte(S1);
    this.countDown(8, () => masm.storeAndAdvance(S0, S1, 8));
    this.countDown(1, () => masm.storeAndAdvance(S0, S1, 1));
    this.consume();
  }

  memoryInit(data: number): void {
    const { masm } = this;
    const descriptor = this.dataDescriptor(data);
    const outOfBounds = this.trap("out_of_bounds_memory");
    this.loadOperands(2, 1, 0);
    masm.branchIfRangeExceeds(S0, S2, VMCTX.memoryBytes, outOfBounds);
    masm.branchIfRangeExceeds(S1, S2, descriptor + DATA_FIELD.length, outOfBounds);
    masm.addMemoryBase(S0);
    masm.elementAddress(S1, descriptor + DATA_FIELD.address, 1);
    this.moveElements(1, BYTE_STEPS);
    this.consume();
  }

  dataDrop(data: number): void {
    this.masm.movImm(S0, 0n, 64);
    this.masm.storeVmField(this.dataDescriptor(data) + DATA_FIELD.length, S0);
  }

  /**
   * Moves S2 elements of `elementBytes` from S1 to S0 (addresses), overlap-safe: forward when the
   * destination is not above the source, else backward from the ends. `steps` are the chunk sizes
   * tried in turn (multiples of the element size, the last one the element).
   */
  private moveElements(elementBytes: ElementBytes, steps: readonly ElementBytes[]): void {
    const { masm } = this;
    const [forward, done] = [masm.newLabel(), masm.newLabel()];
    masm.branchIfCompare("le_u", 64, S0, S1, forward);
    masm.addScaled(S0, S2, elementBytes);
    masm.addScaled(S1, S2, elementBytes);
    for (const step of steps)
      this.countDown(step / elementBytes, () => masm.copyAndAdvance(S0, S1, step, "backward"));
    masm.jump(done);
    masm.bind(forward);
    for (const step of steps)
      this.countDown(step / elementBytes, () => masm.copyAndAdvance(S0, S1, step, "forward"));
    masm.bind(done);
  }

  /** While S2 ≥ `units`: `body`, then S2 −= units. */
  private countDown(units: number, body: () => void): void {
    const { masm } = this;
    const [top, exit] = [masm.newLabel(), masm.newLabel()];
    masm.bind(top);
    masm.branchIfCompareImm("lt_u", 64, S2, units, exit);
    body();
    masm.addImmediate(S2, -units);
    masm.jump(top);
    masm.bind(exit);
  }
}

/** The chunks a byte copy moves, largest first. */
const BYTE_STEPS: readonly ElementBytes[] = [16, 8, 1];

// ── float constants ─────────────────────────────────────────────────────────────────────────

/** The positive canonical NaNs: quiet bit set, payload otherwise zero. */
const CANONICAL_NAN: Readonly<Record<Width, bigint>> = { 32: 0x7fc0_0000n, 64: 0x7ff8_0000_0000_0000n };

const signMask = (width: Width): bigint => 1n << BigInt(width - 1);
const magnitudeMask = (width: Width): bigint => signMask(width) - 1n;

/** Raw bits of `value` as a float of `width` (the value must be exact in it). */
function floatBits(value: number, width: Width): bigint {
  const view = new DataView(new ArrayBuffer(8));
  if (width === 64) {
    view.setFloat64(0, value);
    return view.getBigUint64(0);
  }
  view.setFloat32(0, value);
  if (view.getFloat32(0) !== value) throw new CompilerInvariantError(`${value} is not exact in f32`);
  return BigInt(view.getUint32(0));
}

/** The float inputs of a truncation to an N-bit integer: lower < x (or ≤ x when lowerIncluded) and x < upper. */
interface TruncationBounds {
  readonly lower: number;
  readonly lowerIncluded: boolean;
  readonly upper: number;
}

/**
 * x truncated toward zero must fit: x < 2^(N−1) (signed) or 2^N (unsigned), both powers of two and
 * so exact in f32 and f64. Unsigned: −1 < x (−0.5 truncates to 0). Signed: −2^(N−1) − 1 < x; when
 * −2^(N−1) − 1 is not exact in the float type (f32, or N = 64), floats near it are at least 2 apart
 * and none lies strictly between it and −2^(N−1), so the bound is −2^(N−1) ≤ x.
 */
export function truncationBounds(from: Width, to: Width, signed: boolean): TruncationBounds {
  const upper = 2 ** (signed ? to - 1 : to);
  if (!signed) return { lower: -1, lowerIncluded: false, upper };
  const min = -(2n ** BigInt(to - 1));
  const belowMin = min - 1n;
  const exact = BigInt(from === 32 ? Math.fround(Number(belowMin)) : Number(belowMin)) === belowMin;
  return exact
    ? { lower: Number(belowMin), lowerIncluded: false, upper }
    : { lower: Number(min), lowerIncluded: true, upper };
}

// ── the operator table ──────────────────────────────────────────────────────────────────────

const BINOPS = ["add", "sub", "mul", "and", "or", "xor", "shl", "shr_s", "shr_u", "rotl", "rotr"] as const;
const DIVISIONS = ["div_s", "div_u", "rem_s", "rem_u"] as const;
const UNOPS = ["clz", "ctz", "popcnt"] as const;
const CONDS = ["eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"] as const;
const RAW_ACCESS: { readonly [K in MemoryOp]?: MemoryOp } = {
  "f32.load": "i32.load",
  "f64.load": "i64.load",
  "f32.store": "i32.store",
  "f64.store": "i64.store",
};
const FLOAT_BINOPS = ["add", "sub", "mul", "div", "min", "max"] as const;
const FLOAT_UNOPS = ["sqrt", "ceil", "floor", "trunc", "nearest"] as const;
const FLOAT_CONDS = ["eq", "ne", "lt", "gt", "le", "ge"] as const;
const WIDTHS = [32, 64] as const;

/** Wasm operator → visitor. Every 1.0 operator is listed, and the reference-types and bulk-memory ones. */
const VISITORS: { readonly [K in Op]?: Visitor<K> } = (() => {
  const table: { [K in Op]?: Visitor<K> } = {
    nop: () => {},
    unreachable: (gen) => gen.unreachable(),
    drop: (gen) => gen.consume(),
    select: (gen) => gen.select(),
    block: (gen) => gen.openBlock("block"),
    loop: (gen) => gen.openBlock("loop"),
    if: (gen) => gen.openBlock("if"),
    else: (gen) => gen.openElse(),
    end: (gen) => gen.end(),
    br: (gen, instr) => gen.br(instr.depth),
    br_if: (gen, instr) => gen.brIf(instr.depth),
    br_table: (gen, instr) => gen.brTable(instr.depths, instr.defaultDepth),
    return: (gen) => gen.returnFromFunction(),
    call: (gen, instr) => gen.call(instr.func),
    call_indirect: (gen, instr) => gen.callIndirect(instr.typeIndex, instr.table),
    "local.get": (gen, instr) => gen.localGet(instr.local),
    "local.set": (gen, instr) => gen.localSet(instr.local, false),
    "local.tee": (gen, instr) => gen.localSet(instr.local, true),
    "global.get": (gen, instr) => gen.globalGet(instr.global),
    "global.set": (gen, instr) => gen.globalSet(instr.global),
    "i32.const": (gen, instr) => gen.constant(BigInt(instr.value), 32),
    "i64.const": (gen, instr) => gen.constant(instr.value, 64),
    "f32.const": (gen, instr) => gen.constant(BigInt(instr.bits >>> 0), 32),
    "f64.const": (gen, instr) => gen.constant(instr.bits, 64),
    "f32.demote_f64": (gen) => gen.convertFloat(64, 32),
    "f64.promote_f32": (gen) => gen.convertFloat(32, 64),
    // A float's raw bits are its slot and an i32's slot is zero-extended: reinterpreting changes nothing.
    "i32.reinterpret_f32": () => {},
    "i64.reinterpret_f64": () => {},
    "f32.reinterpret_i32": () => {},
    "f64.reinterpret_i64": () => {},
    "i32.wrap_i64": (gen) => gen.conversion("wrap"),
    "i64.extend_i32_s": (gen) => gen.conversion("extend_s"),
    "i64.extend_i32_u": (gen) => gen.conversion("extend_u"),
    "memory.size": (gen) => gen.memorySize(),
    "memory.grow": (gen) => gen.memoryGrow(),
    // references, tables and bulk memory
    select_t: (gen) => gen.select(),
    "ref.null": (gen) => gen.constant(0n, 64),
    "ref.is_null": (gen) => gen.refIsNull(),
    "ref.func": (gen, instr) => gen.refFunc(instr.func),
    "table.get": (gen, instr) => gen.tableGet(instr.table),
    "table.set": (gen, instr) => gen.tableSet(instr.table),
    "table.size": (gen, instr) => gen.tableSize(instr.table),
    "table.grow": (gen, instr) => gen.tableGrow(instr.table),
    "table.fill": (gen, instr) => gen.tableFill(instr.table),
    "table.copy": (gen, instr) => gen.tableCopy(instr.dstTable, instr.srcTable),
    "table.init": (gen, instr) => gen.tableInit(instr.table, instr.elem),
    "elem.drop": (gen, instr) => gen.elemDrop(instr.elem),
    "memory.copy": (gen) => gen.memoryCopy(),
    "memory.fill": (gen) => gen.memoryFill(),
    "memory.init": (gen, instr) => gen.memoryInit(instr.data),
    "data.drop": (gen, instr) => gen.dataDrop(instr.data),
  };
  for (const width of [32, 64] as const) {
    const type = `i${width}` as const;
    for (const op of BINOPS) table[`${type}.${op}`] = (gen) => gen.binary(op, width);
    for (const op of DIVISIONS) table[`${type}.${op}`] = (gen) => gen.division(op, width);
    for (const op of UNOPS) table[`${type}.${op}`] = (gen) => gen.unary(op, width);
    for (const cond of CONDS) table[`${type}.${cond}`] = (gen) => gen.comparison(cond, width);
    table[`${type}.eqz`] = (gen) => gen.eqz(width);
  }
  for (const width of WIDTHS) {
    const type = `f${width}` as const;
    for (const op of FLOAT_BINOPS) table[`${type}.${op}`] = (gen) => gen.floatBinary(op, width);
    for (const op of FLOAT_UNOPS) table[`${type}.${op}`] = (gen) => gen.floatUnary(op, width);
    for (const cond of FLOAT_CONDS) table[`${type}.${cond}`] = (gen) => gen.floatComparison(cond, width);
    table[`${type}.abs`] = (gen) => gen.abs(width);
    table[`${type}.neg`] = (gen) => gen.neg(width);
    table[`${type}.copysign`] = (gen) => gen.copysign(width);
    for (const intWidth of WIDTHS) {
      for (const [suffix, signed] of [
        ["s", true],
        ["u", false],
      ] as const) {
        table[`i${intWidth}.trunc_${type}_${suffix}`] = (gen) => gen.truncation(width, intWidth, signed);
        table[`${type}.convert_i${intWidth}_${suffix}`] = (gen) =>
          gen.convertToFloat(intWidth, width, signed);
      }
    }
  }
  for (const op of MEMORY_LOADS) table[op] = (gen, instr) => gen.load(op, instr.memOffset);
  for (const op of MEMORY_STORES) table[op] = (gen, instr) => gen.store(op, instr.memOffset);
  addExtensionVisitors(table);
  return table;
})();

/** Sign extension and the saturating truncations. */
function addExtensionVisitors(table: { [K in Op]?: Visitor<K> }): void {
  table["i32.extend8_s"] = (gen) => gen.signExtension(8, 32);
  table["i32.extend16_s"] = (gen) => gen.signExtension(16, 32);
  table["i64.extend8_s"] = (gen) => gen.signExtension(8, 64);
  table["i64.extend16_s"] = (gen) => gen.signExtension(16, 64);
  table["i64.extend32_s"] = (gen) => gen.signExtension(32, 64);
  for (const from of WIDTHS) {
    for (const to of WIDTHS) {
      table[`i${to}.trunc_sat_f${from}_s`] = (gen) => gen.saturatingTruncation(from, to, true);
      table[`i${to}.trunc_sat_f${from}_u`] = (gen) => gen.saturatingTruncation(from, to, false);
    }
  }
}

/** Compiles one defined function. Throws UnsupportedOperator on an operator without a visitor. */
export function compileFunction(input: FunctionInput): CompiledFunction {
  return new FunctionCompiler(input).compile();
}
