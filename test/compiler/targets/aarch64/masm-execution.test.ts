// The AArch64 MacroAssembler's semantics, executed under Unicorn: the Wasm edge cases disassembly
// cannot show (clz of 0, rotates by more than the width, i32 results zero-extended, sign extension
// of narrow loads, bounds checks, the stack-limit check). Expected values follow the Wasm spec and
// are computed here from the operands with BigInt arithmetic or written as spec-test constants.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { Cond, IntBinop, MacroAssembler, Width } from "../../../../src/compiler/masm.js";
import { propertyParameters } from "../../../../src/fuzz/seed.js";
import {
  CALL_EXIT,
  ENTRY,
  HIGH_STACK_TOP,
  MEMORY,
  MEMORY_BYTES,
  STACK_TOP,
  TRAP_EXIT,
  useHarness,
} from "./execute.js";

const { engine, execute } = useHarness();

const MASK32 = 0xffff_ffffn;
const u32 = (n: bigint) => BigInt.asUintN(32, n);
const u64 = (n: bigint) => BigInt.asUintN(64, n);

/** S0 ← S0 op S1 at `width`; returns S0. */
function binop(op: IntBinop, width: Width, lhs: bigint, rhs: bigint): bigint {
  return execute((m) => m.intBinop(op, width, 0, 1), [lhs, rhs, 0n]).scratch[0];
}

