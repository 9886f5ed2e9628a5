// The ISA-neutral half of every MacroAssembler, in the spirit of Cranelift's MachBuffer: the code
// buffer, labels and their fixups, the static stack state (SP and where the return address is) with
// its unwind records, relocations, trap stubs and the checks at `finish()`. A target's masm
// (targets/<isa>/masm.ts) extends it with instruction lowering only: it emits through its encoders,
// branches through `branchTo` with its fixup kind, and implements the emission hooks below. The core
// calls those hooks from the methods that change the stack state, so every SP change goes through
// the checks here; its state is private, so no target can move SP, bind a label or call past them.
//
// The stack invariants, enforced here for every target (a violation throws CompilerInvariantError):
// 1. The stack state is static: SP is `spBelowReference` bytes below the reference at every code
//    offset, and each change is an unwind record at the offset from which it holds.
// 2. No negative depth: SP never rises above its entry value (the reference, less the return
//    address the call pushed).
// 3. SP moves in multiples of abi.stackAlignment (16), except for the pushes the hardware and the
//    ABI fix: the return address (x64 `call`) and the frame record (x64 `push rbp`).
// 4. Every jump into a label arrives in one stack state, the one in effect where the label is bound.
// 5. No red zone: slots are accessed only at or above SP, and below the reference.
// 6. A return leaves from the entry state: the frame record popped, SP back at its entry value.
// 7. A call leaves with SP aligned to abi.stackAlignment, and never while the return address is only
//    in the link register (the call would overwrite it).
// 8. Where the ABI demands SP alignment at every SP-based access (abi.spAlignedAtEveryAccess;
//    AAPCS64: "SP mod 16 = 0 whenever SP is used to access memory", which Unicorn does not check),
//    SP is aligned at every SP-relative load and store. It follows from the reference being aligned
//    (the caller's rule 7) and every SP change being a multiple of 16 there (rule 3, the frame record
//    included); `spRelative` checks it again before each access, where a violation would matter.
import type { MemoryOp } from "../wasm/ir.js";
import { MEMORY_LOADS, MEMORY_STORES } from "../wasm/opcodes.js";
import type { AbiConstants } from "./abi.js";
import { unwindRecordAt } from "./artifact.js";
import { CodeBuffer } from "./code-buffer.js";
import { CompilerInvariantError } from "./errors.js";
import { SLOT_BYTES } from "./frame.js";
import type {
  AssembledFunction,
  ElementBytes,
  Label,
  MemoryAccess,
  Relocation,
  Scratch,
  TrapStubRange,
  UnwindRecord,
  Width,
} from "./masm.js";

/** The largest static offset of a Wasm memory access (a u32 memarg). */
export const MAX_MEMORY_OFFSET = 0xffff_ffff;

/** The static stack state: how far SP is below the reference and where the return address is. */
export interface StackState {
  readonly sp: number;
  readonly returnAddress: UnwindRecord["returnAddress"];
}

/** A branch emitted with a zero displacement: its code range and the target's kind of fixup. */
export interface BranchFixup<Kind extends string> {
  readonly kind: Kind;
  readonly start: number;
  readonly end: number;
}

/** Writes into the branch at `fixup` the displacement that makes it reach code offset `target`. */
export type PatchBranch<Kind extends string> = (
  buf: CodeBuffer,
  fixup: BranchFixup<Kind>,
  target: number,
) => void;

interface LabelState<Kind extends string> {
  boundAt: number | null;
  /** The stack state of every jump to the label; null while there is none. */
  arrival: StackState | null;
  /** Branches waiting for the label to be bound. */
  fixups: BranchFixup<Kind>[];
}

interface PendingStub {
  readonly label: Label;
  readonly site: number;
  readonly exitAddress: bigint;
  /** The state where `trapStub()` was called: the stub's own if nothing branches to it. */
  readonly created: StackState;
}

/** Argument (or result) register `index` of a target whose ABI passes `registers` in registers. */
export function argumentRegister<R>(registers: readonly R[], index: number, role = "argument"): R {
  const reg = registers[index];
  if (reg === undefined) {
    throw new CompilerInvariantError(
      `${role} register ${index} does not exist (the ABI passes ${registers.length} in registers)`,
    );
  }
  return reg;
}

function describe(state: StackState): string {
  return `SP ${state.sp} bytes below the reference (return address: ${state.returnAddress})`;
}

function sameState(a: StackState, b: StackState): boolean {
  return a.sp === b.sp && a.returnAddress === b.returnAddress;
}

