// The frame planner: where every byte of a function's stack frame lives, for one target and one
// stack strategy. Target-independent: every number comes from the ABI constants (abi.ts), and the
// intersection policy is a function of ALL targets' constants — nothing here tests a target's name.
//
// Depths are bytes below the function's *reference*: the caller's SP just before the call (x64:
// before the return address is pushed). A slot "at b" occupies [reference − b, reference − b + 8).
//
// Push strategies (`native`, `logical`, `intersect`): SP follows the operand-stack height h.
//
//          caller's outgoing stack-argument area     incoming stack argument i at reference + 8·i
//   ───────────────────────────────────────────────── reference
//          return address      returnAddressBytes    (x64: 8, pushed by `call`; aarch64: 0, in x30)
//          frame record        frameRecordBytes      (x64: rbp 8; aarch64: x29,x30 16, native leaf: 0)
//          entry padding       entryPaddingBytes     (intersect: up to the largest ret + record)
//   ─────────────────────────────────────────────────   entryBytes
//          local 0             at entryBytes + 8     (params first, copied here by the prologue,
//          local 1             at entryBytes + 16     then the declared locals, zeroed; native:
//          …  padded to 16                            then the result area's address, if passed)
//   ─────────────────────────────────────────────────   bodyBase = entryBytes + localsBytes
//          operand 0           at bodyBase + 8
//          operand 1           at bodyBase + 16
//          …
//   ───────────────────────────────────────────────── SP = bodyBase + 16·⌈h/2⌉
//          outgoing area       only during a call: result area (below), then
//                              stack argument j at [SP + 8·j]
//   ───────────────────────────────────────────────── SP at the call = callee's reference
//
// `frame` strategy: the same slot addresses, but the prologue reserves everything once, after
// checking that reference − (entryBytes + reservedBytes + headroom) ≥ vmctx.stackLimit; SP never
// moves in the body and stack arguments are stored at the bottom of the frame.
//
//   ───────────────────────────────────────────────── reference
//          return address, frame record, padding      entryBytes (as in intersect)
//   ─────────────────────────────────────────────────
//          locals area                                localsBytes          ┐
//          operand area        8·maxHeight, padded    operandAreaBytes     │ reservedBytes
//          outgoing area       max over call sites    outgoingAreaBytes    ┘
//   ───────────────────────────────────────────────── SP in the whole body
//          headroom            the next callee's entry (return address + frame record), if any
//   ───────────────────────────────────────────────── must stay ≥ vmctx.stackLimit
//
// Results (callLayout). A call's first results come back in the two result registers (x64 rax, rdx;
// aarch64 x0, x1); the rest travel through a result area the caller reserves directly above the
// callee's stack arguments, 8 bytes a result, padded to 16:
//
//   `intersect`, `frame`: results 0, 1 in registers, result 2 + i at a fixed place, so both targets
//   use the same bytes (no address is passed):
//
//          result area         result 2 + i at reference + stackArgsBytes + 8·i     (higher addresses)
//          stack arguments     argument registerArgs + j at reference + 8·j
//   ───────────────────────────────────────────────── reference = SP at the call
//
//   `native`: each C ABI's rule for a returned struct of n 8-byte words: n ≤ 2 in the registers;
//   otherwise all n in memory, result i at area + 8·i, the area's address passed in the indirect
//   result register — x64: rdi, the first argument register, so the arguments shift by one (and
//   rax returns the address); aarch64: x8, not an argument register. The callee keeps the address
//   in a hidden slot after its locals (resultPointerSlot).
//
// With several results the caller places the area below every operand slot its results go to
// (callHeight), so copying the memory results into their slots overwrites nothing unread.
import type { FuncType, FunctionInfo, Instr, ValidatedModule, ValType } from "../wasm/ir.js";
import { ABI, type AbiConstants } from "./abi.js";
import { CompilerInvariantError } from "./errors.js";
import type { Strategy, Target } from "./target.js";

/** Every Wasm value is one raw 64-bit slot. */
export const SLOT_BYTES = 8;

const ALL_ABIS: readonly AbiConstants[] = Object.values(ABI);

/**
 * The alignment every strategy keeps SP at (the strictest of all targets): the operand stack moves
 * in steps of it, and every area is padded to it, so the layout is the same on every target.
 */
export const SHARED_ALIGNMENT = Math.max(...ALL_ABIS.map((abi) => abi.stackAlignment));

/** The intersection of the targets' argument registers: arguments beyond it are on the stack somewhere. */
const SHARED_INT_ARG_REGS = Math.min(...ALL_ABIS.map((abi) => abi.intArgRegs));

