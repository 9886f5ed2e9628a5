// x64 byte encoders: one function per instruction form the x64 MacroAssembler emits, named
// <mnemonic><Form> (R register, X xmm register, M memory, I immediate, Cl the count in cl). Each appends exactly one
// instruction to a CodeBuffer. Where GNU `as` has a choice of encodings, these pick the one it picks,
// so the byte-exact tables can come straight from the assembler.
import type { CodeBuffer } from "../../code-buffer.js";
import type { ShiftCount, Simm32, Uimm32 } from "./imm.js";
import { Gpr, type Xmm } from "./regs.js";

/** Operand size of a register-only instruction. */
export type Size = 32 | 64;
/** Operand size of a store. */
export type StoreSize = 8 | 16 | 32 | 64;

/** The classic ALU group: the value is the opcode row and the /digit of the immediate forms. */
export const AluOp = { add: 0, or: 1, and: 4, sub: 5, xor: 6, cmp: 7 } as const;
export type AluOp = keyof typeof AluOp;

/** Shift group 2: the value is the /digit. */
export const ShiftOp = { rol: 0, ror: 1, shl: 4, shr: 5, sar: 7 } as const;
export type ShiftOp = keyof typeof ShiftOp;

/** The sixteen condition codes in encoding order: a code's index is the low nibble of jcc, setcc, cmovcc. */
// biome-ignore format: eight codes a row, as the manuals tabulate them
const CONDITION_CODES = [
  "o", "no", "b", "ae", "e", "ne", "be", "a",
  "s", "ns", "p", "np", "l", "ge", "le", "g",
] as const;
export type CondCode = (typeof CONDITION_CODES)[number];
const nibbles = CONDITION_CODES.map((cc, nibble) => [cc, nibble] as const);
export const CondCode = Object.fromEntries(nibbles) as Readonly<Record<CondCode, number>>;

/** Scalar SSE arithmetic (`<op>ss` / `<op>sd`): the value is the second opcode byte after 0f. */
export const SseOp = {
  sqrt: 0x51,
  add: 0x58,
  mul: 0x59,
  sub: 0x5c,
  min: 0x5d,
  div: 0x5e,
  max: 0x5f,
} as const;
export type SseOp = keyof typeof SseOp;

/** `roundss`/`roundsd` immediates (SSE4.1): the rounding mode in bits 1:0 (bit 2 clear: use it). */
export const RoundingMode = { nearest: 0, floor: 1, ceil: 2, trunc: 3 } as const;
export type RoundingMode = keyof typeof RoundingMode;

/** Sign extension from/to, Intel-manual letters: b 8, w 16, l 32, q 64 bits. */
export type ExtMode = "bl" | "bq" | "wl" | "wq" | "lq";

/** rsp cannot be an index: its index encoding means "no index". */
export type IndexGpr = Exclude<Gpr, typeof Gpr.rsp>;

/** Memory operand `[base + index + disp]` (scale 1). */
export interface Amode {
  readonly base: Gpr;
  readonly index: IndexGpr | null;
  readonly disp: Simm32;
}

// ── shared encoding of prefixes, REX, opcode, ModRM/SIB/displacement ──────────────────────────

interface Form {
  /** Mandatory or operand-size prefix (0x66, 0xf3), emitted before REX. */
  readonly prefix?: number;
  readonly w: boolean;
  readonly opcode: readonly number[];
  /** ModRM.reg: a register (general or xmm), or the opcode extension (/digit). */
  readonly reg: number;
  readonly rm: Gpr | Xmm | Amode;
  /** 8-bit register operands: spl, bpl, sil and dil exist only with a REX prefix (else ah..bh). */
  readonly byteRegs?: readonly Gpr[];
}

function emit(buf: CodeBuffer, form: Form): void {
  if (form.prefix !== undefined) buf.emit8(form.prefix);
  const rm = form.rm;
  const x = typeof rm === "number" ? 0 : (rm.index ?? 0);
  const b = typeof rm === "number" ? rm : rm.base;
  const rex = 0x40 | (form.w ? 8 : 0) | ((form.reg >> 3) << 2) | ((x >> 3) << 1) | (b >> 3);
  const needsRexForByteReg = form.byteRegs?.some(isRexOnlyByteReg) ?? false;
  if (rex !== 0x40 || needsRexForByteReg) buf.emit8(rex);
  for (const byte of form.opcode) buf.emit8(byte);
  if (typeof rm === "number") buf.emit8(0xc0 | ((form.reg & 7) << 3) | (rm & 7));
  else emitMemory(buf, form.reg, rm);
}

