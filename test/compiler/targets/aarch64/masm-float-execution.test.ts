// The AArch64 MacroAssembler's float operations executed under Unicorn, against Wasm semantics
// computed independently in ../../float-reference.ts (JavaScript's IEEE doubles, a round-half-even
// `nearest`, BigInt rounding for integer → float). NaN results are checked to be quiet NaNs, except
// where a test pins the AArch64 hardware NaN on purpose (the code generator must canonicalise it).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FloatBinop, FloatCond, FloatUnop, Width } from "../../../../src/compiler/masm.js";
import { propertyParameters } from "../../../../src/fuzz/seed.js";
import * as wasm from "../../float-reference.js";
import { useAarch64Harness } from "./execute.js";

const { execute } = useAarch64Harness();

const FILE = "test/compiler/targets/aarch64/masm-float-execution.test.ts";
const WIDTHS = [32, 64] as const;
const bits = wasm.toBits;
const f32 = (value: number) => bits(value, 32);
const f64 = (value: number) => bits(value, 64);

/** Expects `actual` (slot bits) to be `expected` at `width`: the same bits, or any quiet NaN for NaN. */
function expectFloat(actual: bigint, expected: number, width: Width): void {
  if (Number.isNaN(expected)) {
    expect(wasm.isQuietNaN(actual, width), `0x${actual.toString(16)} is a quiet NaN`).toBe(true);
    expect(actual >> BigInt(width)).toBe(0n);
  } else {
    expect(`0x${actual.toString(16)}`).toBe(`0x${bits(expected, width).toString(16)}`);
  }
}

const binop = (op: FloatBinop, width: Width, a: bigint, b: bigint) =>
  execute((m) => m.floatBinop(op, width, 1, 2), [0n, a, b]).scratch[1];
const unop = (op: FloatUnop, width: Width, a: bigint) =>
  execute((m) => m.floatUnop(op, width, 2), [0n, 0n, a]).scratch[2];
const compare = (cond: FloatCond, width: Width, a: bigint, b: bigint) =>
  execute((m) => m.floatCompare(cond, width, 0, 1, 2), [0xdeadn, a, b]).scratch[0];

// ── operand generators: special values, f32/f64 numbers, and arbitrary bit patterns (NaN payloads) ──

const SPECIALS = [
  0,
  -0,
  0.5,
  -0.5,
  1.5,
  -1.5,
  2.5,
  -2.5,
  1,
  -1,
  3,
  2 ** 23 + 0.5,
  2 ** 52 - 0.5,
  2 ** 52,
  2 ** 64,
  Number.MIN_VALUE,
  -Number.MAX_VALUE,
  2 ** -149,
  3.4028234663852886e38,
  Infinity,
  -Infinity,
  NaN,
];

function floatBits(width: Width): fc.Arbitrary<bigint> {
  return fc.oneof(
    fc.constantFrom(...SPECIALS).map((v) => bits(v, width)),
    (width === 32 ? fc.float() : fc.double()).map((v) => bits(v, width)),
    fc.bigInt({ min: 0n, max: (1n << BigInt(width)) - 1n }),
  );
}

const width = fc.constantFrom<Width>(...WIDTHS);
/** A width and two operands, equal ones included (they matter to min/max and the comparisons). */
const operandPair = width.chain((w) =>
  fc.tuple(
    fc.constant(w),
    fc.oneof(
      fc.tuple(floatBits(w), floatBits(w)),
      floatBits(w).map((a) => [a, a] as const),
      fc.constantFrom([0n, 1n << BigInt(w - 1)] as const), // +0 and −0
    ),
  ),
);

