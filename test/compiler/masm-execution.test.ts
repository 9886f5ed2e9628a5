/**
 * The MacroAssembler's integer, constant and memory contract, one table of cases run on every target
 * under Unicorn (each target's harness: targets/<isa>/execute.ts): the Wasm edge cases disassembly
 * cannot show (clz of 0, rotates by more than the width, i32 results zero-extended, sign extension
 * of narrow loads, bounds checks), and the pieces of the bulk-memory and table loops (addresses,
 * range checks, copies that may overlap, byte broadcast). Expected values are Wasm's semantics computed here with BigInt
 * arithmetic, or hand-derived constants. Stack, call and table cases depend on each target's
 * calling convention and stay in targets/<isa>/masm-execution.test.ts.
 */
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import type { Cond, IntBinop, IntUnop, MacroAssembler, Scratch, Width } from "../../src/compiler/masm.js";
import { propertyParameters } from "../../src/fuzz/seed.js";
import { useHarness as useAarch64Harness } from "./targets/aarch64/execute.js";
import type { ContractHarness } from "./targets/harness.js";
import { useHarness as useX64Harness } from "./targets/x64/execute.js";

const FILE = "test/compiler/masm-execution.test.ts";
const HARNESSES: readonly ContractHarness[] = [useX64Harness(), useAarch64Harness()];
const MASK32 = 0xffff_ffffn;
const MASK64 = (1n << 64n) - 1n;
const u = (v: bigint, width: Width) => BigInt.asUintN(width, v);
const s = (v: bigint, width: Width) => BigInt.asIntN(width, v);

/** Wasm's result of `a op b` as the slot holds it (i32 zero-extended). */
function reference(op: IntBinop, width: Width, a: bigint, b: bigint): bigint {
  const w = BigInt(width);
  const count = u(b, width) % w;
  const [ua, ub, sa, sb] = [u(a, width), u(b, width), s(a, width), s(b, width)];
  const results: Record<IntBinop, () => bigint> = {
    add: () => ua + ub,
    sub: () => ua - ub,
    mul: () => ua * ub,
    and: () => ua & ub,
    or: () => ua | ub,
    xor: () => ua ^ ub,
    shl: () => ua << count,
    shr_s: () => sa >> count,
    shr_u: () => ua >> count,
    rotl: () => (ua << count) | (ua >> ((w - count) % w)),
    rotr: () => (ua >> count) | (ua << ((w - count) % w)),
    div_s: () => sa / sb, // BigInt division truncates toward zero, as Wasm's
    div_u: () => ua / ub,
    rem_s: () => sa % sb, // and the remainder takes the dividend's sign
    rem_u: () => ua % ub,
  };
  return u(results[op](), width);
}

const OPERANDS: [bigint, bigint][] = [
  [7n, 2n],
  [-7n, 2n],
  [0x8000_0001n, 33n],
  [0xffff_ffff_0000_0005n, 0xffff_ffff_ffff_fffdn],
  [0x1234_5678_9abc_def0n, 65n],
  [0xffff_ffffn, 0xffff_ffffn],
];
const BINOPS: IntBinop[] = ["add", "sub", "mul", "and", "or", "xor", "shl", "shr_s", "shr_u", "rotl", "rotr"];
const DIVISIONS: IntBinop[] = ["div_s", "div_u", "rem_s", "rem_u"];
const CONDS: Cond[] = ["eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"];

/** Whether `a cond b` holds at `width` (the operands' upper bits ignored for i32). */
function holds(cond: Cond, width: Width, a: bigint, b: bigint): boolean {
  const signed = cond.endsWith("_s");
  const [x, y] = signed ? [s(a, width), s(b, width)] : [u(a, width), u(b, width)];
  const order = cond.slice(0, 2);
  if (order === "eq") return x === y;
  if (order === "ne") return x !== y;
  if (order === "lt") return x < y;
  if (order === "gt") return x > y;
  return order === "le" ? x <= y : x >= y;
}

/** Operands of either width, often equal or off by one, with stale upper bits. */
const comparands = fc
  .tuple(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.constantFrom(-1n, 0n, 1n, null))
  .chain(([a, delta]) =>
    fc.tuple(
      fc.constant(a),
      delta === null
        ? fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })
        : fc.constant(BigInt.asUintN(64, a + delta)),
    ),
  );

