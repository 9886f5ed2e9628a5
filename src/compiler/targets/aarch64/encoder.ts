// AArch64 byte encoders (A64, little-endian), one per instruction form the masm emits, named
// `<mnemonic><Form>`. Each appends one 32-bit instruction word to a CodeBuffer. Operand types say
// whether register number 31 is the stack pointer or the zero register at that position.
import type { CodeBuffer } from "../../code-buffer.js";
import { CompilerInvariantError } from "../../errors.js";
import type { Imm12, LogicalImm, MoveWide, SImm7Scaled, SImm9, UImm12Scaled } from "./imm.js";
import { type Gpr, type GprOrSp, type GprOrZr, SP, type Vreg, ZR } from "./regs.js";

export type OperandSize = 32 | 64;

/** Condition codes (the subset the masm uses), by their 4-bit encoding. */
export const CONDITIONS = {
  eq: 0b0000,
  ne: 0b0001,
  hs: 0b0010,
  lo: 0b0011,
  mi: 0b0100,
  pl: 0b0101,
  hi: 0b1000,
  ls: 0b1001,
  ge: 0b1010,
  lt: 0b1011,
  gt: 0b1100,
  le: 0b1101,
} as const;
export type Condition = keyof typeof CONDITIONS;

/** The condition that holds exactly when `cond` does not (the encodings differ in bit 0). */
export function invert(cond: Condition): Condition {
  const inverted = CONDITIONS[cond] ^ 1;
  return (Object.keys(CONDITIONS) as Condition[]).find((c) => CONDITIONS[c] === inverted)!;
}

function sf(size: OperandSize): number {
  return size === 64 ? 0x8000_0000 : 0;
}

function orSp(reg: GprOrSp): number {
  return reg === SP ? 31 : reg;
}

function orZr(reg: GprOrZr): number {
  return reg === ZR ? 31 : reg;
}

function emit(buf: CodeBuffer, word: number): void {
  buf.emit32(word >>> 0);
}

// ── move wide ─────────────────────────────────────────────────────────────────────────────

function moveWide(base: number) {
  return (buf: CodeBuffer, size: OperandSize, rd: Gpr, imm: MoveWide): void => {
    if (size === 32 && imm.shift > 16) {
      throw new CompilerInvariantError(`32-bit move-wide cannot shift by ${imm.shift}`);
    }
    emit(buf, base | sf(size) | ((imm.shift / 16) << 21) | (imm.imm16 << 5) | rd);
  };
}

/** movz rd, #imm16, lsl #shift: rd ← the field, other bits zero. */
export const movz = moveWide(0x5280_0000);
/** movn rd, #imm16, lsl #shift: rd ← NOT (the field). */
export const movn = moveWide(0x1280_0000);
/** movk rd, #imm16, lsl #shift: replaces one 16-bit field of rd. */
export const movk = moveWide(0x7280_0000);

// ── add/sub (immediate) ───────────────────────────────────────────────────────────────────

/** add/sub (immediate); `flags` forms write zr where the others write sp as register 31. */
function addSubImm<Rd extends GprOrSp | GprOrZr>(base: number, rdField: (rd: Rd) => number) {
  return (buf: CodeBuffer, size: OperandSize, rd: Rd, rn: GprOrSp, imm: Imm12): void =>
    emit(
      buf,
      base | sf(size) | (imm.shift12 ? 1 << 22 : 0) | (imm.bits << 10) | (orSp(rn) << 5) | rdField(rd),
    );
}

export const addImm = addSubImm<GprOrSp>(0x1100_0000, orSp);
export const subImm = addSubImm<GprOrSp>(0x5100_0000, orSp);
/** adds (cmn when rd = zr). */
export const addsImm = addSubImm<GprOrZr>(0x3100_0000, orZr);
/** subs (cmp when rd = zr). */
export const subsImm = addSubImm<GprOrZr>(0x7100_0000, orZr);

// ── logical (immediate) ───────────────────────────────────────────────────────────────────