describe("integer operators", () => {
  it("counts zeros and ones, zero inputs included", () => {
    const unop = (op: "clz" | "ctz" | "popcnt", width: Width, value: bigint) =>
      execute((m) => m.intUnop(op, width, 1), [0n, value, 0n]).scratch[1];
    expect(unop("clz", 32, 0n)).toBe(32n);
    expect(unop("clz", 64, 0n)).toBe(64n);
    expect(unop("ctz", 32, 0n)).toBe(32n);
    expect(unop("ctz", 64, 0n)).toBe(64n);
    expect(unop("clz", 32, 0x0000_8000n)).toBe(16n);
    expect(unop("ctz", 64, 0x8000_0000_0000_0000n)).toBe(63n);
    expect(unop("popcnt", 32, 0x8000_0001n)).toBe(2n);
    expect(unop("popcnt", 64, u64(-1n))).toBe(64n);
    expect(unop("popcnt", 32, 0n)).toBe(0n);
  });

  it("rotates and shifts by counts modulo the width", () => {
    expect(binop("rotl", 32, 0x8000_0001n, 33n)).toBe(0x0000_0003n);
    expect(binop("rotr", 32, 0x8000_0001n, 33n)).toBe(0xc000_0000n);
    expect(binop("rotl", 64, 0x8000_0000_0000_0001n, 65n)).toBe(3n);
    expect(binop("rotl", 32, 0x1234_5678n, 0n)).toBe(0x1234_5678n);
    expect(binop("shl", 32, 1n, 32n)).toBe(1n);
    expect(binop("shl", 32, 1n, 31n)).toBe(0x8000_0000n);
    expect(binop("shr_s", 32, 0x8000_0000n, 63n)).toBe(MASK32);
    expect(binop("shr_u", 64, u64(-1n), 64n + 60n)).toBe(0xfn);
    expect(binop("shr_s", 64, 0x8000_0000_0000_0000n, 64n)).toBe(0x8000_0000_0000_0000n);
  });

  it("keeps i32 results zero-extended in the 64-bit register", () => {
    expect(binop("add", 32, MASK32, 1n)).toBe(0n);
    expect(binop("sub", 32, 0n, 1n)).toBe(MASK32);
    expect(binop("mul", 32, 0x1_0000n, 0x1_0001n)).toBe(0x1_0000n);
    expect(binop("xor", 32, 0n, MASK32)).toBe(MASK32);
    expect(binop("shr_s", 32, 0x8000_0000n, 4n)).toBe(0xf800_0000n);
    expect(binop("div_s", 32, u32(-7n), 2n)).toBe(u32(-3n));
    expect(binop("rem_s", 32, u32(-7n), 2n)).toBe(u32(-1n));
    expect(binop("div_u", 32, MASK32, 2n)).toBe(0x7fff_ffffn);
    expect(binop("rem_u", 32, MASK32, 10n)).toBe(5n);
  });

  it("divides 64-bit values, signed and unsigned", () => {
    expect(binop("div_s", 64, u64(-7n), 2n)).toBe(u64(-3n));
    expect(binop("rem_s", 64, u64(-7n), u64(-2n))).toBe(u64(-1n));
    expect(binop("div_u", 64, u64(-1n), 3n)).toBe(0x5555_5555_5555_5555n);
    expect(binop("rem_u", 64, u64(-1n), 10n)).toBe(5n);
    expect(binop("rem_s", 64, 7n, 7n)).toBe(0n); // dst and divisor in different registers, same value
  });

  it("agrees with BigInt arithmetic on random operands", () => {
    const signed = (a: bigint, w: number) => BigInt.asIntN(w, a);
    const count = (b: bigint, w: number) => b % BigInt(w);
    const reference: Record<IntBinop, (a: bigint, b: bigint, w: number) => bigint> = {
      add: (a, b) => a + b,
      sub: (a, b) => a - b,
      mul: (a, b) => a * b,
      and: (a, b) => a & b,
      or: (a, b) => a | b,
      xor: (a, b) => a ^ b,
      shl: (a, b, w) => a << count(b, w),
      shr_u: (a, b, w) => a >> count(b, w),
      shr_s: (a, b, w) => signed(a, w) >> count(b, w),
      rotl: (a, b, w) => (a << count(b, w)) | (a >> ((BigInt(w) - count(b, w)) % BigInt(w))),
      rotr: (a, b, w) => (a >> count(b, w)) | (a << ((BigInt(w) - count(b, w)) % BigInt(w))),
      div_u: (a, b) => a / b,
      rem_u: (a, b) => a % b,
      div_s: (a, b, w) => signed(a, w) / signed(b, w), // BigInt division truncates toward zero, as Wasm's
      rem_s: (a, b, w) => signed(a, w) % signed(b, w), // and the remainder takes the dividend's sign
    };
    const divisions = new Set<IntBinop>(["div_s", "div_u", "rem_s", "rem_u"]);
    fc.assert(
      fc.property(
        fc.constantFrom(...(Object.keys(reference) as IntBinop[])),
        fc.constantFrom<Width>(32, 64),
        fc.bigInt({ min: 0n, max: u64(-1n) }),
        fc.bigInt({ min: 0n, max: u64(-1n) }),
        (op, width, a, b) => {
          const [x, y] = [BigInt.asUintN(width, a), BigInt.asUintN(width, b)];
          // The code generator branches away division by zero and MIN / -1 before the masm divides.
          fc.pre(
            !divisions.has(op) ||
              (y !== 0n && !(signed(x, width) === -(1n << BigInt(width - 1)) && signed(y, width) === -1n)),
          );
          expect(binop(op, width, x, y)).toBe(BigInt.asUintN(width, reference[op](x, y, width)));
        },
      ),
      propertyParameters("test/compiler/targets/aarch64/masm-execution.test.ts", 300),
    );
  });
});

