// The MacroAssembler for x64: Wasm-shaped operations on the scratch registers S0–S2 (rax, rcx, rdx)
// and SP-relative stack slots, encoded through encoder.ts. Register roles: regs.ts; the contract:
// ../../masm.ts and ../../README.md.
//
// Clobbers: every method may clobber r10, r11 (hidden temporaries) and the flags, and writes only
// its destination among S0–S2; the other scratch registers keep their values (div/rem and shifts,
// whose hardware operands are fixed registers, restore them). Calls clobber all scratch and argument
// registers; `loadSlotToArgReg` writes argument registers, two of which are S1 (rcx) and S2 (rdx).
//
// Branches: every jump and branch is a rel32 form; forward references are patched at `bind`.
// Relocations: `Relocation.offset` is the offset of a 5-byte `call rel32` (e8: callFunction,
// callAddress) or `jmp rel32` (e9: a trap stub's jump to its exit), emitted with rel32 = 0; the linker
// calls `patchRelocation(code, offset, target − instruction address)` from link.ts, which stores
// displacement − 5 in bytes offset+1..offset+4.

import type { MemoryOp } from "../../../wasm/ir.js";
import { ABI, type AbiConstants } from "../../abi.js";
import { VMCTX as VM_FIELD } from "../../artifact.js";
import { CodeBuffer } from "../../code-buffer.js";
import { CompilerInvariantError } from "../../errors.js";
import type {
  AssembledFunction,
  Cond,
  IntBinop,
  IntConversion,
  IntUnop,
  Label,
  MacroAssembler,
  Relocation,
  Scratch,
  TrapStubRange,
  UnwindRecord,
  Width,
} from "../../masm.js";
import type { Amode, CondCode, ExtMode, IndexGpr, ShiftOp, StoreSize } from "./encoder.js";
import * as enc from "./encoder.js";
import { ShiftCount, Simm32, Uimm32 } from "./imm.js";
import {
  ARG_REGS,
  FRAME_POINTER,
  type Gpr,
  MEMBASE,
  RESULT,
  SCRATCH,
  STACK_POINTER,
  TMP0,
  TMP1,
  TRAP_SITE,
  VMCTX,
} from "./regs.js";

const SLOT_BYTES = 8;

const CONDITION: Record<Cond, CondCode> = {
  eq: "e",
  ne: "ne",
  lt_s: "l",
  lt_u: "b",
  gt_s: "g",
  gt_u: "a",
  le_s: "le",
  le_u: "be",
  ge_s: "ge",
  ge_u: "ae",
};

const ALU_BINOPS = { add: "add", sub: "sub", and: "and", or: "or", xor: "xor" } as const;
const SHIFT_BINOPS: Partial<Record<IntBinop, ShiftOp>> = {
  shl: "shl",
  shr_s: "sar",
  shr_u: "shr",
  rotl: "rol",
  rotr: "ror",
};

type LoadOp = Extract<MemoryOp, `${string}.load${string}`>;
type StoreOp = Extract<MemoryOp, `${string}.store${string}`>;

/** How each load reads its bytes. Float loads move raw bits, like every other slot value. */
type LoadKind =
  | { kind: "mov"; size: 32 | 64 }
  | { kind: "movzx"; from: 8 | 16 }
  | { kind: "movsx"; mode: ExtMode };

const LOADS: Record<LoadOp, { bytes: number; load: LoadKind }> = {
  "i32.load": { bytes: 4, load: { kind: "mov", size: 32 } },
  "i64.load": { bytes: 8, load: { kind: "mov", size: 64 } },
  "f32.load": { bytes: 4, load: { kind: "mov", size: 32 } },
  "f64.load": { bytes: 8, load: { kind: "mov", size: 64 } },
  "i32.load8_s": { bytes: 1, load: { kind: "movsx", mode: "bl" } },
  "i32.load8_u": { bytes: 1, load: { kind: "movzx", from: 8 } },
  "i32.load16_s": { bytes: 2, load: { kind: "movsx", mode: "wl" } },
  "i32.load16_u": { bytes: 2, load: { kind: "movzx", from: 16 } },
  "i64.load8_s": { bytes: 1, load: { kind: "movsx", mode: "bq" } },
  "i64.load8_u": { bytes: 1, load: { kind: "movzx", from: 8 } },
  "i64.load16_s": { bytes: 2, load: { kind: "movsx", mode: "wq" } },
  "i64.load16_u": { bytes: 2, load: { kind: "movzx", from: 16 } },
  "i64.load32_s": { bytes: 4, load: { kind: "movsx", mode: "lq" } },
  "i64.load32_u": { bytes: 4, load: { kind: "mov", size: 32 } },
};