/** spl, bpl, sil, dil: without a REX prefix these encodings mean ah, ch, dh, bh. */
const isRexOnlyByteReg = (reg: Gpr): boolean => reg >= 4 && reg <= 7;

/**
 * ModRM (+ SIB) (+ disp). rsp/r12 as base need a SIB byte (rm=100 means "SIB follows"); rbp/r13 as
 * base need a displacement (mod=00 with rm=101 means rip-relative), so they get disp8 0.
 */
function emitMemory(buf: CodeBuffer, reg: number, m: Amode): void {
  const base = m.base & 7;
  const disp = m.disp;
  const sib = m.index !== null || base === 4;
  const mod = disp.value === 0 && base !== 5 ? 0 : disp.fitsInt8 ? 1 : 2;
  buf.emit8((mod << 6) | ((reg & 7) << 3) | (sib ? 4 : base));
  if (sib) buf.emit8((((m.index ?? Gpr.rsp) & 7) << 3) | base);
  if (mod === 1) buf.emit8(disp.value);
  else if (mod === 2) buf.emit32(disp.value);
}

/** Opcode with the register in its low three bits (push, pop, mov r, imm, xchg rax, r). */
function emitShortForm(buf: CodeBuffer, w: boolean, opcode: number, reg: Gpr): void {
  const rex = 0x40 | (w ? 8 : 0) | (reg >> 3);
  if (rex !== 0x40) buf.emit8(rex);
  buf.emit8(opcode + (reg & 7));
}

// ── moves ─────────────────────────────────────────────────────────────────────────────────────

/** `mov dst, src` (89 /r); the 32-bit form zero-extends into the 64-bit register. */
export function movRR(buf: CodeBuffer, size: Size, dst: Gpr, src: Gpr): void {
  emit(buf, { w: size === 64, opcode: [0x89], reg: src, rm: dst });
}

/** `mov dst, [m]` (8b /r): a 32- or 64-bit load; the 32-bit form zero-extends. */
export function movRM(buf: CodeBuffer, size: Size, dst: Gpr, m: Amode): void {
  emit(buf, { w: size === 64, opcode: [0x8b], reg: dst, rm: m });
}

/** `mov [m], src` (88 /r, 66 89 /r, 89 /r, REX.W 89 /r): a store of the low `size` bits. */
export function movMR(buf: CodeBuffer, size: StoreSize, m: Amode, src: Gpr): void {
  if (size === 8) emit(buf, { w: false, opcode: [0x88], reg: src, rm: m, byteRegs: [src] });
  else if (size === 16) emit(buf, { prefix: 0x66, w: false, opcode: [0x89], reg: src, rm: m });
  else emit(buf, { w: size === 64, opcode: [0x89], reg: src, rm: m });
}

/** `mov r32, imm32` (b8+r id): sets the 64-bit register to the zero-extended immediate. */
export function movRI32(buf: CodeBuffer, dst: Gpr, imm: Uimm32): void {
  emitShortForm(buf, false, 0xb8, dst);
  buf.emit32(imm.value);
}

/** `mov r64, simm32` (REX.W c7 /0 id): sets the register to the sign-extended immediate. */
export function movRI64(buf: CodeBuffer, dst: Gpr, imm: Simm32): void {
  emit(buf, { w: true, opcode: [0xc7], reg: 0, rm: dst });
  buf.emit32(imm.value);
}

/** `movabs r64, imm64` (REX.W b8+r io). */
export function movabsRI(buf: CodeBuffer, dst: Gpr, imm: bigint): void {
  emitShortForm(buf, true, 0xb8, dst);
  buf.emit64(imm);
}

/** `movzx r32, r/m8|16` (0f b6 /r, 0f b7 /r): zero-extends through all 64 bits. */
export function movzxRR(buf: CodeBuffer, from: 8 | 16, dst: Gpr, src: Gpr): void {
  const opcode = [0x0f, from === 8 ? 0xb6 : 0xb7];
  emit(buf, { w: false, opcode, reg: dst, rm: src, byteRegs: from === 8 ? [src] : [] });
}

export function movzxRM(buf: CodeBuffer, from: 8 | 16, dst: Gpr, m: Amode): void {
  emit(buf, { w: false, opcode: [0x0f, from === 8 ? 0xb6 : 0xb7], reg: dst, rm: m });
}