/** The intersection of the targets' result registers: results beyond it travel in memory everywhere. */
const SHARED_RESULT_REGS = Math.min(...ALL_ABIS.map((abi) => abi.resultRegs));

/** The largest entry sequence of any target: return address + frame record. */
const SHARED_ENTRY_BYTES = alignUp(
  Math.max(...ALL_ABIS.map((abi) => abi.returnAddressBytes + abi.frameRecordBytes)),
  SHARED_ALIGNMENT,
);

export function alignUp(bytes: number, alignment: number): number {
  return Math.ceil(bytes / alignment) * alignment;
}

/** What the planner needs to know about a function. */
export interface FunctionShape {
  readonly params: number;
  /** Result count; absent: at most one (every result count of 1.0). */
  readonly results?: number;
  readonly declaredLocals: number;
  /** Largest operand-stack height (from the validator). */
  readonly maxHeight: number;
  readonly makesCalls: boolean;
  /** Parameter count of every `call` and `call_indirect` in the body. */
  readonly callArities: readonly number[];
  /** Result count of the same calls, in the same order; absent: at most one each. */
  readonly callResults?: readonly number[];
}

/**
 * What a call leaving the generated code (an import, another instance's function) is deemed to use
 * below its reference: the entry sequence of an empty leaf function, so that such a call consumes
 * the same stack on every target under `intersect` and `frame`, as a call to Wasm does.
 */
export const HOST_CALLEE: FunctionShape = {
  params: 0,
  results: 0,
  declaredLocals: 0,
  maxHeight: 0,
  makesCalls: false,
  callArities: [],
  callResults: [],
};

/** The shape of defined function `definedIndex` (0 = the first function that is not an import). */
export function functionShape(validated: ValidatedModule, definedIndex: number): FunctionShape {
  const info: FunctionInfo | undefined = validated.functions[definedIndex];
  const body = validated.module.bodies[definedIndex];
  if (info === undefined || body === undefined) {
    throw new CompilerInvariantError(`no defined function ${definedIndex}`);
  }
  const callArities: number[] = [];
  const callResults: number[] = [];
  for (const instr of body.code) {
    const callee = calledType(validated, instr);
    if (callee === null) continue;
    callArities.push(callee.params.length);
    callResults.push(callee.results.length);
  }
  return {
    params: info.type.params.length,
    results: info.type.results.length,
    declaredLocals: body.locals.length,
    maxHeight: info.maxHeight,
    makesCalls: info.makesCalls,
    callArities,
    callResults,
  };
}

/** The type of the function a `call` or `call_indirect` calls; null for any other instruction. */
export function calledType(validated: ValidatedModule, instr: Instr): FuncType | null {
  if (instr.op !== "call" && instr.op !== "call_indirect") return null;
  const type =
    instr.op === "call" ? validated.funcTypes[instr.func] : validated.module.types[instr.typeIndex];
  if (type === undefined) throw new CompilerInvariantError(`${instr.op} of an unknown function or type`);
  return type;
}

/**
 * Whether frames follow each target's own ABI: `native`, and `logical`, whose stack is limited in
 * Wasm by a counter (the module is instrumented before it is compiled) over exactly those frames.
 */
export function ownAbiFrames(strategy: Strategy): boolean {
  return strategy === "native" || strategy === "logical";
}

/** Whether the function's own ABI lets it skip the frame record (only own-ABI frames use this). */
function omitsFrameRecord(abi: AbiConstants, strategy: Strategy, shape: FunctionShape): boolean {
  return ownAbiFrames(strategy) && abi.leafMayOmitFrameRecord && !shape.makesCalls;
}

/**
 * Bytes from the reference to the end of the entry sequence (return address + frame record +
 * padding). Own-ABI frames: the target's own, padded to its alignment; otherwise the largest over all
 * targets, so every target pads up to the same bytes.
 */
function entryBytesFor(abi: AbiConstants, strategy: Strategy, omitRecord: boolean): number {
  if (!ownAbiFrames(strategy)) return SHARED_ENTRY_BYTES;
  const record = omitRecord ? 0 : abi.frameRecordBytes;
  return alignUp(abi.returnAddressBytes + record, abi.stackAlignment);
}

/** Arguments of an `arity`-ary call that travel on the stack under the target's own ABI. */
export function stackArgCount(abi: AbiConstants, arity: number): number {
  return Math.max(0, arity - abi.intArgRegs);
}

/**
 * Bytes reserved below the operand stack for a call's stack arguments. Own-ABI frames: the target's own
 * stack arguments; otherwise the stack arguments of the target with the fewest argument registers,
 * so a target with more registers carries padding (aarch64 still passes arguments 6 and 7 in x6, x7).
 */
