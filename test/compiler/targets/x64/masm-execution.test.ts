/**
 * The x64 MacroAssembler's integer, memory, stack, table and call semantics, executed under Unicorn
 * (the harness: execute.ts; the float contract runs on every target in ../../masm-float.test.ts). Expected values are Wasm's semantics, computed here with BigInt arithmetic,
 * independently of the code under test.
 */
import { describe, expect, it } from "vitest";
import { VMCTX } from "../../../../src/compiler/artifact.js";
import type { IntBinop, Scratch, Width } from "../../../../src/compiler/masm.js";
import type { MemoryOp } from "../../../../src/wasm/ir.js";
import {
  type Body,
  HOST_RETURN,
  MEMORY,
  MEMORY_BYTES,
  type Run,
  STACK_TOP,
  TRAP_EXIT,
  useHarness,
  VM_CONTEXT,
} from "./execute.js";

const { run, returned, engine, link, execute } = useHarness();

const MASK = { 32: (1n << 32n) - 1n, 64: (1n << 64n) - 1n } as const;

function u(v: bigint, width: Width): bigint {
  return BigInt.asUintN(width, v);
}

function s(v: bigint, width: Width): bigint {
  return BigInt.asIntN(width, v);
}

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
    div_s: () => sa / sb,
    div_u: () => ua / ub,
    rem_s: () => sa % sb,
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
const PAIRS: [Scratch, Scratch][] = [0, 1, 2].flatMap((d) =>
  [0, 1, 2].map((r) => [d, r] as [Scratch, Scratch]),
);

describe("x64 masm under Unicorn: integer operations", () => {
  for (const width of [32, 64] as const) {
    it.each(BINOPS.flatMap((op) => OPERANDS.map(([a, b]) => [op, a, b] as const)))(
      `i${width}.%s %s %s (the result zero-extended for i32)`,
      (op, a, b) => {
        const result = returned(run((m) => m.intBinop(op, width, 0, 1), [a, b]));
        expect(result.scratch[0]).toBe(reference(op, width, a, b));
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
          [-(1n << BigInt(width - 1)), 3n],
          [0xffff_fff0n, 0x10n],
        ].map(([a, b]) => [op, width as Width, a!, b!] as const),
      ),
    ),
  )("%s i%s %s %s", (op, width, a, b) => {
    const result = returned(run((m) => m.intBinop(op, width, 0, 1), [u(a, width), u(b, width)]));
    expect(result.scratch[0]).toBe(reference(op, width, a, b));
  });

  // Shifts and divisions use fixed hardware registers (cl, rdx:rax): every register assignment must
  // compute the right value and leave the third scratch register untouched.
  it.each(["shl", "rotr", "div_s", "rem_u"] as const)(
    "%s works for every dst/src pair and keeps the others",
    (op) => {
      for (const [dst, src] of PAIRS) {
        const initial = [0x9_0000_0067n, 0x8_0000_0003n, 0x7_0000_0005n];
        const result = returned(run((m) => m.intBinop(op, 32, dst, src), initial));
        const a = initial[dst]!;
        const b = initial[src]!;
        const expected = [...initial];
        expected[dst] = reference(op, 32, a, b);
        expect(result.scratch, `${op} S${dst}, S${src}`).toEqual(expected);
      }
    },
  );

  it.each([
    ["clz", 32, 0n, 32n],
    ["clz", 64, 0n, 64n],
    ["clz", 32, 1n, 31n],
    ["clz", 32, 0xffff_ffff_0000_0001n, 31n],
    ["ctz", 32, 0n, 32n],
    ["ctz", 64, 0n, 64n],
    ["ctz", 64, 1n << 40n, 40n],
    ["ctz", 32, 1n << 40n, 32n],
    ["popcnt", 32, 0n, 0n],
    ["popcnt", 32, MASK[64], 32n],
    ["popcnt", 64, MASK[64], 64n],
    ["popcnt", 64, 0x8000_0000_0000_0001n, 2n],
    ["popcnt", 32, 0xffff_0000_8000_0001n, 2n],
    ["popcnt", 64, 0x0123_4567_89ab_cdefn, 32n],
    ["popcnt", 32, 0xf0f0_f0f0n, 16n],
  ] as const)("%s i%s of %s is %s", (op, width, value, expected) => {
    expect(returned(run((m) => m.intUnop(op, width, 0), [value])).scratch[0]).toBe(expected);
  });

  it("compares, tests for zero and selects on the low 32 bits for i32", () => {
    const cases = [
      ["lt_s", 32, 0xffff_ffffn, 0n, 1n],
      ["lt_u", 32, 0xffff_ffffn, 0n, 0n],
      ["gt_u", 64, MASK[64], 1n, 1n],
      ["le_s", 64, MASK[64], 0n, 1n],
      ["eq", 32, 0x1_0000_0005n, 5n, 1n],
    ] as const;
    for (const [cond, width, a, b, expected] of cases) {
      expect(returned(run((m) => m.compare(cond, width, 2, 0, 1), [a, b])).scratch[2]).toBe(expected);
    }
    expect(returned(run((m) => m.eqz(32, 0), [0x1_0000_0000n])).scratch[0]).toBe(1n);
    expect(returned(run((m) => m.eqz(64, 0), [0x1_0000_0000n])).scratch[0]).toBe(0n);
    expect(returned(run((m) => m.select(0, 1, 2), [10n, 20n, 0x1_0000_0000n])).scratch[0]).toBe(20n);
    expect(returned(run((m) => m.select(0, 1, 2), [10n, 20n, 1n])).scratch[0]).toBe(10n);
  });

  it("converts between widths", () => {
    expect(returned(run((m) => m.convert("wrap", 0), [0x1_2345_6789n])).scratch[0]).toBe(0x2345_6789n);
    expect(returned(run((m) => m.convert("extend_u", 0), [0x8000_0000n])).scratch[0]).toBe(0x8000_0000n);
    expect(returned(run((m) => m.convert("extend_s", 0), [0x8000_0000n])).scratch[0]).toBe(
      0xffff_ffff_8000_0000n,
    );
  });

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
    expect(returned(run((m) => m.movImm(1, value, width))).scratch[1]).toBe(u(value, width));
  });
});

