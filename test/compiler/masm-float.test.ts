/**
 * The MacroAssembler's float contract, one table of cases run on every target under Unicorn (each
 * target's harness: targets/<isa>/execute.ts). Expected values come from float-reference.ts, Wasm's
 * float semantics computed in JavaScript independently of the code under test. NaN results are
 * checked to be quiet NaNs (Wasm's arithmetic NaNs), except where a case pins the target's hardware
 * NaN on purpose: the code generator canonicalises those, so they never escape a deterministic
 * strategy.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FloatBinop, FloatCond, FloatUnop, Scratch, Width } from "../../src/compiler/masm.js";
import type { Target } from "../../src/compiler/target.js";
import { propertyParameters } from "../../src/fuzz/seed.js";
import * as wasm from "./float-reference.js";
import { useHarness as useAarch64Harness } from "./targets/aarch64/execute.js";
import type { ContractHarness } from "./targets/harness.js";
import { useHarness as useX64Harness } from "./targets/x64/execute.js";

const FILE = "test/compiler/masm-float.test.ts";
const HARNESSES: readonly ContractHarness[] = [useX64Harness(), useAarch64Harness()];
const WIDTHS = [32, 64] as const;
const ALL_SCRATCH: readonly Scratch[] = [0, 1, 2];
const MARKER = 0x5a5a_5a5a_5a5a_5a5an;
const bits = wasm.toBits;
const f32 = (value: number) => bits(value, 32);
const f64 = (value: number) => bits(value, 64);

/** The NaN each target's hardware produces for an invalid operation (x86's has the sign bit set). */
const DEFAULT_NAN: Readonly<Record<Target, Readonly<Record<Width, bigint>>>> = {
  x64: { 32: 0xffc0_0000n, 64: 0xfff8_0000_0000_0000n },
  aarch64: { 32: 0x7fc0_0000n, 64: 0x7ff8_0000_0000_0000n },
};

/** Expects `actual` (slot bits) to be `expected` at `width`: the same bits, or any quiet NaN for NaN. */
function expectFloat(actual: bigint, expected: number, width: Width, what = ""): void {
  if (Number.isNaN(expected)) {
    expect(wasm.isQuietNaN(actual, width), `${what}: 0x${actual.toString(16)} is a quiet NaN`).toBe(true);
    expect(actual >> BigInt(width), `${what}: upper bits`).toBe(0n);
  } else {
    expect(`0x${actual.toString(16)}`, what).toBe(`0x${bits(expected, width).toString(16)}`);
  }
}

// ── operands: interesting values per width, and generators of f32/f64 numbers and bit patterns ────

const F32_MIN_SUBNORMAL = 2 ** -149;
const F64_MIN_SUBNORMAL = 2 ** -1074;

/** Interesting operands per width, each already representable at that width. */
function interesting(width: Width): number[] {
  const common = [0, -0, 1, -1, 0.5, 1.5, 2.5, -2.5, 3, 0.1, -7.25, 1e10, Infinity, -Infinity, Number.NaN];
  const extremes =
    width === 32
      ? [F32_MIN_SUBNORMAL, -F32_MIN_SUBNORMAL, 2 ** -126, 3.4028234663852886e38, 16777216, 4194304.5]
      : [F64_MIN_SUBNORMAL, -F64_MIN_SUBNORMAL, 2 ** -1022, Number.MAX_VALUE, 2 ** 53 + 2, 2 ** 51 + 0.5];
  return [...common, ...extremes].map((x) => wasm.convertFloat(x, width));
}

function interestingPairs(width: Width): [number, number][] {
  const xs = interesting(width);
  return xs.flatMap((a) => xs.map((b) => [a, b] as [number, number]));
}

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

/** Special values, f32/f64 numbers, and arbitrary bit patterns (NaN payloads, signalling NaNs). */
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

const CONVERSIONS = WIDTHS.flatMap((from) =>
  WIDTHS.flatMap((to) => [true, false].map((signed) => [from, to, signed] as const)),
);

