/**
 * The x64 MacroAssembler's float, table-load and indirect-call operations, executed under Unicorn
 * (the harness: exec.ts). Expected values come from ../../float-reference.ts, the ISA-neutral Wasm
 * float semantics computed in JavaScript independently of the code under test (the AArch64 tests use
 * the same reference).
 */
import { describe, expect, it } from "vitest";
import type { Scratch, Width } from "../../../../src/compiler/masm.js";
import * as wasm from "../../float-reference.js";
import { type Body, MEMORY, useX64Harness } from "./exec.js";

const { run, returned, link, execute, engine } = useX64Harness();

const bits = wasm.toBits;

const F32_MIN_SUBNORMAL = 2 ** -149;
const F64_MIN_SUBNORMAL = 2 ** -1074;

/** Interesting operands per width, each already representable at that width. */
function operands(width: Width): number[] {
  const common = [0, -0, 1, -1, 0.5, 1.5, 2.5, -2.5, 3, 0.1, -7.25, 1e10, Infinity, -Infinity, Number.NaN];
  const extremes =
    width === 32
      ? [F32_MIN_SUBNORMAL, -F32_MIN_SUBNORMAL, 2 ** -126, 3.4028234663852886e38, 16777216, 4194304.5]
      : [F64_MIN_SUBNORMAL, -F64_MIN_SUBNORMAL, 2 ** -1022, Number.MAX_VALUE, 2 ** 53 + 2, 2 ** 51 + 0.5];
  return [...common, ...extremes].map((x) => wasm.convertFloat(x, width));
}

function pairs(width: Width): [number, number][] {
  const xs = operands(width);
  return xs.flatMap((a) => xs.map((b) => [a, b] as [number, number]));
}

/** Expected result bits: NaN results are checked as "some NaN" (the hardware's NaN is kept). */
function expectFloat(width: Width, actual: bigint, expected: number, what: string): void {
  if (Number.isNaN(expected)) {
    expect(wasm.isAnyNaN(actual, width), `${what}: NaN, got 0x${actual.toString(16)}`).toBe(true);
    expect(actual >> BigInt(width), `${what}: upper bits`).toBe(0n);
  } else {
    expect(actual, what).toBe(bits(expected, width));
  }
}

const MARKER = 0x5a5a_5a5a_5a5a_5a5an;
const ALL_SCRATCH: Scratch[] = [0, 1, 2];

// ── arithmetic ────────────────────────────────────────────────────────────────────────────────

describe("x64 masm under Unicorn: float arithmetic", () => {
  for (const width of [32, 64] as const) {
    for (const op of ["add", "sub", "mul", "div", "min", "max"] as const) {
      it(`f${width}.${op} on every pair of interesting operands (and keeps the other scratch register)`, () => {
        for (const [a, b] of pairs(width)) {
          const result = returned(
            run((m) => m.floatBinop(op, width, 0, 1), [bits(a, width), bits(b, width), MARKER]),
          );
          const what = `f${width}.${op}(${a}, ${b})`;
          expectFloat(width, result.scratch[0], wasm.binop(op, width, a, b), what);
          expect(result.scratch.slice(1), what).toEqual([bits(b, width), MARKER]);
        }
      });
    }
  }

  it.each([
    [32, "min", -0, 0, -0],
    [32, "min", 0, -0, -0],
    [32, "max", -0, 0, 0],
    [32, "max", 0, -0, 0],
    [64, "min", -0, 0, -0],
    [64, "min", 0, -0, -0],
    [64, "max", -0, 0, 0],
    [64, "max", 0, -0, 0],
    [64, "min", -0, -0, -0],
    [64, "max", 0, 0, 0],
  ] as const)("f%s.%s orders −0 below +0: (%s, %s) → %s", (width, op, a, b, expected) => {
    const result = returned(run((m) => m.floatBinop(op, width, 1, 2), [0n, bits(a, width), bits(b, width)]));
    expect(result.scratch[1]).toBe(bits(expected, width));
  });

  it("min and max give NaN when either operand is NaN, whichever side it is on", () => {
    for (const width of [32, 64] as const) {
      const nan = width === 32 ? 0x7fc0_0000n : 0x7ff8_0000_0000_0000n;
      for (const op of ["min", "max"] as const) {
        for (const x of [0, -0, 1, -Infinity, Infinity]) {
          for (const [a, b] of [
            [nan, bits(x, width)],
            [bits(x, width), nan],
          ]) {
            const result = returned(run((m) => m.floatBinop(op, width, 0, 1), [a!, b!]));
            expect(wasm.isAnyNaN(result.scratch[0], width), `f${width}.${op}(${a}, ${b})`).toBe(true);
          }
        }
      }
    }
  });

  it("every dst/src pair of scratch registers computes the same sum and keeps the third", () => {
    for (const dst of ALL_SCRATCH) {
      for (const src of ALL_SCRATCH) {
        const initial = [bits(1.25, 64), bits(2.5, 64), bits(40, 64)];
        const result = returned(run((m) => m.floatBinop("add", 64, dst, src), initial));
        const expected = [...initial];
        expected[dst] = bits(
          wasm.binop("add", 64, wasm.fromBits(initial[dst]!, 64), wasm.fromBits(initial[src]!, 64)),
          64,
        );
        expect(result.scratch, `add S${dst}, S${src}`).toEqual(expected);
      }
    }
  });

  it("keeps the hardware's NaN: x86's default NaN for an invalid operation, a quietened operand NaN otherwise", () => {
    // Intel SDM vol. 1 §4.8.3.7: the QNaN floating-point indefinite has the sign bit set.
    const invalid = returned(
      run((m) => m.floatBinop("sub", 32, 0, 1), [bits(Infinity, 32), bits(Infinity, 32)]),
    );
    expect(invalid.scratch[0]).toBe(0xffc0_0000n);
    const invalid64 = returned(run((m) => m.floatBinop("mul", 64, 0, 1), [bits(0, 64), bits(Infinity, 64)]));
    expect(invalid64.scratch[0]).toBe(0xfff8_0000_0000_0000n);
    // A signalling NaN operand comes back quietened (bit 22 set), payload kept.
    const quietened = returned(run((m) => m.floatBinop("add", 32, 0, 1), [0x7f80_0001n, bits(1, 32)]));
    expect(quietened.scratch[0]).toBe(0x7fc0_0001n);
  });
});

