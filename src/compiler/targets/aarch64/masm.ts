// The MacroAssembler for AArch64 (contract: ../../masm.ts; machine model: ../../README.md).
//
// Registers: S0–S2 = x9–x11; hidden temporaries x16, x17 and v16, v17 (float operands pass through
// these two, popcnt through v16) are clobbered by any method; w17 carries the trap-site index into a
// trap exit; x27 (VM context) and x28 (memory base) are only read. Calls clobber every scratch and
// temporary (AAPCS64 caller-saved registers); callIndirectFromSlot branches through x16.
//
// Relocations (patched by `patchRelocation` in ./link.ts): every Relocation.offset is the offset of
// a `bl` (callFunction, callAddress) or `b` (trap stub → exit) instruction whose imm26 field the
// linker fills with (target address − address of that instruction) / 4; range ±128 MiB.
// Local branches are patched by the core (fixup kinds "imm26" for b, "imm19" for b.cond/cbz/cbnz);
// imm19 reaches ±1 MiB, so a function of more than 1 MiB of code fails with a CompilerInvariantError
// rather than branching wrong.
//
// Trap stubs are `movz/movk w17, #site; b exit`. The frame record `stp x29, x30, [sp, #-16]!` keeps
// x30 at reference − 8 ("frame-record" records). SP alignment: the core's invariants, rule 8.

import { ABI, type AbiConstants } from "../../abi.js";
import { VMCTX as VM_CONTEXT } from "../../artifact.js";
import type { CodeBuffer } from "../../code-buffer.js";
import { CompilerInvariantError } from "../../errors.js";
import type * as masm from "../../masm.js";
import type { Cond, ElementBytes, Label, MemoryAccess, Scratch, Width } from "../../masm.js";
import { argumentRegister, MacroAssemblerCore, type PatchBranch } from "../../masm-core.js";
import type { Condition, LoadOp, OperandSize } from "./encoder.js";
import * as enc from "./encoder.js";
import { Imm12, LogicalImm, MoveWide, SImm7Scaled, SImm9, UImm12Scaled } from "./imm.js";
import {
  ARG_REGS,
  FP,
  type Gpr,
  type GprOrSp,
  INDIRECT_RESULT,
  LR,
  MEMBASE,
  RESULT,
  RESULT_REGS,
  SCRATCH,
  SP,
  TMP0,
  TMP1,
  TRAP_SITE,
  VMCTX,
  type Vreg,
  VTMP0,
  VTMP1,
  ZR,
} from "./regs.js";

// biome-ignore format: equality, then the signed and the unsigned orders side by side
const CONDITION: Readonly<Record<Cond, Condition>> = {
  eq: "eq", ne: "ne",
  lt_s: "lt", le_s: "le", gt_s: "gt", ge_s: "ge",
  lt_u: "lo", le_u: "ls", gt_u: "hi", ge_u: "hs",
};

type ThreeRegister = (buf: CodeBuffer, size: OperandSize, rd: Gpr, rn: Gpr, rm: Gpr) => void;

/** Binary operators that are one instruction `rd ← rn op rm` (shifts and rotates mask the count). */
const ONE_INSTRUCTION_BINOPS: Readonly<Partial<Record<masm.IntBinop, ThreeRegister>>> = {
  add: enc.addReg,
  sub: enc.subReg,
  mul: (buf, size, rd, rn, rm) => enc.madd(buf, size, rd, rn, rm, ZR),
  and: enc.andReg,
  or: enc.orrReg,
  xor: enc.eorReg,
  shl: enc.lslv,
  shr_s: enc.asrv,
  shr_u: enc.lsrv,
  rotr: enc.rorv,
  div_s: enc.sdiv,
  div_u: enc.udiv,
};

/** The size suffix of ldr/str by access bytes; a 32-bit (w) load zero-extends into the 64-bit slot. */
const SIZE_SUFFIX = { 1: "b", 2: "h", 4: "W", 8: "X" } as const;
/** The size letter of the sign-extending loads (ldrsb, ldrsh, ldrsw) by access bytes. */
const SIGNED_SUFFIX = { 1: "b", 2: "h", 4: "w" } as const;

type FpThreeRegister = (buf: CodeBuffer, size: OperandSize, vd: Vreg, vn: Vreg, vm: Vreg) => void;
type FpTwoRegister = (buf: CodeBuffer, size: OperandSize, vd: Vreg, vn: Vreg) => void;

