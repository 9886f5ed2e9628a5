// The AArch64 MacroAssembler's stack, call and table semantics executed under Unicorn: the
// frame record, stack arguments, the stack-limit check, calls through x30 and x16. The integer,
// memory and float contracts run on every target: ../../masm-execution.test.ts and
// ../../masm-float.test.ts.
import { describe, expect, it } from "vitest";
import type { MacroAssembler } from "../../../../src/compiler/masm.js";
import { CALL_EXIT, ENTRY, HIGH_STACK_TOP, MEMORY, STACK_TOP, TRAP_EXIT, useHarness } from "./execute.js";

const { engine, execute } = useHarness();

describe("memory", () => {
  // The contract passes the address zero-extended; AArch64 reads its w register regardless.
  it("uses only the low 32 bits of the address register, plus the offset", () => {
    engine().writeMemory(MEMORY + 0x103, Uint8Array.of(0x01));
    const load = (m: MacroAssembler) => m.load("i32.load8_u", 0, 1, 0x13, m.trapStub(9, BigInt(TRAP_EXIT)));
    const outcome = execute(load, [0n, 0xdead_beef_0000_00f0n, 0n]);
    expect(outcome.exit).toBe("return");
    expect(outcome.scratch[0]).toBe(0x01n);
  });

  it("traps on any access when the memory size is 0", () => {
    const outcome = execute(
      (m) => m.load("i32.load8_u", 0, 1, 0, m.trapStub(4, BigInt(TRAP_EXIT))),
      [0n, 0n, 0n],
      { memoryBytes: 0n },
    );
    expect(outcome.exit).toBe("trap");
    expect(outcome.trapSite).toBe(4n);
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
