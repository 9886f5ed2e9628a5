// P1's V8 runs in a child process (v8-oracle.ts), replaced every few modules, give exactly the runs
// of V8 in this process, each handed out once.
import { afterAll, describe, expect, it } from "vitest";
import { prepareCase } from "../src/fuzz/case-runner.js";
import { Machines } from "../src/fuzz/machines.js";
import { DETERMINISTIC } from "../src/fuzz/properties.js";
import { requestOf, runOnV8, V8Oracle } from "../src/fuzz/v8-oracle.js";

const oracle = new V8Oracle(3);
const machines = new Machines(oracle);
afterAll(async () => {
  machines.close();
  await oracle.close();
});

describe("V8 oracle", () => {
  it("runs cases in replaced child processes as V8 runs them here", async () => {
    const cases = Array.from({ length: 8 }, (_, i) => prepareCase(300 + i, DETERMINISTIC).testCase);
    for (const batch of [cases.slice(0, 2), cases.slice(2, 5), cases.slice(5)]) await oracle.prefetch(batch);
    for (const c of cases) {
      const here = runOnV8(requestOf(c), c.validated.module);
      expect(oracle.take(c)).toEqual(here);
      expect(oracle.take(c)).toBeUndefined();
      // Not prefetched (any more): Machines runs it here.
      expect(machines.v8Run(c)).toEqual(here);
    }
  });
});
