// `report merge`: shards of a run join into the report of the whole run; fuzz summaries are kept;
// anything else is refused with the reason.
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { check, DEFAULT_CHECK_FUEL } from "../../src/check/check.js";
import { MergeInputError, mergeReports } from "../../src/report/merge.js";
import { buildReport, type Report, reportVerdict, SCHEMA_VERSION } from "../../src/report/report.js";
import { checkReport } from "../../src/report/schema.js";
import { WASM_2_0 } from "../../src/wasm/features.js";
import { copy, corpus } from "./fixture.js";

const shard = async (files: string[]) =>
  buildReport(
    await check(
      files.map((f) => path.join(corpus, f)),
      {
        targets: ["x64", "aarch64"],
        strategy: "native",
        limits: [],
        seed: 1,
        fuel: DEFAULT_CHECK_FUEL,
        features: [...WASM_2_0],
      },
    ),
  );

let first: Report;
let second: Report;
beforeAll(async () => {
  first = await shard(["writeup-9-args.wat", "ackermann.wat"]);
  second = await shard(["trap-deep.wat"]);
});

describe("report merge", () => {
  it("joins shards: every module and run once, totals summed, a valid report", () => {
    const merged = mergeReports([
      { source: "a.json", json: copy(first) },
      { source: "b.json", json: copy(second) },
    ]);
    expect(checkReport(copy(merged)).ok).toBe(true);
    expect(merged.modules.map((m) => path.basename(m.path))).toEqual([
      "writeup-9-args.wat",
      "ackermann.wat",
      "trap-deep.wat",
    ]);
    expect(merged.runs).toHaveLength(2);
    const sum = (pick: (r: Report) => number) => pick(first) + pick(second);
    expect(merged.totals.invocations).toBe(sum((r) => r.totals.invocations));
    expect(merged.totals.passed).toBe(sum((r) => r.totals.passed));
    expect(merged.totals.findings.divergence).toBe(sum((r) => r.totals.findings.divergence));
    expect(reportVerdict(merged)).toBe("divergence");
  });

  it("counts a module checked the same way in two inputs once", () => {
    const merged = mergeReports([
      { source: "a.json", json: copy(first) },
      { source: "again.json", json: copy(first) },
    ]);
    expect(merged.modules).toHaveLength(first.modules.length);
    expect(merged.runs).toHaveLength(1);
    expect(merged.totals).toEqual(first.totals);
  });

  it("keeps fuzz summaries, whose failures fail the merged verdict", () => {
    // The shape of src/fuzz/summary.ts: every failed case counted, the first per property listed.
    const summary = {
      version: 1,
      strategies: ["native"],
      casesRun: 1200,
      elapsedSeconds: 30,
      casesPerSecond: 40,
      properties: {
        P1: { passed: 1190, skipped: 0, failed: 7 },
        P5: { passed: 1197, skipped: 0, failed: 3 },
      },
      failures: [
        { caseSeed: 3, property: "P5", strategy: "native", reason: "profiles differ", regression: "p5-3" },
      ],
      seedRanges: [{ first: 0, stride: 1, count: 1200 }],
    };
    const merged = mergeReports([
      { source: "ok.json", json: copy(second) },
      { source: "fuzz/summary.json", json: summary },
    ]);
    expect(merged.fuzz).toEqual([{ source: "fuzz/summary.json", casesRun: 1200, failures: 10, summary }]);
    expect(checkReport(copy(merged)).ok).toBe(true);
    expect(reportVerdict(merged)).toBe("divergence");
    const clean = { ...summary, properties: { P1: { passed: 1200, skipped: 0, failed: 0 } }, failures: [] };
    expect(reportVerdict(mergeReports([{ source: "clean.json", json: clean }]))).toBe("pass");
  });

  it("refuses what it does not recognise, saying why", () => {
    expect(() => mergeReports([{ source: "x.json", json: { hello: 1 } }])).toThrow(MergeInputError);
    expect(() => mergeReports([{ source: "x.json", json: [] }])).toThrow(
      /x\.json: neither a samestack report/,
    );
    const future = { ...copy(first), schemaVersion: SCHEMA_VERSION + 1 };
    expect(() => mergeReports([{ source: "new.json", json: future }])).toThrow(
      `new.json: not a valid report of schema version ${SCHEMA_VERSION}`,
    );
  });
});
