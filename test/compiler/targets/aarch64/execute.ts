/**
 * Runs code built with the AArch64 MacroAssembler under Unicorn (emulators/unicorn/index.ts): one body,
 * closed by `ret` as a leaf, its exit relocations linked, entered like the host enters generated
 * code (x30 = the host-return exit, x27 = VM context, x28 = linear memory, SP = the reference) with
 * S0–S2 preset.
 */
import { afterAll, beforeAll, expect } from "vitest";
import { createEngine, type Engine } from "../../../../emulators/unicorn/index.js";
import { VMCTX } from "../../../../src/compiler/artifact.js";
import { patchRelocation } from "../../../../src/compiler/targets/aarch64/link.js";
import { createMasm } from "../../../../src/compiler/targets/aarch64/masm.js";
import { type Body, type ContractHarness, contractHarness, type Ending, type Scratches } from "../harness.js";

export const CODE = 0x10_0000;
export const HOST_RETURN = CODE; // exit slot: the return address the host gives the code
export const TRAP_EXIT = CODE + 0x10; // exit slot of the trap stubs
export const CALL_EXIT = CODE + 0x20; // exit slot for calls (callAddress, or an indirect target)
export const ENTRY = CODE + 0x100;
export const VM_CONTEXT = 0x20_0000;
export const MEMORY = 0x30_0000;
export const MEMORY_BYTES = 0x1_0000;
export const STACK_TOP = 0x50_0000;
export const STACK_BYTES = 0x1_0000;
/** A second stack far from address 0, for stack-limit checks of more than 16 MiB. */
export const HIGH_STACK_TOP = 0x8000_0000;

export type { Body, Scratches } from "../harness.js";

export interface Outcome {
  /** "return" through x30 to the host, or the trap exit with the site in w17, or the call exit. */
  readonly exit: "return" | "trap" | "call";
  readonly scratch: Scratches;
  readonly trapSite: bigint;
  readonly sp: bigint;
}

export interface VmSetup {
  readonly memoryBytes?: bigint;
  readonly stackLimit?: bigint;
  /** SP at entry (default STACK_TOP). */
  readonly reference?: number;
}

export interface Aarch64Harness extends ContractHarness {
  /** The engine, valid inside tests (to preset or read memory and other registers). */
  engine(): Engine;
  /** Assembles `body` + `ret`, links it at ENTRY and runs it with S0–S2 = `scratch`. */
  execute(body: Body, scratch?: Scratches, vm?: VmSetup): Outcome;
}

const EXITS = new Map([
  [HOST_RETURN, "return"],
  [TRAP_EXIT, "trap"],
  [CALL_EXIT, "call"],
] as const);

/** Registers the engine's setup and teardown in the calling test file. */
export function useHarness(): Aarch64Harness {
  let engine: Engine | undefined;
  beforeAll(() => {
    engine = createEngine("aarch64");
    engine.map(CODE, 0x1_0000, "rwx");
    engine.map(VM_CONTEXT, 0x1000, "rw");
    engine.map(MEMORY, MEMORY_BYTES, "rw");
    engine.map(STACK_TOP - STACK_BYTES, STACK_BYTES, "rw");
    engine.map(HIGH_STACK_TOP - 0x1000, 0x1000, "rw");
    engine.setExits([...EXITS.keys()]);
  });
  afterAll(() => engine?.close());

  const current = (): Engine => {
    if (engine === undefined) throw new Error("the engine exists only inside tests");
    return engine;
  };

  const execute = (body: Body, scratch: Scratches = [0n, 0n, 0n], vm: VmSetup = {}): Outcome => {
    const masm = createMasm();
    body(masm);
    masm.returnWithoutFrameRecord();
    const fn = masm.finish();
    const code = fn.code.slice();
    for (const { offset, target } of fn.relocations) {
      if (target.kind !== "exit") throw new Error("only exits are linked here");
      patchRelocation(code, offset, Number(target.address) - (ENTRY + offset));
    }
    const e = current();
    e.writeMemory(ENTRY, code);
    e.writeU64(VM_CONTEXT + VMCTX.memoryBytes, vm.memoryBytes ?? BigInt(MEMORY_BYTES));
    e.writeU64(VM_CONTEXT + VMCTX.stackLimit, vm.stackLimit ?? BigInt(STACK_TOP - STACK_BYTES));
    e.writeRegister("x27", VM_CONTEXT);
    e.writeRegister("x28", MEMORY);
    e.writeRegister("sp", vm.reference ?? STACK_TOP);
    e.writeRegister("x30", HOST_RETURN);
    e.writeRegister("x17", 0xdead);
    for (const [i, value] of scratch.entries()) e.writeRegister(`x${9 + i}`, value);
    const result = e.run({ begin: ENTRY, fuel: 10_000 });
    if (result.stop.kind !== "exit") throw new Error(`run stopped by ${JSON.stringify(result.stop)}`);
    const exit = EXITS.get(result.stop.address as typeof HOST_RETURN);
    if (exit === undefined) throw new Error(`stopped at unknown exit ${result.stop.address}`);
    return {
      exit,
      scratch: [e.readRegister("x9"), e.readRegister("x10"), e.readRegister("x11")],
      trapSite: e.readRegister("x17"),
      sp: e.readRegister("sp"),
    };
  };

  const outcome = (body: Body, scratch: readonly bigint[] = []): Ending => {
    const ending = execute(body, [scratch[0] ?? 0n, scratch[1] ?? 0n, scratch[2] ?? 0n]);
    if (ending.exit === "call") throw new Error("the body called out");
    if (ending.exit === "return") expect(ending.sp).toBe(BigInt(STACK_TOP));
    return { exit: ending.exit, scratch: ending.scratch, trapSite: ending.trapSite };
  };

  return {
    ...contractHarness({
      target: "aarch64",
      trapExit: BigInt(TRAP_EXIT),
      memoryAddress: MEMORY,
      memoryBytes: MEMORY_BYTES,
      vmContextAddress: VM_CONTEXT,
      engine: current,
      outcome,
    }),
    engine: current,
    execute,
  };
}