/** orr rd, rn, #bitmask (mov rd, #bitmask when rn = zr). */
export function orrImm(buf: CodeBuffer, size: OperandSize, rd: Gpr, rn: GprOrZr, imm: LogicalImm): void {
  if (size === 32 && imm.n === 1) throw new CompilerInvariantError("64-bit bitmask in a 32-bit orr");
  emit(
    buf,
    0x3200_0000 | sf(size) | (imm.n << 22) | (imm.immr << 16) | (imm.imms << 10) | (orZr(rn) << 5) | rd,
  );
}

// ── add/sub/logical (shifted register, shift 0) ───────────────────────────────────────────

/** Register 31 is zr in every operand of these forms. */
function shiftedReg(base: number) {
  return (buf: CodeBuffer, size: OperandSize, rd: GprOrZr, rn: GprOrZr, rm: GprOrZr): void =>
    emit(buf, base | sf(size) | (orZr(rm) << 16) | (orZr(rn) << 5) | orZr(rd));
}

export const addReg = shiftedReg(0x0b00_0000);
/** sub (neg when rn = zr). */
export const subReg = shiftedReg(0x4b00_0000);
/** subs (cmp when rd = zr). */
export const subsReg = shiftedReg(0x6b00_0000);
export const andReg = shiftedReg(0x0a00_0000);
/** orr (mov rd, rm when rn = zr). */
export const orrReg = shiftedReg(0x2a00_0000);
export const eorReg = shiftedReg(0x4a00_0000);

/** add rd, rn, rm, lsl #amount (64-bit; register 31 is zr in every operand). */
export function addRegLsl(buf: CodeBuffer, rd: GprOrZr, rn: GprOrZr, rm: GprOrZr, amount: number): void {
  if (!Number.isInteger(amount) || amount < 0 || amount > 63)
    throw new CompilerInvariantError(`lsl #${amount} is no 64-bit shift amount`);
  emit(buf, 0x8b00_0000 | (orZr(rm) << 16) | (amount << 10) | (orZr(rn) << 5) | orZr(rd));
}

// ── data processing: 1, 2 and 3 sources ───────────────────────────────────────────────────

function twoSource(opcode: number) {
  return (buf: CodeBuffer, size: OperandSize, rd: Gpr, rn: Gpr, rm: Gpr): void =>
    emit(buf, 0x1ac0_0000 | sf(size) | (rm << 16) | (opcode << 10) | (rn << 5) | rd);
}

export const udiv = twoSource(0b000010);
export const sdiv = twoSource(0b000011);
/** Shifts and rotate by register; the hardware takes the count modulo the operand size. */
export const lslv = twoSource(0b001000);
export const lsrv = twoSource(0b001001);
export const asrv = twoSource(0b001010);
export const rorv = twoSource(0b001011);

function threeSource(base: number) {
  return (buf: CodeBuffer, size: OperandSize, rd: Gpr, rn: Gpr, rm: Gpr, ra: GprOrZr): void =>
    emit(buf, base | sf(size) | (rm << 16) | (orZr(ra) << 10) | (rn << 5) | rd);
}

/** madd rd, rn, rm, ra: rd ← ra + rn·rm (mul when ra = zr). */
export const madd = threeSource(0x1b00_0000);
/** msub rd, rn, rm, ra: rd ← ra − rn·rm. */
export const msub = threeSource(0x1b00_8000);

function oneSource(opcode: number) {
  return (buf: CodeBuffer, size: OperandSize, rd: Gpr, rn: Gpr): void =>
    emit(buf, 0x5ac0_0000 | sf(size) | (opcode << 10) | (rn << 5) | rd);
}

export const rbit = oneSource(0b000000);
/** Count leading zeros; the operand size for a zero input. */
export const clz = oneSource(0b000100);