const MOVSX: Record<ExtMode, { w: boolean; opcode: readonly number[] }> = {
  bl: { w: false, opcode: [0x0f, 0xbe] },
  bq: { w: true, opcode: [0x0f, 0xbe] },
  wl: { w: false, opcode: [0x0f, 0xbf] },
  wq: { w: true, opcode: [0x0f, 0xbf] },
  lq: { w: true, opcode: [0x63] },
};

/** `movsx`/`movsxd` register form; a 32-bit destination is then zero-extended into 64 bits. */
export function movsxRR(buf: CodeBuffer, mode: ExtMode, dst: Gpr, src: Gpr): void {
  const { w, opcode } = MOVSX[mode];
  emit(buf, { w, opcode, reg: dst, rm: src, byteRegs: mode[0] === "b" ? [src] : [] });
}

export function movsxRM(buf: CodeBuffer, mode: ExtMode, dst: Gpr, m: Amode): void {
  const { w, opcode } = MOVSX[mode];
  emit(buf, { w, opcode, reg: dst, rm: m });
}

/** `lea r64, [m]` (REX.W 8d /r). */
export function leaRM(buf: CodeBuffer, dst: Gpr, m: Amode): void {
  emit(buf, { w: true, opcode: [0x8d], reg: dst, rm: m });
}

/** `xchg a, b` (64-bit): REX.W 90+r when one side is rax, as GNU as encodes it, else REX.W 87 /r. */
export function xchgRR(buf: CodeBuffer, a: Gpr, b: Gpr): void {
  if (a === Gpr.rax || b === Gpr.rax) emitShortForm(buf, true, 0x90, a === Gpr.rax ? b : a);
  else emit(buf, { w: true, opcode: [0x87], reg: b, rm: a });
}

/** `cmovcc dst, src` (0f 40+cc /r). */
export function cmovccRR(buf: CodeBuffer, cc: CondCode, size: Size, dst: Gpr, src: Gpr): void {
  emit(buf, { w: size === 64, opcode: [0x0f, 0x40 | CondCode[cc]], reg: dst, rm: src });
}

/** `setcc r8` (0f 90+cc /0): writes the low byte only. */
export function setcc(buf: CodeBuffer, cc: CondCode, dst: Gpr): void {
  emit(buf, { w: false, opcode: [0x0f, 0x90 | CondCode[cc]], reg: 0, rm: dst, byteRegs: [dst] });
}

// ── arithmetic ────────────────────────────────────────────────────────────────────────────────

/** `op dst, src` (add 01, or 09, and 21, sub 29, xor 31, cmp 39; /r with src in ModRM.reg). */
export function aluRR(buf: CodeBuffer, op: AluOp, size: Size, dst: Gpr, src: Gpr): void {
  emit(buf, { w: size === 64, opcode: [(AluOp[op] << 3) | 0x01], reg: src, rm: dst });
}

/**
 * `op dst, imm` (83 /digit ib when the value fits 8 bits, else 81 /digit id, or the one byte
 * shorter accumulator form 05/0d/25/2d/35/3d id for eax/rax). The immediate is sign-extended.
 */
export function aluRI(buf: CodeBuffer, op: AluOp, size: Size, dst: Gpr, imm: Simm32): void {
  const w = size === 64;
  if (imm.fitsInt8) {
    emit(buf, { w, opcode: [0x83], reg: AluOp[op], rm: dst });
    buf.emit8(imm.value);
    return;
  }
  if (dst === Gpr.rax) {
    if (w) buf.emit8(0x48);
    buf.emit8((AluOp[op] << 3) | 0x05);
  } else {
    emit(buf, { w, opcode: [0x81], reg: AluOp[op], rm: dst });
  }
  buf.emit32(imm.value);
}

/** `op dst, [m]` (03, 0b, 23, 2b, 33, 3b /r). */
export function aluRM(buf: CodeBuffer, op: AluOp, size: Size, dst: Gpr, m: Amode): void {
  emit(buf, { w: size === 64, opcode: [(AluOp[op] << 3) | 0x03], reg: dst, rm: m });
}

/** `test a, b` (85 /r). */
export function testRR(buf: CodeBuffer, size: Size, a: Gpr, b: Gpr): void {
  emit(buf, { w: size === 64, opcode: [0x85], reg: b, rm: a });
}

/** `imul dst, src` (0f af /r): the low half of the product. */
export function imulRR(buf: CodeBuffer, size: Size, dst: Gpr, src: Gpr): void {
  emit(buf, { w: size === 64, opcode: [0x0f, 0xaf], reg: dst, rm: src });
}