const STORES: Record<StoreOp, StoreSize> = {
  "i32.store": 32,
  "i64.store": 64,
  "f32.store": 32,
  "f64.store": 64,
  "i32.store8": 8,
  "i32.store16": 16,
  "i64.store8": 8,
  "i64.store16": 16,
  "i64.store32": 32,
};

const MAX_MEMORY_OFFSET = 2 ** 32 - 1;

function isLoad(op: MemoryOp): op is LoadOp {
  return Object.hasOwn(LOADS, op);
}

function isStore(op: MemoryOp): op is StoreOp {
  return Object.hasOwn(STORES, op);
}

interface LabelState {
  /** Offset the label is bound at, once bound. */
  boundAt: number | null;
  /** SP state of the jumps to the label (they all agree); null while there are none. */
  jumpSp: number | null;
  /** Offsets of rel32 fields waiting for the label to be bound. */
  fixups: number[];
}

interface PendingStub {
  readonly label: Label;
  readonly site: number;
  readonly exitAddress: bigint;
}

function simm32(n: number | bigint, what: string): Simm32 {
  const imm = Simm32.from(n);
  if (imm === null) throw new CompilerInvariantError(`${what} ${n} does not fit in 32 signed bits`);
  return imm;
}

function uimm32(n: number, what: string): Uimm32 {
  const imm = Uimm32.from(n);
  if (imm === null) throw new CompilerInvariantError(`${what} ${n} does not fit in 32 unsigned bits`);
  return imm;
}

function shiftCount(n: number, width: Width): ShiftCount {
  const count = ShiftCount.from(n, width);
  if (count === null) throw new CompilerInvariantError(`shift count ${n} is out of range for ${width} bits`);
  return count;
}

function repeatByte(byte: bigint, width: Width): bigint {
  let value = 0n;
  for (let i = 0; i < width / 8; i++) value = (value << 8n) | byte;
  return value;
}

function at(base: Gpr, disp: number, index: IndexGpr | null = null): Amode {
  return { base, index, disp: simm32(disp, "displacement") };
}

export class X64MacroAssembler implements MacroAssembler {
  readonly abi: AbiConstants = ABI.x64;
  private buf = new CodeBuffer();
  /** At entry the return address is pushed: SP is that many bytes below the reference. */
  private readonly entrySp = this.abi.returnAddressBytes;
  private sp = this.entrySp;
  private deepest = this.entrySp;
  private unwind: UnwindRecord[] = [];
  private relocations: Relocation[] = [];
  private labels = new Map<number, LabelState>();
  private stubs: PendingStub[] = [];
  /** Label ids are unique across functions, so a label from a finished function is rejected. */
  private nextLabelId = 0;

  constructor() {
    this.recordUnwind();
  }

  offset(): number {
    return this.buf.offset;
  }

  get spBelowReference(): number {
    return this.sp;
  }

  // ── labels and control ──────────────────────────────────────────────────────────────────

  newLabel(): Label {
    const label = { id: this.nextLabelId++ };
    this.labels.set(label.id, { boundAt: null, jumpSp: null, fixups: [] });
    return label;
  }

  bind(label: Label): void {
    const state = this.labelState(label);
    if (state.boundAt !== null) throw new CompilerInvariantError(`label ${label.id} is bound twice`);
    state.boundAt = this.buf.offset;
    for (const field of state.fixups) this.buf.patch32(field, state.boundAt - (field + 4));
    state.fixups = [];
  }

  jump(label: Label): void {
    this.branchTo(label, (rel32) => enc.jmpRel32(this.buf, rel32));
  }

  branchIfZero(width: Width, reg: Scratch, label: Label): void {
    enc.testRR(this.buf, width, SCRATCH[reg], SCRATCH[reg]);
    this.jcc("e", label);
  }

  branchIfNonZero(width: Width, reg: Scratch, label: Label): void {
    enc.testRR(this.buf, width, SCRATCH[reg], SCRATCH[reg]);
    this.jcc("ne", label);
  }

