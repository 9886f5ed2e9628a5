// P1 outcomes: x64, aarch64 and V8 agree on results, trap kinds and globals; the two targets agree on
// trap locations and backtraces (src/fuzz/check-outcomes.ts says how values are compared).
import { describe, expect, it } from "vitest";
import { assertProperty } from "./assert-property.js";

const RUNS = 400;

describe("P1 outcomes", () => {
  it(`agree across x64, aarch64 and V8 under every strategy (${RUNS} runs)`, async () => {
    const run = await assertProperty({
      testFile: "properties/outcomes.test.ts",
      property: "outcomes",
      runs: RUNS,
    });
    console.log(`P1: ${run.passed} compared, ${run.skipped} skipped of ${run.runs} runs`);
    expect(run.passed).toBeGreaterThan(run.runs / 2);
  });
});