/** Each is Wasm's operator as one instruction (fmin/fmax included: NaN-propagating, −0 < +0). */
const FLOAT_BINOPS: Readonly<Record<masm.FloatBinop, FpThreeRegister>> = {
  add: enc.fadd,
  sub: enc.fsub,
  mul: enc.fmul,
  div: enc.fdiv,
  min: enc.fmin,
  max: enc.fmax,
};

const FLOAT_UNOPS: Readonly<Record<masm.FloatUnop, FpTwoRegister>> = {
  sqrt: enc.fsqrt,
  ceil: enc.frintp,
  floor: enc.frintm,
  trunc: enc.frintz,
  nearest: enc.frintn,
};

/** Conditions after `fcmp lhs, rhs`: unordered (NZCV = 0011) satisfies only `ne` among them. */
const FLOAT_CONDITION: Readonly<Record<masm.FloatCond, Condition>> = {
  eq: "eq",
  ne: "ne",
  lt: "mi",
  gt: "gt",
  le: "ls",
  ge: "ge",
};

type BranchField = "imm19" | "imm26";
const FIELD_BITS: Readonly<Record<BranchField, 19 | 26>> = { imm19: 19, imm26: 26 };

/** A branch's displacement counts from its own address, in the field its kind names. */
const patchBranch: PatchBranch<BranchField> = (buf, branch, target) => {
  const word = buf.read32(branch.start);
  if (enc.branchFieldOf(word) !== FIELD_BITS[branch.kind]) {
    throw new CompilerInvariantError(`the branch at ${branch.start} has no ${branch.kind} field`);
  }
  buf.patch32(branch.start, enc.withDisplacement(word, target - branch.start));
};

function must<T>(value: T | null, what: string): T {
  if (value === null) throw new CompilerInvariantError(`no encoding for ${what}`);
  return value;
}

function imm12(value: number): Imm12 {
  return must(Imm12.from(value), `add/sub immediate ${value}`);
}

export class Aarch64MacroAssembler extends MacroAssemblerCore<BranchField> implements masm.MacroAssembler {
  constructor(abi: AbiConstants = ABI.aarch64) {
    super(abi, patchBranch);
  }

  // ── branches ────────────────────────────────────────────────────────────────────────

  jump(label: Label): void {
    this.branchTo(label, "imm26", () => enc.b(this.buf, 0));
  }

  branchIfZero(width: Width, reg: Scratch, label: Label): void {
    this.branchTo(label, "imm19", () => enc.cbz(this.buf, width, SCRATCH[reg], 0));
  }

  branchIfNonZero(width: Width, reg: Scratch, label: Label): void {
    this.branchTo(label, "imm19", () => enc.cbnz(this.buf, width, SCRATCH[reg], 0));
  }

  branchIfCompare(cond: Cond, width: Width, lhs: Scratch, rhs: Scratch, label: Label): void {
    enc.subsReg(this.buf, width, ZR, SCRATCH[lhs], SCRATCH[rhs]);
    this.branchOn(CONDITION[cond], label);
  }

  branchIfCompareImm(cond: Cond, width: Width, reg: Scratch, imm: number, label: Label): void {
    const positive = Imm12.from(imm);
    const negated = Imm12.from(-imm);
    if (positive !== null) {
      enc.subsImm(this.buf, width, ZR, SCRATCH[reg], positive);
    } else if (negated !== null) {
      // cmn r, #-imm sets the same flags as cmp r, #imm for imm in [-0xfff000, -1].
      enc.addsImm(this.buf, width, ZR, SCRATCH[reg], negated);
    } else {
      this.movConst(TMP0, BigInt.asUintN(width, BigInt(imm)), width);
      enc.subsReg(this.buf, width, ZR, SCRATCH[reg], TMP0);
    }
    this.branchOn(CONDITION[cond], label);
  }

  private branchOn(cond: Condition, label: Label): void {
    this.branchTo(label, "imm19", () => enc.bCond(this.buf, cond, 0));
  }

  /** `movz/movk w17, #site; b exit`. */
  protected emitTrapStub(site: number, exitAddress: bigint): void {
    this.movConst(TRAP_SITE, BigInt(site), 32);
    this.relocate({ kind: "exit", address: exitAddress });
    enc.b(this.buf, 0);
  }