  branchIfCompare(cond: Cond, width: Width, lhs: Scratch, rhs: Scratch, label: Label): void {
    enc.aluRR(this.buf, "cmp", width, SCRATCH[lhs], SCRATCH[rhs]);
    this.jcc(CONDITION[cond], label);
  }

  branchIfCompareImm(cond: Cond, width: Width, reg: Scratch, imm: number, label: Label): void {
    if (
      !Number.isSafeInteger(imm) ||
      (width === 32 && Simm32.from(imm) === null && Uimm32.from(imm) === null)
    ) {
      throw new CompilerInvariantError(`compare immediate ${imm} is not an i${width}`);
    }
    // A 32-bit compare sees the low 32 bits of the immediate: 0xffffffff and -1 are the same operand.
    const operand = Simm32.from(width === 32 ? imm | 0 : imm);
    if (operand !== null) {
      enc.aluRI(this.buf, "cmp", width, SCRATCH[reg], operand);
    } else {
      this.movImmTo(TMP0, BigInt(imm), 64);
      enc.aluRR(this.buf, "cmp", 64, SCRATCH[reg], TMP0);
    }
    this.jcc(CONDITION[cond], label);
  }

  trapStub(site: number, exitAddress: bigint): Label {
    const label = this.newLabel();
    this.stubs.push({ label, site, exitAddress });
    return label;
  }

  private jcc(cc: CondCode, label: Label): void {
    this.branchTo(label, (rel32) => enc.jccRel32(this.buf, cc, rel32));
  }

  /** Emits a rel32 branch (its last 4 bytes are the displacement from its end) to `label`. */
  private branchTo(label: Label, emit: (rel32: Simm32) => void): void {
    const state = this.labelState(label);
    if (state.jumpSp === null) state.jumpSp = this.sp;
    else if (state.jumpSp !== this.sp) {
      throw new CompilerInvariantError(
        `label ${label.id}: jumped to with SP ${this.sp} and ${state.jumpSp} bytes below the reference`,
      );
    }
    emit(simm32(0, "branch"));
    const field = this.buf.offset - 4;
    if (state.boundAt === null) state.fixups.push(field);
    else this.buf.patch32(field, state.boundAt - this.buf.offset);
  }

  private labelState(label: Label): LabelState {
    const state = this.labels.get(label.id);
    if (state === undefined)
      throw new CompilerInvariantError(`label ${label.id} does not belong to this function`);
    return state;
  }

  // ── stack and frame ─────────────────────────────────────────────────────────────────────

  pushFrameRecord(): void {
    if (this.sp !== this.entrySp)
      throw new CompilerInvariantError("the frame record is pushed at function entry only");
    enc.pushR(this.buf, FRAME_POINTER);
    this.setSp(this.sp + this.abi.frameRecordBytes);
    enc.movRR(this.buf, 64, FRAME_POINTER, STACK_POINTER);
  }

  popFrameRecordAndReturn(): void {
    const atRecord = this.entrySp + this.abi.frameRecordBytes;
    if (this.sp !== atRecord) {
      throw new CompilerInvariantError(
        `return with SP ${this.sp} bytes below the reference, not at the frame record (${atRecord})`,
      );
    }
    enc.popR(this.buf, FRAME_POINTER);
    this.setSp(this.entrySp);
    enc.ret(this.buf);
  }

  returnWithoutFrameRecord(): void {
    throw new CompilerInvariantError(
      "x64 functions always have a frame record (abi.leafMayOmitFrameRecord is false)",
    );
  }

  resetStackPointer(spBelowReference: number): void {
    this.requireNonNegativeDepth(spBelowReference);
    this.setSp(spBelowReference);
  }

  reserve(bytes: number): void {
    this.requireAligned(bytes, "reserve");
    if (bytes === 0) return;
    enc.aluRI(this.buf, "sub", 64, STACK_POINTER, simm32(bytes, "reserve"));
    this.setSp(this.sp + bytes);
  }

  release(bytes: number): void {
    this.requireAligned(bytes, "release");
    if (bytes === 0) return;
    this.requireNonNegativeDepth(this.sp - bytes);
    enc.aluRI(this.buf, "add", 64, STACK_POINTER, simm32(bytes, "release"));
    this.setSp(this.sp - bytes);
  }

  loadSlot(dst: Scratch, below: number): void {
    enc.movRM(this.buf, 64, SCRATCH[dst], this.slot(below));
  }

  storeSlot(below: number, src: Scratch): void {
    enc.movMR(this.buf, 64, this.slot(below), SCRATCH[src]);
  }

