// The spec runner on a small hand-made script: passes, failures and skips are each counted where
// they belong, on an emulated target and on V8.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import initWabt from "wabt";
import { Executors } from "../../emulators/runner-executor.js";
import { runSpecFile, type SpecFileResult } from "../../src/verify/spec-runner.js";
import { SKIP } from "../../src/verify/spec-support.js";

const wabt = await initWabt();
const directory = mkdtempSync(join(tmpdir(), "samestack-spec-"));
const executors = new Executors({ stackLimit: 16 * 1024 });
afterAll(() => {
  executors.close();
  rmSync(directory, { recursive: true });
});

function wasm(filename: string, wat: string, features: Record<string, boolean> = {}): string {
  const module = wabt.parseWat(filename, wat, features);
  writeFileSync(join(directory, filename), module.toBinary({}).buffer);
  return filename;
}

const i32 = (value: number) => ({ type: "i32", value: String(value >>> 0) });
const invoke = (field: string, ...args: ReturnType<typeof i32>[]) => ({ type: "invoke", field, args });

const main = wasm(
  "t.0.wasm",
  `(module
    (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
    (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
    (func $down (export "down") (call $down))
    (func (export "sext") (param i32) (result i32) (i32.extend8_s (local.get 0))))`,
  { sign_extension: true },
);
const commands = [
  { type: "module", line: 1, filename: main },
  { type: "assert_return", line: 2, action: invoke("add", i32(1), i32(2)), expected: [i32(3)] },
  { type: "assert_return", line: 3, action: invoke("add", i32(1), i32(2)), expected: [i32(4)] },
  { type: "assert_trap", line: 4, action: invoke("div", i32(1), i32(0)), text: "integer divide by zero" },
  { type: "assert_trap", line: 5, action: invoke("add", i32(1), i32(0)), text: "unreachable" },
  { type: "assert_exhaustion", line: 6, action: invoke("down"), text: "call stack exhausted" },
  { type: "assert_return", line: 7, action: invoke("sext", i32(0x80)), expected: [i32(-128)] },
  { type: "action", line: 8, action: invoke("add", i32(0), i32(0)) },
  { type: "assert_malformed", line: 9, filename: "t.1.wat", text: "unexpected token", module_type: "text" },
  {
    type: "assert_invalid",
    line: 10,
    filename: wasm("t.2.wasm", "(module (func (result i32) (i32.const 0)))"),
    text: "type mismatch",
    module_type: "binary",
  },
  {
    type: "assert_uninstantiable",
    line: 11,
    filename: wasm("t.3.wasm", `(module (func $s unreachable) (start $s))`),
    text: "unreachable",
    module_type: "binary",
  },
  {
    type: "assert_unlinkable",
    line: 12,
    filename: wasm("t.4.wasm", `(module (import "spectest" "nothing" (func)))`),
    text: "unknown import",
    module_type: "binary",
  },
  {
    type: "assert_invalid",
    line: 13,
    filename: wasm("t.5.wasm", "(module (func (result i32) (i64.const 0)))"),
    text: "type mismatch",
    module_type: "binary",
  },
];
// Named modules, `get`, and `register` for another module's imports.
const linked = [
  {
    type: "module",
    line: 1,
    name: "$M",
    filename: wasm(
      "l.0.wasm",
      `(module (global (export "g") i32 (i32.const 42)) (func (export "f") (result i32) (i32.const 5)))`,
    ),
  },
  { type: "register", line: 2, name: "$M", as: "M" },
  {
    type: "module",
    line: 3,
    filename: wasm(
      "l.1.wasm",
      `(module (import "M" "f" (func $f (result i32))) (func (export "twice") (result i32) (i32.add (call $f) (call $f))))`,
    ),
  },
  { type: "assert_return", line: 4, action: { type: "get", module: "$M", field: "g" }, expected: [i32(42)] },
  { type: "assert_return", line: 5, action: invoke("twice"), expected: [i32(10)] },
  { type: "assert_return", line: 6, action: { ...invoke("f"), module: "$M" }, expected: [i32(5)] },
];
writeFileSync(join(directory, "l.json"), JSON.stringify({ source_filename: "l.wast", commands: linked }));
writeFileSync(join(directory, "t.json"), JSON.stringify({ source_filename: "t.wast", commands }));

describe("runSpecFile", async () => {
  const [x64, v8] = (await runSpecFile("t", {
    configurations: [
      { executor: "x64", strategy: "intersect" },
      { executor: "v8", strategy: "intersect" },
    ],
    executors,
    directory,
  })) as [SpecFileResult, SpecFileResult];

  it("counts every command once on every configuration", () => {
    for (const result of [x64, v8]) {
      const skipped = Object.values(result.skipped).reduce((a, b) => a + b, 0);
      expect(result.passed + result.failed + skipped).toBe(commands.length);
    }
    expect(x64.configuration).toBe("x64/intersect");
    expect(v8.configuration).toBe("v8");
  });

  it("reports wrong results, wrong traps and accepted invalid modules as failures, with their lines", () => {
    // Line 10's module is valid (the test asserts it is invalid), so accepting it is a failure.
    for (const result of [x64, v8]) {
      expect(result.failures.map((f) => [f.line, f.command])).toEqual([
        [3, "assert_return"],
        [5, "assert_trap"],
        [10, "assert_invalid"],
      ]);
      expect(result.failures[0]!.message).toContain("expected [i32:4], got [i32:3]");
    }
  });

  it("skips post-1.0 functions, text modules and (emulated) imports with their reasons", () => {
    expect(x64.skips.map((s) => [s.line, s.reason])).toEqual([
      [7, SKIP.postMvp("sign-extension")],
      [9, SKIP.textModule],
      [12, SKIP.imports],
    ]);
    expect(v8.skips.map((s) => [s.line, s.reason])).toEqual([
      [7, SKIP.postMvp("sign-extension")],
      [9, SKIP.textModule],
    ]);
    expect(x64.passed).toBe(7);
    expect(v8.passed).toBe(8);
  });
});

describe("runSpecFile with named and registered modules", async () => {
  const [x64, v8] = (await runSpecFile("l", {
    configurations: [
      { executor: "x64", strategy: "frame" },
      { executor: "v8", strategy: "frame" },
    ],
    executors,
    directory,
  })) as [SpecFileResult, SpecFileResult];

  it("reads globals and calls functions of named modules, and links registered ones on V8", () => {
    expect(v8).toMatchObject({ passed: 6, failed: 0, skips: [] });
    // Emulated targets take no imports yet: registering, and the importing module, are skipped.
    expect(x64).toMatchObject({ passed: 3, failed: 0 });
    expect(x64.skips.map((s) => [s.line, s.reason])).toEqual([
      [2, SKIP.imports],
      [3, SKIP.imports],
      [5, SKIP.imports],
    ]);
  });
});