  // ── stack and frame ─────────────────────────────────────────────────────────────────

  protected emitFrameRecordPush(): void {
    const offset = must(SImm7Scaled.from(-this.abi.frameRecordBytes, 8), "stp offset");
    enc.stpPre(this.buf, FP, LR, SP, offset);
  }

  protected emitFramePointerSetup(): void {
    enc.addImm(this.buf, 64, FP, SP, imm12(0));
  }

  protected emitFrameRecordPop(): void {
    enc.ldpPost(this.buf, FP, LR, SP, must(SImm7Scaled.from(this.abi.frameRecordBytes, 8), "ldp offset"));
  }

  protected emitReturn(): void {
    enc.ret(this.buf);
  }

  /** add/sub-immediate steps: a 12-bit immediate, shifted by 12 or not. */
  protected stackSteps(bytes: number): readonly number[] {
    const steps: number[] = [];
    for (let remaining = bytes; remaining > 0; remaining -= steps.at(-1)!) {
      steps.push(remaining > 0xfff ? Math.min(remaining - (remaining % 0x1000), 0xfff000) : remaining);
    }
    return steps;
  }

  protected emitStackStep(deeperBy: number): void {
    (deeperBy > 0 ? enc.subImm : enc.addImm)(this.buf, 64, SP, SP, imm12(Math.abs(deeperBy)));
  }

  loadSlot(dst: Scratch, below: number): void {
    this.loadStore64("load", SCRATCH[dst], SP, this.slotOffset(below));
  }

  storeSlot(below: number, src: Scratch): void {
    this.loadStore64("store", SCRATCH[src], SP, this.slotOffset(below));
  }

  loadIncomingStackArg(dst: Scratch, index: number): void {
    this.loadStore64("load", SCRATCH[dst], SP, this.incomingArgOffset(index));
  }

  storeOutgoingStackArg(index: number, src: Scratch): void {
    this.loadStore64("store", SCRATCH[src], SP, this.outgoingArgOffset(index));
  }

  loadSlotToArgReg(argIndex: number, below: number): void {
    this.loadStore64("load", argumentRegister(ARG_REGS, argIndex), SP, this.slotOffset(below));
  }

  storeArgRegToSlot(below: number, argIndex: number): void {
    this.loadStore64("store", argumentRegister(ARG_REGS, argIndex), SP, this.slotOffset(below));
  }

  moveToResultReg(src: Scratch): void {
    enc.orrReg(this.buf, 64, RESULT, ZR, SCRATCH[src]);
  }

  moveFromResultReg(dst: Scratch): void {
    enc.orrReg(this.buf, 64, SCRATCH[dst], ZR, RESULT);
  }

  branchIfStackBelowLimit(bytes: number, overflow: Label): void {
    // reference − bytes < limit  ⟺  SP < limit + (bytes − spBelowReference), unsigned.
    this.loadStore64("load", TMP0, VMCTX, VM_CONTEXT.stackLimit);
    this.addConst(TMP0, TMP0, bytes - this.spBelowReference);
    enc.addImm(this.buf, 64, TMP1, SP, imm12(0));
    enc.subsReg(this.buf, 64, ZR, TMP1, TMP0);
    this.branchOn("lo", overflow);
  }

  // ── values ──────────────────────────────────────────────────────────────────────────

  movImm(dst: Scratch, value: bigint, width: Width): void {
    this.movConst(SCRATCH[dst], BigInt.asUintN(width, value), width);
  }

  move(dst: Scratch, src: Scratch): void {
    if (dst !== src) enc.orrReg(this.buf, 64, SCRATCH[dst], ZR, SCRATCH[src]);
  }

  intBinop(op: masm.IntBinop, width: Width, dst: Scratch, src: Scratch): void {
    const d = SCRATCH[dst];
    const s = SCRATCH[src];
    const single = ONE_INSTRUCTION_BINOPS[op];
    if (single !== undefined) {
      single(this.buf, width, d, d, s);
    } else if (op === "rotl") {
      enc.subReg(this.buf, width, TMP0, ZR, s); // rotl by n = rotr by −n (rorv takes it modulo width)
      enc.rorv(this.buf, width, d, d, TMP0);
    } else if (op === "rem_s" || op === "rem_u") {
      (op === "rem_s" ? enc.sdiv : enc.udiv)(this.buf, width, TMP0, d, s); // d − (d / s)·s
      enc.msub(this.buf, width, d, TMP0, s, d);
    } else {
      throw new CompilerInvariantError(`no lowering for ${op}`);
    }
  }