/** sbfm rd, rn, #immr, #imms (signed bitfield move; N equals sf). */
export function sbfm(buf: CodeBuffer, size: OperandSize, rd: Gpr, rn: Gpr, immr: number, imms: number): void {
  if (
    !Number.isInteger(immr) ||
    !Number.isInteger(imms) ||
    immr < 0 ||
    imms < 0 ||
    Math.max(immr, imms) >= size
  ) {
    throw new CompilerInvariantError(`sbfm #${immr}, #${imms} out of range for ${size} bits`);
  }
  emit(
    buf,
    0x1300_0000 | sf(size) | (size === 64 ? 1 << 22 : 0) | (immr << 16) | (imms << 10) | (rn << 5) | rd,
  );
}

/** sxtb rd, wn (sbfm rd, rn, #0, #7): the low byte sign-extended to `size` bits. */
export function sxtb(buf: CodeBuffer, size: OperandSize, rd: Gpr, rn: Gpr): void {
  sbfm(buf, size, rd, rn, 0, 7);
}

/** sxth rd, wn (sbfm rd, rn, #0, #15). */
export function sxth(buf: CodeBuffer, size: OperandSize, rd: Gpr, rn: Gpr): void {
  sbfm(buf, size, rd, rn, 0, 15);
}

/** sxtw xd, wn (sbfm xd, xn, #0, #31). */
export function sxtw(buf: CodeBuffer, rd: Gpr, rn: Gpr): void {
  sbfm(buf, 64, rd, rn, 0, 31);
}

// ── conditional select ────────────────────────────────────────────────────────────────────

/** csel rd, rn, rm, cond: rd ← cond ? rn : rm. */
export function csel(buf: CodeBuffer, size: OperandSize, rd: Gpr, rn: Gpr, rm: Gpr, cond: Condition): void {
  emit(buf, 0x1a80_0000 | sf(size) | (rm << 16) | (CONDITIONS[cond] << 12) | (rn << 5) | rd);
}

/** cset rd, cond (csinc rd, zr, zr, invert(cond)): rd ← cond ? 1 : 0. */
export function cset(buf: CodeBuffer, size: OperandSize, rd: Gpr, cond: Condition): void {
  emit(buf, 0x1a9f_07e0 | sf(size) | (CONDITIONS[invert(cond)] << 12) | rd);
}

// ── SIMD, for popcnt ──────────────────────────────────────────────────────────────────────

/** cnt vd.8b, vn.8b: population count of each byte. */
export function cnt8b(buf: CodeBuffer, vd: Vreg, vn: Vreg): void {
  emit(buf, 0x0e20_5800 | (vn << 5) | vd);
}

/** addv bd, vn.8b: sum of the eight bytes. */
export function addv8b(buf: CodeBuffer, vd: Vreg, vn: Vreg): void {
  emit(buf, 0x0e31_b800 | (vn << 5) | vd);
}

// ── floating point (scalar; size 32 = single s, 64 = double d) ───────────────────────────

/** The `type` field (bits 23:22) of a scalar FP instruction. */
function ftype(size: OperandSize): number {
  return size === 64 ? 1 << 22 : 0;
}

function fpTwoSource(opcode: number) {
  return (buf: CodeBuffer, size: OperandSize, vd: Vreg, vn: Vreg, vm: Vreg): void =>
    emit(buf, 0x1e20_0800 | ftype(size) | (vm << 16) | (opcode << 12) | (vn << 5) | vd);
}

export const fmul = fpTwoSource(0b0000);
export const fdiv = fpTwoSource(0b0001);
export const fadd = fpTwoSource(0b0010);
export const fsub = fpTwoSource(0b0011);
/** NaN if either operand is NaN; +0 is greater than −0 (Wasm's max exactly). */
export const fmax = fpTwoSource(0b0100);
/** NaN if either operand is NaN; −0 is less than +0 (Wasm's min exactly). */
export const fmin = fpTwoSource(0b0101);

function fpOneSource(buf: CodeBuffer, opcode: number, size: OperandSize, vd: Vreg, vn: Vreg) {
  emit(buf, 0x1e20_4000 | ftype(size) | (opcode << 15) | (vn << 5) | vd);
}

