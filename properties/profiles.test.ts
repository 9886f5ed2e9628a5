// P2 profiles: identical stack profiles on x64 and aarch64 under intersect and frame.
import { describe, expect, it } from "vitest";
import { assertProperty } from "./assert-property.js";

const RUNS = 250;

describe("P2 profiles", () => {
  it(`are identical across targets under intersect and frame (${RUNS} runs)`, async () => {
    const run = await assertProperty({
      testFile: "properties/profiles.test.ts",
      property: "profiles",
      runs: RUNS,
    });
    console.log(`P2: ${run.passed} compared, ${run.skipped} skipped of ${run.runs} runs`);
    expect(run.passed).toBeGreaterThan(run.runs / 2);
  });
});
