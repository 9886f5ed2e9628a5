// P4 static = dynamic: the static verifier reports no issue and its derived depths match the
// recorder's samples (src/fuzz/check-static-dynamic.ts lists the exact correspondence).
import { describe, expect, it } from "vitest";
import { assertProperty } from "./assert-property.js";

const RUNS = 250;

describe("P4 static = dynamic", () => {
  it(`derived depths match traced ones on both targets under every strategy (${RUNS} runs)`, async () => {
    const run = await assertProperty({
      testFile: "properties/static-dynamic.test.ts",
      property: "static-dynamic",
      runs: RUNS,
    });
    console.log(`P4: ${run.passed} compared, ${run.skipped} skipped of ${run.runs} runs`);
    expect(run.passed).toBeGreaterThan(run.runs / 2);
  });
});