describe("constants, comparisons, conversions and select", () => {
  it("materialises any constant, zero-extending i32 ones", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Width>(32, 64),
        fc.oneof(
          fc.bigInt({ min: -(1n << 63n), max: u64(-1n) }),
          // Values made of 0x0000, 0xffff, 0x5555 and other halfwords exercise the movz/movn/orr choices.
          fc
            .array(fc.constantFrom<bigint>(0n, 0xffffn, 0x5555n, 0x1234n), { minLength: 4, maxLength: 4 })
            .map((h) => h.reduce((v, halfword, i) => v | (halfword << BigInt(16 * i)), 0n)),
        ),
        (width, value) => {
          const result = execute((m) => m.movImm(2, value, width), [0n, 0n, u64(-1n)]).scratch[2];
          expect(result).toBe(BigInt.asUintN(width, value));
        },
      ),
      propertyParameters("test/compiler/targets/aarch64/masm-execution.test.ts", 200),
    );
  });

  it.each([
    ["lt_s", 32, MASK32, 1n, 1n],
    ["lt_u", 32, MASK32, 1n, 0n],
    ["gt_u", 64, u64(-1n), 1n, 1n],
    ["ge_s", 64, u64(-1n), 1n, 0n],
    ["le_s", 32, 0x8000_0000n, 0x7fff_ffffn, 1n],
    ["le_u", 32, 0x8000_0000n, 0x7fff_ffffn, 0n],
    ["eq", 32, 0x1_0000_0005n, 5n, 1n], // i32 compares ignore stale upper bits
    ["ne", 64, 0x1_0000_0005n, 5n, 1n],
  ] as const)("%s.%i of %s and %s is %s", (cond: Cond, width, lhs, rhs, expected) => {
    expect(execute((m) => m.compare(cond, width, 2, 0, 1), [lhs, rhs, u64(-1n)]).scratch[2]).toBe(expected);
  });

  it("tests for zero at the operand width", () => {
    expect(execute((m) => m.eqz(32, 0), [0x1_0000_0000n, 0n, 0n]).scratch[0]).toBe(1n);
    expect(execute((m) => m.eqz(64, 0), [0x1_0000_0000n, 0n, 0n]).scratch[0]).toBe(0n);
  });

  it("wraps and extends", () => {
    const convert = (kind: "wrap" | "extend_s" | "extend_u", value: bigint) =>
      execute((m) => m.convert(kind, 1), [0n, value, 0n]).scratch[1];
    expect(convert("wrap", 0x1_2345_6789n)).toBe(0x2345_6789n);
    expect(convert("extend_s", 0x8000_0000n)).toBe(0xffff_ffff_8000_0000n);
    expect(convert("extend_s", 0x7fff_ffffn)).toBe(0x7fff_ffffn);
    expect(convert("extend_u", 0x8000_0000n)).toBe(0x8000_0000n);
  });

  it("selects on the i32 condition", () => {
    const select = (cond: bigint) => execute((m) => m.select(0, 1, 2), [111n, 222n, cond]).scratch[0];
    expect(select(1n)).toBe(111n);
    expect(select(0n)).toBe(222n);
    expect(select(0x1_0000_0000n)).toBe(222n); // only the low 32 bits are the condition
  });
});

