/**
 * What the contract suites, which run the same cases on every target, need from a target's harness
 * (targets/<isa>/execute.ts, `useHarness()`): run a MacroAssembler body under Unicorn as a function
 * the host calls, with the scratch registers S0–S2 preset, and read them back.
 */
import { expect } from "vitest";
import type { Engine } from "../../../emulators/unicorn/index.js";
import type { MacroAssembler } from "../../../src/compiler/masm.js";
import type { Target } from "../../../src/compiler/target.js";

export type Body = (masm: MacroAssembler) => void;
export type Scratches = readonly [bigint, bigint, bigint];

/** How a run ended: back at the host (the stack balanced), or at the trap exit with the site register. */
export interface Ending {
  readonly exit: "return" | "trap";
  readonly scratch: Scratches;
  readonly trapSite: bigint;
}

export interface ContractHarness {
  readonly target: Target;
  /** The exit address for trap stubs (`masm.trapStub(site, trapExit)`). */
  readonly trapExit: bigint;
  /** Bytes of linear memory, its size in the VM context. */
  readonly memoryBytes: number;
  /** Emulator addresses of linear memory and of the VM context (the bulk operations take addresses). */
  readonly memoryAddress: number;
  readonly vmContextAddress: number;
  /** Runs `body` with S0–S2 = `scratch` (missing ones 0); a return must leave the stack balanced. */
  outcome(body: Body, scratch?: readonly bigint[]): Ending;
  /** `outcome`, expected to return; S0–S2. */
  returning(body: Body, scratch?: readonly bigint[]): Scratches;
  /** Linear memory at `offset`. */
  writeMemory(offset: number, bytes: Uint8Array): void;
  readMemory(offset: number, length: number): Uint8Array;
  /** The VM-context field at `offset` (a u64). */
  writeVmField(offset: number, value: bigint): void;
}

/** What a target's harness states itself; `contractHarness` derives the rest. */
export interface HarnessFacts {
  readonly target: Target;
  readonly trapExit: bigint;
  /** Emulator address and size of linear memory. */
  readonly memoryAddress: number;
  readonly memoryBytes: number;
  readonly vmContextAddress: number;
  readonly engine: () => Engine;
  readonly outcome: ContractHarness["outcome"];
}

export function contractHarness(facts: HarnessFacts): ContractHarness {
  const { target, trapExit, memoryAddress, memoryBytes, vmContextAddress, engine, outcome } = facts;
  return {
    target,
    trapExit,
    memoryBytes,
    memoryAddress,
    vmContextAddress,
    outcome,
    returning: (body, scratch) => {
      const ending = outcome(body, scratch);
      expect(ending.exit).toBe("return");
      return ending.scratch;
    },
    writeMemory: (offset, bytes) => engine().writeMemory(memoryAddress + offset, bytes),
    readMemory: (offset, length) => engine().readMemory(memoryAddress + offset, length),
    writeVmField: (offset, value) => engine().writeU64(vmContextAddress + offset, value),
  };
}