/** The access of a memory operator, read from its name: `i64.load16_s` reads 2 bytes, signed, into 64 bits. */
function accessOf(op: MemoryOp): MemoryAccess {
  const [type, name] = op.split(".") as [string, string];
  const result = Number(type.slice(1)) as Width;
  const narrow = /\d+/.exec(name)?.[0];
  const bits = narrow === undefined ? result : Number(narrow);
  return { bytes: (bits / 8) as MemoryAccess["bytes"], signed: name.endsWith("_s"), result };
}

const LOADS = new Map(MEMORY_LOADS.map((op) => [op, accessOf(op)]));
const STORES = new Map(MEMORY_STORES.map((op) => [op, accessOf(op)]));

export abstract class MacroAssemblerCore<Kind extends string> {
  protected readonly buf = new CodeBuffer();
  /** At entry the call has pushed the return address, or left it in the link register. */
  private readonly entry: StackState;
  /** Where the return address is while the frame record is on the stack. */
  private readonly framed: UnwindRecord["returnAddress"];
  private state: StackState;
  private hasFrameRecord = false;
  private deepest: number;
  private unwind: UnwindRecord[] = [];
  private relocations: Relocation[] = [];
  private labels: LabelState<Kind>[] = [];
  /** Label ids are unique across functions, so a label of a finished function is rejected. */
  private firstLabelId = 0;
  private stubs: PendingStub[] = [];

  protected constructor(
    readonly abi: AbiConstants,
    private readonly patchBranch: PatchBranch<Kind>,
  ) {
    const inLinkRegister = abi.returnAddressBytes === 0;
    this.entry = { sp: abi.returnAddressBytes, returnAddress: inLinkRegister ? "lr" : "stack" };
    this.framed = inLinkRegister ? "frame-record" : "stack";
    this.state = this.entry;
    this.deepest = this.entry.sp;
    this.setState(this.entry);
  }

  // ── emission hooks: each emits instructions only; the core keeps the books around them ──────

  /** Pushes the frame record (x64: push rbp; aarch64: stp x29, x30, [sp, #-16]!). */
  protected abstract emitFrameRecordPush(): void;
  /** Points the frame pointer at the record just pushed. */
  protected abstract emitFramePointerSetup(): void;
  /** Pops the frame record. */
  protected abstract emitFrameRecordPop(): void;
  protected abstract emitReturn(): void;
  /** The immediates an SP adjustment of `bytes` is made of, each emitted by one `emitStackStep`. */
  protected abstract stackSteps(bytes: number): readonly number[];
  /** SP −= deeperBy (a negative `deeperBy` raises SP). */
  protected abstract emitStackStep(deeperBy: number): void;
  /** A call whose displacement the linker fills in (the relocation is recorded at its start). */
  protected abstract emitRelocatedCall(): void;
  /** A trap stub's body: the site register ← `site`, then a jump to the exit through `relocate`. */
  protected abstract emitTrapStub(site: number, exitAddress: bigint): void;
  /** `load`/`store` with the operator, registers and offset already checked. */
  protected abstract emitLoad(
    access: MemoryAccess,
    dst: Scratch,
    addr: Scratch,
    memOffset: number,
    outOfBounds: Label,
  ): void;
  protected abstract emitStore(
    access: MemoryAccess,
    addr: Scratch,
    value: Scratch,
    memOffset: number,
    outOfBounds: Label,
  ): void;
  /** f32 ⇄ f64, `from` ≠ `to`. */
  protected abstract emitConvertFloat(from: Width, to: Width, dst: Scratch): void;
  /** `copyAndAdvance` with dst ≠ src checked. */
  protected abstract emitCopyAndAdvance(
    dst: Scratch,
    src: Scratch,
    bytes: ElementBytes,
    direction: "forward" | "backward",
  ): void;
  /** `storeAndAdvance` with dst ≠ value checked. */
  protected abstract emitStoreAndAdvance(dst: Scratch, value: Scratch, bytes: 1 | 8): void;
  /** `addImmediate` with imm a signed 32-bit integer. */
  protected abstract emitAddImmediate(dst: Scratch, imm: number): void;

  // ── state ────────────────────────────────────────────────────────────────────────────────

  offset(): number {
    return this.buf.offset;
  }

  get spBelowReference(): number {
    return this.state.sp;
  }

  // ── labels ───────────────────────────────────────────────────────────────────────────────

