// What a fuzz run reports in summary.json, and how the summaries of a CI matrix's shards merge.
import type { Strategy } from "../compiler/index.js";
import { PROPERTY_NAMES, type PropertyName } from "./properties.js";

export interface PropertyCounts {
  readonly passed: number;
  /** Cases that could not be compared (say, a run out of fuel). */
  readonly skipped: number;
  readonly failed: number;
}

/** Case k of a run covers seed `first + k · stride`, for k < count. */
export interface SeedRange {
  readonly first: number;
  readonly stride: number;
  readonly count: number;
}

export interface FailureRecord {
  readonly caseSeed: number;
  readonly property: PropertyName;
  readonly strategy: Strategy;
  readonly reason: string;
  /** Id of the written regression (corpus/regressions/<id>.wat), for the failures that were shrunk. */
  readonly regression: string | null;
}

export interface FuzzSummary {
  readonly version: 1;
  readonly strategies: readonly Strategy[];
  readonly casesRun: number;
  readonly elapsedSeconds: number;
  /** Cases per second; for merged shards, the sum over shards (they run side by side). */
  readonly casesPerSecond: number;
  readonly properties: Readonly<Record<PropertyName, PropertyCounts>>;
  readonly failures: readonly FailureRecord[];
  readonly seedRanges: readonly SeedRange[];
}

export function noCounts(): Record<PropertyName, PropertyCounts> {
  return Object.fromEntries(
    PROPERTY_NAMES.map((name) => [name, { passed: 0, skipped: 0, failed: 0 }]),
  ) as Record<PropertyName, PropertyCounts>;
}

/** One summary for several runs (a CI matrix's shards): counts and failures added, seed ranges listed. */
export function mergeSummaries(summaries: readonly FuzzSummary[]): FuzzSummary {
  const properties = noCounts();
  for (const summary of summaries) {
    for (const name of PROPERTY_NAMES) {
      const a = properties[name];
      const b = summary.properties[name];
      properties[name] = {
        passed: a.passed + b.passed,
        skipped: a.skipped + b.skipped,
        failed: a.failed + b.failed,
      };
    }
  }
  return {
    version: 1,
    strategies: [...new Set(summaries.flatMap((s) => s.strategies))],
    casesRun: summaries.reduce((n, s) => n + s.casesRun, 0),
    elapsedSeconds: Math.max(0, ...summaries.map((s) => s.elapsedSeconds)),
    casesPerSecond: summaries.reduce((n, s) => n + s.casesPerSecond, 0),
    properties,
    failures: summaries.flatMap((s) => s.failures),
    seedRanges: summaries.flatMap((s) => s.seedRanges),
  };
}

/** Whether any property failed (the fuzz command's exit code is 1 then). */
export function anyFailure(summary: FuzzSummary): boolean {
  return PROPERTY_NAMES.some((name) => summary.properties[name].failed > 0);
}
