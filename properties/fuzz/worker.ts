// A fuzz worker thread: runs batches of cases (by seed) and shrinks the first failure of each
// property it is asked to. Messages: WorkerRequest in, WorkerReply out (driver.ts).
import { parentPort, workerData } from "node:worker_threads";
import type { Strategy } from "../../src/compiler/index.js";
import { type CaseReport, runCase, shrinkFailure } from "./case-runner.js";
import { Machines } from "./machines.js";
import type { PropertyName } from "./properties.js";
import type { Counterexample } from "./regressions.js";

export interface WorkerSetup {
  readonly strategies: readonly Strategy[];
  readonly properties: readonly PropertyName[];
}

export type WorkerRequest =
  | {
      readonly kind: "batch";
      readonly caseSeeds: readonly number[];
      readonly shrink: readonly PropertyName[];
    }
  | { readonly kind: "close" };

export interface WorkerReply {
  readonly reports: readonly CaseReport[];
  readonly counterexamples: readonly {
    readonly caseSeed: number;
    readonly property: PropertyName;
    readonly counterexample: Counterexample;
  }[];
}

const setup = workerData as WorkerSetup;
const machines = new Machines();
const port = parentPort!;

port.on("message", async (request: WorkerRequest) => {
  if (request.kind === "close") {
    machines.close();
    port.close();
    return;
  }
  const reports: CaseReport[] = [];
  const counterexamples: WorkerReply["counterexamples"][number][] = [];
  const toShrink = new Set(request.shrink);
  for (const caseSeed of request.caseSeeds) {
    const report = runCase(machines, caseSeed, setup.strategies, setup.properties);
    reports.push(report);
    for (const { property, status } of report.verdicts) {
      if (status !== "fail" || !toShrink.delete(property)) continue;
      const counterexample = await shrinkFailure(machines, caseSeed, setup.strategies, property);
      if (counterexample) counterexamples.push({ caseSeed, property, counterexample });
    }
  }
  port.postMessage({ reports, counterexamples } satisfies WorkerReply);
});
