/**
 * Property: for random operands, every x64 encoder emits bytes that Capstone decodes to exactly one
 * instruction consuming all of them, and Capstone's text is what the operands say. The expected text
 * is built from the operands with Capstone 4's Intel printing conventions (register names by size,
 * `size ptr [base + index + disp]`, immediates in decimal up to 9 and hex above, sign and masking
 * rules per instruction), never from our own bytes.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { CodeBuffer } from "../src/compiler/code-buffer.js";
import type {
  AluOp,
  Amode,
  CondCode,
  ExtMode,
  IndexGpr,
  RoundingMode,
  ShiftOp,
  SseOp,
} from "../src/compiler/targets/x64/encoder.js";
import * as enc from "../src/compiler/targets/x64/encoder.js";
import { ShiftCount, Simm32, Uimm32 } from "../src/compiler/targets/x64/imm.js";
import { Gpr, type Xmm } from "../src/compiler/targets/x64/regs.js";
import { propertyParameters } from "../src/fuzz/seed.js";
import { decodeOne, ENCODER_NAMES } from "../test/compiler/targets/x64/helpers.js";

const ADDRESS = 0x1000000n;
const RUNS = 300;

// ── Capstone's Intel syntax ─────────────────────────────────────────────────────────────────

const NAMES_64 = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi"];
const LEGACY_32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];
const LEGACY_16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"];
const LEGACY_8 = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"];

function reg(r: Gpr, bits: 8 | 16 | 32 | 64): string {
  if (r >= 8) return `r${r}${{ 8: "b", 16: "w", 32: "d", 64: "" }[bits]}`;
  return { 8: LEGACY_8, 16: LEGACY_16, 32: LEGACY_32, 64: NAMES_64 }[bits][r]!;
}

/** An unsigned value: decimal up to 9, else hex. */
function unsigned(v: bigint): string {
  return v > 9n ? `0x${v.toString(16)}` : `${v}`;
}

/** A signed value: `-` and the magnitude for negatives. */
function signed(v: bigint): string {
  return v < 0n ? `-${unsigned(-v)}` : unsigned(v);
}

/** The `ss`/`sd` suffix letter of a scalar float size. */
function sd(size: enc.Size): string {
  return size === 32 ? "s" : "d";
}

function ptr(bits: 8 | 16 | 32 | 64): string {
  return `${{ 8: "byte", 16: "word", 32: "dword", 64: "qword" }[bits]} ptr `;
}

function memory(m: Amode): string {
  const parts = [reg(m.base, 64)];
  if (m.index !== null) parts.push(reg(m.index, 64));
  let text = parts.join(" + ");
  const disp = BigInt(m.disp.value);
  if (disp !== 0n) text += disp < 0n ? ` - ${unsigned(-disp)}` : ` + ${unsigned(disp)}`;
  return `[${text}]`;
}

function target(size: number, rel32: Simm32): string {
  return unsigned(BigInt.asUintN(64, ADDRESS + BigInt(size + rel32.value)));
}

/** Capstone masks and/or/xor immediates to the operand size and prints them unsigned. */
function aluImmediate(op: AluOp, size: enc.Size, imm: Simm32): string {
  const v = BigInt(imm.value);
  if (op === "and" || op === "or" || op === "xor") return unsigned(BigInt.asUintN(size, v));
  // An imm32 of a 32-bit operation is printed as the raw 32 bits; sign-extended ones keep their sign.
  if (size === 32 && !imm.fitsInt8) return unsigned(BigInt.asUintN(32, v));
  return signed(v);
}

// ── operand generators ──────────────────────────────────────────────────────────────────────