describe("arithmetic", () => {
  it("agrees with the reference on random operands", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<FloatBinop>("add", "sub", "mul", "div", "min", "max"),
        operandPair,
        (op, [w, [a, b]]) => {
          expectFloat(binop(op, w, a, b), wasm.binop(op, w, wasm.fromBits(a, w), wasm.fromBits(b, w)), w);
        },
      ),
      propertyParameters(FILE, 400),
    );
  });

  it.each(WIDTHS)("orders −0 < +0 and propagates NaN in min and max (f%i)", (w) => {
    const [pos, neg, nan, one] = [0, -0, NaN, 1].map((v) => bits(v, w)) as [bigint, bigint, bigint, bigint];
    expect(binop("min", w, pos, neg)).toBe(neg);
    expect(binop("min", w, neg, pos)).toBe(neg);
    expect(binop("max", w, neg, pos)).toBe(pos);
    expect(binop("max", w, pos, neg)).toBe(pos);
    expectFloat(binop("min", w, one, nan), NaN, w);
    expectFloat(binop("max", w, nan, one), NaN, w);
    expect(binop("min", w, bits(-Infinity, w), one)).toBe(bits(-Infinity, w));
  });

  it("rounds f32 results to nearest even and keeps the upper 32 bits zero", () => {
    // 1 + 2^-24 is a tie between 1 and 1 + 2^-23: the even significand is 1's.
    expect(binop("add", 32, f32(1), f32(2 ** -24))).toBe(f32(1));
    expect(binop("add", 32, f32(1 + 2 ** -23), f32(2 ** -24))).toBe(f32(1 + 2 ** -22));
    // Stale upper bits in the operand registers neither leak into the result nor change it.
    expect(binop("mul", 32, 0xdead_beef_0000_0000n | f32(1.5), 0xffff_ffff_0000_0000n | f32(-2))).toBe(
      f32(-3),
    );
    expect(unop("sqrt", 32, 0x1234_5678_0000_0000n | f32(2))).toBe(f32(Math.SQRT2));
  });
});

describe("hardware NaNs (what the code generator canonicalises)", () => {
  // AArch64 with FPCR.DN = 0: an invalid operation yields the default NaN (sign 0, quiet, zero
  // payload); a NaN operand's sign and payload propagate, with the quiet bit set. x86 differs (its
  // default NaN has the sign bit set), so these bits must never escape a deterministic strategy.
  it.each([
    [32, "div", 0, 0, 0x7fc0_0000n],
    [64, "sub", Infinity, Infinity, 0x7ff8_0000_0000_0000n],
    [64, "mul", 0, -Infinity, 0x7ff8_0000_0000_0000n],
  ] as const)("f%i.%s(%s, %s) is the default NaN", (w, op, a, b, expected) => {
    expect(binop(op, w, bits(a, w), bits(b, w))).toBe(expected);
  });

  it("propagates an operand's NaN payload, quieted", () => {
    expect(binop("add", 32, 0xff80_0001n, f32(1))).toBe(0xffc0_0001n); // signalling → quiet
    expect(binop("max", 64, f64(1), 0x7ff0_0000_0000_1234n)).toBe(0x7ff8_0000_0000_1234n);
    expect(unop("sqrt", 32, f32(-1))).toBe(0x7fc0_0000n);
  });
});

describe("square root and rounding to an integral value", () => {
  it("agrees with the reference on random operands", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<FloatUnop>("sqrt", "ceil", "floor", "trunc", "nearest"),
        width.chain((w) => fc.tuple(fc.constant(w), floatBits(w))),
        (op, [w, a]) => {
          expectFloat(unop(op, w, a), wasm.unop(op, w, wasm.fromBits(a, w)), w);
        },
      ),
      propertyParameters(FILE, 400),
    );
  });

  it.each([
    [0.5, 0],
    [1.5, 2],
    [2.5, 2],
    [-0.5, -0],
    [-2.5, -2],
    [-3.5, -4],
    [-0.4, -0],
    [2 ** 52 - 0.5, 2 ** 52],
    [2 ** 52 + 1, 2 ** 52 + 1],
  ])("nearest(%s) = %s in f64, halves to even", (x, expected) => {
    expect(wasm.nearest(x)).toBe(expected); // the reference itself, against hand-derived values
    expectFloat(unop("nearest", 64, f64(x)), expected, 64);
  });

  it.each([
    [8388607.5, 8388608], // 2^23 − 0.5, a tie whose even neighbour is 2^23
    [-8388606.5, -8388606],
    [0.49999997, 0],
  ])("nearest(%s) = %s in f32", (x, expected) => {
    expectFloat(unop("nearest", 32, f32(x)), expected, 32);
  });

  it.each(WIDTHS)("keeps the sign of zero results: ceil(−0.5), floor(−0), trunc(−0.7) (f%i)", (w) => {
    expect(unop("ceil", w, bits(-0.5, w))).toBe(bits(-0, w));
    expect(unop("floor", w, bits(-0, w))).toBe(bits(-0, w));
    expect(unop("trunc", w, bits(-0.7, w))).toBe(bits(-0, w));
    expect(unop("floor", w, bits(-0.5, w))).toBe(bits(-1, w));
    expect(unop("sqrt", w, bits(-0, w))).toBe(bits(-0, w));
  });
});

