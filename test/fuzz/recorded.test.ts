// The recorded pair of a case is computed once per strategy and options, and is the pair a fresh
// recording gives.
import { afterAll, describe, expect, it } from "vitest";
import { prepareCase } from "../../src/fuzz/case-runner.js";
import { Machines } from "../../src/fuzz/machines.js";
import { DETERMINISTIC } from "../../src/fuzz/properties.js";
import { isVerdict, recordBoth } from "../../src/fuzz/recorded.js";

const machines = new Machines();
const fresh = new Machines();
afterAll(() => {
  machines.close();
  fresh.close();
});

describe("recordBoth", () => {
  const { input, testCase } = prepareCase(1, DETERMINISTIC);
  const pair = recordBoth(machines, testCase, input.strategy);

  it("records a comparable pair for the case", () => {
    expect(isVerdict(pair), JSON.stringify(pair)).toBe(false);
  });

  it("answers the same pair again for the same case, strategy and options", () => {
    expect(recordBoth(machines, testCase, input.strategy)).toBe(pair);
  });

  it("records again for another limit, another strategy, or another case", () => {
    expect(recordBoth(machines, testCase, input.strategy, { stackLimit: 16 })).not.toBe(pair);
    const other = DETERMINISTIC.find((s) => s !== input.strategy)!;
    expect(recordBoth(machines, testCase, other)).not.toBe(pair);
    expect(recordBoth(machines, prepareCase(1, DETERMINISTIC).testCase, input.strategy)).not.toBe(pair);
  });

  it("keeps what each run left behind only when asked, for the run it recorded", () => {
    expect(isVerdict(pair) ? pair : pair.x64.leftBehind).toBeUndefined();
    const kept = recordBoth(machines, testCase, input.strategy, { stackLimit: 16, keepLeftBehind: true });
    if (isVerdict(kept)) throw new Error(`no pair: ${JSON.stringify(kept)}`);
    for (const run of [kept.x64, kept.aarch64]) {
      expect(run.leftBehind?.wasmInstructions).toBe(run.executed);
      expect(run.leftBehind?.outcome.outcome).toBe(run.outcome.outcome);
    }
  });

  it("answers what a recording on fresh machines answers", () => {
    expect(recordBoth(fresh, testCase, input.strategy)).toEqual(pair);
  });
});