function fpOneSourceForm(opcode: number) {
  return (buf: CodeBuffer, size: OperandSize, vd: Vreg, vn: Vreg): void =>
    fpOneSource(buf, opcode, size, vd, vn);
}

export const fsqrt = fpOneSourceForm(0b000011);
/** Round to an integral value: to nearest with ties to even. */
export const frintn = fpOneSourceForm(0b001000);
/** Round to an integral value toward +∞ (ceil). */
export const frintp = fpOneSourceForm(0b001001);
/** Round to an integral value toward −∞ (floor). */
export const frintm = fpOneSourceForm(0b001010);
/** Round to an integral value toward zero (trunc). */
export const frintz = fpOneSourceForm(0b001011);

/** fcvt between single and double: vd (`to`) ← vn (`from`), rounded to nearest even. */
export function fcvt(buf: CodeBuffer, to: OperandSize, vd: Vreg, from: OperandSize, vn: Vreg): void {
  if (to === from) throw new CompilerInvariantError(`fcvt from ${from} to ${to} bits`);
  fpOneSource(buf, to === 64 ? 0b000101 : 0b000100, from, vd, vn);
}

/**
 * fcmp vn, vm: NZCV ← 0110 equal, 1000 less, 0010 greater, 0011 unordered (a NaN operand), so the
 * ordered comparisons are eq, mi (less), ls (less or equal), gt, ge, and ne is true when unordered.
 */
export function fcmp(buf: CodeBuffer, size: OperandSize, vn: Vreg, vm: Vreg): void {
  emit(buf, 0x1e20_2000 | ftype(size) | (vm << 16) | (vn << 5));
}

/** FP ⇄ integer conversions: sf (integer size), type (FP size), rmode:opcode (bits 20:16). */
function fpIntConvert(
  buf: CodeBuffer,
  op: number,
  intSize: OperandSize,
  fpSize: OperandSize,
  d: number,
  n: number,
) {
  emit(buf, 0x1e20_0000 | sf(intSize) | ftype(fpSize) | (op << 16) | (n << 5) | d);
}

/** float → integer (fcvtz*): rd (`intSize`) ← vn (`fpSize`). */
function toInteger(op: number) {
  return (buf: CodeBuffer, intSize: OperandSize, rd: Gpr, fpSize: OperandSize, vn: Vreg): void =>
    fpIntConvert(buf, op, intSize, fpSize, rd, vn);
}

/** integer → float (*cvtf): vd (`fpSize`) ← rn (`intSize`). */
function toFloat(op: number) {
  return (buf: CodeBuffer, fpSize: OperandSize, vd: Vreg, intSize: OperandSize, rn: Gpr): void =>
    fpIntConvert(buf, op, intSize, fpSize, vd, rn);
}

/** fcvtzs rd, vn: signed integer, rounded toward zero (a 32-bit result zero-extends). */
export const fcvtzs = toInteger(0b11_000);
/** fcvtzu rd, vn: unsigned integer, rounded toward zero (a 32-bit result zero-extends). */
export const fcvtzu = toInteger(0b11_001);
/** scvtf vd, rn: from a signed integer, rounded to nearest even. */
export const scvtf = toFloat(0b00_010);
/** ucvtf vd, rn: from an unsigned integer, rounded to nearest even. */
export const ucvtf = toFloat(0b00_011);

/** fmov dd, xn / fmov sd, wn: bit copy into the low bits of vd, the rest zeroed. */
export function fmovFromGpr(buf: CodeBuffer, size: OperandSize, vd: Vreg, rn: Gpr): void {
  fpIntConvert(buf, 0b00_111, size, size, vd, rn);
}

/** fmov xd, dn / fmov wd, sn: bit copy (a 32-bit one zero-extends). */
export function fmovToGpr(buf: CodeBuffer, size: OperandSize, rd: Gpr, vn: Vreg): void {
  fpIntConvert(buf, 0b00_110, size, size, rd, vn);
}