  intUnop(op: masm.IntUnop, width: Width, dst: Scratch): void {
    const d = SCRATCH[dst];
    switch (op) {
      case "clz":
        enc.clz(this.buf, width, d, d);
        return;
      case "ctz":
        enc.rbit(this.buf, width, d, d);
        enc.clz(this.buf, width, d, d);
        return;
      case "popcnt":
        enc.fmovFromGpr(this.buf, width, VTMP0, d);
        enc.cnt8b(this.buf, VTMP0, VTMP0);
        enc.addv8b(this.buf, VTMP0, VTMP0);
        enc.fmovToGpr(this.buf, 32, d, VTMP0);
        return;
    }
  }

  compare(cond: Cond, width: Width, dst: Scratch, lhs: Scratch, rhs: Scratch): void {
    enc.subsReg(this.buf, width, ZR, SCRATCH[lhs], SCRATCH[rhs]);
    enc.cset(this.buf, 32, SCRATCH[dst], CONDITION[cond]);
  }

  eqz(width: Width, dst: Scratch): void {
    enc.subsImm(this.buf, width, ZR, SCRATCH[dst], imm12(0));
    enc.cset(this.buf, 32, SCRATCH[dst], "eq");
  }

  convert(kind: masm.IntConversion, dst: Scratch): void {
    const d = SCRATCH[dst];
    if (kind === "extend_s") enc.sxtw(this.buf, d, d);
    else enc.orrReg(this.buf, 32, d, ZR, d); // mov wd, wd: keeps the low 32 bits, zero-extended
  }

  select(dst: Scratch, other: Scratch, cond: Scratch): void {
    enc.subsImm(this.buf, 32, ZR, SCRATCH[cond], imm12(0));
    enc.csel(this.buf, 64, SCRATCH[dst], SCRATCH[dst], SCRATCH[other], "ne");
  }

  // ── VM context, globals, memory ─────────────────────────────────────────────────────

  loadVmField(dst: Scratch, offset: number): void {
    this.loadStore64("load", SCRATCH[dst], VMCTX, offset);
  }

  storeVmField(offset: number, src: Scratch): void {
    this.loadStore64("store", SCRATCH[src], VMCTX, offset);
  }

  protected emitLoad(load: MemoryAccess, dst: Scratch, addr: Scratch, offset: number, oob: Label): void {
    const { bytes, signed, result } = load;
    this.checkedAddress(SCRATCH[addr], offset, bytes, oob);
    const op: LoadOp =
      signed && bytes * 8 < result
        ? (`ldrs${SIGNED_SUFFIX[bytes as 1 | 2 | 4]}${result === 64 ? "X" : "W"}` as LoadOp) // never ldrswW
        : `ldr${SIZE_SUFFIX[bytes]}`;
    enc.ldrReg(this.buf, op, SCRATCH[dst], MEMBASE, TMP0);
  }

  protected emitStore(store: MemoryAccess, addr: Scratch, value: Scratch, offset: number, oob: Label): void {
    this.checkedAddress(SCRATCH[addr], offset, store.bytes, oob);
    enc.strReg(this.buf, `str${SIZE_SUFFIX[store.bytes]}`, SCRATCH[value], MEMBASE, TMP0);
  }

  // ── floats: raw bits move into v16 (and v17), the result moves back; a 32-bit fmov to w zero-extends ──

  floatBinop(op: masm.FloatBinop, width: Width, dst: Scratch, src: Scratch): void {
    enc.fmovFromGpr(this.buf, width, VTMP0, SCRATCH[dst]);
    enc.fmovFromGpr(this.buf, width, VTMP1, SCRATCH[src]);
    FLOAT_BINOPS[op](this.buf, width, VTMP0, VTMP0, VTMP1);
    enc.fmovToGpr(this.buf, width, SCRATCH[dst], VTMP0);
  }

  floatUnop(op: masm.FloatUnop, width: Width, dst: Scratch): void {
    enc.fmovFromGpr(this.buf, width, VTMP0, SCRATCH[dst]);
    FLOAT_UNOPS[op](this.buf, width, VTMP0, VTMP0);
    enc.fmovToGpr(this.buf, width, SCRATCH[dst], VTMP0);
  }

