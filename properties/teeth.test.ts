// P5 teeth: the tester finds the bug it is for. Under `native`, P2 (identical profiles) fails within
// a bounded number of runs, and the shrunk counterexample is small and differs first where the
// write-up says native ports differ: a call across a register threshold or a leaf frame.
import { describe, expect, it } from "vitest";
import { DEFAULT_SEED } from "../src/fuzz/seed.js";
import { findNativeDivergence } from "../src/fuzz/teeth.js";

const MAX_RUNS = 20;
const MAX_SHRUNK_INSTRUCTIONS = 20;
/**
 * A threshold divergence needs a call with 7 arguments (8 instructions with constant arguments)
 * into a callee that is no leaf (one more call, often with 7 arguments of its own): shrunk cases of
 * 15–21 instructions have that shape; the bench reports the median over 20 seeds.
 */
const MAX_THRESHOLD_INSTRUCTIONS = 24;
const SEEDS = 3;

describe("P5 teeth", () => {
  it(`finds a native divergence within ${MAX_RUNS} runs and shrinks it to a threshold call or leaf frame (${SEEDS} seeds)`, () => {
    const base = process.env.FC_SEED === undefined ? DEFAULT_SEED : Number(process.env.FC_SEED);
    for (let seed = base; seed < base + SEEDS; seed++) {
      const found = findNativeDivergence(seed, MAX_RUNS);
      const replay = `FC_SEED=${seed} npx vitest run properties/teeth.test.ts`;
      console.log(
        `P5 seed ${seed}: failed at run ${found.runsToFailure}, shrunk to ${JSON.stringify(found.shape)}, first difference at ${JSON.stringify(found.firstDifference)}: ${found.explanations.join(", ")}`,
      );
      expect(found.runsToFailure, `no divergence; replay: ${replay}`).not.toBeNull();
      expect(found.shape!.instructions, `shrunk size; replay: ${replay}`).toBeLessThanOrEqual(
        MAX_SHRUNK_INSTRUCTIONS,
      );
      expect(found.explanations.length, `unexplained first difference; replay: ${replay}`).toBeGreaterThan(0);
    }
  });
});

describe("P5 teeth, leaf frames set aside", () => {
  it(`finds a divergence at a call across a register threshold when leaf-frame differences count as expected`, () => {
    const base = process.env.FC_SEED === undefined ? DEFAULT_SEED : Number(process.env.FC_SEED);
    const found = findNativeDivergence(base, 4 * MAX_RUNS, "leaf-frame");
    const replay = `FC_SEED=${base} npx vitest run properties/teeth.test.ts`;
    console.log(
      `P5 (no leaf frames) seed ${base}: failed at run ${found.runsToFailure}, shrunk to ${JSON.stringify(found.shape)}, first difference at ${JSON.stringify(found.firstDifference)}: ${found.explanations.join(", ")}`,
    );
    expect(found.runsToFailure, `no divergence; replay: ${replay}`).not.toBeNull();
    expect(found.shape!.instructions, `shrunk size; replay: ${replay}`).toBeLessThanOrEqual(
      MAX_THRESHOLD_INSTRUCTIONS,
    );
    expect(found.explanations, `replay: ${replay}`).toContain("register-threshold");
  });
});