  newLabel(): Label {
    this.labels.push({ boundAt: null, arrival: null, fixups: [] });
    return { id: this.firstLabelId + this.labels.length - 1 };
  }

  bind(label: Label): void {
    const state = this.label(label);
    if (state.boundAt !== null) throw new CompilerInvariantError(`label ${label.id} is bound twice`);
    state.boundAt = this.buf.offset;
    for (const fixup of state.fixups) this.patchBranch(this.buf, fixup, state.boundAt);
    state.fixups = [];
  }

  /**
   * Emits, through `emit`, a branch of fixup kind `kind` with a zero displacement, and points it at
   * `label`: now if the label is bound, else when it is. The branch arrives in the current state.
   */
  protected branchTo(label: Label, kind: Kind, emit: () => void): void {
    const state = this.label(label);
    if (state.arrival === null) state.arrival = this.state;
    else if (!sameState(state.arrival, this.state)) {
      throw new CompilerInvariantError(
        `label ${label.id} is jumped to with ${describe(this.state)} and with ${describe(state.arrival)}`,
      );
    }
    const start = this.buf.offset;
    emit();
    const fixup = { kind, start, end: this.buf.offset };
    if (state.boundAt === null) state.fixups.push(fixup);
    else this.patchBranch(this.buf, fixup, state.boundAt);
  }

  /** Out-of-line trap stub, emitted by `finish()`; returns the label to branch to. */
  trapStub(site: number, exitAddress: bigint): Label {
    const label = this.newLabel();
    this.stubs.push({ label, site, exitAddress, created: this.state });
    return label;
  }

  private label(label: Label): LabelState<Kind> {
    const state = this.labels[label.id - this.firstLabelId];
    if (state === undefined)
      throw new CompilerInvariantError(`label ${label.id} does not belong to this function`);
    return state;
  }

  // ── frame record, SP and returns ─────────────────────────────────────────────────────────

  pushFrameRecord(): void {
    if (!sameState(this.state, this.entry)) {
      throw new CompilerInvariantError(
        `the frame record is pushed at function entry only, not with ${describe(this.state)}`,
      );
    }
    this.emitFrameRecordPush();
    this.hasFrameRecord = true;
    this.setState({ sp: this.entry.sp + this.abi.frameRecordBytes, returnAddress: this.framed });
    this.emitFramePointerSetup();
  }

  popFrameRecordAndReturn(): void {
    const atRecord = { sp: this.entry.sp + this.abi.frameRecordBytes, returnAddress: this.framed };
    if (!this.hasFrameRecord || !sameState(this.state, atRecord)) {
      throw new CompilerInvariantError(
        `epilogue with ${describe(this.state)}, not at the frame record (${describe(atRecord)})`,
      );
    }
    this.emitFrameRecordPop();
    this.setState(this.entry);
    this.emitReturn();
  }

  returnWithoutFrameRecord(): void {
    if (!this.abi.leafMayOmitFrameRecord) {
      throw new CompilerInvariantError(
        `${this.abi.target} functions always have a frame record (abi.leafMayOmitFrameRecord is false)`,
      );
    }
    if (!sameState(this.state, this.entry)) {
      throw new CompilerInvariantError(
        `return with ${describe(this.state)}, not at entry (${describe(this.entry)})`,
      );
    }
    this.emitReturn();
  }

  /**
   * Declares the state where code is reached only by jumps: SP `spBelowReference` bytes below the
   * reference, the return address where the frame record (if the function pushed one) keeps it.
   */
  resetStackPointer(spBelowReference: number): void {
    const base = this.entry.sp + (this.hasFrameRecord ? this.abi.frameRecordBytes : 0);
    const alignment = this.abi.stackAlignment;
    const above = spBelowReference - base;
    if (!Number.isInteger(above) || above < 0 || above % alignment !== 0) {
      throw new CompilerInvariantError(
        `reset to depth ${spBelowReference} bytes: not ${base} (entry and frame record) plus a multiple of ${alignment}`,
      );
    }
    this.setState({
      sp: spBelowReference,
      returnAddress: this.hasFrameRecord ? this.framed : this.entry.returnAddress,
    });
  }

  reserve(bytes: number): void {
    this.requireStep(bytes, `reserve ${bytes} bytes:`);
    this.moveSp(bytes);
  }

