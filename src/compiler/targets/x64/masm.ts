// The MacroAssembler for x64: Wasm-shaped operations on the scratch registers S0–S2 (rax, rcx, rdx)
// and SP-relative stack slots, encoded through encoder.ts. Register roles: regs.ts; the contract:
// ../../masm.ts and ../../README.md.
//
// Clobbers: every method may clobber r10, r11, xmm0, xmm1 (hidden temporaries) and the flags, and writes only
// its destination among S0–S2; the other scratch registers keep their values (div/rem and shifts,
// whose hardware operands are fixed registers, restore them). Calls clobber all scratch and argument
// registers; `loadSlotToArgReg` writes argument registers, two of which are S1 (rcx) and S2 (rdx).
//
// Branches: every jump and branch is a rel32 form (fixup kind "rel32": the displacement is the
// instruction's last 4 bytes, counted from its end), patched by the core at `bind`.
// Relocations: `Relocation.offset` is the offset of a 5-byte `call rel32` (e8: callFunction,
// callAddress) or `jmp rel32` (e9: a trap stub's jump to its exit), emitted with rel32 = 0; the linker
// calls `patchRelocation(code, offset, target − instruction address)` from link.ts, which stores
// displacement − 5 in bytes offset+1..offset+4.

import { ABI, type AbiConstants } from "../../abi.js";
import { VMCTX as VM_FIELD } from "../../artifact.js";
import { CompilerInvariantError } from "../../errors.js";
import type * as masm from "../../masm.js";
import type { Cond, ElementBytes, Label, MemoryAccess, Scratch, Width } from "../../masm.js";
import { argumentRegister, MacroAssemblerCore, type PatchBranch } from "../../masm-core.js";
import type { Amode, CondCode, ExtMode, IndexGpr, ShiftOp, StoreSize } from "./encoder.js";
import * as enc from "./encoder.js";
import { ShiftCount, Simm32, Uimm32 } from "./imm.js";
import {
  ARG_REGS,
  FP_TMP0,
  FP_TMP1,
  FRAME_POINTER,
  type Gpr,
  INDIRECT_RESULT,
  MEMBASE,
  RESULT,
  RESULT_REGS,
  SCRATCH,
  STACK_POINTER,
  TMP0,
  TMP1,
  TRAP_SITE,
  VMCTX,
  type Xmm,
} from "./regs.js";

// biome-ignore format: equality, then the signed and the unsigned orders side by side
const CONDITION: Record<Cond, CondCode> = {
  eq: "e", ne: "ne",
  lt_s: "l", le_s: "le", gt_s: "g", ge_s: "ge",
  lt_u: "b", le_u: "be", gt_u: "a", ge_u: "ae",
};

const ALU_BINOPS = { add: "add", sub: "sub", and: "and", or: "or", xor: "xor" } as const;
const SHIFT_BINOPS: Partial<Record<masm.IntBinop, ShiftOp>> = {
  shl: "shl",
  shr_s: "sar",
  shr_u: "shr",
  rotl: "rol",
  rotr: "ror",
};

/**
 * Ordered float comparisons as `ucomis a, b; set<cc>`, with the operands swapped for lt/le: "a"
 * (CF = ZF = 0) is a > b and "ae" (CF = 0) is a ≥ b, both false when unordered (ZF = PF = CF = 1).
 * eq and ne also need the parity flag, which only an unordered result sets: see floatCompare.
 */
const ORDERED_CONDITION: Record<Exclude<masm.FloatCond, "eq" | "ne">, { swap: boolean; cc: CondCode }> = {
  gt: { swap: false, cc: "a" },
  ge: { swap: false, cc: "ae" },
  lt: { swap: true, cc: "a" },
  le: { swap: true, cc: "ae" },
};

/** 2^63 as f32 and f64 bits: the first value of u64 that the signed conversions cannot reach. */
const TWO_POW_63: Record<Width, bigint> = { 32: 0x5f00_0000n, 64: 0x43e0_0000_0000_0000n };

/** Operand sizes in the letters of the sign-extension forms (Intel's: b 8, w 16, l 32, q 64 bits). */
const SIZE_LETTER = { 8: "b", 16: "w", 32: "l", 64: "q" } as const;

/** Every branch is a rel32 form whose displacement, its last 4 bytes, counts from its end. */
const patchRel32: PatchBranch<"rel32"> = (buf, branch, target) =>
  buf.patch32(branch.end - 4, target - branch.end);

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

