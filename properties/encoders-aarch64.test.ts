/**
 * Property: for random operands, every AArch64 encoder emits one word that Capstone decodes to
 * exactly one 4-byte instruction, and Capstone's text is what the operands say. The expected text is
 * built from the operands with Capstone 4's printing conventions (x/w/sp/xzr names by operand,
 * `#imm` in decimal up to 9 and hex above, move-wide fields always hex, the aliases mov/cmp/cmn/neg/
 * mul it prefers), never from our own bytes. Immediates come from their value types, so this also
 * checks that every value `LogicalImm.from` accepts decodes back to itself.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { disassemble } from "../emulators/disasm/capstone.js";
import { CodeBuffer } from "../src/compiler/code-buffer.js";
import * as enc from "../src/compiler/targets/aarch64/encoder.js";
import { CONDITIONS, type Condition, LOADS, STORES } from "../src/compiler/targets/aarch64/encoder.js";
import {
  Imm12,
  LogicalImm,
  MoveWide,
  SImm7Scaled,
  SImm9,
  UImm12Scaled,
} from "../src/compiler/targets/aarch64/imm.js";
import { type Gpr, type GprOrSp, type GprOrZr, SP, ZR } from "../src/compiler/targets/aarch64/regs.js";
import { propertyParameters } from "../src/fuzz/seed.js";

const ADDRESS = 0x1000_0000n;
const RUNS = 200;

// ── Capstone's AArch64 text ─────────────────────────────────────────────────────────────────

type Size = 32 | 64;

function reg(r: Gpr | typeof SP | typeof ZR, size: Size): string {
  if (r === SP) return size === 64 ? "sp" : "wsp";
  if (r === ZR) return size === 64 ? "xzr" : "wzr";
  return `${size === 64 ? "x" : "w"}${r}`;
}

/** A signed immediate: decimal when |n| ≤ 9, else hex. */
function imm(n: number | bigint): string {
  const value = BigInt(n);
  const magnitude = value < 0n ? -value : value;
  const digits = magnitude > 9n ? `0x${magnitude.toString(16)}` : magnitude.toString();
  return `#${value < 0n ? "-" : ""}${digits}`;
}

/** Move-wide fields are always printed in hex, except zero. */
function wideField(n: number): string {
  return n === 0 ? "#0" : `#0x${n.toString(16)}`;
}

function target(displacement: number): string {
  return `#0x${(ADDRESS + BigInt(displacement)).toString(16)}`;
}

// ── operand generators ──────────────────────────────────────────────────────────────────────

const gpr = fc.integer({ min: 0, max: 30 }) as fc.Arbitrary<Gpr>;
const gprOrSp: fc.Arbitrary<GprOrSp> = fc.oneof(gpr, fc.constant(SP));
const gprOrZr: fc.Arbitrary<GprOrZr> = fc.oneof(gpr, fc.constant(ZR));
const size = fc.constantFrom<Size>(32, 64);
const vreg = fc.integer({ min: 0, max: 31 });
const condition = fc.constantFrom(...(Object.keys(CONDITIONS) as Condition[]));
const imm12 = fc
  .oneof(
    fc.integer({ min: 0, max: 0xfff }),
    fc.integer({ min: 1, max: 0xfff }).map((n) => n * 0x1000),
  )
  .map((n) => Imm12.from(n)!);
const scaled8 = fc.integer({ min: 0, max: 0xfff }).map((n) => UImm12Scaled.from(n * 8, 8)!);
const pairOffset = fc.integer({ min: -64, max: 63 }).map((n) => SImm7Scaled.from(n * 8, 8)!);
const displacement = (bits: number) =>
  fc.integer({ min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1 }).map((n) => n * 4);

/** A bitmask immediate built from its definition: a rotated run of ones in a replicated element. */
const bitmask = size.chain((sz) =>
  fc
    .constantFrom(...[2, 4, 8, 16, 32, 64].filter((e) => e <= sz))
    .chain((e) =>
      fc.tuple(
        fc.constant(sz),
        fc.integer({ min: 1, max: e - 1 }),
        fc.integer({ min: 0, max: e - 1 }),
        fc.constant(e),
      ),
    )
    .map(([sz, ones, rotation, e]) => {
      const run = (1n << BigInt(ones)) - 1n;
      const mask = (1n << BigInt(e)) - 1n;
      const element = ((run >> BigInt(rotation)) | (run << BigInt(e - rotation))) & mask;
      let value = 0n;
      for (let at = 0; at < sz; at += e) value |= element << BigInt(at);
      return { size: sz, value };
    }),
);

