/**
 * What the contract suites, which run the same cases on every target, need from a target's harness
 * (targets/<isa>/execute.ts, `useHarness()`): run a MacroAssembler body under Unicorn as a function
 * the host calls, with the scratch registers S0–S2 preset, and read them back.
 */
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
  /** Runs `body` with S0–S2 = `scratch` (missing ones 0); a return must leave the stack balanced. */
  outcome(body: Body, scratch?: readonly bigint[]): Ending;
  /** `outcome`, expected to return; S0–S2. */
  returning(body: Body, scratch?: readonly bigint[]): Scratches;
  /** Linear memory at `offset`. */
  writeMemory(offset: number, bytes: Uint8Array): void;
  readMemory(offset: number, length: number): Uint8Array;
}
