// The JSON report (schema: reports/schema/report.schema.json): one or more check runs with their
// provenance, every module's results, fuzz summaries merged in, and the totals. Every renderer
// (HTML, Markdown, JUnit) works from this document alone, so `report html` can re-render one.
import type { CheckOptions, CheckResult, ModuleResult, Severity, Totals } from "../check/check.js";
import { totalsOf } from "../check/check.js";
import { type Environment, environment, type Tool, tool } from "./provenance.js";

/** Bump on any change a reader of an older report would misread; readers check it first. */
export const SCHEMA_VERSION = 2;

export interface Report {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly runs: readonly RunInfo[];
  readonly modules: readonly ModuleResult[];
  readonly fuzz: readonly FuzzEntry[];
  readonly totals: Totals;
}

/** One `check` run: who ran what, on what, when. */
export interface RunInfo {
  readonly tool: Tool;
  readonly environment: Environment;
  readonly options: CheckOptions;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** The module files checked, with the sha256 of their bytes (null: unreadable). */
  readonly inputs: readonly { readonly path: string; readonly sha256: string | null }[];
}

/** A fuzzer's summary.json merged into a report: its counts, and the summary as it was written. */
export interface FuzzEntry {
  readonly source: string;
  readonly casesRun: number;
  readonly failures: number;
  readonly summary: Readonly<Record<string, unknown>>;
}

export function buildReport(result: CheckResult): Report {
  const run: RunInfo = {
    tool: tool(),
    environment: environment(),
    options: result.options,
    startedAt: result.startedAt,
    finishedAt: result.finishedAt,
    inputs: result.modules.map(({ path, sha256 }) => ({ path, sha256 })),
  };
  return {
    schemaVersion: SCHEMA_VERSION,
    runs: [run],
    modules: result.modules,
    fuzz: [],
    totals: result.totals,
  };
}

/** Reassembles a report from parts (merging); the totals are recomputed from the modules. */
export function assembleReport(
  runs: readonly RunInfo[],
  modules: readonly ModuleResult[],
  fuzz: readonly FuzzEntry[],
): Report {
  return { schemaVersion: SCHEMA_VERSION, runs, modules, fuzz, totals: totalsOf(modules) };
}

export type ReportVerdict = "pass" | Severity;

/**
 * The report's verdict: the most serious finding — an internal error (a samestack bug), then a
 * divergence or wrong result (fuzz failures count as divergences), then bad input.
 */
export function reportVerdict(report: Report): ReportVerdict {
  const { findings } = report.totals;
  if (findings.internal > 0) return "internal";
  if (findings.divergence > 0 || report.fuzz.some((f) => f.failures > 0)) return "divergence";
  if (findings.input > 0) return "input";
  return "pass";
}

export const VERDICT_TITLES: Readonly<Record<ReportVerdict, string>> = {
  pass: "PASS",
  divergence: "FAIL",
  input: "INPUT ERROR",
  internal: "INTERNAL ERROR",
};

/** What the verdict means, in one sentence (each rendering puts VERDICT_TITLES before it). */
export function verdictSentence(report: Report): string {
  const { modules, invocations, passed } = report.totals;
  const strategies = [...new Set(report.runs.map((r) => r.options.strategy))].join(", ");
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const scope = `${plural(modules, "module")}, ${plural(invocations, "invocation")} under ${strategies || "no strategy"}`;
  const fuzz = report.fuzz.reduce((sum, f) => sum + f.failures, 0);
  const fuzzNote = fuzz > 0 ? `; the fuzzer found ${plural(fuzz, "failure")}` : "";
  switch (reportVerdict(report)) {
    case "pass": {
      // V8 runs an invocation only when no target ran out of stack (src/check/outcomes.ts).
      const compared = report.modules.reduce(
        (sum, m) => sum + m.invocations.filter((i) => i.v8.compared).length,
        0,
      );
      const v8 =
        compared === invocations
          ? "and agrees with V8"
          : `and agrees with V8 in the ${compared} invocations V8 could run`;
      // Under `logical` the targets' native stacks differ by design: the logical limit is what agrees.
      const logical = report.modules.length > 0 && report.modules.every((m) => m.logical);
      return logical
        ? `On every module the logical limit trips before the native stack checked runs out, and every invocation ends the same on every target ${v8} (${scope}).`
        : `Every invocation is stack-deterministic across the targets ${v8} (${scope}).`;
    }
    case "divergence":
      return `The targets diverge or a result is wrong: ${passed} of ${invocations} invocations passed (${scope}${fuzzNote}).`;
    case "input":
      return `Some modules could not be checked (${scope}).`;
    case "internal":
      return `samestack failed on some modules; their results are not trustworthy (${scope}).`;
  }
}