/** `op dst, cl` (d3 /digit); the hardware masks the count to 5 (32-bit) or 6 (64-bit) bits. */
export function shiftRCl(buf: CodeBuffer, op: ShiftOp, size: Size, dst: Gpr): void {
  emit(buf, { w: size === 64, opcode: [0xd3], reg: ShiftOp[op], rm: dst });
}

/** `op dst, count` (d1 /digit for a count of 1, as GNU as encodes it, else c1 /digit ib). */
export function shiftRI(buf: CodeBuffer, op: ShiftOp, size: Size, dst: Gpr, count: ShiftCount): void {
  emit(buf, { w: size === 64, opcode: [count.value === 1 ? 0xd1 : 0xc1], reg: ShiftOp[op], rm: dst });
  if (count.value !== 1) buf.emit8(count.value);
}

/** `div divisor` (f7 /6): unsigned edx:eax (rdx:rax) / divisor → quotient eax, remainder edx. */
export function divR(buf: CodeBuffer, size: Size, divisor: Gpr): void {
  emit(buf, { w: size === 64, opcode: [0xf7], reg: 6, rm: divisor });
}

/** `idiv divisor` (f7 /7): the signed division. */
export function idivR(buf: CodeBuffer, size: Size, divisor: Gpr): void {
  emit(buf, { w: size === 64, opcode: [0xf7], reg: 7, rm: divisor });
}

/** `cdq` (99): edx ← sign of eax. */
export function cdq(buf: CodeBuffer): void {
  buf.emit8(0x99);
}

/** `cqo` (REX.W 99): rdx ← sign of rax. */
export function cqo(buf: CodeBuffer): void {
  buf.emit8(0x48);
  buf.emit8(0x99);
}

/** `lzcnt dst, src` (f3 0f bd /r): leading zeros, the width for 0. */
export function lzcnt(buf: CodeBuffer, size: Size, dst: Gpr, src: Gpr): void {
  emit(buf, { prefix: 0xf3, w: size === 64, opcode: [0x0f, 0xbd], reg: dst, rm: src });
}

/** `tzcnt dst, src` (f3 0f bc /r): trailing zeros, the width for 0. */
export function tzcnt(buf: CodeBuffer, size: Size, dst: Gpr, src: Gpr): void {
  emit(buf, { prefix: 0xf3, w: size === 64, opcode: [0x0f, 0xbc], reg: dst, rm: src });
}

// ── SSE scalar floats ─────────────────────────────────────────────────────────────────────────
// Scalar single (32) or double (64) precision selects the mandatory prefix: f3 (ss) or f2 (sd) for
// arithmetic and conversions, none or 66 for ucomis and the packed logic. Legacy SSE encodings, as
// GNU as emits them without `{vex}`.

/** Float size → the mandatory prefix of the `ss`/`sd` forms. */
function scalarPrefix(size: Size): number {
  return size === 32 ? 0xf3 : 0xf2;
}

/** `movd xmm, r32` / `movq xmm, r64` (66 (REX.W) 0f 6e /r): the other bits of xmm are zeroed. */
export function movdXR(buf: CodeBuffer, size: Size, dst: Xmm, src: Gpr): void {
  emit(buf, { prefix: 0x66, w: size === 64, opcode: [0x0f, 0x6e], reg: dst, rm: src });
}

/** `movd r32, xmm` / `movq r64, xmm` (66 (REX.W) 0f 7e /r); the 32-bit form zero-extends. */
export function movdRX(buf: CodeBuffer, size: Size, dst: Gpr, src: Xmm): void {
  emit(buf, { prefix: 0x66, w: size === 64, opcode: [0x0f, 0x7e], reg: src, rm: dst });
}

/** `<op>ss` / `<op>sd dst, src` (f3|f2 0f 51..5f /r): dst ← dst op src (sqrt: dst ← √src). */
export function sseXX(buf: CodeBuffer, op: SseOp, size: Size, dst: Xmm, src: Xmm): void {
  emit(buf, { prefix: scalarPrefix(size), w: false, opcode: [0x0f, SseOp[op]], reg: dst, rm: src });
}

/** `ucomiss` / `ucomisd a, b` ((66) 0f 2e /r): unordered → ZF PF CF = 111, a < b → 001, a = b → 100. */
export function ucomisXX(buf: CodeBuffer, size: Size, a: Xmm, b: Xmm): void {
  emit(buf, { prefix: size === 32 ? undefined : 0x66, w: false, opcode: [0x0f, 0x2e], reg: a, rm: b });
}