  release(bytes: number): void {
    this.requireStep(bytes, `release ${bytes} bytes:`);
    if (this.state.sp - bytes < this.entry.sp) {
      throw new CompilerInvariantError(
        `release of ${bytes} bytes from depth ${this.state.sp}: negative depth (SP would be above its entry value, ${this.entry.sp} bytes below the reference)`,
      );
    }
    this.moveSp(-bytes);
  }

  /** SP −= deeperBy, in the target's steps, one unwind record after each. */
  private moveSp(deeperBy: number): void {
    const sign = Math.sign(deeperBy);
    for (const step of deeperBy === 0 ? [] : this.stackSteps(Math.abs(deeperBy))) {
      this.requireStep(step, `SP step of ${step} bytes:`);
      this.emitStackStep(sign * step);
      this.setState({ sp: this.state.sp + sign * step, returnAddress: this.state.returnAddress });
    }
  }

  /** Rule 3: `bytes` is a non-negative multiple of the stack alignment. */
  private requireStep(bytes: number, what: string): void {
    const alignment = this.abi.stackAlignment;
    if (!Number.isInteger(bytes) || bytes < 0 || bytes % alignment !== 0) {
      throw new CompilerInvariantError(`${what} SP moves only in non-negative multiples of ${alignment}`);
    }
  }

  private setState(state: StackState): void {
    this.state = state;
    this.deepest = Math.max(this.deepest, state.sp);
    const record: UnwindRecord = {
      offset: this.buf.offset,
      spBelowReference: state.sp,
      returnAddress: state.returnAddress,
    };
    // One record per offset: a later change at the same offset replaces the earlier one.
    if (this.unwind.at(-1)?.offset === record.offset) this.unwind.pop();
    this.unwind.push(record);
  }

  // ── SP-relative accesses ─────────────────────────────────────────────────────────────────

  /** The SP-relative offset of the slot at `reference − below` (rule 5). */
  protected slotOffset(below: number): number {
    const offset = this.state.sp - below;
    if (!Number.isInteger(below) || offset < 0) {
      throw new CompilerInvariantError(
        `slot ${below} bytes below the reference is below SP (${this.state.sp}): no red zone`,
      );
    }
    if (below < SLOT_BYTES)
      throw new CompilerInvariantError(`slot ${below} bytes below the reference is not below the reference`);
    return this.spRelative(offset);
  }

  /** The SP-relative offset of incoming stack argument `index`, at reference + 8·index. */
  protected incomingArgOffset(index: number): number {
    return this.spRelative(this.state.sp + SLOT_BYTES * this.stackArgIndex(index));
  }

  /** The SP-relative offset of outgoing stack argument `index`, at [SP + 8·index] at the call. */
  protected outgoingArgOffset(index: number): number {
    return this.spRelative(SLOT_BYTES * this.stackArgIndex(index));
  }

  /** Rule 8, before every SP-relative access; returns `offset`. */
  private spRelative(offset: number): number {
    if (this.abi.spAlignedAtEveryAccess && this.state.sp % this.abi.stackAlignment !== 0) {
      throw new CompilerInvariantError(
        `memory access through SP at ${this.state.sp} bytes below the reference: not ${this.abi.stackAlignment}-aligned`,
      );
    }
    return offset;
  }

  private stackArgIndex(index: number): number {
    if (!Number.isInteger(index) || index < 0)
      throw new CompilerInvariantError(`bad stack argument index ${index}`);
    return index;
  }

  // ── calls and relocations ────────────────────────────────────────────────────────────────

  callFunction(funcIndex: number): void {
    this.call(() => {
      this.relocate({ kind: "function", funcIndex });
      this.emitRelocatedCall();
    });
  }

  callAddress(address: bigint): void {
    this.call(() => {
      this.relocate({ kind: "exit", address });
      this.emitRelocatedCall();
    });
  }

  /** Emits a call sequence through `emit` once rule 7 holds. */
  protected call(emit: () => void): void {
    if (this.state.sp % this.abi.stackAlignment !== 0) {
      throw new CompilerInvariantError(
        `call with SP ${this.state.sp} bytes below the reference: not ${this.abi.stackAlignment}-aligned`,
      );
    }
    if (this.state.returnAddress === "lr") {
      throw new CompilerInvariantError(
        "call without a frame record would overwrite the return address in the link register",
      );
    }
    emit();
  }

  /** Records that the instruction emitted next is relocated to `target`. */
  protected relocate(target: Relocation["target"]): void {
    this.relocations.push({ offset: this.buf.offset, target });
  }

  // ── checks of Wasm-level operands shared by every target ─────────────────────────────────