describe("memory", () => {
  const bytes = Uint8Array.from([0x80, 0xff, 0x7f, 0x01, 0x02, 0x03, 0x04, 0x85]);
  beforeAll(() => engine().writeMemory(MEMORY + 0x100, bytes));

  function load(op: Parameters<MacroAssembler["load"]>[0], address: bigint, memOffset = 0) {
    return execute(
      (m) => {
        m.load(op, 0, 1, memOffset, m.trapStub(9, BigInt(TRAP_EXIT)));
      },
      [u64(-1n), address, 0n],
    );
  }

  it.each([
    ["i32.load8_s", 0xffff_ff80n],
    ["i32.load8_u", 0x80n],
    ["i32.load16_s", 0xffff_ff80n],
    ["i32.load16_u", 0xff80n],
    ["i32.load", 0x017f_ff80n],
    ["i64.load8_s", 0xffff_ffff_ffff_ff80n],
    ["i64.load8_u", 0x80n],
    ["i64.load16_s", 0xffff_ffff_ffff_ff80n],
    ["i64.load16_u", 0xff80n],
    ["i64.load32_s", 0x017f_ff80n],
    ["i64.load32_u", 0x017f_ff80n],
    ["i64.load", 0x8504_0302_017f_ff80n],
    ["f32.load", 0x017f_ff80n], // float loads move raw bits, zero-extended
    ["f64.load", 0x8504_0302_017f_ff80n],
  ] as const)("%s of 80 ff 7f 01 02 03 04 85 is %s", (op, expected) => {
    expect(load(op, 0x100n).scratch[0]).toBe(expected);
  });

  it("sign-extends a negative 32-bit load to 64 bits", () => {
    expect(load("i64.load32_s", 0x104n).scratch[0]).toBe(0xffff_ffff_8504_0302n);
  });

  it("uses only the low 32 bits of the address register, plus the offset", () => {
    expect(load("i32.load8_u", 0xdead_beef_0000_00f0n, 0x13).scratch[0]).toBe(0x01n);
  });

  it("traps exactly when ea + width exceeds the memory size", () => {
    expect(load("i32.load", BigInt(MEMORY_BYTES - 4)).exit).toBe("return");
    const over = load("i32.load", BigInt(MEMORY_BYTES - 3));
    expect(over.exit).toBe("trap");
    expect(over.trapSite).toBe(9n);
    expect(load("i64.load8_u", BigInt(MEMORY_BYTES - 1)).exit).toBe("return");
    expect(load("i64.load8_u", 0n, MEMORY_BYTES).exit).toBe("trap");
    expect(load("i32.load", MASK32, 0xffff_ffff).exit).toBe("trap");
    expect(
      execute((m) => m.load("i32.load8_u", 0, 1, 0, m.trapStub(4, BigInt(TRAP_EXIT))), [0n, 0n, 0n], {
        memoryBytes: 0n,
      }).exit,
    ).toBe("trap");
  });

  it("stores each width little-endian and leaves the neighbours alone", () => {
    const store = (op: Parameters<MacroAssembler["store"]>[0], value: bigint) => {
      engine().writeMemory(MEMORY + 0x1f8, new Uint8Array(32).fill(0xaa));
      const outcome = execute(
        (m) => m.store(op, 1, 0, 0x8, m.trapStub(1, BigInt(TRAP_EXIT))),
        [value, 0x1f8n, 0n],
      );
      expect(outcome.exit).toBe("return");
      return Buffer.from(engine().readMemory(MEMORY + 0x1ff, 10)).toString("hex");
    };
    expect(store("i32.store8", 0x1234n)).toBe("aa34aaaaaaaaaaaaaaaa");
    expect(store("i64.store16", 0x1234n)).toBe("aa3412aaaaaaaaaaaaaa");
    expect(store("i64.store32", 0x1_2345_6789n)).toBe("aa89674523aaaaaaaaaa");
    expect(store("i64.store", 0x0102_0304_0506_0708n)).toBe("aa0807060504030201aa");
    expect(store("f32.store", 0x1_7fc0_0001n)).toBe("aa0100c07faaaaaaaaaa"); // a NaN's bits, unchanged
    expect(store("f64.store", 0xfff0_0000_0000_0001n)).toBe("aa010000000000f0ffaa");
  });
});

describe("stack", () => {
  it("round-trips slots, incoming and outgoing arguments and the frame record", () => {
    const outcome = execute(
      (m) => {
        m.pushFrameRecord();
        m.reserve(32);
        m.storeSlot(24, 0); // [reference − 24]
        m.storeOutgoingStackArg(1, 1); // [SP + 8] = reference − 40
        m.loadSlot(2, 40);
        m.loadSlot(1, 24);
        m.release(32);
        m.popFrameRecordAndReturn();
      },
      [0x1111n, 0x2222n, 0n],
    );
    expect(outcome.exit).toBe("return");
    expect(outcome.scratch).toEqual([0x1111n, 0x1111n, 0x2222n]);
    expect(outcome.sp).toBe(BigInt(STACK_TOP));
  });

  it("reads incoming stack arguments at reference + 8·i", () => {
    const reference = STACK_TOP - 64;
    engine().writeU64(reference, 0x1234n);
    engine().writeU64(reference + 8, 0x5678n);
    const outcome = execute(
      (m) => {
        m.reserve(16);
        m.loadIncomingStackArg(0, 1);
        m.loadIncomingStackArg(1, 0);
        m.release(16);
      },
      [0n, 0n, 0n],
      { reference },
    );
    expect(outcome.scratch.slice(0, 2)).toEqual([0x5678n, 0x1234n]);
    expect(outcome.sp).toBe(BigInt(reference));
  });

  it("branches to the overflow label exactly when reference − bytes < limit", () => {
    const check = (bytes: number, limit: number, reference = STACK_TOP) =>
      execute(
        (m) => {
          m.pushFrameRecord();
          const overflow = m.trapStub(2, BigInt(TRAP_EXIT));
          m.branchIfStackBelowLimit(bytes, overflow);
          m.popFrameRecordAndReturn();
        },
        [0n, 0n, 0n],
        { stackLimit: BigInt(limit), reference },
      ).exit;
    expect(check(0x1000, STACK_TOP - 0x1000)).toBe("return");
    expect(check(0x1010, STACK_TOP - 0x1000)).toBe("trap");
    expect(check(0x12_3450, STACK_TOP - 0x12_3450)).toBe("return");
    expect(check(0x12_3460, STACK_TOP - 0x12_3450)).toBe("trap");
    expect(check(0x4000_1240, HIGH_STACK_TOP - 0x4000_1240, HIGH_STACK_TOP)).toBe("return");
    expect(check(0x4000_1240, HIGH_STACK_TOP - 0x4000_1230, HIGH_STACK_TOP)).toBe("trap");
    expect(check(0x4000_1240, 0)).toBe("trap"); // the reference is less than 0x40001240 bytes above 0
  });

  it("calls an exit address with the return address in x30", () => {
    const outcome = execute((m) => {
      m.pushFrameRecord();
      m.callAddress(BigInt(CALL_EXIT));
      m.popFrameRecordAndReturn();
    });
    expect(outcome.exit).toBe("call");
    expect(engine().readRegister("x30")).toBe(BigInt(ENTRY + 12));
    expect(outcome.sp).toBe(BigInt(STACK_TOP - 16));
  });
});

