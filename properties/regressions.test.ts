// Every counterexample in corpus/regressions/ (written by the properties and by `samestack fuzz`)
// is replayed forever after: the property it failed is checked again on it. Under `native` the
// profile and overflow properties are the teeth (P5): those must still fail — the divergence is
// the point. Everywhere else the bug must stay fixed: the property must now pass.
import { afterAll, describe, expect, it } from "vitest";
import { Machines } from "../src/fuzz/machines.js";
import { checkProperty, type PropertyName } from "../src/fuzz/properties.js";
import { REGRESSIONS_DIR, type RegressionSidecar, readRegressions } from "../src/fuzz/regressions.js";

const regressions = await readRegressions(REGRESSIONS_DIR);
const machines = new Machines();
afterAll(() => machines.close());

const TEETH: readonly PropertyName[] = ["profiles", "overflow"];

function stillDiverges(sidecar: RegressionSidecar): boolean {
  return sidecar.strategy === "native" && TEETH.includes(sidecar.property);
}

describe("regressions", () => {
  it("the corpus holds regressions to replay", () => {
    expect(regressions.length).toBeGreaterThan(0);
  });

  for (const { id, testCase, sidecar } of regressions) {
    const expected = stillDiverges(sidecar) ? "fail" : "pass";
    it(`${id}: ${sidecar.property} under ${sidecar.strategy} must ${expected} (was: ${sidecar.reason})`, () => {
      const verdict = checkProperty(
        sidecar.property,
        machines,
        testCase,
        sidecar.strategy,
        sidecar.limitFractions,
      );
      const detail = verdict.status === "pass" ? "" : `${verdict.reason} ${JSON.stringify(verdict)}`;
      expect(verdict.status, detail).toBe(expected);
    });
  }
});
