/**
 * The x64 MacroAssembler's stack, call and table semantics, executed under Unicorn (the harness:
 * execute.ts). The integer, memory and float contracts run on every target:
 * ../../masm-execution.test.ts and ../../masm-float.test.ts.
 */
import { describe, expect, it } from "vitest";
import { VMCTX } from "../../../../src/compiler/artifact.js";
import { type Body, HOST_RETURN, MEMORY, STACK_TOP, TRAP_EXIT, useHarness, VM_CONTEXT } from "./execute.js";

const { run, returned, engine, link, execute } = useHarness();

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