describe("tables and indirect calls", () => {
  it("loads 64 bits from [base + offset], for small, large and unaligned offsets", () => {
    const table = MEMORY + 0x2000;
    const entries = [0x1111_2222_3333_4444n, 0x5555_6666_7777_8888n];
    engine().writeU64(table, entries[0]!);
    engine().writeU64(table + 0x7ff8, entries[1]!);
    engine().writeU64(table + 0x8000, 0x0123_4567_89ab_cdefn);
    engine().writeU64(table + 0x8008, 0xfedc_ba98_7654_3210n);
    const load = (offset: number) =>
      execute((m) => m.loadFromAddress(0, 1, offset), [0n, BigInt(table), 0n]).scratch;
    expect(load(0)).toEqual([entries[0], BigInt(table), 0n]);
    expect(load(0x7ff8)[0]).toBe(entries[1]);
    expect(load(0x8000)[0]).toBe(0x0123_4567_89ab_cdefn);
    expect(load(0x8004)[0]).toBe(0x7654_3210_0123_4567n); // little-endian across the two words
  });

  it("calls the address in a slot with the argument registers intact, like a direct call", () => {
    const outcome = execute(
      (m) => {
        m.pushFrameRecord();
        m.reserve(32); // slots at reference − 24 (target) and − 32 (argument)
        m.movImm(0, BigInt(CALL_EXIT), 64);
        m.storeSlot(24, 0);
        m.movImm(1, 0x1234_5678_9abc_def0n, 64);
        m.storeSlot(32, 1);
        m.loadSlotToArgReg(0, 32);
        m.loadSlotToArgReg(7, 32);
        m.callIndirectFromSlot(24);
        m.release(32);
        m.popFrameRecordAndReturn();
      },
      [0n, 0n, 0n],
    );
    expect(outcome.exit).toBe("call");
    expect(outcome.sp).toBe(BigInt(STACK_TOP - 48));
    expect(engine().readRegister("x0")).toBe(0x1234_5678_9abc_def0n);
    expect(engine().readRegister("x7")).toBe(0x1234_5678_9abc_def0n);
    // x30 holds the address after the blr: the blr is the last instruction before `add sp` (the release).
    const code = engine().readMemory(ENTRY, 0x80);
    const blr = Buffer.from(code).indexOf(Buffer.from([0x00, 0x02, 0x3f, 0xd6])); // blr x16, little-endian
    expect(blr).toBeGreaterThan(0);
    expect(engine().readRegister("x30")).toBe(BigInt(ENTRY + blr + 4));
    expect(engine().readRegister("x16")).toBe(BigInt(CALL_EXIT));
  });
});
