/**
 * What the contract suites, which run the same cases on every target, need from a target's harness
 * (targets/<isa>/execute.ts, `useHarness()`): run a MacroAssembler body under Unicorn as a function
 * the host calls, with the scratch registers S0–S2 preset, and read them back.
 */
import type { MacroAssembler } from "../../../src/compiler/masm.js";
import type { Target } from "../../../src/compiler/target.js";

export type Body = (masm: MacroAssembler) => void;
export type Scratches = readonly [bigint, bigint, bigint];

export interface ContractHarness {
  readonly target: Target;
  /**
   * Runs `body` with S0–S2 = `scratch` (missing ones 0), expects it to return to the host with the
   * stack balanced, and returns S0–S2.
   */
  returning(body: Body, scratch?: readonly bigint[]): Scratches;
}