const gpr = fc.integer({ min: 0, max: 15 }) as fc.Arbitrary<Gpr>;
const xmm = fc.integer({ min: 0, max: 15 }) as fc.Arbitrary<Xmm>;
const indexGpr = gpr.filter((r) => r !== Gpr.rsp) as fc.Arbitrary<IndexGpr>;
const size = fc.constantFrom<enc.Size>(32, 64);
const int32 = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  fc.integer({ min: -300, max: 300 }),
  fc.constantFrom(-(2 ** 31), 2 ** 31 - 1, -129, -128, 127, 128, 0, 9, 10, -9, -10),
);
const simm32 = int32.map((n) => Simm32.from(n)!);
const uimm32 = fc
  .oneof(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.integer({ min: 0, max: 300 }))
  .map((n) => Uimm32.from(n)!);
/** Bases with encoding special cases (rsp/r12 need a SIB byte, rbp/r13 a displacement) come often. */
const base = fc.oneof(gpr, fc.constantFrom<Gpr>(Gpr.rsp, Gpr.rbp, Gpr.r12, Gpr.r13));
const disp = fc.oneof(simm32, fc.constant(Simm32.from(0)!));
const amode: fc.Arbitrary<Amode> = fc.record({ base, index: fc.option(indexGpr), disp });
const aluOp = fc.constantFrom<AluOp>("add", "or", "and", "sub", "xor", "cmp");
const shiftOp = fc.constantFrom<ShiftOp>("rol", "ror", "shl", "shr", "sar");
const condCode = fc.constantFrom(...(Object.keys(enc.CondCode) as CondCode[]));
const sseOp = fc.constantFrom(...(Object.keys(enc.SseOp) as SseOp[]));
const roundingMode = fc.constantFrom(...(Object.keys(enc.RoundingMode) as RoundingMode[]));
const extMode = fc.constantFrom<ExtMode>("bl", "bq", "wl", "wq", "lq");

const EXT_BITS: Record<ExtMode, { from: 8 | 16 | 32; to: 32 | 64 }> = {
  bl: { from: 8, to: 32 },
  bq: { from: 8, to: 64 },
  wl: { from: 16, to: 32 },
  wq: { from: 16, to: 64 },
  lq: { from: 32, to: 64 },
};

// ── one property per encoder ────────────────────────────────────────────────────────────────

interface EncoderProperty<T> {
  readonly operands: fc.Arbitrary<T>;
  readonly emit: (buf: CodeBuffer, operands: T) => void;
  /** Capstone's text; `size` is the encoded length (for branch targets). */
  readonly text: (operands: T, size: number) => string;
}

function property<T>(p: EncoderProperty<T>): EncoderProperty<unknown> {
  return p as EncoderProperty<unknown>;
}