export function outgoingAreaBytes(abi: AbiConstants, strategy: Strategy, arity: number): number {
  const slots = ownAbiFrames(strategy) ? stackArgCount(abi, arity) : Math.max(0, arity - SHARED_INT_ARG_REGS);
  return alignUp(slots * SLOT_BYTES, SHARED_ALIGNMENT);
}

/** Where a call's arguments and results travel (the results diagram at the top). */
export interface CallLayout {
  readonly params: number;
  readonly results: number;
  /** Argument i < registerArgs is in integer argument register firstArgRegister + i. */
  readonly firstArgRegister: number;
  readonly registerArgs: number;
  /** Argument registerArgs + j is at reference + 8·j. */
  readonly stackArgs: number;
  /** Bytes above the reference for the stack arguments (outgoingAreaBytes). */
  readonly stackArgsBytes: number;
  /** Results 0 … registerResults − 1 come back in the result registers. */
  readonly registerResults: number;
  /** Result registerResults + i is at reference + stackArgsBytes + 8·i (native: at the passed address + 8·i). */
  readonly memoryResults: number;
  readonly resultAreaBytes: number;
  /** `native` with memory results: the area's address travels in the ABI's indirect result register. */
  readonly resultPointer: boolean;
  /** Bytes the caller reserves above the callee's reference: stack arguments, then the result area. */
  readonly areaBytes: number;
}

/**
 * The layout of a call with `params` arguments and `results` results. `native`: the target's own ABI
 * (more results than result registers all go to memory, through an address that may take an
 * argument register); otherwise the intersection: the shared result registers, the rest at a fixed
 * place above the stack arguments.
 */
export function callLayout(
  abi: AbiConstants,
  strategy: Strategy,
  params: number,
  results: number,
): CallLayout {
  const native = strategy === "native";
  const resultPointer = native && results > abi.resultRegs;
  const firstArgRegister = resultPointer && abi.indirectResultInArgReg ? 1 : 0;
  const registerArgs = Math.min(params, abi.intArgRegs - firstArgRegister);
  const stackArgsBytes = native
    ? alignUp((params - registerArgs) * SLOT_BYTES, SHARED_ALIGNMENT)
    : outgoingAreaBytes(abi, strategy, params);
  const registerResults = resultPointer ? 0 : Math.min(results, native ? abi.resultRegs : SHARED_RESULT_REGS);
  const memoryResults = results - registerResults;
  const resultAreaBytes = alignUp(memoryResults * SLOT_BYTES, SHARED_ALIGNMENT);
  return {
    params,
    results,
    firstArgRegister,
    registerArgs,
    stackArgs: params - registerArgs,
    stackArgsBytes,
    registerResults,
    memoryResults,
    resultAreaBytes,
    resultPointer,
    areaBytes: stackArgsBytes + resultAreaBytes,
  };
}

/**
 * The operand height a call reserves its area below: the height before the call, or, with several
 * results, also below the slots of all results (argsEnd − params + results), so every result slot
 * is above SP when the results are stored and the result area overlaps none of them. (A single
 * result fits where its call's operands or the call_indirect index were, or just above SP.)
 */
export function callHeight(layout: CallLayout, heightBefore: number, argsEnd: number): number {
  if (layout.results <= 1) return heightBefore;
  return Math.max(heightBefore, argsEnd - layout.params + layout.results);
}

/** The frame of one function on one target under one strategy. All numbers are bytes. */
export class FramePlan {
  readonly returnAddressBytes: number;
  /** 0 when the frame record is omitted (aarch64 `native` leaf). */
  readonly frameRecordBytes: number;
  readonly entryPaddingBytes: number;
  /** Return address + frame record + padding: where the locals area starts. */
  readonly entryBytes: number;
  /** Params and declared locals, one slot each, padded to SHARED_ALIGNMENT. */
  readonly localsBytes: number;
  /** SP in the body at operand height 0 (push strategies). */
  readonly bodyBase: number;
  /** `frame`: operand slots for maxHeight values, padded; 0 under push strategies (SP moves instead). */
  readonly operandAreaBytes: number;
  /** `frame`: the largest outgoing area over the call sites; 0 under push strategies (reserved per call). */
  readonly outgoingAreaBytes: number;
  /** Bytes the prologue reserves below the entry sequence: the whole frame under `frame`, else the locals. */
  readonly reservedBytes: number;
  /** `frame`: the prologue traps unless reference − limitCheckBytes ≥ stack limit; null otherwise. */
  readonly limitCheckBytes: number | null;
  /** Deepest bytes below the reference during the prologue. */
  readonly prologueDepth: number;
  /** How this function is called: where its arguments come from and its results go. */
  readonly incoming: CallLayout;
  /** `native`, results through a passed address: the hidden slot the prologue keeps it in; else null. */
  readonly resultPointerSlot: number | null;

