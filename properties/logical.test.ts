// The properties under `logical` (src/fuzz/logical.ts) over the generators' programs, with the
// fixed seed (FC_SEED replays a failure: the seed and the command are printed with it): P2 and P3
// for the logical overflow, the certificate's bound on every executed step, and P5's teeth — with
// Polkadot's limit and a native stack far below S, a native-first overflow is found and shrunk.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkLogicalBound,
  checkLogicalOverflow,
  checkLogicalProfiles,
  checkLogicalProperty,
  findNativeFirstOverflow,
} from "../src/fuzz/logical.js";
import { Machines } from "../src/fuzz/machines.js";
import { type CaseInput, caseInput } from "../src/fuzz/properties.js";
import { DEFAULT_SEED, propertyParameters } from "../src/fuzz/seed.js";
import { caseOf, type TestCase } from "../src/fuzz/test-case.js";
import type { Verdict } from "../src/fuzz/verdict.js";

const FILE = "properties/logical.test.ts";
const RUNS = 30;

/** Runs `check` over RUNS generated cases; returns how many were compared (not skipped). */
function assertLogical(check: (machines: Machines, c: TestCase, input: CaseInput) => Verdict): number {
  const machines = new Machines();
  let compared = 0;
  try {
    fc.assert(
      fc.property(caseInput(["logical"]), (input) => {
        const verdict = checkLogicalProperty(() => check(machines, caseOf(input.desc), input));
        if (verdict.status === "fail")
          throw new Error(`${verdict.reason}: ${JSON.stringify(verdict.evidence).slice(0, 2000)}`);
        if (verdict.status === "pass") compared++;
      }),
      propertyParameters<[CaseInput]>(FILE, RUNS),
    );
  } finally {
    machines.close();
  }
  return compared;
}

describe("properties under logical", () => {
  it(`P2: the logical profile and the logical overflow are the same on both targets (${RUNS} runs)`, () => {
    const compared = assertLogical((machines, c) => checkLogicalProfiles(machines, c));
    console.log(`P2 (logical): ${compared} of ${RUNS} compared`);
    expect(compared).toBeGreaterThan(RUNS / 2);
  });

  it(`P3: at logical limits below the highest height, both overflow where the heights predict (${RUNS} runs)`, () => {
    const compared = assertLogical((machines, c, input) =>
      checkLogicalOverflow(machines, c, input.limitFractions),
    );
    console.log(`P3 (logical): ${compared} of ${RUNS} compared`);
    expect(compared).toBeGreaterThan(RUNS / 4);
  });

  it(`bound: every executed step's native depth is at most k·height + c on both targets (${RUNS} runs)`, () => {
    const compared = assertLogical((machines, c) => checkLogicalBound(machines, c));
    console.log(`bound: ${compared} of ${RUNS} compared`);
    expect(compared).toBeGreaterThan(RUNS / 2);
  });
});

describe("P5 teeth under logical", () => {
  const MAX_RUNS = 30;
  const NATIVE_STACK = 256;
  /** 256 bytes of frames take a call or a few dozen operands (the two seeds shrink to 24 and 38). */
  const MAX_SHRUNK_INSTRUCTIONS = 48;
  const SEEDS = 2;

  it(`finds, within ${MAX_RUNS} runs, a program whose ${NATIVE_STACK}-byte native stack runs out before the logical limit, and shrinks it (${SEEDS} seeds)`, () => {
    const base = process.env.FC_SEED === undefined ? DEFAULT_SEED : Number(process.env.FC_SEED);
    for (let seed = base; seed < base + SEEDS; seed++) {
      const replay = `FC_SEED=${seed} npx vitest run ${FILE}`;
      const found = findNativeFirstOverflow(seed, MAX_RUNS, NATIVE_STACK);
      console.log(
        `P5 (logical) seed ${seed}: failed at run ${found.runsToFailure} with ${found.found?.instructions} instructions, shrunk to ${JSON.stringify(found.shape)}, S ${found.certified.join(" / ")}`,
      );
      expect(found.runsToFailure, `no native-first overflow; replay: ${replay}`).not.toBeNull();
      expect(found.shape!.instructions, `shrunk size; replay: ${replay}`).toBeLessThanOrEqual(
        MAX_SHRUNK_INSTRUCTIONS,
      );
      expect(found.shape!.instructions, `shrunk size; replay: ${replay}`).toBeLessThan(
        found.found!.instructions,
      );
      const nativeFirst = found.outcomes.some((o) => o.outcome === "trap" && o.overflow === "native");
      expect(nativeFirst, replay).toBe(true);
      for (const S of found.certified) expect(S, replay).toBeGreaterThan(NATIVE_STACK);
    }
  });
});