  floatCompare(cond: masm.FloatCond, width: Width, dst: Scratch, lhs: Scratch, rhs: Scratch): void {
    enc.fmovFromGpr(this.buf, width, VTMP0, SCRATCH[lhs]);
    enc.fmovFromGpr(this.buf, width, VTMP1, SCRATCH[rhs]);
    enc.fcmp(this.buf, width, VTMP0, VTMP1);
    enc.cset(this.buf, 32, SCRATCH[dst], FLOAT_CONDITION[cond]);
  }

  truncateToInt(from: Width, to: Width, signed: boolean, dst: Scratch): void {
    enc.fmovFromGpr(this.buf, from, VTMP0, SCRATCH[dst]);
    (signed ? enc.fcvtzs : enc.fcvtzu)(this.buf, to, SCRATCH[dst], from, VTMP0);
  }

  convertToFloat(from: Width, to: Width, signed: boolean, dst: Scratch): void {
    (signed ? enc.scvtf : enc.ucvtf)(this.buf, to, VTMP0, from, SCRATCH[dst]);
    enc.fmovToGpr(this.buf, to, SCRATCH[dst], VTMP0);
  }

  protected emitConvertFloat(from: Width, to: Width, dst: Scratch): void {
    enc.fmovFromGpr(this.buf, from, VTMP0, SCRATCH[dst]);
    enc.fcvt(this.buf, to, VTMP0, from, VTMP0);
    enc.fmovToGpr(this.buf, to, SCRATCH[dst], VTMP0);
  }

  // ── sign extension and saturating truncation ────────────────────────────────────────

  signExtend(bits: 8 | 16 | 32, width: Width, dst: Scratch): void {
    if (bits >= width) throw new CompilerInvariantError(`sign extension of ${bits} bits to ${width}`);
    const d = SCRATCH[dst];
    // A 32-bit result (w register) zero-extends into the 64-bit slot.
    if (bits === 8) enc.sxtb(this.buf, width, d, d);
    else if (bits === 16) enc.sxth(this.buf, width, d, d);
    else enc.sxtw(this.buf, d, d);
  }

  /** fcvtzs/fcvtzu already saturate, and give 0 for NaN: Wasm's trunc_sat exactly. */
  truncateSaturating(from: Width, to: Width, signed: boolean, dst: Scratch): void {
    this.truncateToInt(from, to, signed, dst);
  }

  // ── several results ─────────────────────────────────────────────────────────────────

  loadSlotToResultReg(index: number, below: number): void {
    this.loadStore64("load", this.resultReg(index), SP, this.slotOffset(below));
  }

  storeResultRegToSlot(below: number, index: number): void {
    this.loadStore64("store", this.resultReg(index), SP, this.slotOffset(below));
  }

  loadOutgoingSlot(dst: Scratch, index: number): void {
    this.loadStore64("load", SCRATCH[dst], SP, this.outgoingArgOffset(index));
  }

  storeIncomingSlot(index: number, src: Scratch): void {
    this.loadStore64("store", SCRATCH[src], SP, this.incomingArgOffset(index));
  }

  /** `add x8, sp, #offset` (and `add x8, x8, #low` when the offset needs two immediates). */
  setResultPointer(offset: number): void {
    const low = offset % 0x1000;
    const whole = Imm12.from(offset);
    enc.addImm(this.buf, 64, INDIRECT_RESULT, SP, whole ?? imm12(offset - low));
    if (whole === null) enc.addImm(this.buf, 64, INDIRECT_RESULT, INDIRECT_RESULT, imm12(low));
  }

  storeResultPointerToSlot(below: number): void {
    this.loadStore64("store", INDIRECT_RESULT, SP, this.slotOffset(below));
  }

