// The freestanding clang-19 modules of corpus/clang (sign extension, call_indirect's 5-byte table
// index, bulk memory, saturating truncation, multi-value, reference types) checked as a user
// would: exit 0 under intersect and frame with every result agreeing with V8, a divergence under
// native, and under --features 1.0 an input error per module that names the feature and its offset.
// The expected values and features are those the folder's README lists (from V8 and wasm-objdump).
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ModuleResult } from "../../src/check/check.js";
import { EXIT } from "../../src/cli/main.js";
import type { Report } from "../../src/report/report.js";
import { checkReport } from "../../src/report/schema.js";
import { runCli } from "../cli/capture.js";

const CLANG = "corpus/clang";

async function check(...options: string[]): Promise<{ code: number; report: Report }> {
  const out = await mkdtemp(path.join(tmpdir(), "samestack-clang-"));
  const { code } = await runCli("check", CLANG, "--out", out, "--format", "json", ...options);
  const report = JSON.parse(await readFile(path.join(out, "report.json"), "utf8"));
  expect(checkReport(report).ok).toBe(true);
  return { code, report };
}

const moduleNamed = (report: Report, name: string): ModuleResult =>
  report.modules.find((m) => path.basename(m.path) === `${name}.wasm`)!;

/** The reference target's outcome of `export(args)` as `values` or `trap:kind`. */
function outcomeOf(module: ModuleResult, exportName: string, args: readonly string[]): string {
  const invocation = module.invocations.find(
    (i) => i.export === exportName && i.args.map((a) => a.value).join() === args.join(),
  )!;
  const outcome = invocation.perTarget[0]!.outcome;
  if (outcome.outcome === "trap") return `trap:${outcome.trap}`;
  return outcome.outcome === "return" ? outcome.values.map((v) => v.value).join(" ") : outcome.outcome;
}

const u32 = (n: number) => String(n >>> 0);

describe.each(["intersect", "frame"])("samestack check corpus/clang --strategy %s", (strategy) => {
  it("exits 0: every invocation is stack-deterministic and agrees with V8, which runs them all", async () => {
    const { code, report } = await check("--strategy", strategy);
    expect(code).toBe(EXIT.ok);
    expect(report.modules.map((m) => path.basename(m.path))).toEqual([
      "everything.wasm",
      "indirect-calls.wasm",
      "memcpy-heavy.wasm",
      "multi-value.wasm",
      "narrow-division.wasm",
      "saturating.wasm",
    ]);
    const invocations = report.modules.flatMap((m) => m.invocations);
    expect(invocations.filter((i) => !(i.v8.compared && i.v8.agrees))).toEqual([]);
    expect(invocations.every((i) => i.verdict.kind === "deterministic")).toBe(true);

    // Results from the README's tables (V8's), deep recursions included.
    const narrow = moduleNamed(report, "narrow-division");
    expect(outcomeOf(narrow, "div8", ["128", "253"])).toBe("42");
    expect(outcomeOf(narrow, "fold", ["1000", "12345", "3"])).toBe("2007857936");
    expect(outcomeOf(narrow, "fold", ["1000", "12345", "256"])).toBe("trap:integer_divide_by_zero");
    const indirect = moduleNamed(report, "indirect-calls");
    expect(outcomeOf(indirect, "walk", ["1000", "7"])).toBe("183392378");
    expect(outcomeOf(indirect, "call_slot", ["0", "5"])).toBe("trap:uninitialized_element");
    const memcpy = moduleNamed(report, "memcpy-heavy");
    expect(outcomeOf(memcpy, "nest", ["200", "9"])).toBe("1375042760");
    expect(outcomeOf(memcpy, "copy_to_end", ["1", "100"])).toBe("trap:out_of_bounds_memory");
    const multi = moduleNamed(report, "multi-value");
    expect(outcomeOf(multi, "divmod", [u32(-17), "5"])).toBe(`${u32(-3)} ${u32(-2)}`);
    expect(outcomeOf(multi, "fib_pair", ["1000"])).toBe("1556111435 1318412525");
    const everything = moduleNamed(report, "everything");
    expect(outcomeOf(everything, "evaluate", ["300", "12345", "1067450368", "7"])).toBe("2001617913 752");
    expect(outcomeOf(everything, "resize_slots", ["4", "4", "0"])).toBe("trap:out_of_bounds_table");

    // Each module's post-1.0 features, as the README's column names them.
    const features = (name: string) =>
      moduleNamed(report, name)
        .features!.map((use) => use.feature)
        .sort();
    expect(features("narrow-division")).toEqual(["sign-extension"]);
    expect(features("indirect-calls")).toEqual(["call-indirect-overlong"]); // table index 0 in 5 bytes
    expect(features("memcpy-heavy")).toEqual(["bulk-memory-opt"]); // memory.copy and memory.fill only
    expect(features("saturating")).toEqual(["saturating-float-to-int"]);
    expect(features("multi-value")).toEqual(["multi-value"]);
    // table.copy is bulk memory's; two tables, externref and table.grow are reference types'
    expect(features("everything")).toEqual([
      "bulk-memory",
      "bulk-memory-opt",
      "multi-value",
      "reference-types",
      "saturating-float-to-int",
      "sign-extension",
    ]);
  }, 300_000);
});

it("samestack check corpus/clang --strategy native diverges (exit 1)", async () => {
  const { code, report } = await check("--strategy", "native");
  expect(code).toBe(EXIT.diverged);
  expect(report.totals.findings.divergence).toBeGreaterThan(0);
  expect(report.totals.findings.input + report.totals.findings.internal).toBe(0);
}, 300_000);

it("samestack check corpus/clang --features 1.0 refuses every module, naming the feature and offset", async () => {
  const { code, report } = await check("--features", "1.0");
  expect(code).toBe(EXIT.badInput);
  for (const module of report.modules) {
    expect(module.status).toBe("input-error");
    expect(module.findings).toHaveLength(1);
    const { message } = module.findings[0]!;
    expect(message).toMatch(/ at offset \d+ /);
    expect(message).toMatch(
      /(unsupported feature: |needs )[a-z-]+( in function \d+)?( at offset \d+ \(0x[0-9a-f]+\))?, which profile 1\.0 does not include; to avoid it, build with clang -mcpu=mvp/,
    );
  }
  expect(moduleNamed(report, "narrow-division").findings[0]!.message).toContain("sign-extension");
  expect(moduleNamed(report, "indirect-calls").findings[0]!.message).toContain("call-indirect-overlong");
}, 300_000);
