// The spec results as text: per file and configuration (the test's view), or per file summed over
// configurations with the reasons for skips (samestack spec's view); both end with the totals per
// configuration and the skips by reason.
import type { SpecFileResult } from "./runner.js";
import { type Counts, countsOf, specTotals, sumCounts } from "./totals.js";

/** `passed/failed/skipped` per file and configuration, a total row, NaN-bit differences, and skips by reason. */
export function formatSpecTable(results: readonly SpecFileResult[]): string {
  const configurations = configurationsOf(results);
  const files = [...new Set(results.map((r) => r.name))];
  const cell = (file: string | null, configuration: string): string => {
    const { passed, failed, skipped } = countsIn(results, configuration, file);
    return `${passed}/${failed}/${skipped}`;
  };
  return [
    grid(
      ["file (passed/failed/skipped)", ...configurations],
      [
        ...files.map((file) => [file, ...configurations.map((c) => cell(file, c))]),
        ["total", ...configurations.map((c) => cell(null, c))],
        [
          "NaN bits only (native)",
          ...configurations.map((c) => String(countsIn(results, c, null).nanBitDifferences)),
        ],
      ],
    ),
    skipsByReason(results, configurations),
  ].join("\n");
}

/**
 * One row per file, summed over configurations (a command counts once per configuration it ran on):
 * passed, failed, skipped and why, NaN-bit differences; a total row; then the totals per
 * configuration and the skips by reason.
 */
export function formatSpecSummary(results: readonly SpecFileResult[]): string {
  const { files, totals } = specTotals(results);
  const configurations = configurationsOf(results);
  const row = (name: string, counts: Counts, why: string) => [
    name,
    String(counts.passed),
    String(counts.failed),
    String(counts.skipped),
    String(counts.nanBitDifferences),
    why,
  ];
  const header = ["file", "passed", "failed", "skipped", "NaN bits", "skipped because"];
  return [
    grid(
      header,
      [
        ...files.map((file) => row(file.name, file, describeSkips(file.skippedByReason))),
        row("total", totals, ""),
      ],
      [header.length - 1],
    ),
    grid(
      ["configuration", "passed", "failed", "skipped", "NaN bits"],
      configurations.map((c) => row(c, countsIn(results, c, null), "").slice(0, 5)),
    ),
    skipsByReason(results, configurations),
  ].join("\n");
}

function configurationsOf(results: readonly SpecFileResult[]): string[] {
  return [...new Set(results.map((r) => r.configuration))];
}

/** The counts of one configuration on one file (or on all). */
function countsIn(results: readonly SpecFileResult[], configuration: string, file: string | null): Counts {
  return sumCounts(
    results
      .filter((r) => r.configuration === configuration && (file === null || r.name === file))
      .map(countsOf),
  );
}

function skipsByReason(results: readonly SpecFileResult[], configurations: readonly string[]): string {
  const reasons = [...new Set(results.flatMap((r) => Object.keys(r.skipped)))].sort();
  if (reasons.length === 0) return "nothing skipped\n";
  const count = (reason: string, configuration: string): string =>
    String(
      results
        .filter((r) => r.configuration === configuration)
        .reduce((total, r) => total + (r.skipped[reason] ?? 0), 0),
    );
  return grid(
    ["skipped, by reason", ...configurations],
    reasons.map((reason) => [reason, ...configurations.map((c) => count(reason, c))]),
  );
}

/** "V8: NaN bits cannot cross the JS boundary exactly 6, outside profile 1.0: multi-value 24" */
function describeSkips(byReason: Readonly<Record<string, number>>): string {
  return Object.entries(byReason)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([reason, count]) => `${reason} ${count}`)
    .join(", ");
}

/** Columns right-aligned but for the first and those in `leftAligned`. */
function grid(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  leftAligned: readonly number[] = [],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (row: readonly string[]) =>
    row
      .map((text, i) =>
        i === 0 || leftAligned.includes(i) ? text.padEnd(widths[i]!) : text.padStart(widths[i]!),
      )
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "─".repeat(w)).join("  "), ...rows.map(line), ""].join("\n");
}
