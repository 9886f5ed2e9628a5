// reports/sample/: the report of the write-up's example under intersect (it passes) merged with the
// same module under native (it diverges), for readers who want to see a report without running
// anything. `BLESS=1 npx vitest run test/report/sample.test.ts` regenerates it; otherwise the test
// checks that the committed files are a valid report and its current renderings.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { check, DEFAULT_CHECK_FUEL } from "../../src/check/check.js";
import type { Strategy } from "../../src/compiler/target.js";
import { renderHtml } from "../../src/report/html.js";
import { renderMarkdown } from "../../src/report/markdown.js";
import { mergeReports } from "../../src/report/merge.js";
import { buildReport } from "../../src/report/report.js";
import { checkReport } from "../../src/report/schema.js";
import { writeReport } from "../../src/report/write.js";
import { WASM_2_0 } from "../../src/wasm/features.js";

const root = path.resolve(import.meta.dirname, "../..");
const sample = path.join(root, "reports/sample");

/** Checks corpus files by repository-relative paths (vitest runs from the repository root), as a user would. */
async function run(strategy: Strategy, files: string[]) {
  const result = await check(
    files.map((f) => path.join("corpus", f)),
    {
      targets: ["x64", "aarch64"],
      strategy,
      limits: [],
      seed: 1,
      fuel: DEFAULT_CHECK_FUEL,
      features: [...WASM_2_0],
    },
  );
  return { source: strategy, json: JSON.parse(JSON.stringify(buildReport(result))) as unknown };
}

describe("the sample report", () => {
  if (process.env.BLESS) {
    it("is regenerated (BLESS=1)", async () => {
      const merged = mergeReports([
        await run("intersect", ["writeup-9-args.wat", "trap-deep.wat", "multi-value-calls.wat"]),
        await run("native", ["writeup-9-args.wat"]),
      ]);
      await writeReport(merged, sample, ["json", "html", "md"]);
    });
    return;
  }

  it("is a valid report, rendered by the current renderers (else run with BLESS=1)", async () => {
    const json = JSON.parse(await readFile(path.join(sample, "report.json"), "utf8"));
    const checked = checkReport(json);
    expect(checked.ok, checked.ok ? "" : checked.errors.join("\n")).toBe(true);
    if (!checked.ok) return;
    expect(await readFile(path.join(sample, "report.html"), "utf8")).toBe(renderHtml(checked.report));
    expect(await readFile(path.join(sample, "summary.md"), "utf8")).toBe(renderMarkdown(checked.report));
    expect(checked.report.runs.map((r) => r.options.strategy)).toEqual(["intersect", "native"]);
  });
});