// ── loads and stores ──────────────────────────────────────────────────────────────────────

/** Load forms by access size and extension: size (bits 31:30) and opc (bits 23:22). */
export const LOADS = {
  ldrb: { size: 0, opc: 1 },
  ldrh: { size: 1, opc: 1 },
  ldrW: { size: 2, opc: 1 },
  ldrX: { size: 3, opc: 1 },
  ldrsbW: { size: 0, opc: 3 },
  ldrshW: { size: 1, opc: 3 },
  ldrsbX: { size: 0, opc: 2 },
  ldrshX: { size: 1, opc: 2 },
  ldrswX: { size: 2, opc: 2 },
} as const;
export type LoadOp = keyof typeof LOADS;

export const STORES = {
  strb: { size: 0, opc: 0 },
  strh: { size: 1, opc: 0 },
  strW: { size: 2, opc: 0 },
  strX: { size: 3, opc: 0 },
} as const;
export type StoreOp = keyof typeof STORES;

function loadStoreReg(buf: CodeBuffer, form: { size: number; opc: number }, rt: Gpr, rn: GprOrSp, rm: Gpr) {
  // option 011 (lsl/uxtx), S = 0: address = rn + rm.
  emit(buf, 0x3820_6800 | (form.size << 30) | (form.opc << 22) | (rm << 16) | (orSp(rn) << 5) | rt);
}

/** ldr{b,h,sb,sh,sw,} rt, [rn, rm]. */
export function ldrReg(buf: CodeBuffer, op: LoadOp, rt: Gpr, rn: GprOrSp, rm: Gpr): void {
  loadStoreReg(buf, LOADS[op], rt, rn, rm);
}

/** str{b,h,} rt, [rn, rm]. */
export function strReg(buf: CodeBuffer, op: StoreOp, rt: Gpr, rn: GprOrSp, rm: Gpr): void {
  loadStoreReg(buf, STORES[op], rt, rn, rm);
}

function loadStoreImm64(base: number) {
  return (buf: CodeBuffer, rt: Gpr, rn: GprOrSp, offset: UImm12Scaled): void => {
    if (offset.scale !== 8) throw new CompilerInvariantError("64-bit ldr/str offset must be scaled by 8");
    emit(buf, base | (offset.bits << 10) | (orSp(rn) << 5) | rt);
  };
}

/** Writeback forms of ldr/str (immediate): "post" accesses [rn] then adds the offset, "pre" adds first. */
export type IndexMode = "pre" | "post";

function loadStoreIndexed(
  buf: CodeBuffer,
  form: { size: number; opc: number },
  mode: IndexMode,
  rt: Gpr,
  rn: GprOrSp,
  offset: SImm9,
) {
  if (rt === rn) throw new CompilerInvariantError("ldr/str writeback with rt = rn is unpredictable");
  const index = mode === "post" ? 0b01 : 0b11;
  emit(
    buf,
    0x3800_0000 |
      (form.size << 30) |
      (form.opc << 22) |
      (offset.bits << 12) |
      (index << 10) |
      (orSp(rn) << 5) |
      rt,
  );
}

/** ldr{b,h,…} rt, [rn], #offset (post) or ldr… rt, [rn, #offset]! (pre). */
export function ldrIndexed(
  buf: CodeBuffer,
  op: LoadOp,
  mode: IndexMode,
  rt: Gpr,
  rn: GprOrSp,
  offset: SImm9,
): void {
  loadStoreIndexed(buf, LOADS[op], mode, rt, rn, offset);
}

/** str{b,h,…} rt, [rn], #offset (post) or str… rt, [rn, #offset]! (pre). */
export function strIndexed(
  buf: CodeBuffer,
  op: StoreOp,
  mode: IndexMode,
  rt: Gpr,
  rn: GprOrSp,
  offset: SImm9,
): void {
  loadStoreIndexed(buf, STORES[op], mode, rt, rn, offset);
}

