// The spec results as text: one row per file, one column per configuration, then the skips by reason.
import type { SpecFileResult } from "./spec-runner.js";

/** `passed/failed/skipped` per file and configuration, a total row, and a table of skip reasons. */
export function formatSpecTable(results: readonly SpecFileResult[]): string {
  const configurations = [...new Set(results.map((r) => r.configuration))];
  const files = [...new Set(results.map((r) => r.name))];
  const cell = (file: string | null, configuration: string): string => {
    const rows = results.filter(
      (r) => r.configuration === configuration && (file === null || r.name === file),
    );
    const sum = (count: (r: SpecFileResult) => number) => rows.reduce((total, r) => total + count(r), 0);
    const skipped = sum((r) => Object.values(r.skipped).reduce((a, b) => a + b, 0));
    return `${sum((r) => r.passed)}/${sum((r) => r.failed)}/${skipped}`;
  };
  const reasons = [...new Set(results.flatMap((r) => Object.keys(r.skipped)))].sort();
  const skipCell = (reason: string, configuration: string): string =>
    String(
      results
        .filter((r) => r.configuration === configuration)
        .reduce((total, r) => total + (r.skipped[reason] ?? 0), 0),
    );
  return [
    grid(
      ["file (passed/failed/skipped)", ...configurations],
      [
        ...files.map((file) => [file, ...configurations.map((c) => cell(file, c))]),
        ["total", ...configurations.map((c) => cell(null, c))],
      ],
    ),
    grid(
      ["skipped, by reason", ...configurations],
      reasons.map((reason) => [reason, ...configurations.map((c) => skipCell(reason, c))]),
    ),
  ].join("\n");
}

/** Left-aligned first column, right-aligned others. */
function grid(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (row: readonly string[]) =>
    row.map((text, i) => (i === 0 ? text.padEnd(widths[i]!) : text.padStart(widths[i]!))).join("  ");
  return [line(header), widths.map((w) => "─".repeat(w)).join("  "), ...rows.map(line), ""].join("\n");
}