/** A scalar FP register by size: s (single) or d (double). */
function freg(v: number, size: Size): string {
  return `${size === 64 ? "d" : "s"}${v}`;
}

function immText(value: Imm12): string {
  return value.shift12 ? `${imm(value.bits)}, lsl #12` : imm(value.bits);
}

// ── one property per encoder ────────────────────────────────────────────────────────────────

interface Case {
  emit(buf: CodeBuffer): void;
  text: string;
}

/** An encoder's property: random operands, and from them the bytes to emit and the text to expect. */
function encoder<T extends unknown[]>(
  name: string,
  operands: fc.Arbitrary<T>,
  build: (...operands: T) => Case,
): readonly [string, fc.Arbitrary<Case>] {
  return [name, operands.map((values) => build(...values))];
}

type ThreeRegister = (b: CodeBuffer, s: Size, d: Gpr, n: Gpr, m: Gpr) => void;
type FpThreeRegister = (b: CodeBuffer, s: Size, d: number, n: number, m: number) => void;
type FpTwoRegister = (b: CodeBuffer, s: Size, d: number, n: number) => void;
type ToInt = (b: CodeBuffer, intSize: Size, d: Gpr, fpSize: Size, n: number) => void;
type ToFloat = (b: CodeBuffer, fpSize: Size, d: number, intSize: Size, n: Gpr) => void;

const threeRegister = (name: string, mnemonic: string, encode: ThreeRegister) =>
  encoder(name, fc.tuple(size, gpr, gpr, gpr), (s, d, n, m) => ({
    emit: (b) => encode(b, s, d, n, m),
    text: `${mnemonic} ${reg(d, s)}, ${reg(n, s)}, ${reg(m, s)}`,
  }));

const fpThreeRegister = (name: string, encode: FpThreeRegister) =>
  encoder(name, fc.tuple(size, vreg, vreg, vreg), (s, d, n, m) => ({
    emit: (b) => encode(b, s, d, n, m),
    text: `${name} ${freg(d, s)}, ${freg(n, s)}, ${freg(m, s)}`,
  }));

const fpTwoRegister = (name: string, encode: FpTwoRegister) =>
  encoder(name, fc.tuple(size, vreg, vreg), (s, d, n) => ({
    emit: (b) => encode(b, s, d, n),
    text: `${name} ${freg(d, s)}, ${freg(n, s)}`,
  }));

const toInt = (name: string, encode: ToInt) =>
  encoder(name, fc.tuple(size, gpr, size, vreg), (is, d, fs, n) => ({
    emit: (b) => encode(b, is, d, fs, n),
    text: `${name} ${reg(d, is)}, ${freg(n, fs)}`,
  }));

const toFloat = (name: string, encode: ToFloat) =>
  encoder(name, fc.tuple(size, vreg, size, gpr), (fs, d, is, n) => ({
    emit: (b) => encode(b, fs, d, is, n),
    text: `${name} ${freg(d, fs)}, ${reg(n, is)}`,
  }));

const moveWideOperands = size.chain((s) =>
  fc.tuple(
    fc.constant(s),
    gpr,
    fc.integer({ min: 0, max: 0xffff }),
    fc.constantFrom<0 | 16 | 32 | 48>(...(s === 64 ? ([0, 16, 32, 48] as const) : ([0, 16] as const))),
  ),
);

const moveWide = (name: string, encode: typeof enc.movz) =>
  encoder(name, moveWideOperands, (s, d, field, shift) => ({
    emit: (b) => encode(b, s, d, MoveWide.at(field, shift)!),
    text: `${name} ${reg(d, s)}, ${wideField(field)}${shift ? `, lsl #${shift}` : ""}`,
  }));

const LOAD_TEXT: Record<enc.LoadOp, [mnemonic: string, size: Size]> = {
  ldrb: ["ldrb", 32],
  ldrh: ["ldrh", 32],
  ldrW: ["ldr", 32],
  ldrX: ["ldr", 64],
  ldrsbW: ["ldrsb", 32],
  ldrshW: ["ldrsh", 32],
  ldrsbX: ["ldrsb", 64],
  ldrshX: ["ldrsh", 64],
  ldrswX: ["ldrsw", 64],
};
const STORE_TEXT: Record<enc.StoreOp, [mnemonic: string, size: Size]> = {
  strb: ["strb", 32],
  strh: ["strh", 32],
  strW: ["str", 32],
  strX: ["str", 64],
};
const loadOp = fc.constantFrom(...(Object.keys(LOADS) as enc.LoadOp[]));
const storeOp = fc.constantFrom(...(Object.keys(STORES) as enc.StoreOp[]));