const PROPERTIES: Record<string, EncoderProperty<unknown>> = {
  movRR: property({
    operands: fc.tuple(size, gpr, gpr),
    emit: (b, [s, d, r]) => enc.movRR(b, s, d, r),
    text: ([s, d, r]) => `mov ${reg(d, s)}, ${reg(r, s)}`,
  }),
  movRM: property({
    operands: fc.tuple(size, gpr, amode),
    emit: (b, [s, d, m]) => enc.movRM(b, s, d, m),
    text: ([s, d, m]) => `mov ${reg(d, s)}, ${ptr(s)}${memory(m)}`,
  }),
  movMR: property({
    operands: fc.tuple(fc.constantFrom<enc.StoreSize>(8, 16, 32, 64), amode, gpr),
    emit: (b, [s, m, r]) => enc.movMR(b, s, m, r),
    text: ([s, m, r]) => `mov ${ptr(s)}${memory(m)}, ${reg(r, s)}`,
  }),
  movRI32: property({
    operands: fc.tuple(gpr, uimm32),
    emit: (b, [d, i]) => enc.movRI32(b, d, i),
    text: ([d, i]) => `mov ${reg(d, 32)}, ${unsigned(BigInt(i.value))}`,
  }),
  movRI64: property({
    operands: fc.tuple(gpr, simm32),
    emit: (b, [d, i]) => enc.movRI64(b, d, i),
    text: ([d, i]) => `mov ${reg(d, 64)}, ${signed(BigInt(i.value))}`,
  }),
  movabsRI: property({
    operands: fc.tuple(gpr, fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n })),
    emit: (b, [d, i]) => enc.movabsRI(b, d, i),
    text: ([d, i]) => `movabs ${reg(d, 64)}, ${unsigned(BigInt.asUintN(64, i))}`,
  }),
  movzxRR: property({
    operands: fc.tuple(fc.constantFrom<8 | 16>(8, 16), gpr, gpr),
    emit: (b, [f, d, r]) => enc.movzxRR(b, f, d, r),
    text: ([f, d, r]) => `movzx ${reg(d, 32)}, ${reg(r, f)}`,
  }),
  movzxRM: property({
    operands: fc.tuple(fc.constantFrom<8 | 16>(8, 16), gpr, amode),
    emit: (b, [f, d, m]) => enc.movzxRM(b, f, d, m),
    text: ([f, d, m]) => `movzx ${reg(d, 32)}, ${ptr(f)}${memory(m)}`,
  }),
  movsxRR: property({
    operands: fc.tuple(extMode, gpr, gpr),
    emit: (b, [e, d, r]) => enc.movsxRR(b, e, d, r),
    text: ([e, d, r]) =>
      `${e === "lq" ? "movsxd" : "movsx"} ${reg(d, EXT_BITS[e].to)}, ${reg(r, EXT_BITS[e].from)}`,
  }),
  movsxRM: property({
    operands: fc.tuple(extMode, gpr, amode),
    emit: (b, [e, d, m]) => enc.movsxRM(b, e, d, m),
    text: ([e, d, m]) =>
      `${e === "lq" ? "movsxd" : "movsx"} ${reg(d, EXT_BITS[e].to)}, ${ptr(EXT_BITS[e].from)}${memory(m)}`,
  }),
  leaRM: property({
    operands: fc.tuple(gpr, amode),
    emit: (b, [d, m]) => enc.leaRM(b, d, m),
    text: ([d, m]) => `lea ${reg(d, 64)}, ${memory(m)}`,
  }),
  xchgRR: property({
    operands: fc.tuple(gpr, gpr),
    emit: (b, [x, y]) => enc.xchgRR(b, x, y),
    // The short form always prints rax first (and `xchg rax, rax` is a 64-bit nop).
    text: ([x, y]) => {
      if (x === Gpr.rax && y === Gpr.rax) return "nop";
      if (x === Gpr.rax || y === Gpr.rax) return `xchg rax, ${reg(x === Gpr.rax ? y : x, 64)}`;
      return `xchg ${reg(x, 64)}, ${reg(y, 64)}`;
    },
  }),
  cmovccRR: property({
    operands: fc.tuple(condCode, size, gpr, gpr),
    emit: (b, [c, s, d, r]) => enc.cmovccRR(b, c, s, d, r),
    text: ([c, s, d, r]) => `cmov${c} ${reg(d, s)}, ${reg(r, s)}`,
  }),
  setcc: property({
    operands: fc.tuple(condCode, gpr),
    emit: (b, [c, d]) => enc.setcc(b, c, d),
    text: ([c, d]) => `set${c} ${reg(d, 8)}`,
  }),
  aluRR: property({
    operands: fc.tuple(aluOp, size, gpr, gpr),
    emit: (b, [o, s, d, r]) => enc.aluRR(b, o, s, d, r),
    text: ([o, s, d, r]) => `${o} ${reg(d, s)}, ${reg(r, s)}`,
  }),
  aluRI: property({
    operands: fc.tuple(aluOp, size, gpr, simm32),
    emit: (b, [o, s, d, i]) => enc.aluRI(b, o, s, d, i),
    text: ([o, s, d, i]) => `${o} ${reg(d, s)}, ${aluImmediate(o, s, i)}`,
  }),
  aluRM: property({
    operands: fc.tuple(aluOp, size, gpr, amode),
    emit: (b, [o, s, d, m]) => enc.aluRM(b, o, s, d, m),
    text: ([o, s, d, m]) => `${o} ${reg(d, s)}, ${ptr(s)}${memory(m)}`,
  }),
  testRR: property({
    operands: fc.tuple(size, gpr, gpr),
    emit: (b, [s, x, y]) => enc.testRR(b, s, x, y),
    text: ([s, x, y]) => `test ${reg(x, s)}, ${reg(y, s)}`,
  }),
  imulRR: property({
    operands: fc.tuple(size, gpr, gpr),
    emit: (b, [s, d, r]) => enc.imulRR(b, s, d, r),
    text: ([s, d, r]) => `imul ${reg(d, s)}, ${reg(r, s)}`,
  }),
  shiftRCl: property({
    operands: fc.tuple(shiftOp, size, gpr),
    emit: (b, [o, s, d]) => enc.shiftRCl(b, o, s, d),
    text: ([o, s, d]) => `${o} ${reg(d, s)}, cl`,
  }),
  shiftRI: property({
    operands: fc
      .tuple(shiftOp, size)
      .chain(([o, s]) => fc.tuple(fc.constant(o), fc.constant(s), gpr, fc.integer({ min: 0, max: s - 1 }))),
    emit: (b, [o, s, d, n]) => enc.shiftRI(b, o, s, d, ShiftCount.from(n, s)!),
    text: ([o, s, d, n]) => `${o} ${reg(d, s)}, ${unsigned(BigInt(n))}`,
  }),
  divR: property({
    operands: fc.tuple(size, gpr),
    emit: (b, [s, r]) => enc.divR(b, s, r),
    text: ([s, r]) => `div ${reg(r, s)}`,
  }),
  idivR: property({
    operands: fc.tuple(size, gpr),
    emit: (b, [s, r]) => enc.idivR(b, s, r),
    text: ([s, r]) => `idiv ${reg(r, s)}`,
  }),
  cdq: property({ operands: fc.constant(null), emit: (b) => enc.cdq(b), text: () => "cdq" }),
  cqo: property({ operands: fc.constant(null), emit: (b) => enc.cqo(b), text: () => "cqo" }),
  lzcnt: property({
    operands: fc.tuple(size, gpr, gpr),
    emit: (b, [s, d, r]) => enc.lzcnt(b, s, d, r),
    text: ([s, d, r]) => `lzcnt ${reg(d, s)}, ${reg(r, s)}`,
  }),
  tzcnt: property({
    operands: fc.tuple(size, gpr, gpr),
    emit: (b, [s, d, r]) => enc.tzcnt(b, s, d, r),
    text: ([s, d, r]) => `tzcnt ${reg(d, s)}, ${reg(r, s)}`,
  }),
  movdXR: property({
    operands: fc.tuple(size, xmm, gpr),
    emit: (b, [s, x, r]) => enc.movdXR(b, s, x, r),
    text: ([s, x, r]) => `mov${s === 32 ? "d" : "q"} xmm${x}, ${reg(r, s)}`,
  }),
  movdRX: property({
    operands: fc.tuple(size, gpr, xmm),
    emit: (b, [s, r, x]) => enc.movdRX(b, s, r, x),
    text: ([s, r, x]) => `mov${s === 32 ? "d" : "q"} ${reg(r, s)}, xmm${x}`,
  }),
  sseXX: property({
    operands: fc.tuple(sseOp, size, xmm, xmm),
    emit: (b, [o, s, d, r]) => enc.sseXX(b, o, s, d, r),
    text: ([o, s, d, r]) => `${o}s${sd(s)} xmm${d}, xmm${r}`,
  }),
  ucomisXX: property({
    operands: fc.tuple(size, xmm, xmm),
    emit: (b, [s, x, y]) => enc.ucomisXX(b, s, x, y),
    text: ([s, x, y]) => `ucomis${sd(s)} xmm${x}, xmm${y}`,
  }),
  roundXX: property({
    operands: fc.tuple(size, roundingMode, xmm, xmm),
    emit: (b, [s, m, d, r]) => enc.roundXX(b, s, m, d, r),
    text: ([s, m, d, r]) => `rounds${sd(s)} xmm${d}, xmm${r}, ${enc.RoundingMode[m]}`,
  }),
  andpsXX: property({
    operands: fc.tuple(xmm, xmm),
    emit: (b, [d, r]) => enc.andpsXX(b, d, r),
    text: ([d, r]) => `andps xmm${d}, xmm${r}`,
  }),
  orpsXX: property({
    operands: fc.tuple(xmm, xmm),
    emit: (b, [d, r]) => enc.orpsXX(b, d, r),
    text: ([d, r]) => `orps xmm${d}, xmm${r}`,
  }),
  cvtts2siRX: property({
    operands: fc.tuple(size, size, gpr, xmm),
    emit: (b, [f, t, d, x]) => enc.cvtts2siRX(b, f, t, d, x),
    text: ([f, t, d, x]) => `cvtts${sd(f)}2si ${reg(d, t)}, xmm${x}`,
  }),
  cvtsi2sXR: property({
    operands: fc.tuple(size, size, xmm, gpr),
    emit: (b, [t, f, x, r]) => enc.cvtsi2sXR(b, t, f, x, r),
    text: ([t, f, x, r]) => `cvtsi2s${sd(t)} xmm${x}, ${reg(r, f)}`,
  }),
  cvtss2sdXX: property({
    operands: fc.tuple(xmm, xmm),
    emit: (b, [d, r]) => enc.cvtss2sdXX(b, d, r),
    text: ([d, r]) => `cvtss2sd xmm${d}, xmm${r}`,
  }),
  cvtsd2ssXX: property({
    operands: fc.tuple(xmm, xmm),
    emit: (b, [d, r]) => enc.cvtsd2ssXX(b, d, r),
    text: ([d, r]) => `cvtsd2ss xmm${d}, xmm${r}`,
  }),
  pushR: property({ operands: gpr, emit: (b, r) => enc.pushR(b, r), text: (r) => `push ${reg(r, 64)}` }),
  popR: property({ operands: gpr, emit: (b, r) => enc.popR(b, r), text: (r) => `pop ${reg(r, 64)}` }),
  ret: property({ operands: fc.constant(null), emit: (b) => enc.ret(b), text: () => "ret" }),
  jmpRel32: property({
    operands: simm32,
    emit: (b, rel) => enc.jmpRel32(b, rel),
    text: (rel, n) => `jmp ${target(n, rel)}`,
  }),
  jccRel32: property({
    operands: fc.tuple(condCode, simm32),
    emit: (b, [c, rel]) => enc.jccRel32(b, c, rel),
    text: ([c, rel], n) => `j${c} ${target(n, rel)}`,
  }),
  callR: property({ operands: gpr, emit: (b, r) => enc.callR(b, r), text: (r) => `call ${reg(r, 64)}` }),
  callRel32: property({
    operands: simm32,
    emit: (b, rel) => enc.callRel32(b, rel),
    text: (rel, n) => `call ${target(n, rel)}`,
  }),
};

describe("x64 encoders: Capstone decodes one instruction with the operands' text", () => {
  it("has a property for every encoder", () => {
    const missing = ENCODER_NAMES.filter((name) => !(name in PROPERTIES));
    if (missing.length > 0) throw new Error(`no property for ${missing.join(", ")}`);
  });

  it.each(Object.entries(PROPERTIES))("%s", (_, { operands, emit, text }) => {
    fc.assert(
      fc.property(operands, (ops) => {
        const buf = new CodeBuffer();
        emit(buf, ops);
        const bytes = buf.finish();
        const actual = decodeOne(bytes, ADDRESS);
        const expected = text(ops, bytes.length);
        if (actual !== expected) throw new Error(`Capstone says "${actual}", the operands say "${expected}"`);
      }),
      propertyParameters("properties/encoders-x64.test.ts", RUNS),
    );
  });
});
