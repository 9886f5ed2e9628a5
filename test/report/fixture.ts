// Reports of real check runs over a few corpus cases, shared by the report tests (each run takes a
// second or two). Native shows divergences with their evidence; intersect passes.
import path from "node:path";
import { check, DEFAULT_CHECK_FUEL } from "../../src/check/check.js";
import type { Strategy } from "../../src/compiler/target.js";
import { buildReport, type Report } from "../../src/report/report.js";
import { WASM_2_0 } from "../../src/wasm/features.js";

export const corpus = path.resolve(import.meta.dirname, "../../corpus");

/** The write-up's example, a trap deep in a recursion, and the hostile names. */
export const FIXTURE_CASES = ["writeup-9-args.wat", "trap-deep.wat", "hostile-names.wat"];

const reports = new Map<Strategy, Promise<Report>>();

export function fixtureReport(strategy: Strategy): Promise<Report> {
  let report = reports.get(strategy);
  if (!report) {
    report = check(
      FIXTURE_CASES.map((file) => path.join(corpus, file)),
      {
        targets: ["x64", "aarch64"],
        strategy,
        limits: [512],
        seed: 1,
        fuel: DEFAULT_CHECK_FUEL,
        features: [...WASM_2_0],
      },
    ).then(buildReport);
    reports.set(strategy, report);
  }
  return report;
}

/** A deep copy, to mutate freely. */
export function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