  loadIncomingStackArg(dst: Scratch, index: number): void {
    // The first incoming stack argument is at the reference (the caller's SP at its call).
    enc.movRM(this.buf, 64, SCRATCH[dst], at(STACK_POINTER, this.sp + SLOT_BYTES * this.requireIndex(index)));
  }

  storeOutgoingStackArg(index: number, src: Scratch): void {
    enc.movMR(this.buf, 64, at(STACK_POINTER, SLOT_BYTES * this.requireIndex(index)), SCRATCH[src]);
  }

  loadSlotToArgReg(argIndex: number, below: number): void {
    enc.movRM(this.buf, 64, this.argReg(argIndex), this.slot(below));
  }

  storeArgRegToSlot(below: number, argIndex: number): void {
    enc.movMR(this.buf, 64, this.slot(below), this.argReg(argIndex));
  }

  moveToResultReg(src: Scratch): void {
    if (SCRATCH[src] !== RESULT) enc.movRR(this.buf, 64, RESULT, SCRATCH[src]);
  }

  moveFromResultReg(dst: Scratch): void {
    if (SCRATCH[dst] !== RESULT) enc.movRR(this.buf, 64, SCRATCH[dst], RESULT);
  }

  callFunction(funcIndex: number): void {
    this.call({ kind: "function", funcIndex });
  }

  callAddress(address: bigint): void {
    this.call({ kind: "exit", address });
  }

  branchIfStackBelowLimit(bytes: number, overflow: Label): void {
    // reference − bytes = rsp + (sp − bytes); an unsigned compare, as for addresses.
    enc.leaRM(this.buf, TMP0, at(STACK_POINTER, this.sp - bytes));
    enc.aluRM(this.buf, "cmp", 64, TMP0, at(VMCTX, VM_FIELD.stackLimit));
    this.jcc("b", overflow);
  }

  /** `call rel32` with a relocation: rsp is 16-aligned at every call (SysV). */
  private call(target: Relocation["target"]): void {
    if (this.sp % this.abi.stackAlignment !== 0) {
      throw new CompilerInvariantError(
        `call with SP ${this.sp} bytes below the reference: not ${this.abi.stackAlignment}-aligned`,
      );
    }
    this.relocations.push({ offset: this.buf.offset, target });
    enc.callRel32(this.buf, simm32(0, "call"));
  }

  /** A slot at `reference − below`, SP-relative: it must lie at or above SP and below the reference. */
  private slot(below: number): Amode {
    if (!Number.isInteger(below) || below < SLOT_BYTES) {
      throw new CompilerInvariantError(`slot ${below} bytes below the reference is not below the reference`);
    }
    const offset = this.sp - below;
    if (offset < 0) {
      throw new CompilerInvariantError(
        `slot ${below} bytes below the reference is below SP (${this.sp}): no red zone`,
      );
    }
    return at(STACK_POINTER, offset);
  }

  private argReg(argIndex: number): Gpr {
    const reg = ARG_REGS[argIndex];
    if (reg === undefined) throw new CompilerInvariantError(`x64 has no argument register ${argIndex}`);
    return reg;
  }

  private requireIndex(index: number): number {
    if (!Number.isInteger(index) || index < 0)
      throw new CompilerInvariantError(`bad stack argument index ${index}`);
    return index;
  }

  private requireAligned(bytes: number, what: string): void {
    if (!Number.isInteger(bytes) || bytes < 0 || bytes % this.abi.stackAlignment !== 0) {
      throw new CompilerInvariantError(
        `${what} ${bytes} bytes: not a multiple of ${this.abi.stackAlignment}`,
      );
    }
  }

  private requireNonNegativeDepth(sp: number): void {
    if (!Number.isInteger(sp) || sp < this.entrySp) {
      throw new CompilerInvariantError(
        `SP would be ${sp} bytes below the reference, above its entry value ${this.entrySp}`,
      );
    }
  }

  private setSp(sp: number): void {
    this.sp = sp;
    this.deepest = Math.max(this.deepest, sp);
    this.recordUnwind();
  }

  /** One record per offset: a later change at the same offset replaces the earlier one. */
  private recordUnwind(): void {
    const record: UnwindRecord = {
      offset: this.buf.offset,
      spBelowReference: this.sp,
      returnAddress: "stack",
    };
    if (this.unwind.at(-1)?.offset === record.offset) this.unwind.pop();
    this.unwind.push(record);
  }