/** `roundss` / `roundsd dst, src, mode` (66 0f 3a 0a|0b /r ib, SSE4.1). */
export function roundXX(buf: CodeBuffer, size: Size, mode: RoundingMode, dst: Xmm, src: Xmm): void {
  const opcode = [0x0f, 0x3a, size === 32 ? 0x0a : 0x0b];
  emit(buf, { prefix: 0x66, w: false, opcode, reg: dst, rm: src });
  buf.emit8(RoundingMode[mode]);
}

/** `andps dst, src` (0f 54 /r): bitwise and of all 128 bits. */
export function andpsXX(buf: CodeBuffer, dst: Xmm, src: Xmm): void {
  emit(buf, { w: false, opcode: [0x0f, 0x54], reg: dst, rm: src });
}

/** `orps dst, src` (0f 56 /r): bitwise or of all 128 bits. */
export function orpsXX(buf: CodeBuffer, dst: Xmm, src: Xmm): void {
  emit(buf, { w: false, opcode: [0x0f, 0x56], reg: dst, rm: src });
}

/** `cvttss2si` / `cvttsd2si r, xmm` (f3|f2 (REX.W) 0f 2c /r): truncate a float of size `from` to a
 *  signed integer of size `to`; the 32-bit result is zero-extended. Out of range: the integer minimum. */
export function cvtts2siRX(buf: CodeBuffer, from: Size, to: Size, dst: Gpr, src: Xmm): void {
  emit(buf, { prefix: scalarPrefix(from), w: to === 64, opcode: [0x0f, 0x2c], reg: dst, rm: src });
}

/** `cvtsi2ss` / `cvtsi2sd xmm, r` (f3|f2 (REX.W) 0f 2a /r): the signed integer of size `from`,
 *  rounded per MXCSR (nearest even), into the low float of size `to`. */
export function cvtsi2sXR(buf: CodeBuffer, to: Size, from: Size, dst: Xmm, src: Gpr): void {
  emit(buf, { prefix: scalarPrefix(to), w: from === 64, opcode: [0x0f, 0x2a], reg: dst, rm: src });
}

/** `cvtss2sd dst, src` (f3 0f 5a /r): f32 → f64, exact. */
export function cvtss2sdXX(buf: CodeBuffer, dst: Xmm, src: Xmm): void {
  emit(buf, { prefix: 0xf3, w: false, opcode: [0x0f, 0x5a], reg: dst, rm: src });
}

/** `cvtsd2ss dst, src` (f2 0f 5a /r): f64 → f32, rounded to nearest even. */
export function cvtsd2ssXX(buf: CodeBuffer, dst: Xmm, src: Xmm): void {
  emit(buf, { prefix: 0xf2, w: false, opcode: [0x0f, 0x5a], reg: dst, rm: src });
}

// ── stack and control ─────────────────────────────────────────────────────────────────────────

/** `push r64` (50+r). */
export function pushR(buf: CodeBuffer, reg: Gpr): void {
  emitShortForm(buf, false, 0x50, reg);
}

/** `pop r64` (58+r). */
export function popR(buf: CodeBuffer, reg: Gpr): void {
  emitShortForm(buf, false, 0x58, reg);
}

/** `ret` (c3). */
export function ret(buf: CodeBuffer): void {
  buf.emit8(0xc3);
}

/**
 * Relative branches and calls: `rel32` is the displacement from the end of the instruction, as the
 * hardware reads it. All three end with their rel32 field, so a fixup patches the last 4 bytes.
 */
export function jmpRel32(buf: CodeBuffer, rel32: Simm32): void {
  buf.emit8(0xe9);
  buf.emit32(rel32.value);
}

/** `jcc rel32` (0f 80+cc cd). */
export function jccRel32(buf: CodeBuffer, cc: CondCode, rel32: Simm32): void {
  buf.emit8(0x0f);
  buf.emit8(0x80 | CondCode[cc]);
  buf.emit32(rel32.value);
}

/** `call r64` (ff /2): an indirect call through a register. */
export function callR(buf: CodeBuffer, target: Gpr): void {
  emit(buf, { w: false, opcode: [0xff], reg: 2, rm: target });
}

/** `call rel32` (e8 cd). */
export function callRel32(buf: CodeBuffer, rel32: Simm32): void {
  buf.emit8(0xe8);
  buf.emit32(rel32.value);
}
