// A fuzz worker process: runs batches of cases (by seed) and shrinks the first failure of each
// property it is asked to. Its setup is its one argument (JSON); messages: WorkerRequest in,
// WorkerReply out (driver.ts).
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

const setup = JSON.parse(process.argv[2]!) as WorkerSetup;
const machines = new Machines();

process.on("message", async (request: WorkerRequest) => {
  if (request.kind === "close") {
    machines.close();
    process.exit(0);
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
  process.send!({ reports, counterexamples } satisfies WorkerReply);
});