describe("comparisons", () => {
  const conditions: FloatCond[] = ["eq", "ne", "lt", "gt", "le", "ge"];

  it("agree with the reference on random operands, NaN and ±0 included", () => {
    fc.assert(
      fc.property(fc.constantFrom(...conditions), operandPair, (cond, [w, [a, b]]) => {
        const expected = wasm.compare(cond, wasm.fromBits(a, w), wasm.fromBits(b, w));
        expect(compare(cond, w, a, b)).toBe(expected ? 1n : 0n);
      }),
      propertyParameters(FILE, 400),
    );
  });

  it.each(WIDTHS)("treat NaN as unordered (only ne holds) and −0 as equal to +0 (f%i)", (w) => {
    const nan = bits(NaN, w);
    const results = (a: bigint, b: bigint) => conditions.map((c) => compare(c, w, a, b));
    expect(results(nan, nan)).toEqual([0n, 1n, 0n, 0n, 0n, 0n]);
    expect(results(bits(1, w), nan)).toEqual([0n, 1n, 0n, 0n, 0n, 0n]);
    expect(results(bits(-0, w), bits(0, w))).toEqual([1n, 0n, 0n, 0n, 1n, 1n]);
    expect(results(bits(-1, w), bits(2, w))).toEqual([0n, 1n, 1n, 0n, 1n, 0n]);
  });
});

describe("float → integer (truncation; the code generator has trapped on NaN and out-of-range values)", () => {
  const truncate = (from: Width, to: Width, signed: boolean, value: bigint) =>
    execute((m) => m.truncateToInt(from, to, signed, 0), [value, 0n, 0n]).scratch[0];

  /** Floats of width `from` whose truncation fits an integer of width `to`, edges included. */
  function truncatable(from: Width, to: Width, signed: boolean): fc.Arbitrary<number> {
    const min = signed ? -(2 ** (to - 1)) - 1 : -1;
    const max = signed ? 2 ** (to - 1) : 2 ** to;
    const roundToWidth = (v: number) => (from === 32 ? Math.fround(v) : v);
    const edges = [min, max, -0, 0.99, -0.99].flatMap((v) => [v, v + 1, v - 1, v * (1 - 2 ** -24)]);
    return fc
      .oneof(
        fc.double({ min, max, minExcluded: true, maxExcluded: true, noNaN: true }),
        fc.constantFrom(...edges),
      )
      .map(roundToWidth)
      .filter((v) => wasm.truncate(v, to, signed) !== null);
  }

  const kinds = WIDTHS.flatMap((from) =>
    WIDTHS.flatMap((to) => [true, false].map((signed) => [from, to, signed] as const)),
  );

  it.each(kinds)("f%i → i%i (signed: %s) agrees with the reference", (from, to, signed) => {
    fc.assert(
      fc.property(truncatable(from, to, signed), (value) => {
        expect(truncate(from, to, signed, bits(value, from))).toBe(wasm.truncate(value, to, signed));
      }),
      propertyParameters(FILE, 100),
    );
  });

  it("handles the largest representable inputs and zero-extends 32-bit results", () => {
    expect(truncate(32, 32, true, f32(-2147483648))).toBe(0x8000_0000n);
    expect(truncate(32, 32, false, f32(4294967040))).toBe(0xffff_ff00n); // largest f32 below 2^32
    expect(truncate(64, 32, false, f64(4294967295.9))).toBe(0xffff_ffffn);
    expect(truncate(64, 64, false, f64(2 ** 64 - 2048))).toBe(0xffff_ffff_ffff_f800n);
    expect(truncate(64, 64, true, f64(-(2 ** 63)))).toBe(0x8000_0000_0000_0000n);
    expect(truncate(32, 64, false, f32(2 ** 63))).toBe(0x8000_0000_0000_0000n);
    expect(truncate(64, 32, false, f64(-0.9))).toBe(0n);
  });
});

