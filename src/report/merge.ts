// `report merge`: sharded check runs and fuzz summaries into one report. Check reports must pass the
// schema; a fuzz summary.json is recognised by its counts (casesRun, failures) and kept as written.
// Anything else is rejected with the reason.
import type { ModuleResult } from "../check/check.js";
import { InputError } from "../wasm/errors.js";
import { assembleReport, type FuzzEntry, type Report, type RunInfo, SCHEMA_VERSION } from "./report.js";
import { checkReport } from "./schema.js";

/** A file given to `report merge` that is neither a check report nor a fuzz summary. */
export class MergeInputError extends InputError {}

export interface MergeInput {
  /** Where it came from, for messages and for the fuzz entry's `source`. */
  readonly source: string;
  readonly json: unknown;
}

export function mergeReports(inputs: readonly MergeInput[]): Report {
  const runs: RunInfo[] = [];
  const modules: ModuleResult[] = [];
  const fuzz: FuzzEntry[] = [];
  const seen = new Set<string>();
  for (const { source, json } of inputs) {
    const fuzzEntry = fuzzEntryOf(source, json);
    if (fuzzEntry) {
      fuzz.push(fuzzEntry);
      continue;
    }
    const checked = checkReport(json);
    if (!checked.ok) {
      const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
      const why =
        version === undefined
          ? "neither a samestack report (no schemaVersion) nor a fuzz summary (no casesRun and failures)"
          : `not a valid report of schema version ${SCHEMA_VERSION}: ${checked.errors.slice(0, 5).join("; ")}`;
      throw new MergeInputError(`${source}: ${why}`);
    }
    for (const run of checked.report.runs) {
      if (!runs.some((known) => JSON.stringify(known) === JSON.stringify(run))) runs.push(run);
    }
    fuzz.push(...checked.report.fuzz);
    for (const module of checked.report.modules) {
      // The same module checked the same way in two inputs counts once, so merging is idempotent.
      const key = JSON.stringify([
        module.path,
        module.sha256,
        module.strategy,
        module.targets,
        module.limits,
      ]);
      if (seen.has(key)) continue;
      seen.add(key);
      modules.push(module);
    }
  }
  return assembleReport(runs, modules, fuzz);
}

/**
 * A fuzzer summary (src/fuzz/summary.ts): an object with a number `casesRun` and a list of
 * `failures`. Its failed cases are the sum of the per-property `failed` counts when it has them (the
 * list holds only the shrunk ones), else the list's length.
 */
function fuzzEntryOf(source: string, json: unknown): FuzzEntry | null {
  if (typeof json !== "object" || json === null || "schemaVersion" in json) return null;
  const { casesRun, failures, properties } = json as {
    casesRun?: unknown;
    failures?: unknown;
    properties?: unknown;
  };
  if (!Number.isSafeInteger(casesRun) || !Array.isArray(failures)) return null;
  const counts = typeof properties === "object" && properties !== null ? Object.values(properties) : [];
  const failed = counts.map((c) => (c as { failed?: unknown } | null)?.failed);
  const failureCount =
    failed.length > 0 && failed.every(Number.isSafeInteger)
      ? (failed as number[]).reduce((a, b) => a + b, 0)
      : failures.length;
  return {
    source,
    casesRun: casesRun as number,
    failures: failureCount,
    summary: json as Record<string, unknown>,
  };
}
