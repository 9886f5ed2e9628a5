// P6 encoders: generated modules' machine code decodes through Capstone, each function exactly.
import { describe, expect, it } from "vitest";
import { assertProperty } from "./assert-property.js";

const RUNS = 250;

describe("P6 encoders", () => {
  it(`every function's code decodes exactly on both ISAs under every strategy (${RUNS} runs)`, async () => {
    const run = await assertProperty({
      testFile: "properties/encoders.test.ts",
      property: "encoders",
      runs: RUNS,
    });
    console.log(`P6: ${run.passed} checked of ${run.runs} runs`);
    expect(run.passed).toBe(run.runs);
  });
});
