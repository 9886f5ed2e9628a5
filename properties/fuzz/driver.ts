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

import { type ChildProcess, fork } from "node:child_process";
import path from "node:path";
import type { Strategy } from "../../src/compiler/index.js";
import type { CaseReport } from "./case-runner.js";
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
  /** Cases a worker process runs before a fresh one replaces it (default CASES_PER_WORKER). */
  readonly casesPerWorker?: number;
}

export interface FuzzProgress {
  readonly casesRun: number;
  /** The number of cases asked for, or null for a timed run. */
  readonly total: number | null;
  readonly elapsedSeconds: number;
  readonly casesPerSecond: number;
  readonly failures: number;
}

const BATCH = 4;
/**
 * Cases a worker process runs before a fresh one replaces it. V8 11 (Node 20) keeps every Wasm
 * function type it has seen and looks each new one up in time proportional to their number, so
 * compiling a generated module slows as a process ages (0.5 ms at first, 1.3 ms after 4,000 cases);
 * a fresh worker costs about 5 s of CPU, mostly optimising the JIT's hot code again. P1 with 2
 * workers for 120 s: 492 cases/s replacing them every 5,000 cases, 510 every 10,000, 422 every 20,000.
 */
export const CASES_PER_WORKER = 10_000;
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

  const casesPerWorker = options.casesPerWorker ?? CASES_PER_WORKER;
  const setup: WorkerSetup = { strategies: options.strategies, properties };
  const live = new Set<WorkerProcess>();
  const spawn = () => {
    const worker = new WorkerProcess(setup);
    live.add(worker);
    return worker;
  };
  const retire = async (worker: WorkerProcess) => {
    live.delete(worker);
    await worker.close();
  };
  try {
    await Promise.all(
      Array.from({ length: Math.max(1, options.workers) }, async () => {
        let worker = spawn();
        let ran = 0;
        for (let batch = nextBatch(); batch.length > 0; batch = nextBatch()) {
          if (ran >= casesPerWorker) {
            await retire(worker);
            worker = spawn();
            ran = 0;
          }
          const shrink = properties.filter((p) => !saved.has(p));
          const reply = await worker.request({ kind: "batch", caseSeeds: batch, shrink });
          ran += batch.length;
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
    await Promise.all([...live].map((worker) => worker.close()));
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

/**
 * A worker process running worker.ts (the built JS under dist/, or the TypeScript source through
 * tsx), one request at a time. Its listeners stay attached for its whole life: Node's IPC channel
 * replays messages queued while no listener was attached, and a channel closing during that replay
 * throws inside Node.
 */
class WorkerProcess {
  private readonly child: ChildProcess;
  private pending: { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void } | null = null;
  private readonly exited: Promise<void>;

  constructor(setup: WorkerSetup) {
    const entry = import.meta.url.endsWith(".ts") ? "./worker-tsx.mjs" : "./worker.js";
    this.child = fork(new URL(entry, import.meta.url), [JSON.stringify(setup)], {
      execArgv: [],
      serialization: "advanced",
    });
    this.child.on("message", (reply: WorkerReply) => this.settle((p) => p.resolve(reply)));
    this.child.on("error", (error) => this.settle((p) => p.reject(error)));
    this.exited = new Promise((resolve) => {
      this.child.on("exit", (code, signal) => {
        const why = new Error(`a fuzz worker exited (${signal ?? `code ${code}`})`);
        this.settle((p) => p.reject(why));
        resolve();
      });
    });
  }

  request(message: WorkerRequest): Promise<WorkerReply> {
    if (this.pending) throw new Error("a fuzz worker takes one request at a time");
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.child.send(message);
    });
  }

  /** Asks the worker to exit; kills it if it has not within 5 s. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (this.child.connected) this.child.send({ kind: "close" } satisfies WorkerRequest);
    const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 5000).unref());
    if ((await Promise.race([this.exited, timeout])) === "timeout") {
      this.child.kill();
      await this.exited;
    }
  }

  private settle(how: (pending: NonNullable<WorkerProcess["pending"]>) => void): void {
    const pending = this.pending;
    this.pending = null;
    if (pending) how(pending);
  }
}