/** Distinct registers for a pair access with writeback (others are UNPREDICTABLE). */
const pairOperands = fc
  .tuple(gpr, gpr, gprOrSp, pairOffset)
  .filter(([t1, t2, n]) => t1 !== t2 && n !== t1 && n !== t2);

/** A single-register access with writeback: its base distinct from its register (else UNPREDICTABLE). */
const indexedOperands = fc
  .tuple(
    gpr,
    gprOrSp,
    fc.integer({ min: -256, max: 255 }).map((n) => SImm9.from(n)!),
  )
  .filter(([t, n]) => t !== n);

/** Capstone 4 prints a post-index amount unsigned: a negative one as its 64-bit two's complement. */
function postIndexText(offset: SImm9): string {
  return offset.value < 0 ? `#0x${(2n ** 64n + BigInt(offset.value)).toString(16)}` : imm(offset.value);
}

function indexedText(mnemonic: string, t: string, n: GprOrSp, mode: enc.IndexMode, offset: SImm9): string {
  return mode === "pre"
    ? `${mnemonic} ${t}, [${reg(n, 64)}, ${imm(offset.value)}]!`
    : `${mnemonic} ${t}, [${reg(n, 64)}], ${postIndexText(offset)}`;
}

const indexMode = fc.constantFrom<enc.IndexMode>("pre", "post");

function offsetText(offset: UImm12Scaled): string {
  return offset.value === 0 ? "" : `, ${imm(offset.value)}`;
}

