/**
 * Runs code built with the x64 MacroAssembler under Unicorn (emulators/unicorn/index.ts): small functions,
 * each wrapped in a frame record, linked with link.ts and entered like the host enters generated
 * code (return address pushed, r14 = VM context, r15 = linear memory, S0–S2 preset).
 */
import { afterAll, beforeAll, expect } from "vitest";
import { createEngine, type Engine, type StopReason } from "../../../../emulators/unicorn/index.js";
import { VMCTX } from "../../../../src/compiler/artifact.js";
import { patchRelocation } from "../../../../src/compiler/targets/x64/link.js";
import { createMasm } from "../../../../src/compiler/targets/x64/masm.js";
import { type Body, type ContractHarness, contractHarness, type Ending } from "../harness.js";

const EXITS = 0x1000;
export const HOST_RETURN = EXITS;
export const TRAP_EXIT = EXITS + 0x10;
export const CODE = 0x10000;
export const VM_CONTEXT = 0x20000;
export const MEMORY = 0x100000;
export const MEMORY_BYTES = 0x10000;
const STACK_BASE = 0x200000;
export const STACK_TOP = 0x210000;
const SCRATCH_NAMES = ["rax", "rcx", "rdx"] as const;

export type { Body } from "../harness.js";

export interface Run {
  stop: StopReason;
  scratch: [bigint, bigint, bigint];
  trapSite: bigint;
}

export interface Linked {
  code: Uint8Array;
  /** Emulator address of each function. */
  addresses: number[];
}

export interface X64Harness extends ContractHarness {
  /** The engine, valid inside tests. */
  engine(): Engine;
  /** Assembles the functions (each with a frame record) in order at CODE and links them. */
  link(functions: readonly Body[]): Linked;
  /** Writes `code` at CODE and runs its first function with S0–S2 preset (missing ones: markers). */
  execute(code: Uint8Array, scratch?: readonly bigint[]): Run;
  /** link + execute: `body` is function 0, `functions` follow it. */
  run(body: Body, scratch?: readonly bigint[], functions?: readonly Body[]): Run;
  /** Asserts the run returned to the host with the stack balanced. */
  returned(result: Run): Run;
}

/** Registers the engine's setup and teardown in the calling test file. */
export function useHarness(): X64Harness {
  let engine: Engine | undefined;
  beforeAll(() => {
    engine = createEngine("x64");
    engine.map(EXITS, 0x1000, "rx");
    engine.map(CODE, 0x10000, "rwx");
    engine.map(VM_CONTEXT, 0x1000, "rw");
    engine.map(MEMORY, MEMORY_BYTES, "rw");
    engine.map(STACK_BASE, STACK_TOP - STACK_BASE, "rw");
    engine.setExits([HOST_RETURN, TRAP_EXIT]);
  });
  afterAll(() => engine?.close());

  const current = (): Engine => {
    if (engine === undefined) throw new Error("the engine exists only inside tests");
    return engine;
  };

  const link = (functions: readonly Body[]): Linked => {
    const parts = functions.map((emit) => {
      const masm = createMasm();
      masm.pushFrameRecord();
      emit(masm);
      masm.popFrameRecordAndReturn();
      return masm.finish();
    });
    const entries: number[] = [];
    let size = 0;
    for (const part of parts) {
      entries.push(size);
      size += part.code.length;
    }
    const code = new Uint8Array(size);
    parts.forEach((part, i) => {
      code.set(part.code, entries[i]);
      for (const { offset, target } of part.relocations) {
        const at = entries[i]! + offset;
        const address = target.kind === "exit" ? Number(target.address) : CODE + entries[target.funcIndex]!;
        patchRelocation(code, at, address - (CODE + at));
      }
    });
    return { code, addresses: entries.map((entry) => CODE + entry) };
  };

  const execute = (code: Uint8Array, scratch: readonly bigint[] = []): Run => {
    const e = current();
    e.writeMemory(CODE, code);
    e.writeU64(STACK_TOP - 8, BigInt(HOST_RETURN));
    e.writeRegister("rsp", STACK_TOP - 8);
    e.writeRegister("r14", VM_CONTEXT);
    e.writeRegister("r15", MEMORY);
    e.writeU64(VM_CONTEXT + VMCTX.memoryBytes, BigInt(MEMORY_BYTES));
    for (const [i, name] of SCRATCH_NAMES.entries())
      e.writeRegister(name, scratch[i] ?? 0xdead0000n + BigInt(i));
    const stop = e.run({ begin: CODE, fuel: 10_000 }).stop;
    return {
      stop,
      scratch: SCRATCH_NAMES.map((name) => e.readRegister(name)) as Run["scratch"],
      trapSite: e.readRegister("r11") & 0xffffffffn,
    };
  };

  const returned = (result: Run): Run => {
    expect(result.stop).toMatchObject({ kind: "exit", address: HOST_RETURN });
    expect(current().readRegister("rsp")).toBe(BigInt(STACK_TOP));
    return result;
  };

  const outcome = (body: Body, scratch: readonly bigint[] = []): Ending => {
    const result = execute(
      link([body]).code,
      [0n, 0n, 0n].map((zero, i) => scratch[i] ?? zero),
    );
    if (result.stop.kind === "exit" && result.stop.address === TRAP_EXIT) {
      return { exit: "trap", scratch: result.scratch, trapSite: result.trapSite };
    }
    return { exit: "return", scratch: returned(result).scratch, trapSite: result.trapSite };
  };

  return {
    ...contractHarness({
      target: "x64",
      trapExit: BigInt(TRAP_EXIT),
      memoryAddress: MEMORY,
      memoryBytes: MEMORY_BYTES,
      vmContextAddress: VM_CONTEXT,
      engine: current,
      outcome,
    }),
    engine: current,
    link,
    execute,
    run: (body, scratch = [], functions = []) => execute(link([body, ...functions]).code, scratch),
    returned,
  };
}