describe("x64 masm under Unicorn: memory", () => {
  const PATTERN = Uint8Array.from([0x80, 0xff, 0x01, 0x80, 0x7f, 0x00, 0x00, 0x80]);

  function load(op: MemoryOp, address: bigint, memOffset = 0): Run {
    engine().writeMemory(MEMORY, PATTERN);
    engine().writeMemory(MEMORY + MEMORY_BYTES - 8, PATTERN);
    return run(
      (m) => {
        const oob = m.trapStub(9, BigInt(TRAP_EXIT));
        m.load(op, 1, 0, memOffset, oob);
      },
      [address],
    );
  }

  it.each([
    ["i32.load8_s", 0xffff_ff80n],
    ["i32.load8_u", 0x80n],
    ["i32.load16_s", 0xffff_ff80n],
    ["i32.load16_u", 0xff80n],
    ["i32.load", 0x8001_ff80n],
    ["i64.load8_s", 0xffff_ffff_ffff_ff80n],
    ["i64.load16_s", 0xffff_ffff_ffff_ff80n],
    ["i64.load32_s", 0xffff_ffff_8001_ff80n],
    ["i64.load32_u", 0x8001_ff80n],
    ["i64.load", 0x8000_007f_8001_ff80n],
  ] as const)("%s extends as Wasm says (i32 results zero-extended in the slot)", (op, expected) => {
    expect(returned(load(op, 0n)).scratch[1]).toBe(expected);
  });

  it("adds the static offset to the address", () => {
    expect(returned(load("i32.load8_u", 1n, 3)).scratch[1]).toBe(0x7fn);
    expect(returned(load("i64.load", BigInt(MEMORY_BYTES - 16), 8)).scratch[1]).toBe(0x8000_007f_8001_ff80n);
  });

  it.each([
    ["i64.load", BigInt(MEMORY_BYTES - 7), 0],
    ["i32.load", BigInt(MEMORY_BYTES - 3), 0],
    ["i32.load8_u", BigInt(MEMORY_BYTES), 0],
    ["i32.load8_u", 0n, MEMORY_BYTES],
    ["i32.load8_u", 0xffff_ffffn, 0xffff_ffff],
    ["i32.load8_u", 0n, 0x8000_0000],
  ] as const)("%s at %s + %s is out of bounds and branches to the trap stub", (op, address, memOffset) => {
    const result = load(op, address, memOffset);
    expect(result.stop).toMatchObject({ kind: "exit", address: TRAP_EXIT });
    expect(result.trapSite).toBe(9n);
  });

  it("accesses the last bytes of memory", () => {
    expect(returned(load("i64.load", BigInt(MEMORY_BYTES - 8))).scratch[1]).toBe(0x8000_007f_8001_ff80n);
    expect(returned(load("i32.load8_u", BigInt(MEMORY_BYTES - 1))).scratch[1]).toBe(0x80n);
  });

  it.each([
    ["i32.store8", [0x88]],
    ["i64.store16", [0x88, 0x77]],
    ["i32.store", [0x88, 0x77, 0x66, 0x55]],
    ["i64.store", [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]],
  ] as const)("%s writes exactly its bytes", (op, bytes) => {
    engine().writeMemory(MEMORY + 0xff, new Uint8Array(10).fill(0xee));
    returned(
      run(
        (m) => {
          const oob = m.trapStub(0, BigInt(TRAP_EXIT));
          m.store(op, 0, 1, 0xff, oob);
        },
        [0x1n, 0x1122_3344_5566_7788n],
      ),
    );
    const expected = [0xee, ...bytes, ...Array(9 - bytes.length).fill(0xee)];
    expect([...engine().readMemory(MEMORY + 0xff, 10)]).toEqual(expected);
  });
});