export class X64MacroAssembler extends MacroAssemblerCore<"rel32"> implements masm.MacroAssembler {
  constructor(abi: AbiConstants = ABI.x64) {
    super(abi, patchRel32);
  }

  // ── branches ────────────────────────────────────────────────────────────────────────────

  jump(label: Label): void {
    this.branchTo(label, "rel32", () => enc.jmpRel32(this.buf, simm32(0, "branch")));
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

  private jcc(cc: CondCode, label: Label): void {
    this.branchTo(label, "rel32", () => enc.jccRel32(this.buf, cc, simm32(0, "branch")));
  }

  /** `mov r11d, site; jmp exit`. */
  protected emitTrapStub(site: number, exitAddress: bigint): void {
    enc.movRI32(this.buf, TRAP_SITE, uimm32(site, "trap site"));
    this.relocate({ kind: "exit", address: exitAddress });
    enc.jmpRel32(this.buf, simm32(0, "jump"));
  }

  // ── stack and frame ─────────────────────────────────────────────────────────────────────

  protected emitFrameRecordPush(): void {
    enc.pushR(this.buf, FRAME_POINTER);
  }

  protected emitFramePointerSetup(): void {
    enc.movRR(this.buf, 64, FRAME_POINTER, STACK_POINTER);
  }

  protected emitFrameRecordPop(): void {
    enc.popR(this.buf, FRAME_POINTER);
  }

  protected emitReturn(): void {
    enc.ret(this.buf);
  }

  /** One `sub`/`add rsp, imm32`. */
  protected stackSteps(bytes: number): readonly number[] {
    return [bytes];
  }

  protected emitStackStep(deeperBy: number): void {
    const op = deeperBy > 0 ? "sub" : "add";
    enc.aluRI(this.buf, op, 64, STACK_POINTER, simm32(Math.abs(deeperBy), "SP adjustment"));
  }

  loadSlot(dst: Scratch, below: number): void {
    enc.movRM(this.buf, 64, SCRATCH[dst], this.slot(below));
  }

  storeSlot(below: number, src: Scratch): void {
    enc.movMR(this.buf, 64, this.slot(below), SCRATCH[src]);
  }

  loadIncomingStackArg(dst: Scratch, index: number): void {
    enc.movRM(this.buf, 64, SCRATCH[dst], at(STACK_POINTER, this.incomingArgOffset(index)));
  }

  storeOutgoingStackArg(index: number, src: Scratch): void {
    enc.movMR(this.buf, 64, at(STACK_POINTER, this.outgoingArgOffset(index)), SCRATCH[src]);
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

  branchIfStackBelowLimit(bytes: number, overflow: Label): void {
    // reference − bytes = rsp + (sp − bytes); an unsigned compare, as for addresses.
    enc.leaRM(this.buf, TMP0, at(STACK_POINTER, this.spBelowReference - bytes));
    enc.aluRM(this.buf, "cmp", 64, TMP0, at(VMCTX, VM_FIELD.stackLimit));
    this.jcc("b", overflow);
  }

  /** `call rel32`, patched by the linker. */
  protected emitRelocatedCall(): void {
    enc.callRel32(this.buf, simm32(0, "call"));
  }

  /** A slot at `reference − below`, SP-relative. */
  private slot(below: number): Amode {
    return at(STACK_POINTER, this.slotOffset(below));
  }

  private argReg(argIndex: number): Gpr {
    return argumentRegister(ARG_REGS, argIndex);
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

  intBinop(op: masm.IntBinop, width: Width, dst: Scratch, src: Scratch): void {
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

  intUnop(op: masm.IntUnop, width: Width, dst: Scratch): void {
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

  convert(kind: masm.IntConversion, dst: Scratch): void {
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

  protected emitLoad(load: MemoryAccess, dst: Scratch, addr: Scratch, offset: number, oob: Label): void {
    const { bytes, signed, result } = load;
    const ea = this.boundsCheckedAddress(SCRATCH[addr], offset, bytes, oob);
    const reg = SCRATCH[dst];
    const bits = bytes * 8;
    // movzx and a 32-bit mov zero-extend into the 64-bit register; movsx extends to the result's width.
    if (signed && bits < result) {
      enc.movsxRM(this.buf, `${SIZE_LETTER[bits as 8 | 16 | 32]}${SIZE_LETTER[result]}` as ExtMode, reg, ea);
    } else if (bits < 32) enc.movzxRM(this.buf, bits as 8 | 16, reg, ea);
    else enc.movRM(this.buf, bits as Width, reg, ea);
  }

  protected emitStore(store: MemoryAccess, addr: Scratch, value: Scratch, offset: number, oob: Label): void {
    const ea = this.boundsCheckedAddress(SCRATCH[addr], offset, store.bytes, oob);
    enc.movMR(this.buf, (store.bytes * 8) as StoreSize, ea, SCRATCH[value]);
  }

  /**
   * addr ← zext(addr) + memOffset (no overflow in 64 bits); branches to `outOfBounds` when
   * addr + bytes > vmctx memory size; returns the operand [membase + addr].
   */
  private boundsCheckedAddress(addr: Gpr, memOffset: number, bytes: number, outOfBounds: Label): Amode {
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

  // ── floats ──────────────────────────────────────────────────────────────────────────────
  // Raw bits move between the scratch registers and xmm0/xmm1 with movd (f32) / movq (f64). An f32
  // result comes back through `movd r32, xmm`, which zero-extends: the slot's upper half is zero.
  // NaN results are whatever the hardware produces (no canonicalisation here).

  floatBinop(op: masm.FloatBinop, width: Width, dst: Scratch, src: Scratch): void {
    this.toXmm(width, FP_TMP0, SCRATCH[dst]);
    this.toXmm(width, FP_TMP1, SCRATCH[src]);
    if (op === "min" || op === "max") this.minMax(op, width);
    else enc.sseXX(this.buf, op, width, FP_TMP0, FP_TMP1);
    this.fromXmm(width, SCRATCH[dst], FP_TMP0);
  }

  /**
   * xmm0 ← Wasm min/max(xmm0, xmm1). minss/maxss alone return their second operand when either is
   * NaN or both are zeros, so they serve only the ordered, unequal case. Equal operands have equal
   * bits except ±0, where or-ing the bits gives −0 (min) and and-ing gives +0 (max). A NaN operand:
   * the sum is a NaN.
   */
  private minMax(op: "min" | "max", width: Width): void {
    const [nan, distinct, done] = [this.newLabel(), this.newLabel(), this.newLabel()];
    enc.ucomisXX(this.buf, width, FP_TMP0, FP_TMP1);
    this.jcc("p", nan);
    this.jcc("ne", distinct);
    if (op === "min") enc.orpsXX(this.buf, FP_TMP0, FP_TMP1);
    else enc.andpsXX(this.buf, FP_TMP0, FP_TMP1);
    this.jump(done);
    this.bind(distinct);
    enc.sseXX(this.buf, op, width, FP_TMP0, FP_TMP1);
    this.jump(done);
    this.bind(nan);
    enc.sseXX(this.buf, "add", width, FP_TMP0, FP_TMP1);
    this.bind(done);
  }

  floatUnop(op: masm.FloatUnop, width: Width, dst: Scratch): void {
    this.toXmm(width, FP_TMP0, SCRATCH[dst]);
    if (op === "sqrt") enc.sseXX(this.buf, "sqrt", width, FP_TMP0, FP_TMP0);
    // ceil, floor, trunc and nearest (half to even) are roundss/roundsd's modes of the same names.
    else enc.roundXX(this.buf, width, op, FP_TMP0, FP_TMP0);
    this.fromXmm(width, SCRATCH[dst], FP_TMP0);
  }

  floatCompare(cond: masm.FloatCond, width: Width, dst: Scratch, lhs: Scratch, rhs: Scratch): void {
    this.toXmm(width, FP_TMP0, SCRATCH[lhs]);
    this.toXmm(width, FP_TMP1, SCRATCH[rhs]);
    // setcc writes the low byte only: the destination (free once the operands are in xmm) is zeroed first.
    const d = SCRATCH[dst];
    enc.aluRR(this.buf, "xor", 32, d, d);
    if (cond === "eq" || cond === "ne") {
      // eq: ZF and not PF; ne: not ZF or PF.
      enc.aluRR(this.buf, "xor", 32, TMP1, TMP1);
      enc.ucomisXX(this.buf, width, FP_TMP0, FP_TMP1);
      enc.setcc(this.buf, cond === "eq" ? "e" : "ne", d);
      enc.setcc(this.buf, cond === "eq" ? "np" : "p", TMP1);
      enc.aluRR(this.buf, cond === "eq" ? "and" : "or", 32, d, TMP1);
      return;
    }
    const { swap, cc } = ORDERED_CONDITION[cond];
    const [a, b] = swap ? [FP_TMP1, FP_TMP0] : [FP_TMP0, FP_TMP1];
    enc.ucomisXX(this.buf, width, a, b);
    enc.setcc(this.buf, cc, d);
  }

  truncateToInt(from: Width, to: Width, signed: boolean, dst: Scratch): void {
    const d = SCRATCH[dst];
    this.toXmm(from, FP_TMP0, d);
    this.truncateXmm0(from, to, signed, d);
  }

  /** d ← xmm0 truncated, xmm0 representable in the integer type. Clobbers xmm0, xmm1, r10, r11. */
  private truncateXmm0(from: Width, to: Width, signed: boolean, d: Gpr): void {
    if (signed) {
      enc.cvtts2siRX(this.buf, from, to, d, FP_TMP0);
      return;
    }
    // u32: every value in range is a non-negative i64 below 2^32, so the upper half comes out zero.
    enc.cvtts2siRX(this.buf, from, 64, d, FP_TMP0);
    if (to === 64) this.truncateAboveTwoPow63(from, d);
  }

  /**
   * Completes u64 truncation when d holds the signed conversion of xmm0: for x ≥ 2^63 that is the
   * integer indefinite 2^63 (sign bit set), and the result is 2^63 | trunc(x − 2^63), the
   * subtraction exact. Branch-free: the second conversion is masked by the sign of the first.
   */
  private truncateAboveTwoPow63(from: Width, d: Gpr): void {
    this.movImmTo(TMP0, TWO_POW_63[from], from);
    enc.movdXR(this.buf, from, FP_TMP1, TMP0);
    enc.sseXX(this.buf, "sub", from, FP_TMP0, FP_TMP1);
    enc.cvtts2siRX(this.buf, from, 64, TMP0, FP_TMP0);
    enc.movRR(this.buf, 64, TMP1, d);
    enc.shiftRI(this.buf, "sar", 64, TMP1, shiftCount(63, 64));
    enc.aluRR(this.buf, "and", 64, TMP0, TMP1);
    enc.aluRR(this.buf, "or", 64, d, TMP0);
  }

  convertToFloat(from: Width, to: Width, signed: boolean, dst: Scratch): void {
    const d = SCRATCH[dst];
    if (signed) {
      enc.cvtsi2sXR(this.buf, to, from, FP_TMP0, d);
    } else if (from === 32) {
      // u32: zero-extended, it is a non-negative i64.
      enc.movRR(this.buf, 32, TMP0, d);
      enc.cvtsi2sXR(this.buf, to, 64, FP_TMP0, TMP0);
    } else {
      this.convertU64(to, d);
    }
    this.fromXmm(to, d, FP_TMP0);
  }

  /**
   * xmm0 ← u64 d as a float of width `to`. Below 2^63 the signed conversion does it. Above, d is
   * halved with its lowest bit or-ed back in (a sticky bit: 63 − 53 ≥ 1 bits lie below the rounding
   * position, so the one rounding of the conversion rounds as the full value would), converted, and
   * doubled exactly.
   */
  private convertU64(to: Width, d: Gpr): void {
    const [big, done] = [this.newLabel(), this.newLabel()];
    enc.testRR(this.buf, 64, d, d);
    this.jcc("s", big);
    enc.cvtsi2sXR(this.buf, to, 64, FP_TMP0, d);
    this.jump(done);
    this.bind(big);
    enc.movRR(this.buf, 64, TMP0, d);
    enc.shiftRI(this.buf, "shr", 64, TMP0, shiftCount(1, 64));
    enc.movRR(this.buf, 32, TMP1, d);
    enc.aluRI(this.buf, "and", 32, TMP1, simm32(1, "sticky bit"));
    enc.aluRR(this.buf, "or", 64, TMP0, TMP1);
    enc.cvtsi2sXR(this.buf, to, 64, FP_TMP0, TMP0);
    enc.sseXX(this.buf, "add", to, FP_TMP0, FP_TMP0);
    this.bind(done);
  }

  protected emitConvertFloat(from: Width, to: Width, dst: Scratch): void {
    const d = SCRATCH[dst];
    this.toXmm(from, FP_TMP0, d);
    if (from === 32) enc.cvtss2sdXX(this.buf, FP_TMP0, FP_TMP0);
    else enc.cvtsd2ssXX(this.buf, FP_TMP0, FP_TMP0);
    this.fromXmm(to, d, FP_TMP0);
  }

  private toXmm(width: Width, dst: Xmm, src: Gpr): void {
    enc.movdXR(this.buf, width, dst, src);
  }

  private fromXmm(width: Width, dst: Gpr, src: Xmm): void {
    enc.movdRX(this.buf, width, dst, src);
  }

  // ── sign extension and saturating truncation ────────────────────────────────────────────

  signExtend(bits: 8 | 16 | 32, width: Width, dst: Scratch): void {
    if (bits >= width) throw new CompilerInvariantError(`sign extension of ${bits} bits to ${width}`);
    const reg = SCRATCH[dst];
    enc.movsxRR(this.buf, `${SIZE_LETTER[bits]}${SIZE_LETTER[width]}` as ExtMode, reg, reg);
  }

  /**
   * cvtts2si gives the integer indefinite for NaN and out-of-range inputs, so those are sorted out
   * first: NaN → 0; x < lower → the minimum; x ≥ upper → the maximum, the bounds powers of two and so
   * exact (lower = −2^(N−1) signed, 0 unsigned, where (−1, 0) truncates to 0 anyway; upper = 2^(N−1)
   * or 2^N). What is left is representable and truncates as the trapping conversion does.
   */
  truncateSaturating(from: Width, to: Width, signed: boolean, dst: Scratch): void {
    const d = SCRATCH[dst];
    const [nan, below, above, done] = [this.newLabel(), this.newLabel(), this.newLabel(), this.newLabel()];
    const lower = signed ? -(2 ** (to - 1)) : 0;
    const upper = 2 ** (signed ? to - 1 : to);
    this.toXmm(from, FP_TMP0, d);
    enc.ucomisXX(this.buf, from, FP_TMP0, FP_TMP0);
    this.jcc("p", nan);
    this.floatConstantTo(FP_TMP1, lower, from);
    enc.ucomisXX(this.buf, from, FP_TMP1, FP_TMP0);
    this.jcc("a", below);
    this.floatConstantTo(FP_TMP1, upper, from);
    enc.ucomisXX(this.buf, from, FP_TMP0, FP_TMP1);
    this.jcc("ae", above);
    this.truncateXmm0(from, to, signed, d);
    this.jump(done);
    this.bind(nan);
    this.movImmTo(d, 0n, to);
    this.jump(done);
    this.bind(below);
    this.movImmTo(d, BigInt(lower), to);
    this.jump(done);
    this.bind(above);
    this.movImmTo(d, BigInt(upper) - 1n, to);
    this.bind(done);
  }

  /** xmm ← `value` (exact in the float width) through r10. */
  private floatConstantTo(xmm: Xmm, value: number, width: Width): void {
    const view = new DataView(new ArrayBuffer(8));
    if (width === 64) view.setFloat64(0, value);
    else view.setFloat32(0, value);
    const bits = width === 64 ? view.getBigUint64(0) : BigInt(view.getUint32(0));
    this.movImmTo(TMP0, bits, width);
    enc.movdXR(this.buf, width, xmm, TMP0);
  }

  // ── several results ─────────────────────────────────────────────────────────────────────

  loadSlotToResultReg(index: number, below: number): void {
    enc.movRM(this.buf, 64, this.resultReg(index), this.slot(below));
  }

  storeResultRegToSlot(below: number, index: number): void {
    enc.movMR(this.buf, 64, this.slot(below), this.resultReg(index));
  }

  loadOutgoingSlot(dst: Scratch, index: number): void {
    enc.movRM(this.buf, 64, SCRATCH[dst], at(STACK_POINTER, this.outgoingArgOffset(index)));
  }

  storeIncomingSlot(index: number, src: Scratch): void {
    enc.movMR(this.buf, 64, at(STACK_POINTER, this.incomingArgOffset(index)), SCRATCH[src]);
  }

  /** `lea rdi, [rsp + offset]`. */
  setResultPointer(offset: number): void {
    enc.leaRM(this.buf, INDIRECT_RESULT, at(STACK_POINTER, offset));
  }

  storeResultPointerToSlot(below: number): void {
    enc.movMR(this.buf, 64, this.slot(below), INDIRECT_RESULT);
  }

  storeToAddress(base: Scratch, offset: number, src: Scratch): void {
    enc.movMR(this.buf, 64, at(SCRATCH[base], offset), SCRATCH[src]);
  }

  private resultReg(index: number): Gpr {
    return argumentRegister(RESULT_REGS, index, "result");
  }

  // ── tables and indirect calls ───────────────────────────────────────────────────────────

  loadFromAddress(dst: Scratch, base: Scratch, offset: number): void {
    enc.movRM(this.buf, 64, SCRATCH[dst], at(SCRATCH[base], offset));
  }

  /** `mov r11, [slot]; call r11`: r11 is no argument register, so the arguments set before stay. */
  callIndirectFromSlot(below: number): void {
    this.call(() => {
      enc.movRM(this.buf, 64, TMP1, this.slot(below));
      enc.callR(this.buf, TMP1);
    });
  }

  // ── bulk memory and tables ──────────────────────────────────────────────────────────────
  // Chunks move through r10 (and r11 for the second half of 16 bytes), both loaded before either is
  // stored; pointers advance with add/sub.

  addMemoryBase(dst: Scratch): void {
    enc.aluRR(this.buf, "add", 64, SCRATCH[dst], MEMBASE);
  }

  vmAddress(dst: Scratch, offset: number): void {
    enc.leaRM(this.buf, SCRATCH[dst], at(VMCTX, offset));
  }

  elementAddress(index: Scratch, baseField: number, elementBytes: ElementBytes): void {
    const reg = SCRATCH[index];
    if (elementBytes > 1) enc.shiftRI(this.buf, "shl", 64, reg, shiftCount(Math.log2(elementBytes), 64));
    enc.aluRM(this.buf, "add", 64, reg, at(VMCTX, baseField));
  }

  addScaled(dst: Scratch, count: Scratch, elementBytes: ElementBytes): void {
    if (elementBytes === 1) {
      enc.aluRR(this.buf, "add", 64, SCRATCH[dst], SCRATCH[count]);
      return;
    }
    enc.movRR(this.buf, 64, TMP0, SCRATCH[count]);
    enc.shiftRI(this.buf, "shl", 64, TMP0, shiftCount(Math.log2(elementBytes), 64));
    enc.aluRR(this.buf, "add", 64, SCRATCH[dst], TMP0);
  }

  protected emitAddImmediate(dst: Scratch, imm: number): void {
    if (imm !== 0) enc.aluRI(this.buf, "add", 64, SCRATCH[dst], simm32(imm, "addend"));
  }

  branchIfRangeExceeds(start: Scratch, length: Scratch, field: number, label: Label): void {
    enc.leaRM(this.buf, TMP0, at(SCRATCH[start], 0, SCRATCH[length] as IndexGpr));
    enc.aluRM(this.buf, "cmp", 64, TMP0, at(VMCTX, field));
    this.jcc("a", label);
  }

  protected emitCopyAndAdvance(
    dst: Scratch,
    src: Scratch,
    bytes: ElementBytes,
    direction: "forward" | "backward",
  ): void {
    const [d, s] = [SCRATCH[dst], SCRATCH[src]];
    const step = () => {
      this.emitAddImmediate(dst, direction === "forward" ? bytes : -bytes);
      this.emitAddImmediate(src, direction === "forward" ? bytes : -bytes);
    };
    if (direction === "backward") step();
    if (bytes === 1) {
      enc.movzxRM(this.buf, 8, TMP0, at(s, 0));
      enc.movMR(this.buf, 8, at(d, 0), TMP0);
    } else {
      enc.movRM(this.buf, 64, TMP0, at(s, 0));
      if (bytes === 16) enc.movRM(this.buf, 64, TMP1, at(s, 8));
      enc.movMR(this.buf, 64, at(d, 0), TMP0);
      if (bytes === 16) enc.movMR(this.buf, 64, at(d, 8), TMP1);
    }
    if (direction === "forward") step();
  }

  protected emitStoreAndAdvance(dst: Scratch, value: Scratch, bytes: 1 | 8): void {
    enc.movMR(this.buf, bytes === 1 ? 8 : 64, at(SCRATCH[dst], 0), SCRATCH[value]);
    this.emitAddImmediate(dst, bytes);
  }

  broadcastByte(reg: Scratch): void {
    const r = SCRATCH[reg];
    enc.movzxRR(this.buf, 8, r, r);
    this.movImmTo(TMP0, repeatByte(0x01n, 64), 64);
    enc.imulRR(this.buf, 64, r, TMP0);
  }
}

/** A MacroAssembler for x64; after `finish()` it starts the next function. */
export function createMasm(abi: AbiConstants = ABI.x64): masm.MacroAssembler {
  return new X64MacroAssembler(abi);
}
