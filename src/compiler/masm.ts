// The ISA-neutral MacroAssembler: Wasm-shaped operations on three scratch registers and on stack
// slots. The code generator speaks only this interface; targets/<isa>/masm.ts implement it.
// Machine model (registers, VM context, frames, exits): README.md beside this file.
import type { MemoryOp } from "../wasm/ir.js";
import type { AbiConstants } from "./abi.js";

/** Scratch value registers S0, S1, S2. Their contents do not survive a call or a trap. */
export type Scratch = 0 | 1 | 2;
export type Width = 32 | 64;

export type IntBinop =
  | "add"
  | "sub"
  | "mul"
  | "and"
  | "or"
  | "xor"
  | "shl"
  | "shr_s"
  | "shr_u"
  | "rotl"
  | "rotr"
  /** Division and remainder: the code generator has already branched away divisor 0 and the
   *  signed-overflow case (div_s traps on MIN/-1, rem_s yields 0), so the masm never sees them. */
  | "div_s"
  | "div_u"
  | "rem_s"
  | "rem_u";

export type IntUnop = "clz" | "ctz" | "popcnt";

/** Float operations on raw bits held in scratch registers (f32 in the low 32 bits, upper bits zero).
 *  Wasm semantics: min/max propagate NaN and order −0 < +0; nearest rounds half to even. NaN results
 *  keep whatever bits the hardware produces: canonicalisation is the code generator's job. */
export type FloatBinop = "add" | "sub" | "mul" | "div" | "min" | "max";
export type FloatUnop = "sqrt" | "ceil" | "floor" | "trunc" | "nearest";
/** Ordered comparisons: false when either operand is NaN, except `ne`, which is then true. */
export type FloatCond = "eq" | "ne" | "lt" | "gt" | "le" | "ge";

export type Cond = "eq" | "ne" | "lt_s" | "lt_u" | "gt_s" | "gt_u" | "le_s" | "le_u" | "ge_s" | "ge_u";

/** What a memory operator moves: `bytes` at the address (floats as raw bits, like integers). */
export interface MemoryAccess {
  readonly bytes: 1 | 2 | 4 | 8;
  /** A load narrower than its result sign-extends (else zero-extends) to `result` bits. */
  readonly signed: boolean;
  readonly result: Width;
}

/** Integer width conversions on a slot value. `wrap` keeps the low 32 bits, zero-extended. */
export type IntConversion = "wrap" | "extend_s" | "extend_u";

export interface Label {
  readonly id: number;
}

/** One change of the static stack state, for unwinding (Artifact.unwind). */
export interface UnwindRecord {
  /** Code offset (relative to the function start) from which this state holds. */
  readonly offset: number;
  /** Bytes the stack pointer is below the function's reference. */
  readonly spBelowReference: number;
  /** Where the return address is: on the stack at the reference − returnAddressBytes, or in the link register. */
  readonly returnAddress: "stack" | "frame-record" | "lr";
}

export interface Relocation {
  /** Offset (relative to the function start) of the instruction to patch. */
  readonly offset: number;
  readonly target:
    | { readonly kind: "function"; readonly funcIndex: number }
    | { readonly kind: "exit"; readonly address: bigint };
}

export interface AssembledFunction {
  readonly code: Uint8Array;
  readonly relocations: readonly Relocation[];
  readonly unwind: readonly UnwindRecord[];
  /** Deepest bytes below the reference that the stack pointer reached. */
  readonly deepestSp: number;
  /** The out-of-line trap stubs emitted by `finish()`, in code order, as [start, end) offsets. */
  readonly trapStubs: readonly TrapStubRange[];
}

export interface TrapStubRange {
  readonly site: number;
  readonly start: number;
  readonly end: number;
}

/**
 * A MacroAssembler for one target: the ISA-neutral core (masm-core.ts), which owns labels, the
 * stack-pointer bookkeeping and its invariants, unwind records, relocations and trap stubs, extended
 * by the target's instruction lowering (targets/<isa>/masm.ts). After `finish()` it starts the next
 * function.
 */
export interface MacroAssembler extends FloatAndTableAssembler, ExtensionAndResultAssembler, BulkAssembler {
  readonly abi: AbiConstants;
  /** Code bytes emitted so far in the current function. */
  offset(): number;
  /** Bytes the stack pointer is currently below the function's reference. */
  readonly spBelowReference: number;

  // ── labels and control ────────────────────────────────────────────────────────────────
  newLabel(): Label;
  bind(label: Label): void;
  jump(label: Label): void;
  branchIfZero(width: Width, reg: Scratch, label: Label): void;
  branchIfNonZero(width: Width, reg: Scratch, label: Label): void;
  branchIfCompare(cond: Cond, width: Width, lhs: Scratch, rhs: Scratch, label: Label): void;
  /** Branches on `reg cond imm`, imm a small signed constant (e.g. -1, 0, table length). */
  branchIfCompareImm(cond: Cond, width: Width, reg: Scratch, imm: number, label: Label): void;
  /** Out-of-line trap stub: `siteRegister ← site; jump exit(kind)`. Returns a label to branch to. */
  trapStub(site: number, exitAddress: bigint): Label;