const CASES: readonly (readonly [string, fc.Arbitrary<Case>])[] = [
  moveWide("movz", enc.movz),
  moveWide("movn", enc.movn),
  moveWide("movk", enc.movk),
  encoder("addImm", fc.tuple(size, gprOrSp, gprOrSp, imm12), (s, d, n, i) => ({
    emit: (b) => enc.addImm(b, s, d, n, i),
    text:
      i.value === 0 && (d === SP || n === SP)
        ? `mov ${reg(d, s)}, ${reg(n, s)}`
        : `add ${reg(d, s)}, ${reg(n, s)}, ${immText(i)}`,
  })),
  encoder("subImm", fc.tuple(size, gprOrSp, gprOrSp, imm12), (s, d, n, i) => ({
    emit: (b) => enc.subImm(b, s, d, n, i),
    text: `sub ${reg(d, s)}, ${reg(n, s)}, ${immText(i)}`,
  })),
  encoder("addsImm", fc.tuple(size, gprOrZr, gprOrSp, imm12), (s, d, n, i) => ({
    emit: (b) => enc.addsImm(b, s, d, n, i),
    text: d === ZR ? `cmn ${reg(n, s)}, ${immText(i)}` : `adds ${reg(d, s)}, ${reg(n, s)}, ${immText(i)}`,
  })),
  encoder("subsImm", fc.tuple(size, gprOrZr, gprOrSp, imm12), (s, d, n, i) => ({
    emit: (b) => enc.subsImm(b, s, d, n, i),
    text: d === ZR ? `cmp ${reg(n, s)}, ${immText(i)}` : `subs ${reg(d, s)}, ${reg(n, s)}, ${immText(i)}`,
  })),
  encoder("orrImm", fc.tuple(bitmask, gpr, gprOrZr), ({ size: s, value }, d, n) => ({
    emit: (b) => enc.orrImm(b, s, d, n, LogicalImm.from(value, s)!),
    text: `orr ${reg(d, s)}, ${reg(n, s)}, ${imm(value)}`,
  })),
  threeRegister("addReg", "add", enc.addReg),
  encoder("subReg", fc.tuple(size, gpr, gprOrZr, gpr), (s, d, n, m) => ({
    emit: (b) => enc.subReg(b, s, d, n, m),
    text: n === ZR ? `neg ${reg(d, s)}, ${reg(m, s)}` : `sub ${reg(d, s)}, ${reg(n, s)}, ${reg(m, s)}`,
  })),
  encoder("subsReg", fc.tuple(size, gprOrZr, gpr, gpr), (s, d, n, m) => ({
    emit: (b) => enc.subsReg(b, s, d, n, m),
    text: d === ZR ? `cmp ${reg(n, s)}, ${reg(m, s)}` : `subs ${reg(d, s)}, ${reg(n, s)}, ${reg(m, s)}`,
  })),
  threeRegister("andReg", "and", enc.andReg),
  encoder("orrReg", fc.tuple(size, gpr, gprOrZr, gpr), (s, d, n, m) => ({
    emit: (b) => enc.orrReg(b, s, d, n, m),
    text: n === ZR ? `mov ${reg(d, s)}, ${reg(m, s)}` : `orr ${reg(d, s)}, ${reg(n, s)}, ${reg(m, s)}`,
  })),
  threeRegister("eorReg", "eor", enc.eorReg),
  threeRegister("udiv", "udiv", enc.udiv),
  threeRegister("sdiv", "sdiv", enc.sdiv),
  threeRegister("lslv", "lsl", enc.lslv),
  threeRegister("lsrv", "lsr", enc.lsrv),
  threeRegister("asrv", "asr", enc.asrv),
  threeRegister("rorv", "ror", enc.rorv),
  encoder("madd", fc.tuple(size, gpr, gpr, gpr, gprOrZr), (s, d, n, m, a) => ({
    emit: (b) => enc.madd(b, s, d, n, m, a),
    text:
      a === ZR
        ? `mul ${reg(d, s)}, ${reg(n, s)}, ${reg(m, s)}`
        : `madd ${reg(d, s)}, ${reg(n, s)}, ${reg(m, s)}, ${reg(a, s)}`,
  })),
  encoder("msub", fc.tuple(size, gpr, gpr, gpr, gpr), (s, d, n, m, a) => ({
    emit: (b) => enc.msub(b, s, d, n, m, a),
    text: `msub ${reg(d, s)}, ${reg(n, s)}, ${reg(m, s)}, ${reg(a, s)}`,
  })),
  encoder("rbit", fc.tuple(size, gpr, gpr), (s, d, n) => ({
    emit: (b) => enc.rbit(b, s, d, n),
    text: `rbit ${reg(d, s)}, ${reg(n, s)}`,
  })),
  encoder("clz", fc.tuple(size, gpr, gpr), (s, d, n) => ({
    emit: (b) => enc.clz(b, s, d, n),
    text: `clz ${reg(d, s)}, ${reg(n, s)}`,
  })),
  encoder("sxtb", fc.tuple(size, gpr, gpr), (s, d, n) => ({
    emit: (b) => enc.sxtb(b, s, d, n),
    text: `sxtb ${reg(d, s)}, ${reg(n, 32)}`,
  })),
  encoder("sxth", fc.tuple(size, gpr, gpr), (s, d, n) => ({
    emit: (b) => enc.sxth(b, s, d, n),
    text: `sxth ${reg(d, s)}, ${reg(n, 32)}`,
  })),
  // sbfm with imms = size − 1 is the alias asr #immr
  encoder(
    "sbfm",
    size.chain((s) => fc.tuple(fc.constant(s), gpr, gpr, fc.integer({ min: 0, max: s - 1 }))),
    (s, d, n, shift) => ({
      emit: (b) => enc.sbfm(b, s, d, n, shift, s - 1),
      text: `asr ${reg(d, s)}, ${reg(n, s)}, ${imm(shift)}`,
    }),
  ),
  encoder("sxtw", fc.tuple(gpr, gpr), (d, n) => ({
    emit: (b) => enc.sxtw(b, d, n),
    text: `sxtw ${reg(d, 64)}, ${reg(n, 32)}`,
  })),
  encoder("csel", fc.tuple(size, gpr, gpr, gpr, condition), (s, d, n, m, c) => ({
    emit: (b) => enc.csel(b, s, d, n, m, c),
    text: `csel ${reg(d, s)}, ${reg(n, s)}, ${reg(m, s)}, ${c}`,
  })),
  encoder("cset", fc.tuple(size, gpr, condition), (s, d, c) => ({
    emit: (b) => enc.cset(b, s, d, c),
    text: `cset ${reg(d, s)}, ${c}`,
  })),
  encoder("fmovFromGpr", fc.tuple(size, vreg, gpr), (s, v, r) => ({
    emit: (b) => enc.fmovFromGpr(b, s, v, r),
    text: `fmov ${s === 64 ? "d" : "s"}${v}, ${reg(r, s)}`,
  })),
  encoder("fmovToGpr", fc.tuple(size, gpr, vreg), (s, r, v) => ({
    emit: (b) => enc.fmovToGpr(b, s, r, v),
    text: `fmov ${reg(r, s)}, ${s === 64 ? "d" : "s"}${v}`,
  })),
  fpThreeRegister("fadd", enc.fadd),
  fpThreeRegister("fsub", enc.fsub),
  fpThreeRegister("fmul", enc.fmul),
  fpThreeRegister("fdiv", enc.fdiv),
  fpThreeRegister("fmin", enc.fmin),
  fpThreeRegister("fmax", enc.fmax),
  fpTwoRegister("fsqrt", enc.fsqrt),
  fpTwoRegister("frintn", enc.frintn),
  fpTwoRegister("frintp", enc.frintp),
  fpTwoRegister("frintm", enc.frintm),
  fpTwoRegister("frintz", enc.frintz),
  encoder("fcvt", fc.tuple(size, vreg, vreg), (to, d, n) => {
    const from = to === 64 ? 32 : 64;
    return { emit: (b) => enc.fcvt(b, to, d, from, n), text: `fcvt ${freg(d, to)}, ${freg(n, from)}` };
  }),
  encoder("fcmp", fc.tuple(size, vreg, vreg), (s, n, m) => ({
    emit: (b) => enc.fcmp(b, s, n, m),
    text: `fcmp ${freg(n, s)}, ${freg(m, s)}`,
  })),
  toInt("fcvtzs", enc.fcvtzs),
  toInt("fcvtzu", enc.fcvtzu),
  toFloat("scvtf", enc.scvtf),
  toFloat("ucvtf", enc.ucvtf),
  encoder("cnt8b", fc.tuple(vreg, vreg), (d, n) => ({
    emit: (b) => enc.cnt8b(b, d, n),
    text: `cnt v${d}.8b, v${n}.8b`,
  })),
  encoder("addv8b", fc.tuple(vreg, vreg), (d, n) => ({
    emit: (b) => enc.addv8b(b, d, n),
    text: `addv b${d}, v${n}.8b`,
  })),
  encoder("ldrReg", fc.tuple(loadOp, gpr, gprOrSp, gpr), (op, t, n, m) => ({
    emit: (b) => enc.ldrReg(b, op, t, n, m),
    text: `${LOAD_TEXT[op][0]} ${reg(t, LOAD_TEXT[op][1])}, [${reg(n, 64)}, ${reg(m, 64)}]`,
  })),
  encoder("strReg", fc.tuple(storeOp, gpr, gprOrSp, gpr), (op, t, n, m) => ({
    emit: (b) => enc.strReg(b, op, t, n, m),
    text: `${STORE_TEXT[op][0]} ${reg(t, STORE_TEXT[op][1])}, [${reg(n, 64)}, ${reg(m, 64)}]`,
  })),
  encoder("ldrImm", fc.tuple(gpr, gprOrSp, scaled8), (t, n, o) => ({
    emit: (b) => enc.ldrImm(b, t, n, o),
    text: `ldr ${reg(t, 64)}, [${reg(n, 64)}${offsetText(o)}]`,
  })),
  encoder("strImm", fc.tuple(gpr, gprOrSp, scaled8), (t, n, o) => ({
    emit: (b) => enc.strImm(b, t, n, o),
    text: `str ${reg(t, 64)}, [${reg(n, 64)}${offsetText(o)}]`,
  })),
  encoder("stpPre", pairOperands, (t1, t2, n, o) => ({
    emit: (b) => enc.stpPre(b, t1, t2, n, o),
    text: `stp ${reg(t1, 64)}, ${reg(t2, 64)}, [${reg(n, 64)}, ${imm(o.value)}]!`,
  })),
  encoder("ldpPost", pairOperands, (t1, t2, n, o) => ({
    emit: (b) => enc.ldpPost(b, t1, t2, n, o),
    text: `ldp ${reg(t1, 64)}, ${reg(t2, 64)}, [${reg(n, 64)}], ${imm(o.value)}`,
  })),
  encoder("ldpPre", pairOperands, (t1, t2, n, o) => ({
    emit: (b) => enc.ldpPre(b, t1, t2, n, o),
    text: `ldp ${reg(t1, 64)}, ${reg(t2, 64)}, [${reg(n, 64)}, ${imm(o.value)}]!`,
  })),
  encoder("stpPost", pairOperands, (t1, t2, n, o) => ({
    emit: (b) => enc.stpPost(b, t1, t2, n, o),
    text: `stp ${reg(t1, 64)}, ${reg(t2, 64)}, [${reg(n, 64)}], ${imm(o.value)}`,
  })),
  encoder("ldrIndexed", fc.tuple(loadOp, indexMode, indexedOperands), (op, mode, [t, n, o]) => ({
    emit: (b) => enc.ldrIndexed(b, op, mode, t, n, o),
    text: indexedText(LOAD_TEXT[op][0], reg(t, LOAD_TEXT[op][1]), n, mode, o),
  })),
  encoder("strIndexed", fc.tuple(storeOp, indexMode, indexedOperands), (op, mode, [t, n, o]) => ({
    emit: (b) => enc.strIndexed(b, op, mode, t, n, o),
    text: indexedText(STORE_TEXT[op][0], reg(t, STORE_TEXT[op][1]), n, mode, o),
  })),
  encoder(
    "addRegLsl",
    fc.tuple(gprOrZr, gprOrZr, gprOrZr, fc.integer({ min: 0, max: 63 })),
    (d, n, m, a) => ({
      emit: (b) => enc.addRegLsl(b, d, n, m, a),
      text: `add ${reg(d, 64)}, ${reg(n, 64)}, ${reg(m, 64)}${a === 0 ? "" : `, lsl #${a}`}`,
    }),
  ),
  encoder("b", fc.tuple(displacement(26)), (d) => ({ emit: (b) => enc.b(b, d), text: `b ${target(d)}` })),
  encoder("bl", fc.tuple(displacement(26)), (d) => ({ emit: (b) => enc.bl(b, d), text: `bl ${target(d)}` })),
  encoder("bCond", fc.tuple(condition, displacement(19)), (c, d) => ({
    emit: (b) => enc.bCond(b, c, d),
    text: `b.${c} ${target(d)}`,
  })),
  encoder("cbz", fc.tuple(size, gpr, displacement(19)), (s, r, d) => ({
    emit: (b) => enc.cbz(b, s, r, d),
    text: `cbz ${reg(r, s)}, ${target(d)}`,
  })),
  encoder("cbnz", fc.tuple(size, gpr, displacement(19)), (s, r, d) => ({
    emit: (b) => enc.cbnz(b, s, r, d),
    text: `cbnz ${reg(r, s)}, ${target(d)}`,
  })),
  encoder("blr", fc.tuple(gpr), (r) => ({ emit: (b) => enc.blr(b, r), text: `blr ${reg(r, 64)}` })),
  encoder("ret", fc.tuple(), () => ({ emit: (b) => enc.ret(b), text: "ret" })),
];