  constructor(
    readonly abi: AbiConstants,
    readonly strategy: Strategy,
    readonly shape: FunctionShape,
  ) {
    const omitRecord = omitsFrameRecord(abi, strategy, shape);
    this.returnAddressBytes = abi.returnAddressBytes;
    this.frameRecordBytes = omitRecord ? 0 : abi.frameRecordBytes;
    this.entryBytes = entryBytesFor(abi, strategy, omitRecord);
    this.entryPaddingBytes = this.entryBytes - this.returnAddressBytes - this.frameRecordBytes;
    this.incoming = callLayout(abi, strategy, shape.params, shape.results ?? 0);
    const locals = shape.params + shape.declaredLocals;
    this.resultPointerSlot = this.incoming.resultPointer ? this.entryBytes + SLOT_BYTES * (locals + 1) : null;
    const hiddenSlots = this.incoming.resultPointer ? 1 : 0;
    this.localsBytes = alignUp((locals + hiddenSlots) * SLOT_BYTES, SHARED_ALIGNMENT);
    this.bodyBase = this.entryBytes + this.localsBytes;
    const framed = strategy === "frame";
    this.operandAreaBytes = framed ? alignUp(shape.maxHeight * SLOT_BYTES, SHARED_ALIGNMENT) : 0;
    this.outgoingAreaBytes = framed
      ? Math.max(
          0,
          ...shape.callArities.map(
            (arity, i) => callLayout(abi, strategy, arity, shape.callResults?.[i] ?? 0).areaBytes,
          ),
        )
      : 0;
    this.reservedBytes = this.localsBytes + this.operandAreaBytes + this.outgoingAreaBytes;
    const headroom = shape.makesCalls ? this.entryBytes : 0;
    this.limitCheckBytes = framed ? this.entryBytes + this.reservedBytes + headroom : null;
    this.prologueDepth = this.entryBytes + this.reservedBytes;
    if (this.entryPaddingBytes < 0 || this.entryPaddingBytes % SHARED_ALIGNMENT !== 0) {
      throw new CompilerInvariantError(`entry padding of ${this.entryPaddingBytes} bytes on ${abi.target}`);
    }
  }

  /** Where local `index` lives (params first). */
  localSlot(index: number): number {
    return this.entryBytes + SLOT_BYTES * (index + 1);
  }

  /** Where the operand-stack value at `index` lives (0 = bottom of the operand stack). */
  operandSlot(index: number): number {
    return this.bodyBase + SLOT_BYTES * (index + 1);
  }

  /** SP (bytes below the reference) in the body at operand height `height`. */
  spAtHeight(height: number): number {
    if (this.strategy === "frame") return this.entryBytes + this.reservedBytes;
    return this.bodyBase + alignUp(height * SLOT_BYTES, SHARED_ALIGNMENT);
  }

  /** The layout of a call this function makes. */
  callLayout(arity: number, results: number): CallLayout {
    return callLayout(this.abi, this.strategy, arity, results);
  }

  /**
   * Bytes a call reserves below the operand stack for its stack arguments and result area (0 under
   * `frame`: pre-reserved).
   */
  callAreaBytes(arity: number, results = 0): number {
    return this.strategy === "frame" ? 0 : this.callLayout(arity, results).areaBytes;
  }

  /**
   * SP at the call instruction of a call made at operand height `height` (callHeight): the callee's
   * reference.
   */
  spAtCall(height: number, arity: number, results = 0): number {
    return this.spAtHeight(height) + this.callAreaBytes(arity, results);
  }
}

export function planFrame(target: Target, strategy: Strategy, shape: FunctionShape): FramePlan {
  return new FramePlan(ABI[target], strategy, shape);
}

/**
 * How the host calls an entry point, so the runner and the compiled code agree: the call's layout
 * (callLayout: argument registers, stack arguments at [reference + 8·j], the result registers and
 * result area) in an area of areaBytes the host reserves above the reference (so it is not part of
 * any depth). The host then makes the call: x64 pushes the host-return exit address
 * (returnAddressBytes), aarch64 puts it in x30.
 */
export interface HostCallLayout extends CallLayout {
  readonly returnAddressBytes: number;
}

export function hostCallLayout(
  target: Target,
  strategy: Strategy,
  paramTypes: readonly ValType[],
  resultTypes: readonly ValType[] = [],
): HostCallLayout {
  const abi = ABI[target];
  return {
    ...callLayout(abi, strategy, paramTypes.length, resultTypes.length),
    returnAddressBytes: abi.returnAddressBytes,
  };
}
