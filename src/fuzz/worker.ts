// A fuzz worker process: runs batches of cases (by seed) and shrinks the first failure of each
// property it is asked to; their V8 runs go to a child of its own (v8-oracle.ts). Its setup is its
// last argument (JSON); messages: WorkerRequest in, WorkerReply out (driver.ts).
import type { Strategy } from "../compiler/index.js";
import { type CaseReport, prepareCase, runCase, shrinkFailure } from "./case-runner.js";
import { mayCompareWithV8 } from "./check-outcomes.js";
import { type CloseRequest, childSetup } from "./child.js";
import { Machines } from "./machines.js";
import type { PropertyName } from "./properties.js";
import type { Counterexample } from "./regressions.js";
import { V8Oracle } from "./v8-oracle.js";

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
  | CloseRequest;

export interface WorkerReply {
  readonly reports: readonly CaseReport[];
  readonly counterexamples: readonly {
    readonly caseSeed: number;
    readonly property: PropertyName;
    readonly counterexample: Counterexample;
  }[];
}

const setup = childSetup<WorkerSetup>();
const oracle = setup.properties.includes("outcomes") ? new V8Oracle() : null;
const machines = new Machines(oracle);

process.on("message", async (request: WorkerRequest) => {
  if (request.kind === "close") {
    machines.close();
    await oracle?.close();
    process.exit(0);
  }
  const reports: CaseReport[] = [];
  const counterexamples: WorkerReply["counterexamples"][number][] = [];
  const toShrink = new Set(request.shrink);
  const cases = request.caseSeeds.map((caseSeed) => prepareCase(caseSeed, setup.strategies));
  const v8Runs = oracle?.prefetch(
    cases.flatMap(({ testCase }) => (mayCompareWithV8(testCase) ? [testCase] : [])),
  );
  // While the V8 child runs the batch, compile what every property starts from.
  for (const { testCase, input } of cases) machines.compileAhead(testCase, input.strategy);
  await v8Runs;
  // Each case leaves the batch as it is checked, and the Machines drop its artifacts and runs (kept to
  // the batch's end, or to a full collection, they survived every young-generation collection between).
  for (let prepared = cases.shift(); prepared; prepared = cases.shift()) {
    const report = runCase(machines, prepared, setup.properties);
    machines.release(prepared.testCase);
    reports.push(report);
    for (const { property, status } of report.verdicts) {
      if (status !== "fail" || !toShrink.delete(property)) continue;
      const counterexample = await shrinkFailure(machines, prepared.caseSeed, setup.strategies, property);
      if (counterexample) counterexamples.push({ caseSeed: prepared.caseSeed, property, counterexample });
    }
  }
  process.send!({ reports, counterexamples } satisfies WorkerReply);
});
