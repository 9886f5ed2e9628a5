// What a WASI program wrote, in every report: the JSON (valid against the schema, bytes that are
// not UTF-8 kept exactly), the HTML page (collapsed and escaped), JUnit (system-out, system-err).
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { check, DEFAULT_CHECK_FUEL } from "../../src/check/check.js";
import { renderHtml } from "../../src/report/html.js";
import { renderJunit } from "../../src/report/junit.js";
import { renderMarkdown } from "../../src/report/markdown.js";
import { buildReport, type Report } from "../../src/report/report.js";
import { checkReport } from "../../src/report/schema.js";
import { WASM_2_0 } from "../../src/wasm/features.js";
import { outputBytes } from "../../src/wasm/outcome.js";

// Writes markup and a byte that is not UTF-8 to stdout, a line to stderr, then exits with code 2.
const PROGRAM = `(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "<b>hello</b> \\ff\\n")
  (data (i32.const 96) "warn\\n")
  (func $write (param $fd i32) (param $at i32) (param $length i32)
    (i32.store (i32.const 0) (local.get $at))
    (i32.store (i32.const 4) (local.get $length))
    (drop (call $fd_write (local.get $fd) (i32.const 0) (i32.const 1) (i32.const 8))))
  (func (export "_start")
    (call $write (i32.const 1) (i32.const 64) (i32.const 15))
    (call $write (i32.const 2) (i32.const 96) (i32.const 5))
    (call $proc_exit (i32.const 2))))`;

let report: Report;
beforeAll(async () => {
  const folder = await mkdtemp(path.join(tmpdir(), "samestack-output-"));
  const file = path.join(folder, "writer.wat");
  await writeFile(file, PROGRAM);
  const result = await check([file], {
    targets: ["x64", "aarch64"],
    strategy: "intersect",
    limits: [],
    seed: 1,
    fuel: DEFAULT_CHECK_FUEL,
    features: [...WASM_2_0],
  });
  report = JSON.parse(JSON.stringify(buildReport(result))) as Report;
});

describe("a WASI program's output in the reports", () => {
  it("is in the JSON report, byte for byte, on the exit outcome of every target and of V8", () => {
    const checked = checkReport(report);
    expect(checked.ok, checked.ok ? "" : checked.errors.join("\n")).toBe(true);
    const [module] = report.modules;
    expect(module!.status).toBe("pass");
    expect(module!.hosts).toEqual({ args: ["writer"], env: [], dirs: [], stdin: null, stubImports: [] });
    const invocation = module!.invocations[0]!;
    expect(invocation.v8).toMatchObject({ compared: true, agrees: true });
    for (const outcome of [
      ...invocation.perTarget.map((t) => t.outcome),
      invocation.v8.compared && invocation.v8.outcome,
    ]) {
      expect(outcome).toMatchObject({ outcome: "exit", code: 2, stderr: "warn\n" });
      const stdout = (outcome as { stdout: string }).stdout;
      expect(Buffer.from(outputBytes(stdout))).toEqual(Buffer.from("<b>hello</b> \xff\n", "latin1"));
    }
    expect(invocation.perTarget.every((t) => (t.outcome as { executed?: number }).executed! > 0)).toBe(true);
  });

  it("is shown collapsed and escaped in the HTML page", () => {
    const page = renderHtml(report);
    expect(page).toContain('<details class="output"><summary>stdout of every executor (15 bytes)</summary>');
    expect(page).toContain("<pre>&lt;b&gt;hello&lt;/b&gt; \\xff\n</pre>");
    expect(page).not.toContain("<b>hello</b>");
    expect(page).toContain("<summary>stderr of every executor (5 bytes)</summary><pre>warn\n</pre>");
    expect(page).toContain("exits 2");
  });

  it("is the test case's system-out and system-err in JUnit, and the Markdown stays a summary", () => {
    const junit = renderJunit(report);
    expect(junit).toContain("<system-out>&lt;b&gt;hello&lt;/b&gt; \\xff\n</system-out>");
    expect(junit).toContain("<system-err>warn\n</system-err>");
    expect(renderMarkdown(report)).not.toContain("hello");
  });
});
