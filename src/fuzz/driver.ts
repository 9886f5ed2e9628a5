// The fuzz driver: cases identified by seeds, run in worker processes, counted per property; the
// first failure of each property is shrunk and written as a regression; the run ends after a number
// of cases or a time, and reports a FuzzSummary.
//
// Workers are processes, not threads: every case maps and unmaps emulator memory and V8 code space,
// and threads of one process serialise on its address-space lock (2 threads ran 1.2× one, 2
// processes 1.6×).
//
// Seeds: case k of shard i of n has seed `seed + i + k·n`, so the shards of a CI matrix cover
// disjoint cases and any case replays alone (`--seed <case seed> --runs 1`). Cases are handed out
// in order and a run always completes the cases it started, so it covers exactly k < casesRun.

import path from "node:path";
import type { Strategy } from "../compiler/index.js";
import type { CaseReport } from "./case-runner.js";
import { Child } from "./child.js";
import { PROPERTY_NAMES, type PropertyName } from "./properties.js";
import { type Counterexample, writeRegression } from "./regressions.js";
import { type FailureRecord, type FuzzSummary, noCounts, type PropertyCounts } from "./summary.js";
import type { WorkerReply, WorkerRequest, WorkerSetup } from "./worker.js";

export interface FuzzOptions {
  readonly seed: number;
  /** Stop after this many cases… */
  readonly runs?: number;
  /** …or after this many milliseconds (whichever is given; runs wins when both are). */
  readonly timeMs?: number;
  readonly strategies: readonly Strategy[];
  readonly workers: number;
  readonly shard: { readonly index: number; readonly count: number };
  /** Where counterexamples (`regressions/`) go; summary.json is the caller's to write. */
  readonly outDir: string;
  /** Also write counterexamples here (the corpus' regressions folder), unless null. */
  readonly saveTo: string | null;
  readonly properties?: readonly PropertyName[];
}

export interface FuzzProgress {
  readonly casesRun: number;
  /** The number of cases asked for, or null for a timed run. */
  readonly total: number | null;
  readonly elapsedSeconds: number;
  readonly casesPerSecond: number;
  readonly failures: number;
}

/**
 * Cases per request to a worker: one message each way, and one to its V8 child, which runs the batch
 * while the worker compiles it (worker.ts).
 */
const BATCH = 16;
/**
 * A worker's V8 options. A young generation of 64 MiB semi-spaces instead of 16: a batch's cases stay
 * alive until its end, so each scavenge copied megabytes of them (6–8 ms, 0.35 ms per case); with
 * this, 3–7% less CPU, for about 85 MB more resident memory per worker. On Node 20's V8 (11), also
 * optimise a function after 8× the default interrupt budget of bytecode executed: a worker runs a
 * lot of code (generators, compiler, runners), and by default V8 11's optimising compiler takes a
 * third of its CPU for the first few thousand cases, much of it on functions that turn out
 * lukewarm; with this, its first 3,200 cases cost 10–15% less CPU. Later V8s tier up through Maglev
 * and no longer have the option.
 */
const WORKER_V8_FLAGS = [
  ...(process.versions.v8.startsWith("11.") ? ["--interrupt-budget=540672"] : []),
  "--max-semi-space-size=64",
];
/** Failures listed in the summary beyond the shrunk ones (all are counted). */
const MAX_LISTED_FAILURES = 100;

export async function runFuzz(
  options: FuzzOptions,
  onProgress: (progress: FuzzProgress) => void = () => {},
): Promise<FuzzSummary> {
  const properties = options.properties ?? PROPERTY_NAMES;
  const { index, count } = options.shard;
  const caseSeed = (k: number) => options.seed + index + k * count;
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const total = options.runs ?? (options.timeMs === undefined ? 100 : null);
  const deadline = options.timeMs === undefined ? Number.POSITIVE_INFINITY : started + options.timeMs;

  const counts = noCounts();
  const failures: FailureRecord[] = [];
  /** Properties whose first counterexample is saved (or being saved): one per property. */
  const saved = new Set<PropertyName>();
  let dispatched = 0;
  let casesRun = 0;
  let failed = 0;

  const record = (report: CaseReport) => {
    casesRun++;
    for (const verdict of report.verdicts) {
      const c: PropertyCounts = counts[verdict.property];
      counts[verdict.property] = {
        passed: c.passed + (verdict.status === "pass" ? 1 : 0),
        skipped: c.skipped + (verdict.status === "skip" ? 1 : 0),
        failed: c.failed + (verdict.status === "fail" ? 1 : 0),
      };
      if (verdict.status !== "fail") continue;
      failed++;
      if (failures.length < MAX_LISTED_FAILURES) {
        failures.push({
          caseSeed: report.caseSeed,
          property: verdict.property,
          strategy: report.strategy,
          reason: verdict.reason ?? "",
          regression: null,
        });
      }
    }
  };
  const save = async (found: {
    caseSeed: number;
    property: PropertyName;
    counterexample: Counterexample;
  }) => {
    if (saved.has(found.property)) return;
    saved.add(found.property);
    const id = await writeRegression(path.join(options.outDir, "regressions"), found.counterexample);
    if (options.saveTo !== null) await writeRegression(options.saveTo, found.counterexample);
    const listed = failures.findIndex((f) => f.caseSeed === found.caseSeed && f.property === found.property);
    const entry: FailureRecord = {
      caseSeed: found.caseSeed,
      property: found.property,
      strategy: found.counterexample.sidecar.strategy,
      reason: found.counterexample.sidecar.reason,
      regression: id,
    };
    if (listed >= 0) failures[listed] = entry;
    else failures.push(entry);
  };

  const nextBatch = (): number[] => {
    const batch: number[] = [];
    while (batch.length < BATCH && (total === null ? performance.now() < deadline : dispatched < total)) {
      batch.push(caseSeed(dispatched++));
    }
    return batch;
  };

  const setup: WorkerSetup = { strategies: options.strategies, properties };
  const workers = Array.from(
    { length: Math.max(1, options.workers) },
    () => new Child<WorkerRequest, WorkerReply>("worker", setup, WORKER_V8_FLAGS),
  );
  try {
    await Promise.all(
      workers.map(async (worker) => {
        for (let batch = nextBatch(); batch.length > 0; batch = nextBatch()) {
          const shrink = properties.filter((p) => !saved.has(p));
          const reply = await worker.request({ kind: "batch", caseSeeds: batch, shrink });
          for (const report of reply.reports) record(report);
          for (const found of reply.counterexamples) await save(found);
          const seconds = elapsed();
          onProgress({
            casesRun,
            total,
            elapsedSeconds: seconds,
            casesPerSecond: casesRun / seconds,
            failures: failed,
          });
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((worker) => worker.close()));
  }
  const seconds = elapsed();
  return {
    version: 1,
    strategies: options.strategies,
    casesRun,
    elapsedSeconds: seconds,
    casesPerSecond: seconds > 0 ? casesRun / seconds : 0,
    properties: counts,
    failures,
    seedRanges: [{ first: options.seed + index, stride: count, count: casesRun }],
  };
}