  // ── stack and frame ───────────────────────────────────────────────────────────────────
  /** Prologue, first part: on x64 the return address is already pushed; push the frame record
   *  (x64: push rbp; mov rbp, rsp — aarch64: stp x29, x30, [sp, #-16]!; mov x29, sp). */
  pushFrameRecord(): void;
  /** Epilogue: SP must be back at the frame record; restore it and return. */
  popFrameRecordAndReturn(): void;
  /** Leaf without a frame record (aarch64 native only): SP at entry; return through the link register. */
  returnWithoutFrameRecord(): void;
  /** Declares the stack state where code is reached only by jumps (after an unconditional jump,
   *  `ret` or a trap, before binding a label): SP is `spBelowReference` below the reference there.
   *  Emits nothing; adds an unwind record at the current offset. */
  resetStackPointer(spBelowReference: number): void;
  /** sub sp, bytes (multiple of 16). */
  reserve(bytes: number): void;
  /** add sp, bytes (multiple of 16). */
  release(bytes: number): void;
  /** 64-bit load/store of the slot at `reference − below` (below > 0), addressed SP-relative. */
  loadSlot(dst: Scratch, below: number): void;
  storeSlot(below: number, src: Scratch): void;
  /** Incoming stack argument i (0 = first one passed on the stack) of the current function. */
  loadIncomingStackArg(dst: Scratch, index: number): void;
  /** Outgoing stack argument i, at [SP + 8·i] just before the call. */
  storeOutgoingStackArg(index: number, src: Scratch): void;
  /** Argument register i ⇄ slot; result register ⇄ scratch. */
  loadSlotToArgReg(argIndex: number, below: number): void;
  storeArgRegToSlot(below: number, argIndex: number): void;
  moveToResultReg(src: Scratch): void;
  moveFromResultReg(dst: Scratch): void;
  /** call rel32 / bl to a defined function (relocated) or to an absolute exit address (imports). */
  callFunction(funcIndex: number): void;
  callAddress(address: bigint): void;
  /** Branches to `overflow` when `reference − bytes < vmctx.stackLimit` (frame strategy). */
  branchIfStackBelowLimit(bytes: number, overflow: Label): void;

  // ── values ────────────────────────────────────────────────────────────────────────────
  /** dst ← the low `width` bits of `value`, zero-extended to 64 bits. */
  movImm(dst: Scratch, value: bigint, width: Width): void;
  move(dst: Scratch, src: Scratch): void;
  /** dst ← dst op src. */
  intBinop(op: IntBinop, width: Width, dst: Scratch, src: Scratch): void;
  intUnop(op: IntUnop, width: Width, dst: Scratch): void;
  /** dst ← (lhs cond rhs) ? 1 : 0. */
  compare(cond: Cond, width: Width, dst: Scratch, lhs: Scratch, rhs: Scratch): void;
  eqz(width: Width, dst: Scratch): void;
  convert(kind: IntConversion, dst: Scratch): void;
  /** dst ← cond ≠ 0 ? dst : other (Wasm select with the condition in `cond`). */
  select(dst: Scratch, other: Scratch, cond: Scratch): void;

  // ── VM context, globals, memory ───────────────────────────────────────────────────────
  loadVmField(dst: Scratch, offset: number): void;
  storeVmField(offset: number, src: Scratch): void;
  /** Bounds-checked linear-memory access; `addr` holds the i32 index (zero-extended). Branches to
   *  `outOfBounds` when zext(addr) + memOffset + width > memory size. `addr` may be clobbered. */
  load(op: MemoryOp, dst: Scratch, addr: Scratch, memOffset: number, outOfBounds: Label): void;
  store(op: MemoryOp, addr: Scratch, value: Scratch, memOffset: number, outOfBounds: Label): void;

  /** Ends the function: binds pending stubs, resolves local labels, returns bytes and tables. */
  finish(): AssembledFunction;
}

/** Floats, tables and indirect calls: part of every MacroAssembler. */
export interface FloatAndTableAssembler {
  // ── floats (values stay raw bits in scratch registers; the masm moves them through FP registers) ──
  /** dst ← dst op src. */
  floatBinop(op: FloatBinop, width: Width, dst: Scratch, src: Scratch): void;
  floatUnop(op: FloatUnop, width: Width, dst: Scratch): void;
  /** dst ← (lhs cond rhs) ? 1 : 0, as i32. */
  floatCompare(cond: FloatCond, width: Width, dst: Scratch, lhs: Scratch, rhs: Scratch): void;
  /** Float of width `from` → integer of width `to`, rounding toward zero. The code generator has
   *  already trapped on NaN and out-of-range inputs, so the value is representable. */
  truncateToInt(from: Width, to: Width, signed: boolean, dst: Scratch): void;
  /** Integer of width `from` → float of width `to`, round to nearest even (u64 included). */
  convertToFloat(from: Width, to: Width, signed: boolean, dst: Scratch): void;
  /** f32 → f64 (promote) or f64 → f32 (demote). */
  convertFloat(from: Width, to: Width, dst: Scratch): void;

