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
// Local labels are patched by `bind`; b.cond/cbz/cbnz reach ±1 MiB, so a function of more than 1 MiB
// of code fails with a CompilerInvariantError rather than branching wrong.
//
// Trap stubs are emitted by `finish()` after the body, each `movz/movk w17, #site; b exit`, and run
// in the stack state of the branches that reach them (recorded in the unwind table at their start).
// The frame record `stp x29, x30, [sp, #-16]!` keeps x30 at reference − 8 ("frame-record" records).

import type { MemoryOp } from "../../../wasm/ir.js";
import { ABI } from "../../abi.js";
import { VMCTX as VM_CONTEXT } from "../../artifact.js";
import { CodeBuffer } from "../../code-buffer.js";
import { CompilerInvariantError } from "../../errors.js";
import type {
  AssembledFunction,
  Cond,
  FloatBinop,
  FloatCond,
  FloatUnop,
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
import type { Condition, LoadOp, OperandSize, StoreOp } from "./encoder.js";
import * as enc from "./encoder.js";
import { Imm12, LogicalImm, MoveWide, SImm7Scaled, UImm12Scaled } from "./imm.js";
import {
  ARG_REGS,
  FP,
  type Gpr,
  type GprOrSp,
  LR,
  MEMBASE,
  RESULT,
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

const CONDITION: Readonly<Record<Cond, Condition>> = {
  eq: "eq",
  ne: "ne",
  lt_s: "lt",
  lt_u: "lo",
  gt_s: "gt",
  gt_u: "hi",
  le_s: "le",
  le_u: "ls",
  ge_s: "ge",
  ge_u: "hs",
};

type ThreeRegister = (buf: CodeBuffer, size: OperandSize, rd: Gpr, rn: Gpr, rm: Gpr) => void;

/** Binary operators that are one instruction `rd ← rn op rm` (shifts and rotates mask the count). */
const ONE_INSTRUCTION_BINOPS: Readonly<Partial<Record<IntBinop, ThreeRegister>>> = {
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

type Load = Extract<MemoryOp, `${string}.load${string}`>;
type Store = Extract<MemoryOp, `${string}.store${string}`>;

/** Each load's width and extension. A 32-bit destination (w) zero-extends into the 64-bit slot;
 *  float loads and stores move raw bits, like the integer ones of their width. */
const LOAD_FORMS: Readonly<Record<Load, { bytes: number; op: LoadOp }>> = {
  "i32.load": { bytes: 4, op: "ldrW" },
  "i64.load": { bytes: 8, op: "ldrX" },
  "f32.load": { bytes: 4, op: "ldrW" },
  "f64.load": { bytes: 8, op: "ldrX" },
  "i32.load8_s": { bytes: 1, op: "ldrsbW" },
  "i32.load8_u": { bytes: 1, op: "ldrb" },
  "i32.load16_s": { bytes: 2, op: "ldrshW" },
  "i32.load16_u": { bytes: 2, op: "ldrh" },
  "i64.load8_s": { bytes: 1, op: "ldrsbX" },
  "i64.load8_u": { bytes: 1, op: "ldrb" },
  "i64.load16_s": { bytes: 2, op: "ldrshX" },
  "i64.load16_u": { bytes: 2, op: "ldrh" },
  "i64.load32_s": { bytes: 4, op: "ldrswX" },
  "i64.load32_u": { bytes: 4, op: "ldrW" },
};

const STORE_FORMS: Readonly<Record<Store, { bytes: number; op: StoreOp }>> = {
  "i32.store": { bytes: 4, op: "strW" },
  "i64.store": { bytes: 8, op: "strX" },
  "f32.store": { bytes: 4, op: "strW" },
  "f64.store": { bytes: 8, op: "strX" },
  "i32.store8": { bytes: 1, op: "strb" },
  "i32.store16": { bytes: 2, op: "strh" },
  "i64.store8": { bytes: 1, op: "strb" },
  "i64.store16": { bytes: 2, op: "strh" },
  "i64.store32": { bytes: 4, op: "strW" },
};

type FpThreeRegister = (buf: CodeBuffer, size: OperandSize, vd: Vreg, vn: Vreg, vm: Vreg) => void;
type FpTwoRegister = (buf: CodeBuffer, size: OperandSize, vd: Vreg, vn: Vreg) => void;

/** Each is Wasm's operator as one instruction (fmin/fmax included: NaN-propagating, −0 < +0). */
const FLOAT_BINOPS: Readonly<Record<FloatBinop, FpThreeRegister>> = {
  add: enc.fadd,
  sub: enc.fsub,
  mul: enc.fmul,
  div: enc.fdiv,
  min: enc.fmin,
  max: enc.fmax,
};

const FLOAT_UNOPS: Readonly<Record<FloatUnop, FpTwoRegister>> = {
  sqrt: enc.fsqrt,
  ceil: enc.frintp,
  floor: enc.frintm,
  trunc: enc.frintz,
  nearest: enc.frintn,
};

/** Conditions after `fcmp lhs, rhs`: unordered (NZCV = 0011) satisfies only `ne` among them. */
const FLOAT_CONDITION: Readonly<Record<FloatCond, Condition>> = {
  eq: "eq",
  ne: "ne",
  lt: "mi",
  gt: "gt",
  le: "ls",
  ge: "ge",
};

const SLOT_BYTES = 8;
const FRAME_RECORD_BYTES = ABI.aarch64.frameRecordBytes;
/** The largest memarg offset (u32) the bounds check must handle. */
const MAX_MEM_OFFSET = 0xffff_ffff;

type ReturnAddress = UnwindRecord["returnAddress"];

/** The static stack state: where SP is and where the return address lives. */
interface StackState {
  readonly sp: number;
  readonly returnAddress: ReturnAddress;
}

interface LabelState {
  bound: number | null;
  /** Branches emitted before the label was bound, with the stack state at each. */
  readonly uses: { readonly offset: number; readonly state: StackState }[];
}

interface PendingStub {
  readonly label: Label;
  readonly site: number;
  readonly exitAddress: bigint;
  /** The state when trapStub() was called: the stub's state if nothing branches to it. */
  readonly state: StackState;
}

function must<T>(value: T | null, what: string): T {
  if (value === null) throw new CompilerInvariantError(`no encoding for ${what}`);
  return value;
}

function imm12(value: number): Imm12 {
  return must(Imm12.from(value), `add/sub immediate ${value}`);
}

/**
 * AArch64 stack-pointer alignment, the rule AAPCS64 states as "SP mod 16 = 0 whenever SP is used
 * to access memory" (Unicorn does not check it, so samestack must). Enforced here by construction:
 * 1. the reference — SP at the `bl` that entered the function — is 16-aligned (the caller's rule);
 * 2. SP changes only by `stp`/`ldp` of the frame record (±16) and by `adjustSp`, which throws on
 *    anything but a multiple of 16, and `resetStackPointer`, which does the same;
 * 3. so spBelowReference ≡ 0 (mod 16) always; `assertSpAligned` checks it again before every
 *    SP-relative load/store and every call, where a violation would matter.
 */
export class Aarch64MacroAssembler implements MacroAssembler {
  readonly abi = ABI.aarch64;
  private readonly buf = new CodeBuffer();
  private state: StackState = { sp: 0, returnAddress: "lr" };
  private hasFrameRecord = false;
  private deepestSp = 0;
  private readonly labels: LabelState[] = [];
  private readonly stubs: PendingStub[] = [];
  private readonly relocations: Relocation[] = [];
  private readonly unwind: UnwindRecord[] = [{ offset: 0, spBelowReference: 0, returnAddress: "lr" }];

  offset(): number {
    return this.buf.offset;
  }

  get spBelowReference(): number {
    return this.state.sp;
  }

  // ── labels and control ──────────────────────────────────────────────────────────────

  newLabel(): Label {
    this.labels.push({ bound: null, uses: [] });
    return { id: this.labels.length - 1 };
  }

  bind(label: Label): void {
    const state = this.label(label);
    if (state.bound !== null) throw new CompilerInvariantError(`label ${label.id} bound twice`);
    state.bound = this.buf.offset;
    for (const use of state.uses) {
      this.buf.patch32(
        use.offset,
        enc.withDisplacement(this.buf.read32(use.offset), state.bound - use.offset),
      );
    }
  }

  jump(label: Label): void {
    this.branchTo(label, (disp) => enc.b(this.buf, disp));
  }

  branchIfZero(width: Width, reg: Scratch, label: Label): void {
    this.branchTo(label, (disp) => enc.cbz(this.buf, width, SCRATCH[reg], disp));
  }

  branchIfNonZero(width: Width, reg: Scratch, label: Label): void {
    this.branchTo(label, (disp) => enc.cbnz(this.buf, width, SCRATCH[reg], disp));
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

  trapStub(site: number, exitAddress: bigint): Label {
    const label = this.newLabel();
    this.stubs.push({ label, site, exitAddress, state: this.state });
    return label;
  }

  // ── stack and frame ─────────────────────────────────────────────────────────────────

  pushFrameRecord(): void {
    if (this.state.sp !== 0 || this.state.returnAddress !== "lr") {
      throw new CompilerInvariantError(`frame record pushed ${this.state.sp} bytes below the reference`);
    }
    enc.stpPre(this.buf, FP, LR, SP, must(SImm7Scaled.from(-FRAME_RECORD_BYTES, 8), "stp offset"));
    this.hasFrameRecord = true;
    this.setState({ sp: FRAME_RECORD_BYTES, returnAddress: "frame-record" });
    enc.addImm(this.buf, 64, FP, SP, imm12(0));
  }

  popFrameRecordAndReturn(): void {
    if (this.state.returnAddress !== "frame-record" || this.state.sp !== FRAME_RECORD_BYTES) {
      throw new CompilerInvariantError(
        `epilogue with SP ${this.state.sp} bytes below the reference, not at the frame record (${this.state.returnAddress})`,
      );
    }
    enc.ldpPost(this.buf, FP, LR, SP, must(SImm7Scaled.from(FRAME_RECORD_BYTES, 8), "ldp offset"));
    this.setState({ sp: 0, returnAddress: "lr" });
    enc.ret(this.buf);
  }

  returnWithoutFrameRecord(): void {
    if (this.state.returnAddress !== "lr" || this.state.sp !== 0) {
      throw new CompilerInvariantError(
        `return with SP ${this.state.sp} bytes below the reference (${this.state.returnAddress})`,
      );
    }
    enc.ret(this.buf);
  }

  resetStackPointer(spBelowReference: number): void {
    this.assertStackStep(spBelowReference, "reset to depth");
    this.setState({ sp: spBelowReference, returnAddress: this.hasFrameRecord ? "frame-record" : "lr" });
  }

  reserve(bytes: number): void {
    this.assertStackStep(bytes, "reserve");
    this.adjustSp(-bytes);
  }

  release(bytes: number): void {
    this.assertStackStep(bytes, "release");
    if (bytes > this.state.sp) {
      throw new CompilerInvariantError(
        `release of ${bytes} bytes from depth ${this.state.sp}: negative depth`,
      );
    }
    this.adjustSp(bytes);
  }

  loadSlot(dst: Scratch, below: number): void {
    this.loadStoreSp("load", SCRATCH[dst], this.slotOffset(below));
  }

  storeSlot(below: number, src: Scratch): void {
    this.loadStoreSp("store", SCRATCH[src], this.slotOffset(below));
  }

  loadIncomingStackArg(dst: Scratch, index: number): void {
    this.loadStoreSp("load", SCRATCH[dst], this.state.sp + SLOT_BYTES * this.checkIndex(index));
  }

  storeOutgoingStackArg(index: number, src: Scratch): void {
    this.loadStoreSp("store", SCRATCH[src], SLOT_BYTES * this.checkIndex(index));
  }

  loadSlotToArgReg(argIndex: number, below: number): void {
    this.loadStoreSp("load", this.argReg(argIndex), this.slotOffset(below));
  }

  storeArgRegToSlot(below: number, argIndex: number): void {
    this.loadStoreSp("store", this.argReg(argIndex), this.slotOffset(below));
  }

  moveToResultReg(src: Scratch): void {
    enc.orrReg(this.buf, 64, RESULT, ZR, SCRATCH[src]);
  }

  moveFromResultReg(dst: Scratch): void {
    enc.orrReg(this.buf, 64, SCRATCH[dst], ZR, RESULT);
  }

  callFunction(funcIndex: number): void {
    this.call({ kind: "function", funcIndex });
  }

  callAddress(address: bigint): void {
    this.call({ kind: "exit", address });
  }

  branchIfStackBelowLimit(bytes: number, overflow: Label): void {
    // reference − bytes < limit  ⟺  SP < limit + (bytes − spBelowReference), unsigned.
    this.loadStore64("load", TMP0, VMCTX, VM_CONTEXT.stackLimit);
    this.addConst(TMP0, TMP0, bytes - this.state.sp);
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

  intBinop(op: IntBinop, width: Width, dst: Scratch, src: Scratch): void {
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

  intUnop(op: IntUnop, width: Width, dst: Scratch): void {
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

  convert(kind: IntConversion, dst: Scratch): void {
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

  load(op: MemoryOp, dst: Scratch, addr: Scratch, memOffset: number, outOfBounds: Label): void {
    const form = LOAD_FORMS[op as Load];
    if (form === undefined) throw new CompilerInvariantError(`${op} is not a load`);
    this.checkedAddress(SCRATCH[addr], memOffset, form.bytes, outOfBounds);
    enc.ldrReg(this.buf, form.op, SCRATCH[dst], MEMBASE, TMP0);
  }

  store(op: MemoryOp, addr: Scratch, value: Scratch, memOffset: number, outOfBounds: Label): void {
    const form = STORE_FORMS[op as Store];
    if (form === undefined) throw new CompilerInvariantError(`${op} is not a store`);
    if (addr === value) throw new CompilerInvariantError("store address and value in the same register");
    this.checkedAddress(SCRATCH[addr], memOffset, form.bytes, outOfBounds);
    enc.strReg(this.buf, form.op, SCRATCH[value], MEMBASE, TMP0);
  }

  // ── floats: raw bits move into v16 (and v17), the result moves back; a 32-bit fmov to w zero-extends ──

  floatBinop(op: FloatBinop, width: Width, dst: Scratch, src: Scratch): void {
    enc.fmovFromGpr(this.buf, width, VTMP0, SCRATCH[dst]);
    enc.fmovFromGpr(this.buf, width, VTMP1, SCRATCH[src]);
    FLOAT_BINOPS[op](this.buf, width, VTMP0, VTMP0, VTMP1);
    enc.fmovToGpr(this.buf, width, SCRATCH[dst], VTMP0);
  }

  floatUnop(op: FloatUnop, width: Width, dst: Scratch): void {
    enc.fmovFromGpr(this.buf, width, VTMP0, SCRATCH[dst]);
    FLOAT_UNOPS[op](this.buf, width, VTMP0, VTMP0);
    enc.fmovToGpr(this.buf, width, SCRATCH[dst], VTMP0);
  }

  floatCompare(cond: FloatCond, width: Width, dst: Scratch, lhs: Scratch, rhs: Scratch): void {
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

  convertFloat(from: Width, to: Width, dst: Scratch): void {
    if (from === to) throw new CompilerInvariantError(`float conversion from f${from} to itself`);
    enc.fmovFromGpr(this.buf, from, VTMP0, SCRATCH[dst]);
    enc.fcvt(this.buf, to, VTMP0, from, VTMP0);
    enc.fmovToGpr(this.buf, to, SCRATCH[dst], VTMP0);
  }

  // ── tables and indirect calls ───────────────────────────────────────────────────────

  loadFromAddress(dst: Scratch, base: Scratch, offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new CompilerInvariantError(`address offset ${offset} is not a non-negative integer`);
    }
    this.loadStore64("load", SCRATCH[dst], SCRATCH[base], offset);
  }

  callIndirectFromSlot(below: number): void {
    this.assertCallable();
    this.loadStoreSp("load", TMP0, this.slotOffset(below));
    enc.blr(this.buf, TMP0);
  }

  finish(): AssembledFunction {
    const trapStubs: TrapStubRange[] = [];
    for (const stub of this.stubs) {
      const start = this.buf.offset;
      this.setState(this.stubState(stub));
      this.bind(stub.label);
      this.movConst(TRAP_SITE, BigInt(stub.site), 32);
      this.relocations.push({ offset: this.buf.offset, target: { kind: "exit", address: stub.exitAddress } });
      enc.b(this.buf, 0);
      trapStubs.push({ site: stub.site, start, end: this.buf.offset });
    }
    const unbound = this.labels.findIndex((l) => l.bound === null && l.uses.length > 0);
    if (unbound >= 0) throw new CompilerInvariantError(`label ${unbound} is branched to but never bound`);
    return {
      code: this.buf.finish(),
      relocations: this.relocations,
      unwind: this.unwind,
      deepestSp: this.deepestSp,
      trapStubs,
    };
  }

  // ── helpers ─────────────────────────────────────────────────────────────────────────

  private label(label: Label): LabelState {
    const state = this.labels[label.id];
    if (state === undefined) throw new CompilerInvariantError(`unknown label ${label.id}`);
    return state;
  }

  /** Emits a branch to `label`; a forward one gets displacement 0 and is patched by `bind`. */
  private branchTo(label: Label, emitBranch: (displacement: number) => void): void {
    const state = this.label(label);
    if (state.bound !== null) {
      emitBranch(state.bound - this.buf.offset);
    } else {
      state.uses.push({ offset: this.buf.offset, state: this.state });
      emitBranch(0);
    }
  }

  private branchOn(cond: Condition, label: Label): void {
    this.branchTo(label, (disp) => enc.bCond(this.buf, cond, disp));
  }

  /** A stub runs in the stack state of the branches that reach it, which must agree. */
  private stubState(stub: PendingStub): StackState {
    const reached = this.label(stub.label).uses.map((use) => use.state);
    const state = reached[0] ?? stub.state;
    if (reached.some((s) => s.sp !== state.sp || s.returnAddress !== state.returnAddress)) {
      throw new CompilerInvariantError(
        `trap stub for site ${stub.site} is reached with different stack states`,
      );
    }
    return state;
  }

  private setState(state: StackState): void {
    this.state = state;
    this.deepestSp = Math.max(this.deepestSp, state.sp);
    const record = {
      offset: this.buf.offset,
      spBelowReference: state.sp,
      returnAddress: state.returnAddress,
    };
    const last = this.unwind[this.unwind.length - 1];
    if (last !== undefined && last.offset === record.offset) this.unwind.pop();
    this.unwind.push(record);
  }

  private assertStackStep(bytes: number, what: string): void {
    if (!Number.isInteger(bytes) || bytes < 0 || bytes % 16 !== 0) {
      throw new CompilerInvariantError(`${what} ${bytes} bytes: SP moves only in multiples of 16 on aarch64`);
    }
  }

  private assertSpAligned(): void {
    if (this.state.sp % 16 !== 0) {
      throw new CompilerInvariantError(`SP is ${this.state.sp} bytes below the reference: not 16-aligned`);
    }
  }

  /** SP += delta (a checked multiple of 16), in add/sub-immediate steps of 16-aligned amounts. */
  private adjustSp(delta: number): void {
    const emitStep = delta < 0 ? enc.subImm : enc.addImm;
    let remaining = Math.abs(delta);
    while (remaining > 0) {
      const step = remaining > 0xfff ? Math.min(remaining - (remaining % 0x1000), 0xfff000) : remaining;
      emitStep(this.buf, 64, SP, SP, imm12(step));
      remaining -= step;
      this.setState({
        sp: this.state.sp + (delta < 0 ? step : -step),
        returnAddress: this.state.returnAddress,
      });
    }
  }

  /** SP-relative offset of the slot `below` bytes under the reference; never below SP. */
  private slotOffset(below: number): number {
    const offset = this.state.sp - below;
    if (below <= 0 || offset < 0) {
      throw new CompilerInvariantError(
        `slot ${below} bytes below the reference is below SP (${this.state.sp})`,
      );
    }
    return offset;
  }

  private checkIndex(index: number): number {
    if (!Number.isInteger(index) || index < 0)
      throw new CompilerInvariantError(`stack argument index ${index}`);
    return index;
  }

  private argReg(index: number): Gpr {
    const reg = ARG_REGS[index];
    if (reg === undefined)
      throw new CompilerInvariantError(`argument register ${index} does not exist on aarch64`);
    return reg;
  }

  private loadStoreSp(kind: "load" | "store", rt: Gpr, offset: number): void {
    this.assertSpAligned();
    this.loadStore64(kind, rt, SP, offset);
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

  private call(target: Relocation["target"]): void {
    this.assertCallable();
    this.relocations.push({ offset: this.buf.offset, target });
    enc.bl(this.buf, 0);
  }

  /** A call needs an aligned SP and the return address saved in the frame record (bl/blr write x30). */
  private assertCallable(): void {
    this.assertSpAligned();
    if (this.state.returnAddress === "lr") {
      throw new CompilerInvariantError(
        "call without a frame record would overwrite the return address in x30",
      );
    }
  }

  /**
   * x16 ← zext32(addr) + memOffset, branching to `outOfBounds` when x16 + bytes > memory size.
   * Clobbers x17 and `addr` (which receives the size).
   */
  private checkedAddress(addr: Gpr, memOffset: number, bytes: number, outOfBounds: Label): void {
    if (!Number.isInteger(memOffset) || memOffset < 0 || memOffset > MAX_MEM_OFFSET) {
      throw new CompilerInvariantError(`memory offset ${memOffset} is not a u32`);
    }
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

export function createMasm(): MacroAssembler {
  return new Aarch64MacroAssembler();
}