function decodedText(bytes: Uint8Array): string {
  const listing = disassemble("aarch64", bytes, ADDRESS);
  if (listing.length !== 1 || listing[0]!.size !== bytes.length) {
    return `<${listing.length} instructions over ${bytes.length} bytes>`;
  }
  return `${listing[0]!.mnemonic} ${listing[0]!.opStr}`.trim();
}

describe("aarch64 encoders decode to what their operands say", () => {
  it("has a property for every encoder", () => {
    const helpers = ["invert", "branchFieldOf", "withDisplacement"];
    const encoders = Object.entries(enc).flatMap(([name, value]) =>
      typeof value === "function" ? [name] : [],
    );
    expect(encoders.filter((name) => !helpers.includes(name)).sort()).toEqual(
      CASES.map(([name]) => name).sort(),
    );
  });

  it.each(CASES)("%s", (_name, cases) => {
    fc.assert(
      fc.property(cases, ({ emit, text }) => {
        const buf = new CodeBuffer();
        emit(buf);
        expect(buf.offset).toBe(4);
        expect(decodedText(buf.finish())).toBe(text);
      }),
      propertyParameters("properties/encoders-aarch64.test.ts", RUNS),
    );
  });

  it("LogicalImm.from accepts only values Capstone decodes back to themselves", () => {
    fc.assert(
      fc.property(size, fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.nat(63), (s, random, run) => {
        // Mix plain random values with near-bitmasks (a run of ones with one bit flipped).
        const value =
          (random % 2n === 0n ? random : ((1n << BigInt(run + 1)) - 1n) ^ (random & 0xffn)) &
          ((1n << BigInt(s)) - 1n);
        const encodable = LogicalImm.from(value, s);
        if (encodable === null) return;
        const buf = new CodeBuffer();
        enc.orrImm(buf, s, 9, ZR, encodable);
        expect(decodedText(buf.finish())).toBe(`orr ${reg(9, s)}, ${reg(ZR, s)}, ${imm(value)}`);
      }),
      propertyParameters("properties/encoders-aarch64.test.ts", 1000),
    );
  });
});