describe("x64 masm under Unicorn: float unary operations (roundss/roundsd are SSE4.1)", () => {
  const extra: Record<Width, number[]> = {
    32: [0.49999997, -0.5, -1.5, 4.5, 5.5, -0.49999997, 8388607.5, 1.1754942e-38],
    64: [0.49999999999999994, -0.5, -1.5, 4.5, 5.5, -3.5, 4503599627370495.5, 2 ** 52 + 1],
  };
  for (const width of [32, 64] as const) {
    for (const op of ["sqrt", "ceil", "floor", "trunc", "nearest"] as const) {
      it(`f${width}.${op} of every interesting operand`, () => {
        for (const x of [...operands(width), ...extra[width].map((y) => wasm.convertFloat(y, width))]) {
          const result = returned(run((m) => m.floatUnop(op, width, 2), [MARKER, MARKER, bits(x, width)]));
          expectFloat(width, result.scratch[2], wasm.unop(op, width, x), `f${width}.${op}(${x})`);
          expect(result.scratch.slice(0, 2)).toEqual([MARKER, MARKER]);
        }
      });
    }
  }

  it("nearest rounds half to even and keeps the sign of zero", () => {
    const cases = [
      [0.5, 0],
      [1.5, 2],
      [2.5, 2],
      [-0.5, -0],
      [-2.5, -2],
      [-0.25, -0],
    ];
    for (const width of [32, 64] as const) {
      for (const [x, expected] of cases) {
        const result = returned(run((m) => m.floatUnop("nearest", width, 0), [bits(x!, width)]));
        expect(result.scratch[0], `nearest(${x})`).toBe(bits(expected!, width));
      }
    }
  });
});

describe("x64 masm under Unicorn: float comparisons", () => {
  for (const width of [32, 64] as const) {
    for (const cond of ["eq", "ne", "lt", "gt", "le", "ge"] as const) {
      it(`f${width}.${cond} on every pair of interesting operands (NaN: false, ne: true)`, () => {
        for (const [a, b] of pairs(width)) {
          const result = returned(
            run((m) => m.floatCompare(cond, width, 2, 0, 1), [bits(a, width), bits(b, width), MARKER]),
          );
          expect(result.scratch[2], `f${width}.${cond}(${a}, ${b})`).toBe(wasm.compare(cond, a, b) ? 1n : 0n);
        }
      });
    }
  }

  it("writes the destination only after reading both operands, whichever registers alias", () => {
    for (const dst of ALL_SCRATCH) {
      for (const [lhs, rhs] of [
        [0, 1],
        [1, 0],
        [2, 1],
        [0, 2],
      ] as [Scratch, Scratch][]) {
        const initial = [bits(1, 64), bits(2, 64), bits(3, 64)];
        for (const cond of ["lt", "eq", "ne"] as const) {
          const result = returned(run((m) => m.floatCompare(cond, 64, dst, lhs, rhs), initial));
          const expected = [...initial];
          expected[dst] = wasm.compare(cond, lhs + 1, rhs + 1) ? 1n : 0n;
          expect(result.scratch, `${cond} S${dst} ← S${lhs}, S${rhs}`).toEqual(expected);
        }
      }
    }
  });
});

// ── conversions ───────────────────────────────────────────────────────────────────────────────

describe("x64 masm under Unicorn: float → integer truncation (inputs in range, as the code generator guarantees)", () => {
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
  it.each(CASES)("f%s → i%s (signed %s)", (from, to, signed, inputs) => {
    for (const input of inputs) {
      const x = wasm.convertFloat(input, from);
      const result = returned(
        run((m) => m.truncateToInt(from, to, signed, 1), [MARKER, bits(x, from), MARKER]),
      );
      const expected = wasm.truncate(x, to, signed);
      expect(result.scratch[1], `trunc(${x})`).toBe(expected);
      expect([result.scratch[0], result.scratch[2]]).toEqual([MARKER, MARKER]);
    }
  });
});