  // ── tables and indirect calls ───────────────────────────────────────────────────────────
  /** dst ← 64-bit load from [base + offset] (table entries in emulator memory; no bounds check). */
  loadFromAddress(dst: Scratch, base: Scratch, offset: number): void;
  /** Calls the code address held in the slot at `reference − below` (loaded into a hidden
   *  temporary after the argument registers are set, so no argument register is disturbed). */
  callIndirectFromSlot(below: number): void;
}

/** Sign extension, saturating truncation and several results: part of every MacroAssembler. */
export interface ExtensionAndResultAssembler {
  // ── sign extension and saturating truncation ──────────────────────────────────────────
  /** dst ← its low `bits` bits sign-extended to `width` bits (a 32-bit result zero-extended to 64). */
  signExtend(bits: 8 | 16 | 32, width: Width, dst: Scratch): void;
  /** Float of width `from` → integer of width `to`, rounding toward zero; NaN gives 0 and values
   *  outside the integer range the nearest bound (Wasm's trunc_sat). */
  truncateSaturating(from: Width, to: Width, signed: boolean, dst: Scratch): void;

  // ── several results (frame.ts, callLayout) ────────────────────────────────────────────
  /** Result register `index` (0: the result register, 1: the second) ⇄ slot. */
  loadSlotToResultReg(index: number, below: number): void;
  storeResultRegToSlot(below: number, index: number): void;
  /** The slot at [SP + 8·index] at a call (stack arguments, then the result area), after it returned. */
  loadOutgoingSlot(dst: Scratch, index: number): void;
  /** The slot at reference + 8·index of the current function (its incoming stack arguments, then its result area). */
  storeIncomingSlot(index: number, src: Scratch): void;
  /** The ABI's indirect result register ← SP + offset: the address of the result area before a call. */
  setResultPointer(offset: number): void;
  /** The indirect result register → slot, in the prologue of a function whose results it addresses. */
  storeResultPointerToSlot(below: number): void;
  /** 64-bit store of `src` at [base + offset] (offset ≥ 0). */
  storeToAddress(base: Scratch, offset: number, src: Scratch): void;
}

/** Bytes of a table element or data byte that `elementAddress` and `addScaled` scale by. */
export type ElementBytes = 1 | 8 | 16;

/**
 * Bulk memory and tables: the pieces of the loops the code generator builds (memory.copy, fill and
 * init, table.copy, fill, init and grow) over absolute addresses held in scratch registers. None
 * touches the stack; each may clobber the hidden temporaries.
 */
export interface BulkAssembler {
  /** dst ← dst + the linear memory base: the address of byte `dst` (a zero-extended i32) of memory. */
  addMemoryBase(dst: Scratch): void;
  /** dst ← the VM context's address + `offset`. */
  vmAddress(dst: Scratch, offset: number): void;
  /** index ← the u64 in the VM-context field at `baseField` + index · elementBytes (64-bit). */
  elementAddress(index: Scratch, baseField: number, elementBytes: ElementBytes): void;
  /** dst ← dst + count · elementBytes (64-bit). */
  addScaled(dst: Scratch, count: Scratch, elementBytes: ElementBytes): void;
  /** dst ← dst + imm (64-bit); imm a signed 32-bit constant. */
  addImmediate(dst: Scratch, imm: number): void;
  /**
   * Branches to `label` when start + length > the u64 in the VM-context field at `field`, unsigned
   * in 64 bits (start and length hold zero-extended i32s, so the sum cannot wrap).
   */
  branchIfRangeExceeds(start: Scratch, length: Scratch, field: number, label: Label): void;
  /**
   * Copies `bytes` bytes from [src] to [dst], reading all of them before writing any (so it may
   * overlap). "forward": then dst and src advance by `bytes`; "backward": both step back by `bytes`
   * first. dst and src are different registers.
   */
  copyAndAdvance(dst: Scratch, src: Scratch, bytes: ElementBytes, direction: "forward" | "backward"): void;
  /** Stores the low `bytes` bytes of `value` at [dst], then dst advances by `bytes`. */
  storeAndAdvance(dst: Scratch, value: Scratch, bytes: 1 | 8): void;
  /** reg ← its low byte repeated in all eight bytes. */
  broadcastByte(reg: Scratch): void;
}
