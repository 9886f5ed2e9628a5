// The fuzz driver: worker processes replaced every few cases (driver.ts, CASES_PER_WORKER) run
// exactly the cases, with exactly the verdicts, of workers that live for the whole run.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type FuzzOptions, runFuzz } from "./fuzz/driver.js";
import { DETERMINISTIC } from "./fuzz/properties.js";

describe("fuzz driver", () => {
  it("replaces worker processes without losing, repeating or changing a case", async () => {
    const options: FuzzOptions = {
      seed: 40,
      runs: 7,
      strategies: DETERMINISTIC,
      workers: 2,
      shard: { index: 0, count: 1 },
      outDir: await mkdtemp(path.join(tmpdir(), "fuzz-driver-")),
      saveTo: null,
      properties: ["outcomes", "profiles"],
    };
    const lasting = await runFuzz(options);
    const replaced = await runFuzz({ ...options, casesPerWorker: 2 });
    expect(replaced.casesRun).toBe(7);
    expect(replaced.properties).toEqual(lasting.properties);
    expect(replaced.seedRanges).toEqual(lasting.seedRanges);
    expect(lasting.properties.outcomes.passed + lasting.properties.outcomes.skipped).toBe(7);
  });
});