  // ── values ──────────────────────────────────────────────────────────────────────────────

  movImm(dst: Scratch, value: bigint, width: Width): void {
    this.movImmTo(SCRATCH[dst], value, width);
  }

  /** The shortest of xor, mov r32 (zero-extends), mov r64 (sign-extends), movabs. */
  private movImmTo(reg: Gpr, value: bigint, width: Width): void {
    const bits = width === 32 ? BigInt.asUintN(32, value) : BigInt.asIntN(64, value);
    const unsigned = Uimm32.from(bits);
    const signed = Simm32.from(bits);
    if (bits === 0n) enc.aluRR(this.buf, "xor", 32, reg, reg);
    else if (unsigned !== null) enc.movRI32(this.buf, reg, unsigned);
    else if (signed !== null) enc.movRI64(this.buf, reg, signed);
    else enc.movabsRI(this.buf, reg, bits);
  }

  move(dst: Scratch, src: Scratch): void {
    if (dst !== src) enc.movRR(this.buf, 64, SCRATCH[dst], SCRATCH[src]);
  }

  intBinop(op: IntBinop, width: Width, dst: Scratch, src: Scratch): void {
    const d = SCRATCH[dst];
    const s = SCRATCH[src];
    const sz = width;
    switch (op) {
      case "add":
      case "sub":
      case "and":
      case "or":
      case "xor":
        enc.aluRR(this.buf, ALU_BINOPS[op], sz, d, s);
        return;
      case "mul":
        enc.imulRR(this.buf, sz, d, s);
        return;
      case "shl":
      case "shr_s":
      case "shr_u":
      case "rotl":
      case "rotr":
        this.shift(SHIFT_BINOPS[op]!, sz, d, s);
        return;
      case "div_s":
      case "div_u":
      case "rem_s":
      case "rem_u":
        this.divide(op, sz, d, s);
        return;
    }
  }

  /**
   * `d ← d op s` with the count in cl. The hardware masks the count to the operand width (Wasm's
   * semantics, rotates included). rcx is S1: when s is not rcx, rcx is parked in r11 and restored.
   */
  private shift(op: ShiftOp, sz: enc.Size, d: Gpr, s: Gpr): void {
    const rcx = SCRATCH[1];
    if (s === rcx) {
      enc.shiftRCl(this.buf, op, sz, d);
      return;
    }
    enc.movRR(this.buf, 64, TMP1, rcx);
    enc.movRR(this.buf, 64, rcx, s);
    // d = rcx: its value now lives in r11, which is shifted and copied back by restoring rcx.
    enc.shiftRCl(this.buf, op, sz, d === rcx ? TMP1 : d);
    enc.movRR(this.buf, 64, rcx, TMP1);
  }

  /**
   * `d ← d op s` through rdx:rax. The divisor goes to r10; the dividend is swapped into rax (its
   * old value parked in d) and rdx is saved in r11. Afterwards the result is moved to rax, rdx is
   * restored and the swap undone, which leaves the result in d and rax, rdx as they were.
   */
  private divide(op: "div_s" | "div_u" | "rem_s" | "rem_u", sz: enc.Size, d: Gpr, s: Gpr): void {
    const rax = SCRATCH[0];
    const rdx = SCRATCH[2];
    const signed = op === "div_s" || op === "rem_s";
    enc.movRR(this.buf, 64, TMP0, s);
    if (d !== rax) enc.xchgRR(this.buf, rax, d);
    enc.movRR(this.buf, 64, TMP1, rdx);
    if (!signed) enc.aluRR(this.buf, "xor", 32, rdx, rdx);
    else if (sz === 64) enc.cqo(this.buf);
    else enc.cdq(this.buf);
    if (signed) enc.idivR(this.buf, sz, TMP0);
    else enc.divR(this.buf, sz, TMP0);
    if (op === "rem_s" || op === "rem_u") enc.movRR(this.buf, 64, rax, rdx);
    enc.movRR(this.buf, 64, rdx, TMP1);
    if (d !== rax) enc.xchgRR(this.buf, rax, d);
  }

  intUnop(op: IntUnop, width: Width, dst: Scratch): void {
    const reg = SCRATCH[dst];
    // lzcnt and tzcnt give the operand width for 0, as Wasm's clz and ctz.
    if (op === "clz") enc.lzcnt(this.buf, width, reg, reg);
    else if (op === "ctz") enc.tzcnt(this.buf, width, reg, reg);
    else this.popcount(width, reg);
  }