/** ldr xt, [rn, #offset]. */
export const ldrImm = loadStoreImm64(0xf940_0000);
/** str xt, [rn, #offset]. */
export const strImm = loadStoreImm64(0xf900_0000);

function pair64(base: number) {
  return (buf: CodeBuffer, rt1: Gpr, rt2: Gpr, rn: GprOrSp, offset: SImm7Scaled): void => {
    if (offset.scale !== 8) throw new CompilerInvariantError("64-bit ldp/stp offset must be scaled by 8");
    emit(buf, base | (offset.bits << 15) | (rt2 << 10) | (orSp(rn) << 5) | rt1);
  };
}

/** stp xt1, xt2, [rn, #offset]! (pre-index: rn ← rn + offset, then store). */
export const stpPre = pair64(0xa980_0000);
/** ldp xt1, xt2, [rn], #offset (post-index: load, then rn ← rn + offset). */
export const ldpPost = pair64(0xa8c0_0000);
/** ldp xt1, xt2, [rn, #offset]! (pre-index). */
export const ldpPre = pair64(0xa9c0_0000);
/** stp xt1, xt2, [rn], #offset (post-index). */
export const stpPost = pair64(0xa880_0000);

// ── branches: displacements are in bytes from the branch instruction itself ──────────────

/** The imm26 field of b/bl: ±128 MiB. */
function branch26(displacement: number): number {
  return branchField(displacement, 26);
}

/** The imm19 field of b.cond/cbz/cbnz: ±1 MiB. */
function branch19(displacement: number): number {
  return branchField(displacement, 19);
}

function branchField(displacement: number, bits: number): number {
  const units = displacement / 4;
  if (!Number.isInteger(units) || units < -(2 ** (bits - 1)) || units >= 2 ** (bits - 1)) {
    throw new CompilerInvariantError(`branch displacement ${displacement} does not fit imm${bits}`);
  }
  return units & (2 ** bits - 1);
}

function branch(base: number) {
  return (buf: CodeBuffer, displacement: number): void => emit(buf, base | branch26(displacement));
}

export const b = branch(0x1400_0000);
/** bl: x30 ← return address, then branch. */
export const bl = branch(0x9400_0000);

export function bCond(buf: CodeBuffer, cond: Condition, displacement: number): void {
  emit(buf, 0x5400_0000 | (branch19(displacement) << 5) | CONDITIONS[cond]);
}

function compareAndBranch(base: number) {
  return (buf: CodeBuffer, size: OperandSize, rt: Gpr, displacement: number): void =>
    emit(buf, base | sf(size) | (branch19(displacement) << 5) | rt);
}

export const cbz = compareAndBranch(0x3400_0000);
export const cbnz = compareAndBranch(0x3500_0000);

/** blr xn: x30 ← return address, then branch to the address in xn. */
export function blr(buf: CodeBuffer, rn: Gpr): void {
  emit(buf, 0xd63f_0000 | (rn << 5));
}

/** ret (through x30). */
export function ret(buf: CodeBuffer): void {
  emit(buf, 0xd65f_03c0);
}

/** Which displacement field a branch word carries, from its opcode bits. */
export function branchFieldOf(word: number): 26 | 19 {
  if ((word & 0x7c00_0000) === 0x1400_0000) return 26; // b, bl
  if ((word & 0xff00_0010) === 0x5400_0000 || (word & 0x7e00_0000) === 0x3400_0000) return 19; // b.cond, cbz, cbnz
  throw new CompilerInvariantError(`0x${(word >>> 0).toString(16)} is not a b/bl/b.cond/cbz/cbnz`);
}

/** The same branch word with its displacement field replaced. */
export function withDisplacement(word: number, displacement: number): number {
  return branchFieldOf(word) === 26
    ? ((word & 0xfc00_0000) | branch26(displacement)) >>> 0
    : ((word & 0xff00_001f) | (branch19(displacement) << 5)) >>> 0;
}