const PAIRS: [Scratch, Scratch][] = [0, 1, 2].flatMap((d) =>
  [0, 1, 2].map((r) => [d, r] as [Scratch, Scratch]),
);

describe.each(HARNESSES)("$target masm under Unicorn: integers and memory", (harness) => {
  const { returning, outcome } = harness;
  /** S0 ← S0 op S1 at `width`; returns S0. */
  const binop = (op: IntBinop, width: Width, lhs: bigint, rhs: bigint) =>
    returning((m) => m.intBinop(op, width, 0, 1), [lhs, rhs])[0];
  const unop = (op: IntUnop, width: Width, value: bigint) =>
    returning((m) => m.intUnop(op, width, 1), [0n, value])[1];

  describe("integer operators", () => {
    for (const width of [32, 64] as const) {
      it.each(BINOPS.flatMap((op) => OPERANDS.map(([a, b]) => [op, a, b] as const)))(
        `i${width}.%s %s %s (the result zero-extended for i32)`,
        (op, a, b) => {
          expect(binop(op, width, a, b)).toBe(reference(op, width, a, b));
        },
      );
    }

    it.each(
      DIVISIONS.flatMap((op) =>
        [32, 64].flatMap((width) =>
          [
            [7n, 2n],
            [-7n, 2n],
            [7n, -2n],
            [-7n, -2n],
            [7n, 7n], // dst and divisor in different registers, same value
            [-(1n << BigInt(width - 1)), 3n],
            [0xffff_fff0n, 0x10n],
            [-1n, 3n],
            [-1n, 10n],
          ].map(([a, b]) => [op, width as Width, a!, b!] as const),
        ),
      ),
    )("%s i%s %s %s", (op, width, a, b) => {
      expect(binop(op, width, u(a, width), u(b, width))).toBe(reference(op, width, a, b));
    });

    // Shifts and divisions use fixed hardware registers on x64 (cl, rdx:rax): every register
    // assignment must compute the right value and leave the third scratch register untouched.
    it.each(["shl", "rotr", "div_s", "rem_u"] as const)(
      "%s works for every dst/src pair and keeps the others",
      (op) => {
        for (const [dst, src] of PAIRS) {
          const initial = [0x9_0000_0067n, 0x8_0000_0003n, 0x7_0000_0005n];
          const expected = [...initial];
          expected[dst] = reference(op, 32, initial[dst]!, initial[src]!);
          expect(
            returning((m) => m.intBinop(op, 32, dst, src), initial),
            `${op} S${dst}, S${src}`,
          ).toEqual(expected);
        }
      },
    );

    it("rotates and shifts by counts modulo the width", () => {
      expect(binop("rotl", 32, 0x8000_0001n, 33n)).toBe(0x0000_0003n);
      expect(binop("rotr", 32, 0x8000_0001n, 33n)).toBe(0xc000_0000n);
      expect(binop("rotl", 64, 0x8000_0000_0000_0001n, 65n)).toBe(3n);
      expect(binop("rotl", 32, 0x1234_5678n, 0n)).toBe(0x1234_5678n);
      expect(binop("shl", 32, 1n, 32n)).toBe(1n);
      expect(binop("shl", 32, 1n, 31n)).toBe(0x8000_0000n);
      expect(binop("shr_s", 32, 0x8000_0000n, 63n)).toBe(MASK32);
      expect(binop("shr_u", 64, MASK64, 64n + 60n)).toBe(0xfn);
      expect(binop("shr_s", 64, 0x8000_0000_0000_0000n, 64n)).toBe(0x8000_0000_0000_0000n);
    });

    it("keeps i32 results zero-extended in the 64-bit register", () => {
      expect(binop("add", 32, MASK32, 1n)).toBe(0n);
      expect(binop("sub", 32, 0n, 1n)).toBe(MASK32);
      expect(binop("mul", 32, 0x1_0000n, 0x1_0001n)).toBe(0x1_0000n);
      expect(binop("xor", 32, 0n, MASK32)).toBe(MASK32);
      expect(binop("shr_s", 32, 0x8000_0000n, 4n)).toBe(0xf800_0000n);
      expect(binop("div_u", 32, MASK32, 2n)).toBe(0x7fff_ffffn);
    });

    it("agrees with BigInt arithmetic on random operands", () => {
      fc.assert(
        fc.property(
          fc.constantFrom<IntBinop>(...BINOPS, ...DIVISIONS),
          fc.constantFrom<Width>(32, 64),
          fc.bigInt({ min: 0n, max: MASK64 }),
          fc.bigInt({ min: 0n, max: MASK64 }),
          (op, width, a, b) => {
            const [x, y] = [u(a, width), u(b, width)];
            // The code generator branches away division by zero and MIN / -1 before the masm divides.
            fc.pre(
              !DIVISIONS.includes(op) ||
                (y !== 0n && !(s(x, width) === -(1n << BigInt(width - 1)) && s(y, width) === -1n)),
            );
            expect(binop(op, width, x, y)).toBe(reference(op, width, x, y));
          },
        ),
        propertyParameters(FILE, 300),
      );
    });

    it.each([
      ["clz", 32, 0n, 32n],
      ["clz", 64, 0n, 64n],
      ["clz", 32, 1n, 31n],
      ["clz", 32, 0x0000_8000n, 16n],
      ["clz", 32, 0xffff_ffff_0000_0001n, 31n],
      ["ctz", 32, 0n, 32n],
      ["ctz", 64, 0n, 64n],
      ["ctz", 64, 1n << 40n, 40n],
      ["ctz", 32, 1n << 40n, 32n],
      ["ctz", 64, 0x8000_0000_0000_0000n, 63n],
      ["popcnt", 32, 0n, 0n],
      ["popcnt", 32, MASK64, 32n],
      ["popcnt", 64, MASK64, 64n],
      ["popcnt", 32, 0x8000_0001n, 2n],
      ["popcnt", 64, 0x8000_0000_0000_0001n, 2n],
      ["popcnt", 32, 0xffff_0000_8000_0001n, 2n],
      ["popcnt", 64, 0x0123_4567_89ab_cdefn, 32n],
      ["popcnt", 32, 0xf0f0_f0f0n, 16n],
    ] as const)("%s i%s of %s is %s", (op, width, value, expected) => {
      expect(unop(op, width, value)).toBe(expected);
    });
  });

  describe("constants, comparisons, conversions and select", () => {
    it.each([
      [0n, 32],
      [-1n, 32],
      [0x1_0000_0000n, 32],
      [-1n, 64],
      [0xffff_ffffn, 64],
      [0x8000_0000n, 64],
      [-0x8000_0000n, 64],
      [0x1234_5678_9abc_def0n, 64],
    ] as const)("movImm %s (i%s)", (value, width) => {
      expect(returning((m) => m.movImm(1, value, width))[1]).toBe(u(value, width));
    });

    it("materialises any constant, zero-extending i32 ones", () => {
      fc.assert(
        fc.property(
          fc.constantFrom<Width>(32, 64),
          fc.oneof(
            fc.bigInt({ min: -(1n << 63n), max: MASK64 }),
            // Values made of 0x0000, 0xffff, 0x5555 and other halfwords exercise AArch64's movz/movn/orr choices.
            fc
              .array(fc.constantFrom<bigint>(0n, 0xffffn, 0x5555n, 0x1234n), { minLength: 4, maxLength: 4 })
              .map((h) => h.reduce((v, halfword, i) => v | (halfword << BigInt(16 * i)), 0n)),
          ),
          (width, value) => {
            expect(returning((m) => m.movImm(2, value, width), [0n, 0n, MASK64])[2]).toBe(u(value, width));
          },
        ),
        propertyParameters(FILE, 200),
      );
    });

    it.each([
      ["lt_s", 32, MASK32, 0n, 1n],
      ["lt_s", 32, MASK32, 1n, 1n],
      ["lt_u", 32, MASK32, 0n, 0n],
      ["lt_u", 32, MASK32, 1n, 0n],
      ["gt_u", 64, MASK64, 1n, 1n],
      ["ge_s", 64, MASK64, 1n, 0n],
      ["le_s", 64, MASK64, 0n, 1n],
      ["le_s", 32, 0x8000_0000n, 0x7fff_ffffn, 1n],
      ["le_u", 32, 0x8000_0000n, 0x7fff_ffffn, 0n],
      ["eq", 32, 0x1_0000_0005n, 5n, 1n], // i32 compares ignore stale upper bits
      ["ne", 64, 0x1_0000_0005n, 5n, 1n],
    ] as const)("%s.%i of %s and %s is %s", (cond: Cond, width, lhs, rhs, expected) => {
      expect(returning((m) => m.compare(cond, width, 2, 0, 1), [lhs, rhs, MASK64])[2]).toBe(expected);
    });

    it("compares, and branches on comparisons, like BigInt on random operands", () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...CONDS),
          fc.constantFrom<Width>(32, 64),
          comparands,
          (cond, width, [a, b]) => {
            const expected = holds(cond, width, a, b) ? 1n : 0n;
            expect(returning((m) => m.compare(cond, width, 2, 0, 1), [a, b, MASK64])[2]).toBe(expected);
            const branched = returning(
              (m) => {
                const [taken, done] = [m.newLabel(), m.newLabel()];
                m.branchIfCompare(cond, width, 0, 1, taken);
                m.movImm(2, 0n, 64);
                m.jump(done);
                m.bind(taken);
                m.movImm(2, 1n, 64);
                m.bind(done);
              },
              [a, b],
            )[2];
            expect(branched).toBe(expected);
          },
        ),
        propertyParameters(FILE, 300),
      );
    });

    it.each([-1, 0, 1, 5, 4095, 4096, -4096, 0x12345, -0x12345, 0x7fff_ffff, -0x8000_0000])(
      "branches on a comparison with the immediate %i, at either width",
      (imm) => {
        for (const width of [32, 64] as const) {
          for (const cond of CONDS) {
            for (const value of [
              0n,
              1n,
              MASK64,
              BigInt(imm),
              BigInt(imm) + 1n,
              BigInt(imm) - 1n,
              0x1_0000_0000n + BigInt(imm),
            ]) {
              const a = u(value, 64);
              const branched = returning(
                (m) => {
                  const [taken, done] = [m.newLabel(), m.newLabel()];
                  m.branchIfCompareImm(cond, width, 0, imm, taken);
                  m.movImm(1, 0n, 64);
                  m.jump(done);
                  m.bind(taken);
                  m.movImm(1, 1n, 64);
                  m.bind(done);
                },
                [a],
              )[1];
              expect(branched, `${a} ${cond} ${imm} at i${width}`).toBe(
                holds(cond, width, a, BigInt(imm)) ? 1n : 0n,
              );
            }
          }
        }
      },
    );

    it("branches on zero and non-zero at the operand width", () => {
      for (const width of [32, 64] as const) {
        for (const value of [0n, 1n, 0x1_0000_0000n, MASK64]) {
          const zero = u(value, width) === 0n ? 1n : 0n;
          for (const [branch, expected] of [
            ["branchIfZero", zero],
            ["branchIfNonZero", 1n - zero],
          ] as const) {
            const branched = returning(
              (m) => {
                const [taken, done] = [m.newLabel(), m.newLabel()];
                m[branch](width, 2, taken);
                m.movImm(0, 0n, 64);
                m.jump(done);
                m.bind(taken);
                m.movImm(0, 1n, 64);
                m.bind(done);
              },
              [MASK64, 0n, value],
            )[0];
            expect(branched, `${branch}(i${width} ${value})`).toBe(expected);
          }
        }
      }
    });

    it("tests for zero at the operand width", () => {
      expect(returning((m) => m.eqz(32, 0), [0x1_0000_0000n])[0]).toBe(1n);
      expect(returning((m) => m.eqz(64, 0), [0x1_0000_0000n])[0]).toBe(0n);
    });

    it("wraps and extends", () => {
      const convert = (kind: "wrap" | "extend_s" | "extend_u", value: bigint) =>
        returning((m) => m.convert(kind, 1), [0n, value])[1];
      expect(convert("wrap", 0x1_2345_6789n)).toBe(0x2345_6789n);
      expect(convert("extend_s", 0x8000_0000n)).toBe(0xffff_ffff_8000_0000n);
      expect(convert("extend_s", 0x7fff_ffffn)).toBe(0x7fff_ffffn);
      expect(convert("extend_u", 0x8000_0000n)).toBe(0x8000_0000n);
    });

    // Wasm's extendN_s: the low N bits of the operand (whatever lies above them), sign-extended to
    // the width; an i32 result zero-extended in its slot.
    const EXTENSIONS = [
      [8, 32],
      [16, 32],
      [8, 64],
      [16, 64],
      [32, 64],
    ] as const;
    const EXTENSION_INPUTS = [
      0n,
      0x7fn,
      0x80n,
      0xffn,
      0x7fffn,
      0x8000n,
      0xffffn,
      0x7fff_ffffn,
      0x8000_0000n,
      0xffff_ffffn,
      0x1234_5680n,
      0xdead_beef_0000_7f01n,
      MASK64,
    ];
    it.each(EXTENSIONS.flatMap(([bits, width]) => EXTENSION_INPUTS.map((v) => [bits, width, v] as const)))(
      "sign-extends the low %s bits to i%s: %s",
      (bits, width, value) => {
        const expected = u(BigInt.asIntN(bits, value), width);
        for (const reg of [0, 1, 2] as const) {
          const before = [0x1111n, 0x2222n, 0x3333n];
          before[reg] = value;
          const after = returning((m) => m.signExtend(bits, width, reg), before);
          const kept = before.map((v, i) => (i === reg ? expected : v));
          expect(after.slice(0, 3), `register ${reg}`).toEqual(kept);
        }
      },
    );

    it("selects on the i32 condition", () => {
      const select = (cond: bigint) => returning((m) => m.select(0, 1, 2), [111n, 222n, cond])[0];
      expect(select(1n)).toBe(111n);
      expect(select(0n)).toBe(222n);
      expect(select(0x1_0000_0000n)).toBe(222n); // only the low 32 bits are the condition
    });
  });

  describe("memory", () => {
    const { memoryBytes, trapExit } = harness;
    const PATTERN = Uint8Array.from([0x80, 0xff, 0x01, 0x80, 0x7f, 0x00, 0x00, 0x80]);
    const BYTES = Uint8Array.from([0x80, 0xff, 0x7f, 0x01, 0x02, 0x03, 0x04, 0x85]);
    beforeEach(() => {
      harness.writeMemory(0, PATTERN);
      harness.writeMemory(0x100, BYTES);
      harness.writeMemory(memoryBytes - 8, PATTERN);
    });

    /** S1 ← load op [S0 + memOffset], with a trap stub for site 9. */
    const load = (op: Parameters<MacroAssembler["load"]>[0], address: bigint, memOffset = 0) =>
      outcome((m) => m.load(op, 1, 0, memOffset, m.trapStub(9, trapExit)), [address, MASK64]);

    it.each([
      ["i32.load8_s", 0n, 0xffff_ff80n],
      ["i32.load8_u", 0n, 0x80n],
      ["i32.load16_s", 0n, 0xffff_ff80n],
      ["i32.load16_u", 0n, 0xff80n],
      ["i32.load", 0n, 0x8001_ff80n],
      ["i64.load8_s", 0n, 0xffff_ffff_ffff_ff80n],
      ["i64.load16_s", 0n, 0xffff_ffff_ffff_ff80n],
      ["i64.load32_s", 0n, 0xffff_ffff_8001_ff80n],
      ["i64.load32_u", 0n, 0x8001_ff80n],
      ["i64.load", 0n, 0x8000_007f_8001_ff80n],
      ["i32.load", 0x100n, 0x017f_ff80n],
      ["i64.load8_u", 0x100n, 0x80n],
      ["i64.load16_u", 0x100n, 0xff80n],
      ["i64.load32_s", 0x100n, 0x017f_ff80n],
      ["i64.load32_s", 0x104n, 0xffff_ffff_8504_0302n],
      ["i64.load32_u", 0x100n, 0x017f_ff80n],
      ["i64.load", 0x100n, 0x8504_0302_017f_ff80n],
      ["f32.load", 0x100n, 0x017f_ff80n], // float loads move raw bits, zero-extended
      ["f64.load", 0x100n, 0x8504_0302_017f_ff80n],
    ] as const)(
      "%s at %s extends as Wasm says (i32 results zero-extended in the slot)",
      (op, address, expected) => {
        const ending = load(op, address);
        expect(ending.exit).toBe("return");
        expect(ending.scratch[1]).toBe(expected);
      },
    );

    it("adds the static offset to the (zero-extended) address", () => {
      expect(load("i32.load8_u", 1n, 3).scratch[1]).toBe(0x7fn);
      expect(load("i64.load", BigInt(memoryBytes - 16), 8).scratch[1]).toBe(0x8000_007f_8001_ff80n);
      expect(load("i32.load8_u", 0xf0n, 0x13).scratch[1]).toBe(0x01n);
    });

    it("accesses the last bytes of memory", () => {
      expect(load("i64.load", BigInt(memoryBytes - 8)).scratch[1]).toBe(0x8000_007f_8001_ff80n);
      expect(load("i32.load", BigInt(memoryBytes - 4)).exit).toBe("return");
      expect(load("i32.load8_u", BigInt(memoryBytes - 1)).scratch[1]).toBe(0x80n);
    });

    it.each([
      ["i64.load", BigInt(memoryBytes - 7), 0],
      ["i32.load", BigInt(memoryBytes - 3), 0],
      ["i32.load8_u", BigInt(memoryBytes), 0],
      ["i64.load8_u", 0n, memoryBytes],
      ["i32.load8_u", 0xffff_ffffn, 0xffff_ffff],
      ["i32.load", MASK32, 0xffff_ffff],
      ["i32.load8_u", 0n, 0x8000_0000],
    ] as const)("%s at %s + %s is out of bounds and branches to the trap stub", (op, address, memOffset) => {
      const ending = load(op, address, memOffset);
      expect(ending.exit).toBe("trap");
      expect(ending.trapSite).toBe(9n);
    });

    it.each([
      ["i32.store8", 0x1122_3344_5566_7788n, "88"],
      ["i64.store16", 0x1122_3344_5566_7788n, "8877"],
      ["i32.store", 0x1122_3344_5566_7788n, "88776655"],
      ["i64.store32", 0x1_2345_6789n, "89674523"],
      ["i64.store", 0x1122_3344_5566_7788n, "8877665544332211"],
      ["f32.store", 0x1_7fc0_0001n, "0100c07f"], // a NaN's bits, unchanged
      ["f64.store", 0xfff0_0000_0000_0001n, "010000000000f0ff"],
    ] as const)("%s of %s writes exactly its bytes, little-endian", (op, value, bytes) => {
      harness.writeMemory(0x1ff, new Uint8Array(10).fill(0xee));
      returning((m) => m.store(op, 0, 1, 0x8, m.trapStub(0, trapExit)), [0x1f8n, value]);
      const around = Buffer.from(harness.readMemory(0x1ff, 10)).toString("hex");
      expect(around).toBe(`ee${bytes}${"ee".repeat(9 - bytes.length / 2)}`);
    });
  });
  describe("bulk memory and tables", () => {
    const { memoryAddress, vmContextAddress, trapExit } = harness;
    const memory = BigInt(memoryAddress);
    const ascending = Uint8Array.from({ length: 48 }, (_, i) => i + 1);
    const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
    beforeEach(() => harness.writeMemory(0x200, ascending));

    it("forms addresses: memory base, VM context, scaled elements, immediates", () => {
      expect(returning((m) => m.addMemoryBase(2), [0n, 0n, 0x20n])[2]).toBe(memory + 0x20n);
      expect(returning((m) => m.vmAddress(1, 0x128))[1]).toBe(BigInt(vmContextAddress + 0x128));
      expect(returning((m) => m.vmAddress(1, 0x12_3456))[1]).toBe(BigInt(vmContextAddress + 0x12_3456));
      harness.writeVmField(0x48, 0x7000_0000_0000n);
      for (const bytes of [1, 8, 16] as const) {
        const expected = 0x7000_0000_0000n + 0xffff_ffffn * BigInt(bytes);
        expect(returning((m) => m.elementAddress(0, 0x48, bytes), [0xffff_ffffn])[0], `×${bytes}`).toBe(
          expected,
        );
        expect(returning((m) => m.addScaled(1, 2, bytes), [0n, 0x1000n, 0xffff_ffffn])[1]).toBe(
          0x1000n + 0xffff_ffffn * BigInt(bytes),
        );
      }
      for (const imm of [0, 1, -16, 0x7fff_ffff, -0x8000_0000])
        expect(returning((m) => m.addImmediate(2, imm), [0n, 0n, 1n << 40n])[2], `${imm}`).toBe(
          (1n << 40n) + BigInt(imm),
        );
    });

    it("branches when start + length passes the VM-context field, not when it reaches it", () => {
      harness.writeVmField(0x50, 0x1_0000n);
      const exceeds = (start: bigint, length: bigint) =>
        outcome((m) => m.branchIfRangeExceeds(0, 1, 0x50, m.trapStub(7, trapExit)), [start, length]).exit;
      expect(exceeds(0x1_0000n, 0n)).toBe("return");
      expect(exceeds(0xffffn, 1n)).toBe("return");
      expect(exceeds(0n, 0x1_0000n)).toBe("return");
      expect(exceeds(0x1_0000n, 1n)).toBe("trap");
      expect(exceeds(0x1_0001n, 0n)).toBe("trap");
      expect(exceeds(0xffff_ffffn, 0xffff_ffffn)).toBe("trap"); // no 32-bit wrap
      expect(exceeds(0n, 0xffff_ffffn)).toBe("trap");
    });

    it.each([1, 8, 16] as const)("copies %s bytes forward and backward, advancing both pointers", (bytes) => {
      const [dst, src] = [memory + 0x240n, memory + 0x200n];
      const forward = returning((m) => m.copyAndAdvance(0, 1, bytes, "forward"), [dst, src]);
      expect(forward.slice(0, 2)).toEqual([dst + BigInt(bytes), src + BigInt(bytes)]);
      expect(hex(harness.readMemory(0x240, bytes))).toBe(hex(ascending.subarray(0, bytes)));
      const backward = returning(
        (m) => m.copyAndAdvance(2, 1, bytes, "backward"),
        [0n, src + 32n, dst + 32n],
      );
      expect([backward[2], backward[1]]).toEqual([dst + 32n - BigInt(bytes), src + 32n - BigInt(bytes)]);
      expect(hex(harness.readMemory(0x260 - bytes, bytes))).toBe(hex(ascending.subarray(32 - bytes, 32)));
    });

    it("reads a whole 16-byte chunk before writing it, so overlapping copies move it intact", () => {
      returning((m) => m.copyAndAdvance(1, 0, 16, "forward"), [memory + 0x200n, memory + 0x208n]);
      expect(hex(harness.readMemory(0x208, 16))).toBe(hex(ascending.subarray(0, 16)));
      harness.writeMemory(0x200, ascending);
      // dst and src step back to 0x208 and 0x200: [0x200, 0x210) lands on [0x208, 0x218).
      returning((m) => m.copyAndAdvance(0, 2, 16, "backward"), [memory + 0x218n, 0n, memory + 0x210n]);
      const expected = [...ascending.subarray(0, 8), ...ascending.subarray(0, 16)];
      expect(hex(harness.readMemory(0x200, 24))).toBe(hex(Uint8Array.from(expected)));
    });

    it("copies with every pair of registers", () => {
      for (const [dst, src] of PAIRS.filter(([d, r]) => d !== r)) {
        harness.writeMemory(0x300, new Uint8Array(8));
        const initial = [0n, 0n, 0n];
        initial[dst] = memory + 0x300n;
        initial[src] = memory + 0x200n;
        returning((m) => m.copyAndAdvance(dst, src, 8, "forward"), initial);
        expect(hex(harness.readMemory(0x300, 8)), `S${dst} ← S${src}`).toBe(hex(ascending.subarray(0, 8)));
      }
    });

    it("stores 1 or 8 bytes of a value and advances", () => {
      harness.writeMemory(0x300, new Uint8Array(10).fill(0xee));
      const after = returning(
        (m) => {
          m.storeAndAdvance(0, 1, 1);
          m.storeAndAdvance(0, 1, 8);
        },
        [memory + 0x300n, 0x1122_3344_5566_7788n],
      );
      expect(after[0]).toBe(memory + 0x309n);
      expect(hex(harness.readMemory(0x300, 10))).toBe("888877665544332211ee");
    });

    it.each([
      [0xabn, 0xabab_abab_abab_ababn],
      [0x1234_5601n, 0x0101_0101_0101_0101n],
      [0n, 0n],
      [0xffff_ffff_ffff_ffffn, MASK64],
    ])("broadcasts the low byte of %s", (value, expected) => {
      expect(returning((m) => m.broadcastByte(1), [0n, value])[1]).toBe(expected);
    });
  });
});