  /**
   * Population count without `popcnt`: under Unicorn 2.0.1 the Haswell model the harness selects
   * reports no POPCNT (CPUID.1:ECX[23] = 0) and the instruction raises #UD. Counts bits in pairs, nibbles, then bytes, and adds the byte
   * counts into the top byte with one multiplication.
   */
  private popcount(width: Width, x: Gpr): void {
    const t = TMP0;
    const shiftRight = (reg: Gpr, n: number) =>
      enc.shiftRI(this.buf, "shr", width, reg, shiftCount(n, width));
    // x − ((x >> 1) & 0x55…): 2-bit counts
    enc.movRR(this.buf, width, t, x);
    shiftRight(t, 1);
    this.byteMask(width, 0x55n)(t);
    enc.aluRR(this.buf, "sub", width, x, t);
    // (x & 0x33…) + ((x >> 2) & 0x33…): 4-bit counts
    enc.movRR(this.buf, width, t, x);
    shiftRight(t, 2);
    const and33 = this.byteMask(width, 0x33n);
    and33(t);
    and33(x);
    enc.aluRR(this.buf, "add", width, x, t);
    // (x + (x >> 4)) & 0x0f…: byte counts
    enc.movRR(this.buf, width, t, x);
    shiftRight(t, 4);
    enc.aluRR(this.buf, "add", width, x, t);
    this.byteMask(width, 0x0fn)(x);
    // x · 0x01…01 sums all byte counts into the top byte
    this.movImmTo(TMP1, repeatByte(0x01n, width), width);
    enc.imulRR(this.buf, width, x, TMP1);
    shiftRight(x, width - 8);
  }

  /** `and reg, byte repeated over the width`: an imm32 when it fits, else a mask loaded into r11 once. */
  private byteMask(width: Width, byte: bigint): (reg: Gpr) => void {
    const mask = repeatByte(byte, width);
    const imm = Simm32.from(mask);
    if (imm !== null) return (reg) => enc.aluRI(this.buf, "and", width, reg, imm);
    enc.movabsRI(this.buf, TMP1, mask);
    return (reg) => enc.aluRR(this.buf, "and", width, reg, TMP1);
  }

  compare(cond: Cond, width: Width, dst: Scratch, lhs: Scratch, rhs: Scratch): void {
    enc.aluRR(this.buf, "cmp", width, SCRATCH[lhs], SCRATCH[rhs]);
    this.setFlagTo(CONDITION[cond], SCRATCH[dst]);
  }

  eqz(width: Width, dst: Scratch): void {
    enc.testRR(this.buf, width, SCRATCH[dst], SCRATCH[dst]);
    this.setFlagTo("e", SCRATCH[dst]);
  }

  /** reg ← cc ? 1 : 0, zero-extended to 64 bits. */
  private setFlagTo(cc: CondCode, reg: Gpr): void {
    enc.setcc(this.buf, cc, reg);
    enc.movzxRR(this.buf, 8, reg, reg);
  }

  convert(kind: IntConversion, dst: Scratch): void {
    const reg = SCRATCH[dst];
    // A 32-bit mov zero-extends: both wrap (keep the low half) and extend_u.
    if (kind === "extend_s") enc.movsxRR(this.buf, "lq", reg, reg);
    else enc.movRR(this.buf, 32, reg, reg);
  }

  select(dst: Scratch, other: Scratch, cond: Scratch): void {
    enc.testRR(this.buf, 32, SCRATCH[cond], SCRATCH[cond]);
    enc.cmovccRR(this.buf, "e", 64, SCRATCH[dst], SCRATCH[other]);
  }

  // ── VM context, globals, memory ─────────────────────────────────────────────────────────

  loadVmField(dst: Scratch, offset: number): void {
    enc.movRM(this.buf, 64, SCRATCH[dst], at(VMCTX, offset));
  }

  storeVmField(offset: number, src: Scratch): void {
    enc.movMR(this.buf, 64, at(VMCTX, offset), SCRATCH[src]);
  }