describe("x64 masm under Unicorn: integer → float conversion (round to nearest even)", () => {
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
  for (const to of [32, 64] as const) {
    it.each(CASES)(`i%s (signed %s) → f${to}`, (from, signed, inputs) => {
      for (const n of inputs) {
        const input = BigInt.asUintN(from, n);
        const result = returned(run((m) => m.convertToFloat(from, to, signed, 2), [MARKER, MARKER, input]));
        const expected = wasm.intToFloat(input, from, to, signed);
        expect(result.scratch[2], `${n} → f${to}`).toBe(bits(expected, to));
        expect(result.scratch.slice(0, 2)).toEqual([MARKER, MARKER]);
      }
    });
  }

  it("the f32 rounding reference agrees with Math.fround where one rounding suffices", () => {
    for (const n of [16777217n, 16777219n, -16777219n, (1n << 40n) + 3n, 0x7fff_ffffn]) {
      expect(wasm.intToFloat(n, 64, 32, true)).toBe(Math.fround(Number(n)));
    }
    expect(wasm.intToFloat(0x8000_0080_0000_0001n, 64, 32, false)).toBe(2 ** 63 + 2 ** 40);
  });
});

describe("x64 masm under Unicorn: promote and demote", () => {
  it.each([0, -0, 0.1, -1.5, Infinity, -Infinity, F32_MIN_SUBNORMAL, 3.4028234663852886e38])(
    "promote %s",
    (input) => {
      const x = wasm.convertFloat(input, 32);
      const result = returned(run((m) => m.convertFloat(32, 64, 0), [bits(x, 32)]));
      expect(result.scratch[0]).toBe(bits(wasm.convertFloat(x, 64), 64));
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
  ])("demote %s (rounded once, to nearest even)", (x) => {
    const result = returned(run((m) => m.convertFloat(64, 32, 1), [MARKER, bits(x, 64)]));
    expect(result.scratch[1]).toBe(bits(wasm.convertFloat(x, 32), 32));
  });

  it("a NaN stays a NaN both ways", () => {
    const promoted = returned(run((m) => m.convertFloat(32, 64, 0), [0x7fc0_0000n]));
    expect(wasm.isAnyNaN(promoted.scratch[0], 64)).toBe(true);
    const demoted = returned(run((m) => m.convertFloat(64, 32, 0), [0x7ff8_0000_0000_0000n]));
    expect(wasm.isAnyNaN(demoted.scratch[0], 32)).toBe(true);
    expect(demoted.scratch[0] >> 32n).toBe(0n);
  });
});

// ── tables and indirect calls ─────────────────────────────────────────────────────────────────

describe("x64 masm under Unicorn: table loads and indirect calls", () => {
  it("loads 64 bits from base + offset", () => {
    const entry = 0x0123_4567_89ab_cdefn;
    for (const [base, offset] of [
      [MEMORY + 0x100, 0x20],
      [MEMORY + 0x140, -0x20],
      [MEMORY + 0x120, 0],
    ] as const) {
      engine().writeU64(MEMORY + 0x120, entry);
      const result = returned(run((m) => m.loadFromAddress(2, 0, offset), [BigInt(base)]));
      expect(result.scratch[2]).toBe(entry);
    }
  });

  it("calls the address held in a slot with all six register arguments intact", () => {
    // The caller reads the callee's address from a "table" in memory, keeps it in a slot, sets
    // rdi rsi rdx rcx r8 r9 (rdx and rcx are S2 and S1) and calls through the slot.
    const caller: Body = (m) => {
      m.reserve(64);
      m.loadFromAddress(0, 1, 8);
      m.storeSlot(72, 0);
      for (let i = 0; i < 6; i++) {
        m.movImm(0, BigInt(i + 1) << BigInt(8 * i), 64);
        m.storeSlot(64 - 8 * i, 0);
      }
      for (let i = 0; i < 6; i++) m.loadSlotToArgReg(i, 64 - 8 * i);
      m.callIndirectFromSlot(72);
      m.moveFromResultReg(2);
      m.release(64);
    };
    // The callee adds its six arguments: each lands in its own byte only if it arrived in the right register.
    const callee: Body = (m) => {
      m.reserve(48);
      for (let i = 0; i < 6; i++) m.storeArgRegToSlot(24 + 8 * i, i);
      m.loadSlot(0, 24);
      for (let i = 1; i < 6; i++) {
        m.loadSlot(1, 24 + 8 * i);
        m.intBinop("add", 64, 0, 1);
      }
      m.moveToResultReg(0);
      m.release(48);
    };
    const { code, addresses } = link([caller, callee]);
    engine().writeU64(MEMORY + 0x208, BigInt(addresses[1]!));
    const result = returned(execute(code, [0n, BigInt(MEMORY + 0x200)]));
    expect(result.scratch[2]).toBe(0x0605_0403_0201n);
  });
});
