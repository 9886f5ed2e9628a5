// One fuzz case, identified by its seed alone: the input generated from that seed, every property
// checked on it, and — for a failure — fast-check's shrinking from the same seed.
import fc from "fast-check";
import type { Strategy } from "../compiler/index.js";
import type { Machines } from "./machines.js";
import { type CaseInput, caseInput, checkProperty, type PropertyName } from "./properties.js";
import { type Counterexample, counterexampleOf, sidecarOf } from "./regressions.js";
import { caseOf, type TestCase } from "./test-case.js";
import type { Verdict } from "./verdict.js";

export interface CaseReport {
  readonly caseSeed: number;
  readonly strategy: Strategy;
  /** Per property: pass, skip or fail, with the reason of a skip or failure. */
  readonly verdicts: readonly {
    readonly property: PropertyName;
    readonly status: Verdict["status"];
    readonly reason?: string;
  }[];
}

/** Arbitraries by strategy list: building one costs about as much as drawing a case from it. */
const arbitraries = new Map<string, fc.Arbitrary<CaseInput>>();

function arbitraryFor(strategies: readonly Strategy[]): fc.Arbitrary<CaseInput> {
  const key = strategies.join(",");
  let arbitrary = arbitraries.get(key);
  if (!arbitrary) {
    arbitrary = caseInput(strategies);
    arbitraries.set(key, arbitrary);
  }
  return arbitrary;
}

/** The input of case `caseSeed`: fast-check's first value for that seed (as `fc.check` draws it). */
export function inputOf(caseSeed: number, strategies: readonly Strategy[]): CaseInput {
  return fc.sample(arbitraryFor(strategies), { seed: caseSeed, numRuns: 1 })[0]!;
}

/** A case drawn and lowered, ready to be checked. */
export interface PreparedCase {
  readonly caseSeed: number;
  readonly input: CaseInput;
  readonly testCase: TestCase;
}

export function prepareCase(caseSeed: number, strategies: readonly Strategy[]): PreparedCase {
  const input = inputOf(caseSeed, strategies);
  return { caseSeed, input, testCase: caseOf(input.desc) };
}

export function runCase(
  machines: Machines,
  { caseSeed, input, testCase }: PreparedCase,
  properties: readonly PropertyName[],
): CaseReport {
  const verdicts = properties.map((property) => {
    const verdict = checkProperty(property, machines, testCase, input.strategy, input.limitFractions);
    return verdict.status === "pass"
      ? { property, status: verdict.status }
      : { property, status: verdict.status, reason: verdict.reason };
  });
  return { caseSeed, strategy: input.strategy, verdicts };
}

/** Shrinks case `caseSeed`'s failure of `property` (fast-check regenerates it from the seed). */
export async function shrinkFailure(
  machines: Machines,
  caseSeed: number,
  strategies: readonly Strategy[],
  property: PropertyName,
): Promise<Counterexample | null> {
  const check = (input: CaseInput) =>
    checkProperty(property, machines, caseOf(input.desc), input.strategy, input.limitFractions);
  const details = fc.check(
    fc.property(arbitraryFor(strategies), (input) => check(input).status !== "fail"),
    { seed: caseSeed, numRuns: 1 },
  );
  if (!details.failed || !details.counterexample) return null;
  const [shrunk] = details.counterexample;
  const verdict = check(shrunk);
  if (verdict.status !== "fail") return null;
  return counterexampleOf(caseOf(shrunk.desc), sidecarOf(property, shrunk, verdict, caseSeed));
}
