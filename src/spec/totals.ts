// Spec results summed over configurations: per file (a command counts once per configuration it
// ran on) and over all files. The shape of `samestack spec --json`.
import type { SpecFailure, SpecFileResult } from "./runner.js";

export interface Counts {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** Under `native`: values that differ in NaN bits only (neither passed nor failed). */
  readonly nanBitDifferences: number;
}

export interface FileTotals extends Counts {
  readonly name: string;
  /** Skip reason → commands skipped for it. */
  readonly skippedByReason: Readonly<Record<string, number>>;
  readonly failures: readonly (SpecFailure & { readonly configuration: string })[];
}

export interface SpecTotals {
  readonly files: readonly FileTotals[];
  readonly totals: Counts;
}

export function specTotals(results: readonly SpecFileResult[]): SpecTotals {
  const names = [...new Set(results.map((r) => r.name))];
  const files = names.map((name) =>
    fileTotals(
      name,
      results.filter((r) => r.name === name),
    ),
  );
  return { files, totals: sumCounts(files) };
}

export function sumCounts(counts: readonly Counts[]): Counts {
  const sum = (count: (c: Counts) => number) => counts.reduce((total, c) => total + count(c), 0);
  return {
    passed: sum((c) => c.passed),
    failed: sum((c) => c.failed),
    skipped: sum((c) => c.skipped),
    nanBitDifferences: sum((c) => c.nanBitDifferences),
  };
}

export function countsOf(result: SpecFileResult): Counts {
  return {
    passed: result.passed,
    failed: result.failed,
    skipped: Object.values(result.skipped).reduce((a, b) => a + b, 0),
    nanBitDifferences: result.nanBitDifferences.length,
  };
}

function fileTotals(name: string, results: readonly SpecFileResult[]): FileTotals {
  const skippedByReason: Record<string, number> = {};
  for (const result of results) {
    for (const [reason, count] of Object.entries(result.skipped)) {
      skippedByReason[reason] = (skippedByReason[reason] ?? 0) + count;
    }
  }
  return {
    name,
    ...sumCounts(results.map(countsOf)),
    skippedByReason,
    failures: results.flatMap((r) => r.failures.map((f) => ({ configuration: r.configuration, ...f }))),
  };
}