describe("integer → float (round to nearest even)", () => {
  const convert = (from: Width, to: Width, signed: boolean, value: bigint) =>
    execute((m) => m.convertToFloat(from, to, signed, 1), [0n, value, 0n]).scratch[1];

  /** Random integers, and values just around f32/f64 rounding ties (a significand, then half an ulp ± 1). */
  function integers(from: Width): fc.Arbitrary<bigint> {
    const mask = (1n << BigInt(from)) - 1n;
    const nearTie = fc
      .tuple(
        fc.bigInt({ min: 1n, max: (1n << 53n) - 1n }),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom(-1n, 0n, 1n),
      )
      .map(
        ([significand, shift, nudge]) =>
          ((significand << BigInt(shift)) + (1n << BigInt(shift - 1)) + nudge) & mask,
      );
    return fc.oneof(fc.bigInt({ min: 0n, max: mask }), nearTie);
  }

  const kinds = WIDTHS.flatMap((from) =>
    WIDTHS.flatMap((to) => [true, false].map((signed) => [from, to, signed] as const)),
  );

  it.each(kinds)("i%i → f%i (signed: %s) agrees with the reference", (from, to, signed) => {
    fc.assert(
      fc.property(integers(from), (value) => {
        expectFloat(convert(from, to, signed, value), wasm.intToFloat(value, from, to, signed), to);
      }),
      propertyParameters(FILE, 150),
    );
  });

  it.each([
    // [integer bits, from, to, signed, expected value derived by hand]
    [0xffff_ffff_ffff_ffffn, 64, 32, false, 2 ** 64],
    [0xffff_ffff_ffff_ffffn, 64, 64, false, 2 ** 64],
    [0x8000_0000_0000_0001n, 64, 64, false, 2 ** 63],
    [0x8000_0000_0000_0001n, 64, 32, false, 2 ** 63],
    // 2^63 + 2^39 + 1: just above half an f32 ulp (2^40) → up; through a double it would tie → down.
    [0x8000_0080_0000_0001n, 64, 32, false, 2 ** 63 + 2 ** 40],
    [0x8000_0080_0000_0000n, 64, 32, false, 2 ** 63], // an exact tie → even
    [0x8000_0000_0000_0000n, 64, 32, true, -(2 ** 63)],
    [0xffff_ffff_ffff_ffffn, 64, 64, true, -1],
    [0x0100_0001n, 32, 32, true, 2 ** 24], // 2^24 + 1 ties → even
    [0x0100_0003n, 32, 32, false, 2 ** 24 + 4],
    [0xffff_ffffn, 32, 32, false, 2 ** 32],
    [0xffff_ffffn, 32, 64, false, 2 ** 32 - 1],
    [0x8000_0000n, 32, 64, true, -(2 ** 31)],
  ] as const)("0x%s (i%i → f%i, signed: %s) is %s", (value, from, to, signed, expected) => {
    expect(wasm.intToFloat(value, from, to, signed)).toBe(expected); // the reference itself
    expect(convert(from, to, signed, value)).toBe(bits(expected, to));
  });

  it("reads only the low 32 bits of an i32 operand", () => {
    expect(convert(32, 64, true, 0xdead_beef_ffff_fffen)).toBe(f64(-2));
    expect(convert(32, 32, false, 0x1_0000_0002n)).toBe(f32(2));
  });
});

describe("promote and demote", () => {
  const convert = (from: Width, to: Width, value: bigint) =>
    execute((m) => m.convertFloat(from, to, 2), [0n, 0n, value]).scratch[2];

  it("agrees with the reference on random operands", () => {
    fc.assert(
      fc.property(
        fc
          .constantFrom([32, 64] as const, [64, 32] as const)
          .chain(([from, to]) => fc.tuple(fc.constant(from), fc.constant(to), floatBits(from))),
        ([from, to, value]) => {
          expectFloat(convert(from, to, value), wasm.convertFloat(wasm.fromBits(value, from), to), to);
        },
      ),
      propertyParameters(FILE, 300),
    );
  });

  it("demotes with rounding, overflow to infinity and subnormal results; promotes −0 exactly", () => {
    expect(convert(64, 32, f64(1 + 2 ** -24))).toBe(f32(1)); // a tie → even
    expect(convert(64, 32, f64(1 + 2 ** -24 + 2 ** -52))).toBe(f32(1 + 2 ** -23));
    expect(convert(64, 32, f64(3.4028235677973366e38))).toBe(f32(Infinity)); // half an ulp above f32 max
    expect(convert(64, 32, f64(2 ** -149))).toBe(1n); // smallest f32 subnormal
    expect(convert(64, 32, f64(2 ** -150))).toBe(0n); // a tie with 0 → even
    expect(convert(32, 64, f32(-0))).toBe(f64(-0));
    expect(convert(32, 64, f32(2 ** -149))).toBe(f64(2 ** -149));
  });
});