  storeToAddress(base: Scratch, offset: number, src: Scratch): void {
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new CompilerInvariantError(`address offset ${offset} is not a non-negative integer`);
    }
    this.loadStore64("store", SCRATCH[src], SCRATCH[base], offset);
  }

  private resultReg(index: number): Gpr {
    return argumentRegister(RESULT_REGS, index, "result");
  }

  // ── tables and indirect calls ───────────────────────────────────────────────────────

  loadFromAddress(dst: Scratch, base: Scratch, offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new CompilerInvariantError(`address offset ${offset} is not a non-negative integer`);
    }
    this.loadStore64("load", SCRATCH[dst], SCRATCH[base], offset);
  }

  callIndirectFromSlot(below: number): void {
    this.call(() => {
      this.loadStore64("load", TMP0, SP, this.slotOffset(below));
      enc.blr(this.buf, TMP0);
    });
  }

  // ── bulk memory and tables ──────────────────────────────────────────────────────────
  // Chunks move through x16 (and x17 for the second half of 16 bytes) with the writeback forms of
  // ldr/str and ldp/stp: post-index forward, pre-index backward.

  addMemoryBase(dst: Scratch): void {
    enc.addReg(this.buf, 64, SCRATCH[dst], SCRATCH[dst], MEMBASE);
  }

  vmAddress(dst: Scratch, offset: number): void {
    this.addConst(SCRATCH[dst], VMCTX, offset);
  }

  elementAddress(index: Scratch, baseField: number, elementBytes: ElementBytes): void {
    this.loadStore64("load", TMP0, VMCTX, baseField);
    enc.addRegLsl(this.buf, SCRATCH[index], TMP0, SCRATCH[index], Math.log2(elementBytes));
  }

  addScaled(dst: Scratch, count: Scratch, elementBytes: ElementBytes): void {
    enc.addRegLsl(this.buf, SCRATCH[dst], SCRATCH[dst], SCRATCH[count], Math.log2(elementBytes));
  }

  protected emitAddImmediate(dst: Scratch, imm: number): void {
    this.addConst(SCRATCH[dst], SCRATCH[dst], imm);
  }

  branchIfRangeExceeds(start: Scratch, length: Scratch, field: number, label: Label): void {
    // The field first: a large offset goes through x16.
    this.loadStore64("load", TMP1, VMCTX, field);
    enc.addReg(this.buf, 64, TMP0, SCRATCH[start], SCRATCH[length]);
    enc.subsReg(this.buf, 64, ZR, TMP0, TMP1);
    this.branchOn("hi", label);
  }

  protected emitCopyAndAdvance(
    dst: Scratch,
    src: Scratch,
    bytes: ElementBytes,
    direction: "forward" | "backward",
  ): void {
    const [d, s] = [SCRATCH[dst], SCRATCH[src]];
    const forward = direction === "forward";
    if (bytes === 16) {
      const step = must(SImm7Scaled.from(forward ? 16 : -16, 8), "ldp/stp step");
      (forward ? enc.ldpPost : enc.ldpPre)(this.buf, TMP0, TMP1, s, step);
      (forward ? enc.stpPost : enc.stpPre)(this.buf, TMP0, TMP1, d, step);
      return;
    }
    const step = must(SImm9.from(forward ? bytes : -bytes), "ldr/str step");
    const mode = forward ? "post" : "pre";
    enc.ldrIndexed(this.buf, bytes === 1 ? "ldrb" : "ldrX", mode, TMP0, s, step);
    enc.strIndexed(this.buf, bytes === 1 ? "strb" : "strX", mode, TMP0, d, step);
  }

  protected emitStoreAndAdvance(dst: Scratch, value: Scratch, bytes: 1 | 8): void {
    const op = bytes === 1 ? "strb" : "strX";
    enc.strIndexed(this.buf, op, "post", SCRATCH[value], SCRATCH[dst], must(SImm9.from(bytes), "str step"));
  }

  broadcastByte(reg: Scratch): void {
    const r = SCRATCH[reg];
    this.movConst(TMP0, 0xffn, 64);
    enc.andReg(this.buf, 64, r, r, TMP0);
    this.movConst(TMP0, 0x0101_0101_0101_0101n, 64);
    enc.madd(this.buf, 64, r, r, TMP0, ZR);
  }

  // ── helpers ─────────────────────────────────────────────────────────────────────────

  /** `bl`, patched by the linker. */
  protected emitRelocatedCall(): void {
    enc.bl(this.buf, 0);
  }

  /** 64-bit [base + offset]: scaled 12-bit offset when it fits, else the offset in x16. */
  private loadStore64(kind: "load" | "store", rt: Gpr, base: GprOrSp, offset: number): void {
    const scaled = UImm12Scaled.from(offset, 8);
    if (scaled !== null) {
      (kind === "load" ? enc.ldrImm : enc.strImm)(this.buf, rt, base, scaled);
    } else {
      this.movConst(TMP0, BigInt(offset), 64);
      if (kind === "load") enc.ldrReg(this.buf, "ldrX", rt, base, TMP0);
      else enc.strReg(this.buf, "strX", rt, base, TMP0);
    }
  }

  /**
   * x16 ← zext32(addr) + memOffset, branching to `outOfBounds` when x16 + bytes > memory size.
   * Clobbers x17 and `addr` (which receives the size).
   */
  private checkedAddress(addr: Gpr, memOffset: number, bytes: number, outOfBounds: Label): void {
    enc.orrReg(this.buf, 32, TMP0, ZR, addr);
    this.addConst(TMP0, TMP0, memOffset);
    enc.addImm(this.buf, 64, TMP1, TMP0, imm12(bytes));
    enc.ldrImm(this.buf, addr, VMCTX, must(UImm12Scaled.from(VM_CONTEXT.memoryBytes, 8), "size offset"));
    enc.subsReg(this.buf, 64, ZR, TMP1, addr);
    this.branchOn("hi", outOfBounds);
  }

  /** rd ← rn + value (64-bit); large values go through x17, so neither register may be x17. */
  private addConst(rd: Gpr, rn: Gpr, value: number): void {
    const magnitude = Math.abs(value);
    const emitStep = value < 0 ? enc.subImm : enc.addImm;
    const low = magnitude % 0x1000;
    const high = magnitude - low;
    if (magnitude === 0) {
      if (rd !== rn) enc.orrReg(this.buf, 64, rd, ZR, rn);
    } else if (Imm12.from(magnitude) !== null) {
      emitStep(this.buf, 64, rd, rn, imm12(magnitude));
    } else if (Imm12.from(high) !== null) {
      emitStep(this.buf, 64, rd, rn, imm12(high));
      emitStep(this.buf, 64, rd, rd, imm12(low));
    } else {
      if (rd === TMP1 || rn === TMP1) throw new CompilerInvariantError("addConst needs x17 as a temporary");
      this.movConst(TMP1, BigInt(magnitude), 64);
      (value < 0 ? enc.subReg : enc.addReg)(this.buf, 64, rd, rn, TMP1);
    }
  }

  /**
   * rd ← value (already reduced to `size` bits), in the fewest instructions among: movz + movk for
   * each other non-zero halfword, movn + movk for each other non-0xffff halfword, or one orr of a
   * bitmask immediate. A 32-bit write zero-extends into the 64-bit register.
   */
  private movConst(rd: Gpr, value: bigint, size: OperandSize): void {
    // The common small constant: one movz, as the general case below would choose.
    if (value >= 0n && value <= 0xffffn) {
      enc.movz(this.buf, size, rd, this.field(Number(value), 0));
      return;
    }
    const low = Number(BigInt.asUintN(32, value));
    const high = Number(value >> 32n);
    const halfwords = [low & 0xffff, low >>> 16];
    if (size === 64) halfwords.push(high & 0xffff, high >>> 16);
    let nonZero = 0;
    let nonOnes = 0;
    for (const halfword of halfwords) {
      if (halfword !== 0) nonZero++;
      if (halfword !== 0xffff) nonOnes++;
    }
    // One orr when the constant is a logical immediate and movz/movn alone would not do.
    const bitmask = Math.min(nonZero, nonOnes) > 1 ? LogicalImm.from(value, size) : null;
    if (bitmask !== null) {
      enc.orrImm(this.buf, size, rd, ZR, bitmask);
      return;
    }
    const inverted = nonOnes < nonZero;
    const background = inverted ? 0xffff : 0;
    // The first halfword to write (the lowest one when all are background), then movk for the others.
    const first = Math.max(
      0,
      halfwords.findIndex((halfword) => halfword !== background),
    );
    const firstField = inverted ? ~halfwords[first]! & 0xffff : halfwords[first]!;
    (inverted ? enc.movn : enc.movz)(this.buf, size, rd, this.field(firstField, first));
    for (let i = first + 1; i < halfwords.length; i++) {
      if (halfwords[i] !== background) enc.movk(this.buf, size, rd, this.field(halfwords[i]!, i));
    }
  }

  private field(halfword: number, index: number): MoveWide {
    return must(MoveWide.at(halfword, (16 * index) as 0 | 16 | 32 | 48), "move-wide field");
  }
}

export function createMasm(abi: AbiConstants = ABI.aarch64): masm.MacroAssembler {
  return new Aarch64MacroAssembler(abi);
}