describe.each(HARNESSES)("$target masm under Unicorn: floats", (harness) => {
  const { target, returning } = harness;
  const binop = (op: FloatBinop, w: Width, a: bigint, b: bigint) =>
    returning((m) => m.floatBinop(op, w, 1, 2), [0n, a, b])[1];
  const unop = (op: FloatUnop, w: Width, a: bigint) =>
    returning((m) => m.floatUnop(op, w, 2), [0n, 0n, a])[2];
  const compare = (cond: FloatCond, w: Width, a: bigint, b: bigint) =>
    returning((m) => m.floatCompare(cond, w, 0, 1, 2), [0xdeadn, a, b])[0];

  describe("arithmetic", () => {
    for (const w of WIDTHS) {
      for (const op of ["add", "sub", "mul", "div", "min", "max"] as const) {
        it(`f${w}.${op} on every pair of interesting operands, keeping the other scratch registers`, () => {
          for (const [a, b] of interestingPairs(w)) {
            const result = returning((m) => m.floatBinop(op, w, 0, 1), [bits(a, w), bits(b, w), MARKER]);
            const what = `f${w}.${op}(${a}, ${b})`;
            expectFloat(result[0], wasm.binop(op, w, a, b), w, what);
            expect(result.slice(1), what).toEqual([bits(b, w), MARKER]);
          }
        });
      }
    }

    it("agrees with the reference on random operands", () => {
      fc.assert(
        fc.property(
          fc.constantFrom<FloatBinop>("add", "sub", "mul", "div", "min", "max"),
          operandPair,
          (op, [w, [a, b]]) => {
            const expected = wasm.binop(op, w, wasm.fromBits(a, w), wasm.fromBits(b, w));
            expectFloat(
              binop(op, w, a, b),
              expected,
              w,
              `f${w}.${op}(0x${a.toString(16)}, 0x${b.toString(16)})`,
            );
          },
        ),
        propertyParameters(FILE, 400),
      );
    });

    it.each(WIDTHS)("orders −0 < +0 and propagates NaN in min and max, on either side (f%i)", (w) => {
      const [pos, neg, one] = [0, -0, 1].map((v) => bits(v, w)) as [bigint, bigint, bigint];
      expect(binop("min", w, pos, neg)).toBe(neg);
      expect(binop("min", w, neg, pos)).toBe(neg);
      expect(binop("max", w, neg, pos)).toBe(pos);
      expect(binop("max", w, pos, neg)).toBe(pos);
      expect(binop("min", w, neg, neg)).toBe(neg);
      expect(binop("max", w, pos, pos)).toBe(pos);
      expect(binop("min", w, bits(-Infinity, w), one)).toBe(bits(-Infinity, w));
      const nan = bits(NaN, w);
      for (const op of ["min", "max"] as const) {
        for (const x of [0, -0, 1, -Infinity, Infinity].map((v) => bits(v, w))) {
          expectFloat(binop(op, w, nan, x), NaN, w, `f${w}.${op}(NaN, 0x${x.toString(16)})`);
          expectFloat(binop(op, w, x, nan), NaN, w, `f${w}.${op}(0x${x.toString(16)}, NaN)`);
        }
      }
    });

    it("computes the same sum for every dst/src pair of scratch registers and keeps the third", () => {
      for (const dst of ALL_SCRATCH) {
        for (const src of ALL_SCRATCH) {
          const initial = [f64(1.25), f64(2.5), f64(40)];
          const expected = [...initial];
          const sum = wasm.binop(
            "add",
            64,
            wasm.fromBits(initial[dst]!, 64),
            wasm.fromBits(initial[src]!, 64),
          );
          expected[dst] = f64(sum);
          expect(
            returning((m) => m.floatBinop("add", 64, dst, src), initial),
            `add S${dst}, S${src}`,
          ).toEqual(expected);
        }
      }
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
    it.each([
      [32, "div", 0, 0],
      [32, "sub", Infinity, Infinity],
      [64, "sub", Infinity, Infinity],
      [64, "mul", 0, Infinity],
      [64, "mul", 0, -Infinity],
    ] as const)("f%i.%s(%s, %s) is the target's default NaN", (w, op, a, b) => {
      expect(binop(op, w, bits(a, w), bits(b, w))).toBe(DEFAULT_NAN[target][w]);
    });

    it("gives the default NaN for the square root of a negative number", () => {
      expect(unop("sqrt", 32, f32(-1))).toBe(DEFAULT_NAN[target][32]);
    });

    it("propagates a single NaN operand's sign and payload, quieted", () => {
      expect(binop("add", 32, 0xff80_0001n, f32(1))).toBe(0xffc0_0001n); // signalling → quiet
      expect(binop("add", 32, 0x7f80_0001n, f32(1))).toBe(0x7fc0_0001n);
      expect(binop("max", 64, f64(1), 0x7ff0_0000_0000_1234n)).toBe(0x7ff8_0000_0000_1234n);
    });
  });

  describe("square root and rounding to an integral value", () => {
    const extra: Record<Width, number[]> = {
      32: [0.49999997, -0.5, -1.5, 4.5, 5.5, -0.49999997, 8388607.5, 1.1754942e-38],
      64: [0.49999999999999994, -0.5, -1.5, 4.5, 5.5, -3.5, 4503599627370495.5, 2 ** 52 + 1],
    };
    for (const w of WIDTHS) {
      for (const op of ["sqrt", "ceil", "floor", "trunc", "nearest"] as const) {
        it(`f${w}.${op} of every interesting operand, keeping the other scratch registers`, () => {
          for (const x of [...interesting(w), ...extra[w].map((y) => wasm.convertFloat(y, w))]) {
            const result = returning((m) => m.floatUnop(op, w, 2), [MARKER, MARKER, bits(x, w)]);
            expectFloat(result[2], wasm.unop(op, w, x), w, `f${w}.${op}(${x})`);
            expect(result.slice(0, 2)).toEqual([MARKER, MARKER]);
          }
        });
      }
    }

    it("agrees with the reference on random operands", () => {
      fc.assert(
        fc.property(
          fc.constantFrom<FloatUnop>("sqrt", "ceil", "floor", "trunc", "nearest"),
          width.chain((w) => fc.tuple(fc.constant(w), floatBits(w))),
          (op, [w, a]) => {
            expectFloat(
              unop(op, w, a),
              wasm.unop(op, w, wasm.fromBits(a, w)),
              w,
              `f${w}.${op}(0x${a.toString(16)})`,
            );
          },
        ),
        propertyParameters(FILE, 400),
      );
    });

    /** [x, nearest(x), the widths x is exact in], derived by hand. */
    const HALVES: [number, number, readonly Width[]][] = [
      [0.5, 0, WIDTHS],
      [1.5, 2, WIDTHS],
      [2.5, 2, WIDTHS],
      [-0.5, -0, WIDTHS],
      [-2.5, -2, WIDTHS],
      [-3.5, -4, WIDTHS],
      [-0.25, -0, WIDTHS],
      [-0.4, -0, [64]],
      [0.49999997, 0, [32]],
      [8388607.5, 8388608, WIDTHS], // 2^23 − 0.5, a tie whose even neighbour is 2^23
      [-8388606.5, -8388606, WIDTHS],
      [2 ** 52 - 0.5, 2 ** 52, [64]],
      [2 ** 52 + 1, 2 ** 52 + 1, [64]],
    ];
    it.each(HALVES)("nearest(%s) = %s, halves to even, keeping the sign of zero", (x, expected, widths) => {
      expect(wasm.nearest(x)).toBe(expected); // the reference itself, against hand-derived values
      for (const w of widths) expectFloat(unop("nearest", w, bits(x, w)), expected, w, `f${w}`);
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

    for (const w of WIDTHS) {
      for (const cond of conditions) {
        it(`f${w}.${cond} on every pair of interesting operands (NaN: false, ne: true)`, () => {
          for (const [a, b] of interestingPairs(w)) {
            const result = returning(
              (m) => m.floatCompare(cond, w, 2, 0, 1),
              [bits(a, w), bits(b, w), MARKER],
            );
            expect(result[2], `f${w}.${cond}(${a}, ${b})`).toBe(wasm.compare(cond, a, b) ? 1n : 0n);
          }
        });
      }
    }

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

    it("write the destination only after reading both operands, whichever registers alias", () => {
      for (const dst of ALL_SCRATCH) {
        for (const [lhs, rhs] of [
          [0, 1],
          [1, 0],
          [2, 1],
          [0, 2],
        ] as [Scratch, Scratch][]) {
          const initial = [f64(1), f64(2), f64(3)];
          for (const cond of ["lt", "eq", "ne"] as const) {
            const expected = [...initial];
            expected[dst] = wasm.compare(cond, lhs + 1, rhs + 1) ? 1n : 0n;
            const result = returning((m) => m.floatCompare(cond, 64, dst, lhs, rhs), initial);
            expect(result, `${cond} S${dst} ← S${lhs}, S${rhs}`).toEqual(expected);
          }
        }
      }
    });
  });

  describe("float → integer truncation (the code generator has trapped on NaN and out-of-range values)", () => {
    const truncate = (from: Width, to: Width, signed: boolean, value: bigint) =>
      returning((m) => m.truncateToInt(from, to, signed, 1), [MARKER, value, MARKER]);

    const TWO_32 = 2 ** 32;
    const TWO_63 = 2 ** 63;
    const TWO_64 = 2 ** 64;
    /** [from, to, signed, inputs]: every input truncates to a value representable in the target. */
    const CASES: [Width, Width, boolean, number[]][] = [
      [32, 32, true, [0, -0, 1.9, -1.9, -2147483648, 2147483520, 0.1, -0.9]],
      [64, 32, true, [-2147483648.9, 2147483647.9, -0.5, 12345.678]],
      [32, 64, true, [-(2 ** 63), 2 ** 63 - 2 ** 39, -1.5, 1e18]],
      [64, 64, true, [-(2 ** 63), 2 ** 63 - 1024, -1.5, 2 ** 53 + 2]],
      [32, 32, false, [0, -0.9, 1.5, 2 ** 31, TWO_32 - 256, 3e9]],
      [64, 32, false, [-0.9999, 0, 2 ** 31, TWO_32 - 0.5, 4294967295.9, 123.4]],
      [32, 64, false, [-0.9, 0, 1.5, TWO_63 - 2 ** 39, TWO_63, TWO_63 + 2 ** 40, TWO_64 - 2 ** 40]],
      [64, 64, false, [-0.9, 0, 1.5, TWO_63 - 1024, TWO_63, TWO_63 + 2048, TWO_64 - 2048, 1e19]],
    ];
    it.each(CASES)(
      "f%s → i%s (signed %s) of edge inputs, keeping the other scratch registers",
      (from, to, signed, inputs) => {
        for (const input of inputs) {
          const x = wasm.convertFloat(input, from);
          const result = truncate(from, to, signed, bits(x, from));
          expect(result[1], `trunc(${x})`).toBe(wasm.truncate(x, to, signed));
          expect([result[0], result[2]]).toEqual([MARKER, MARKER]);
        }
      },
    );

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

    it.each(CONVERSIONS)(
      "f%i → i%i (signed: %s) agrees with the reference on random inputs",
      (from, to, signed) => {
        fc.assert(
          fc.property(truncatable(from, to, signed), (value) => {
            expect(truncate(from, to, signed, bits(value, from))[1]).toBe(wasm.truncate(value, to, signed));
          }),
          propertyParameters(FILE, 100),
        );
      },
    );

    it("handles the largest representable inputs and zero-extends 32-bit results", () => {
      const result = (from: Width, to: Width, signed: boolean, value: bigint) =>
        truncate(from, to, signed, value)[1];
      expect(result(32, 32, true, f32(-2147483648))).toBe(0x8000_0000n);
      expect(result(32, 32, false, f32(4294967040))).toBe(0xffff_ff00n); // largest f32 below 2^32
      expect(result(64, 32, false, f64(4294967295.9))).toBe(0xffff_ffffn);
      expect(result(64, 64, false, f64(2 ** 64 - 2048))).toBe(0xffff_ffff_ffff_f800n);
      expect(result(64, 64, true, f64(-(2 ** 63)))).toBe(0x8000_0000_0000_0000n);
      expect(result(32, 64, false, f32(2 ** 63))).toBe(0x8000_0000_0000_0000n);
      expect(result(64, 32, false, f64(-0.9))).toBe(0n);
    });
  });

  describe("saturating float → integer truncation (trunc_sat: never traps)", () => {
    const saturate = (from: Width, to: Width, signed: boolean, value: bigint) =>
      returning((m) => m.truncateSaturating(from, to, signed, 1), [MARKER, value, MARKER]);

    /** Wasm's trunc_sat as slot bits: NaN → 0, out of range → the nearest bound, else trunc. */
    function saturated(x: number, to: Width, signed: boolean): bigint {
      if (Number.isNaN(x)) return 0n;
      const exact = wasm.truncate(x, to, signed);
      if (exact !== null) return exact;
      const min = signed ? -(1n << BigInt(to - 1)) : 0n;
      const max = (1n << BigInt(signed ? to - 1 : to)) - 1n;
      return BigInt.asUintN(to, x < 0 ? min : max);
    }

    /** NaN, ±0, ±∞, ±2^31, ±2^63, 2^32, 2^64, and each bound just inside and just outside. */
    function edges(width: Width): number[] {
      const below = 1 - 2 ** -(width === 32 ? 24 : 53);
      const powers = [2 ** 31, 2 ** 32, 2 ** 63, 2 ** 64, 1];
      const around = powers.flatMap((p) => [p, p * below, p / below, -p, -p * below, -p / below]);
      const exact = [-(2 ** 31) - 1, 2 ** 31 - 1, 2 ** 32 - 1, -0.5, 0.5, -0.99, 1e300, -1e300];
      const special = [NaN, -NaN, 0, -0, Infinity, -Infinity];
      return [...special, ...around, ...exact].map((x) => wasm.convertFloat(x, width));
    }

    it.each(CONVERSIONS)(
      "f%s → i%s (signed %s) of every edge, NaN payloads included, keeping the other scratch registers",
      (from, to, signed) => {
        const nanPayloads =
          from === 32 ? [0x7fa0_0001n, 0xff80_0001n, 0xffc0_0000n] : [0xfff0_0000_0000_0001n];
        for (const x of edges(from)) {
          const result = saturate(from, to, signed, bits(x, from));
          expect(result[1], `trunc_sat(${x})`).toBe(saturated(x, to, signed));
          expect([result[0], result[2]]).toEqual([MARKER, MARKER]);
        }
        for (const nan of nanPayloads) expect(saturate(from, to, signed, nan)[1]).toBe(0n);
      },
    );

    it("saturates at the bounds by hand: i32 and u32, i64 and u64", () => {
      const at = (from: Width, to: Width, signed: boolean, x: number) =>
        saturate(from, to, signed, bits(x, from))[1];
      expect(at(32, 32, true, 3e9)).toBe(0x7fff_ffffn);
      expect(at(32, 32, true, -3e9)).toBe(0x8000_0000n);
      expect(at(64, 32, false, -1)).toBe(0n);
      expect(at(64, 32, false, 2 ** 32)).toBe(0xffff_ffffn);
      expect(at(64, 64, true, 2 ** 63)).toBe(0x7fff_ffff_ffff_ffffn);
      expect(at(64, 64, true, -Infinity)).toBe(0x8000_0000_0000_0000n);
      expect(at(32, 64, false, 2 ** 64)).toBe(0xffff_ffff_ffff_ffffn);
      expect(at(64, 64, false, 2 ** 64 - 2048)).toBe(0xffff_ffff_ffff_f800n);
      expect(at(64, 64, false, NaN)).toBe(0n);
    });

    it.each(CONVERSIONS)(
      "f%i → i%i (signed: %s) agrees with the reference on any bits",
      (from, to, signed) => {
        fc.assert(
          fc.property(floatBits(from), (value) => {
            const x = wasm.fromBits(value, from);
            expect(saturate(from, to, signed, value)[1]).toBe(saturated(x, to, signed));
          }),
          propertyParameters(FILE, 100),
        );
      },
    );
  });

  describe("integer → float conversion (round to nearest even)", () => {
    const convert = (from: Width, to: Width, signed: boolean, value: bigint) =>
      returning((m) => m.convertToFloat(from, to, signed, 2), [MARKER, MARKER, value]);

    const U64_INPUTS = [
      0n,
      1n,
      0x7fff_ffffn,
      0xffff_ffffn,
      (1n << 53n) + 1n,
      (1n << 63n) - 1n,
      1n << 63n,
      (1n << 63n) + 1n,
      (1n << 64n) - 1n,
      // f32: 2^63 + 2^39 + 1 rounds up to 2^63 + 2^40; through f64 first it would tie to 2^63.
      0x8000_0080_0000_0001n,
      0x8000_0080_0000_0000n, // a tie: to even, 2^63
      0x8000_0180_0000_0000n, // a tie: to even, 2^63 + 2^41
      0x8000_0000_0000_0401n, // f64: just above half an ulp, rounds up
      0x8000_0000_0000_0400n, // f64: a tie, to even
      0x8000_0000_0000_0c00n, // f64: a tie, to even (up)
      0xffff_ff7f_ffff_ffffn, // f32: just below the tie under 2^64
      0xffff_ff80_0000_0000n, // f32: a tie, to even: 2^64
    ];
    const I64_INPUTS = [
      0n,
      -1n,
      -(1n << 63n),
      (1n << 63n) - 1n,
      // 2^59 + 2^35 + 1: f32 rounds up; through f64 first it would tie down to 2^59.
      0x0800_0008_0000_0001n,
      -0x0800_0008_0000_0001n,
      (1n << 53n) + 1n,
      -((1n << 53n) + 3n),
    ];
    const I32_INPUTS = [0n, 1n, -1n, -(1n << 31n), (1n << 31n) - 1n, 16777217n, -16777219n];
    const U32_INPUTS = [0n, 1n, 0x7fff_ffffn, 0x8000_0000n, 0xffff_ffffn, 16777217n, 0xffff_ff7fn];
    const CASES: [Width, boolean, bigint[]][] = [
      [32, true, I32_INPUTS],
      [32, false, U32_INPUTS],
      [64, true, I64_INPUTS],
      [64, false, U64_INPUTS],
    ];
    for (const to of WIDTHS) {
      it.each(CASES)(
        `i%s (signed %s) → f${to} of edge inputs, keeping the other scratch registers`,
        (from, signed, inputs) => {
          for (const n of inputs) {
            const input = BigInt.asUintN(from, n);
            const result = convert(from, to, signed, input);
            expect(result[2], `${n} → f${to}`).toBe(bits(wasm.intToFloat(input, from, to, signed), to));
            expect(result.slice(0, 2)).toEqual([MARKER, MARKER]);
          }
        },
      );
    }

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

    it.each(CONVERSIONS)(
      "i%i → f%i (signed: %s) agrees with the reference on random inputs",
      (from, to, signed) => {
        fc.assert(
          fc.property(integers(from), (value) => {
            expectFloat(convert(from, to, signed, value)[2], wasm.intToFloat(value, from, to, signed), to);
          }),
          propertyParameters(FILE, 150),
        );
      },
    );

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
      expect(convert(from, to, signed, value)[2]).toBe(bits(expected, to));
    });

    it("reads only the low 32 bits of an i32 operand", () => {
      expect(convert(32, 64, true, 0xdead_beef_ffff_fffen)[2]).toBe(f64(-2));
      expect(convert(32, 32, false, 0x1_0000_0002n)[2]).toBe(f32(2));
    });
  });

  describe("promote and demote", () => {
    const convert = (from: Width, to: Width, value: bigint) =>
      returning((m) => m.convertFloat(from, to, 2), [MARKER, MARKER, value])[2];

    it.each([0, -0, 0.1, -1.5, Infinity, -Infinity, F32_MIN_SUBNORMAL, 3.4028234663852886e38])(
      "promotes %s exactly",
      (input) => {
        const x = wasm.convertFloat(input, 32);
        expect(convert(32, 64, f32(x))).toBe(f64(x));
      },
    );

    it.each([
      0,
      -0,
      0.1,
      1e300,
      -1e300,
      1e-300,
      2 ** -149,
      2 ** -150,
      3 * 2 ** -151,
      1 + 2 ** -24,
      1 + 3 * 2 ** -24,
    ])("demotes %s, rounded once to nearest even", (x) => {
      expect(convert(64, 32, f64(x))).toBe(f32(wasm.convertFloat(x, 32)));
    });

    it("agrees with the reference on random operands, NaNs staying NaNs", () => {
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

    it("keeps a NaN a NaN both ways, with the upper half of a demoted one zero", () => {
      expectFloat(convert(32, 64, 0x7fc0_0000n), NaN, 64);
      expectFloat(convert(64, 32, 0x7ff8_0000_0000_0000n), NaN, 32);
    });
  });
});

it("the f32 rounding reference agrees with Math.fround where one rounding suffices", () => {
  for (const n of [16777217n, 16777219n, -16777219n, (1n << 40n) + 3n, 0x7fff_ffffn]) {
    expect(wasm.intToFloat(n, 64, 32, true)).toBe(Math.fround(Number(n)));
  }
  expect(wasm.intToFloat(0x8000_0080_0000_0001n, 64, 32, false)).toBe(2 ** 63 + 2 ** 40);
});