  load(op: MemoryOp, dst: Scratch, addr: Scratch, memOffset: number, outOfBounds: Label): void {
    if (!isLoad(op)) throw new CompilerInvariantError(`${op} is not a load`);
    const access = LOADS[op];
    const ea = this.boundsCheckedAddress(SCRATCH[addr], memOffset, access.bytes, outOfBounds);
    const reg = SCRATCH[dst];
    const load = access.load;
    if (load.kind === "mov") enc.movRM(this.buf, load.size, reg, ea);
    else if (load.kind === "movzx") enc.movzxRM(this.buf, load.from, reg, ea);
    else enc.movsxRM(this.buf, load.mode, reg, ea);
  }

  store(op: MemoryOp, addr: Scratch, value: Scratch, memOffset: number, outOfBounds: Label): void {
    if (!isStore(op)) throw new CompilerInvariantError(`${op} is not a store`);
    const storeSize = STORES[op];
    if (addr === value)
      throw new CompilerInvariantError(
        "store: the address register is clobbered, so it cannot hold the value",
      );
    const ea = this.boundsCheckedAddress(SCRATCH[addr], memOffset, storeSize / 8, outOfBounds);
    enc.movMR(this.buf, storeSize, ea, SCRATCH[value]);
  }

  /**
   * addr ← zext(addr) + memOffset (no overflow in 64 bits); branches to `outOfBounds` when
   * addr + bytes > vmctx memory size; returns the operand [membase + addr].
   */
  private boundsCheckedAddress(addr: Gpr, memOffset: number, bytes: number, outOfBounds: Label): Amode {
    if (!Number.isInteger(memOffset) || memOffset < 0 || memOffset > MAX_MEMORY_OFFSET) {
      throw new CompilerInvariantError(`memory offset ${memOffset} is not a u32`);
    }
    const offset = Simm32.from(memOffset);
    if (offset === null) {
      enc.movRI32(this.buf, TMP0, uimm32(memOffset, "memory offset"));
      enc.aluRR(this.buf, "add", 64, addr, TMP0);
    } else if (memOffset !== 0) {
      enc.aluRI(this.buf, "add", 64, addr, offset);
    }
    enc.leaRM(this.buf, TMP0, at(addr, bytes));
    enc.aluRM(this.buf, "cmp", 64, TMP0, at(VMCTX, VM_FIELD.memoryBytes));
    this.jcc("a", outOfBounds);
    return at(MEMBASE, 0, addr as IndexGpr);
  }

  // ── the end ─────────────────────────────────────────────────────────────────────────────

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

  /** `mov r11d, site; jmp exit`, at the SP state of the branch that reaches it. */
  private emitStub({ label, site, exitAddress }: PendingStub): TrapStubRange {
    const state = this.labelState(label);
    this.resetStackPointer(state.jumpSp ?? this.sp);
    const start = this.buf.offset;
    this.bind(label);
    enc.movRI32(this.buf, TRAP_SITE, uimm32(site, "trap site"));
    this.relocations.push({ offset: this.buf.offset, target: { kind: "exit", address: exitAddress } });
    enc.jmpRel32(this.buf, simm32(0, "jump"));
    return { site, start, end: this.buf.offset };
  }

  /**
   * Every label that is jumped to is bound, and the SP state in effect where it is bound (after any
   * `resetStackPointer` at that offset, which the code generator may call after `bind`) is the SP of
   * the jumps: the same static SP on every path into the label.
   */
  private checkLabels(): void {
    for (const [id, state] of this.labels) {
      if (state.jumpSp === null) continue;
      if (state.boundAt === null)
        throw new CompilerInvariantError(`label ${id} is jumped to but never bound`);
      const bound = this.spAt(state.boundAt);
      if (bound !== state.jumpSp) {
        throw new CompilerInvariantError(
          `label ${id} at offset ${state.boundAt}: SP is ${bound} bytes below the reference there but ${state.jumpSp} at the jumps to it`,
        );
      }
    }
  }

  /** The SP state in effect at `offset`: the last unwind record at or before it. */
  private spAt(offset: number): number {
    let [lo, hi] = [0, this.unwind.length - 1];
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (this.unwind[mid]!.offset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.unwind[lo]!.spBelowReference;
  }

  private startNextFunction(): void {
    this.buf = new CodeBuffer();
    this.sp = this.entrySp;
    this.deepest = this.entrySp;
    this.unwind = [];
    this.relocations = [];
    this.labels = new Map();
    this.stubs = [];
    this.recordUnwind();
  }
}

/** A MacroAssembler for x64; after `finish()` it starts the next function. */
export function createMasm(): MacroAssembler {
  return new X64MacroAssembler();
}