describe("x64 masm under Unicorn: stack, globals and calls", () => {
  it("stores and reloads slots and VM-context globals", () => {
    const result = returned(
      run(
        (m) => {
          m.reserve(32);
          m.storeSlot(24, 0);
          m.storeVmField(64, 1);
          m.movImm(0, 0n, 64);
          m.movImm(1, 0n, 64);
          m.loadSlot(1, 24);
          m.loadVmField(0, 64);
          m.release(32);
        },
        [5n, 6n],
      ),
    );
    expect(result.scratch.slice(0, 2)).toEqual([6n, 5n]);
  });

  it.each([
    [STACK_TOP - 0x100, 0xf0, false],
    [STACK_TOP - 0x100, 0x100, false],
    [STACK_TOP - 0x100, 0x108, true],
  ])("stack limit %s, %s bytes below the reference: overflow %s", (limit, bytes, overflows) => {
    engine().writeU64(VM_CONTEXT + VMCTX.stackLimit, BigInt(limit));
    const result = run((m) => m.branchIfStackBelowLimit(bytes, m.trapStub(4, BigInt(TRAP_EXIT))));
    expect(result.stop).toMatchObject({ kind: "exit", address: overflows ? TRAP_EXIT : HOST_RETURN });
  });

  it("calls a relocated function with register and stack arguments and takes its result", () => {
    const caller: Body = (m) => {
      m.reserve(32);
      m.movImm(0, 40n, 64);
      m.storeOutgoingStackArg(0, 0);
      m.movImm(0, 2n, 64);
      m.storeSlot(32, 0);
      m.loadSlotToArgReg(0, 32);
      m.callFunction(1);
      m.moveFromResultReg(2);
      m.release(32);
    };
    const callee: Body = (m) => {
      m.reserve(16);
      m.storeArgRegToSlot(24, 0);
      m.loadIncomingStackArg(1, 0);
      m.loadSlot(0, 24);
      m.intBinop("add", 64, 0, 1);
      m.moveToResultReg(0);
      m.release(16);
    };
    expect(returned(run(caller, [], [callee])).scratch[2]).toBe(42n);
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