  load(op: MemoryOp, dst: Scratch, addr: Scratch, memOffset: number, outOfBounds: Label): void {
    const access = LOADS.get(op);
    if (access === undefined) throw new CompilerInvariantError(`${op} is not a load`);
    this.emitLoad(access, dst, addr, this.memoryOffset(memOffset), outOfBounds);
  }

  store(op: MemoryOp, addr: Scratch, value: Scratch, memOffset: number, outOfBounds: Label): void {
    const access = STORES.get(op);
    if (access === undefined) throw new CompilerInvariantError(`${op} is not a store`);
    if (addr === value) {
      throw new CompilerInvariantError(
        "store: the address and the value are in the same register (the address is clobbered)",
      );
    }
    this.emitStore(access, addr, value, this.memoryOffset(memOffset), outOfBounds);
  }

  private memoryOffset(memOffset: number): number {
    if (!Number.isInteger(memOffset) || memOffset < 0 || memOffset > MAX_MEMORY_OFFSET) {
      throw new CompilerInvariantError(`memory offset ${memOffset} is not a u32`);
    }
    return memOffset;
  }

  convertFloat(from: Width, to: Width, dst: Scratch): void {
    if (from === to) throw new CompilerInvariantError(`convertFloat from f${from} to itself`);
    this.emitConvertFloat(from, to, dst);
  }

  // ── bulk memory and tables ───────────────────────────────────────────────────────────────

  copyAndAdvance(dst: Scratch, src: Scratch, bytes: ElementBytes, direction: "forward" | "backward"): void {
    if (dst === src) throw new CompilerInvariantError("copyAndAdvance: dst and src are the same register");
    this.emitCopyAndAdvance(dst, src, bytes, direction);
  }

  storeAndAdvance(dst: Scratch, value: Scratch, bytes: 1 | 8): void {
    if (dst === value)
      throw new CompilerInvariantError("storeAndAdvance: dst and value are the same register");
    this.emitStoreAndAdvance(dst, value, bytes);
  }

  addImmediate(dst: Scratch, imm: number): void {
    if (!Number.isSafeInteger(imm) || imm < -(2 ** 31) || imm >= 2 ** 31)
      throw new CompilerInvariantError(`addImmediate: ${imm} is not a signed 32-bit integer`);
    this.emitAddImmediate(dst, imm);
  }

  // ── the end ──────────────────────────────────────────────────────────────────────────────

  /** Emits the trap stubs, checks every label (rule 4), returns the function and starts the next. */
  finish(): AssembledFunction {
    const trapStubs = this.stubs.map((stub) => this.emitStub(stub));
    this.checkLabels();
    const assembled: AssembledFunction = {
      code: this.buf.finish(),
      relocations: this.relocations,
      unwind: this.unwind,
      deepestSp: this.deepest,
      trapStubs,
    };
    this.startNextFunction();
    return assembled;
  }

  /** A stub runs in the state of the branches that reach it. */
  private emitStub(stub: PendingStub): TrapStubRange {
    const start = this.buf.offset;
    this.setState(this.label(stub.label).arrival ?? stub.created);
    this.bind(stub.label);
    this.emitTrapStub(stub.site, stub.exitAddress);
    return { site: stub.site, start, end: this.buf.offset };
  }

  /**
   * Every label that is jumped to is bound, and the state in effect where it is bound (after any
   * `resetStackPointer` at that offset, which may come after `bind`) is the state of the jumps.
   */
  private checkLabels(): void {
    this.labels.forEach((label, index) => {
      if (label.arrival === null) return;
      const id = this.firstLabelId + index;
      if (label.boundAt === null)
        throw new CompilerInvariantError(`label ${id} is jumped to but never bound`);
      const record = unwindRecordAt(this.unwind, label.boundAt)!;
      const bound = { sp: record.spBelowReference, returnAddress: record.returnAddress };
      if (!sameState(bound, label.arrival)) {
        throw new CompilerInvariantError(
          `label ${id} at offset ${label.boundAt}: ${describe(bound)} there but ${describe(label.arrival)} at the jumps to it`,
        );
      }
    });
  }

  private startNextFunction(): void {
    this.buf.clear();
    this.firstLabelId += this.labels.length;
    this.labels = [];
    this.stubs = [];
    this.relocations = [];
    this.unwind = [];
    this.hasFrameRecord = false;
    this.deepest = this.entry.sp;
    this.setState(this.entry);
  }
}
