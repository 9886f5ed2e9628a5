// P3 overflow: at random limits both targets overflow at the same location, backtrace and step,
// where their profiles predicted.
import { describe, expect, it } from "vitest";
import { assertProperty } from "./assert-property.js";

const RUNS = 150;

describe("P3 overflow", () => {
  it(`happens at the same point on both targets under intersect and frame (${RUNS} runs)`, async () => {
    const run = await assertProperty({
      testFile: "properties/overflow.test.ts",
      property: "overflow",
      runs: RUNS,
    });
    console.log(`P3: ${run.passed} compared, ${run.skipped} skipped of ${run.runs} runs`);
    expect(run.passed).toBeGreaterThan(run.runs / 2);
  });
});
