// The spec runner on small hand-made scripts: passes, failures, skips and NaN-bit differences are
// each counted where they belong, on emulated targets and on V8, under the 2.0 profile and a
// narrower one; text modules go through wabt's parser; modules link through `spectest` and
// `register`; assert_exhaustion's overflow points are compared across targets.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import initWabt from "wabt";
import { Executors } from "../../emulators/executor.js";
import { TARGETS } from "../../src/compiler/target.js";
import type { SpecCommand } from "../../src/spec/commands.js";
import { compareOverflowPoints, runSpecFile, type SpecFileResult } from "../../src/spec/runner.js";
import { DEFAULT_LOGICAL_SPEC_OPTIONS, PASS } from "../../src/spec/session.js";
import { SKIP } from "../../src/spec/skips.js";
import { WASM_1_0 } from "../../src/wasm/features.js";
import type { Outcome } from "../../src/wasm/outcome.js";

const wabt = await initWabt();
const directory = mkdtempSync(join(tmpdir(), "samestack-spec-"));
const executors = new Executors({ stackLimit: 16 * 1024, metering: "block" });
afterAll(() => {
  executors.close();
  rmSync(directory, { recursive: true });
});

function wasm(filename: string, wat: string, features: Record<string, boolean> = {}): string {
  const module = wabt.parseWat(filename, wat, features);
  writeFileSync(join(directory, filename), module.toBinary({}).buffer);
  return filename;
}

function wat(filename: string, text: string): string {
  writeFileSync(join(directory, filename), text);
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
    (func (export "isnull") (result i32) (ref.is_null (ref.null extern))))`,
  { reference_types: true },
);
const commands = [
  { type: "module", line: 1, filename: main },
  { type: "assert_return", line: 2, action: invoke("add", i32(1), i32(2)), expected: [i32(3)] },
  { type: "assert_return", line: 3, action: invoke("add", i32(1), i32(2)), expected: [i32(4)] },
  { type: "assert_trap", line: 4, action: invoke("div", i32(1), i32(0)), text: "integer divide by zero" },
  { type: "assert_trap", line: 5, action: invoke("add", i32(1), i32(0)), text: "unreachable" },
  { type: "assert_exhaustion", line: 6, action: invoke("down"), text: "call stack exhausted" },
  { type: "assert_return", line: 7, action: invoke("isnull"), expected: [i32(1)] },
  { type: "action", line: 8, action: invoke("add", i32(0), i32(0)) },
  {
    type: "assert_malformed",
    line: 9,
    filename: wat("t.1.wat", "(module (func (i32.const 1)"),
    text: "unexpected token",
    module_type: "text",
  },
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
  // A text module wabt parses, which the test says is malformed: a disagreement, so a failure.
  {
    type: "assert_malformed",
    line: 14,
    filename: wat("t.6.wat", "(module)"),
    text: "x",
    module_type: "text",
  },
  {
    // Beyond 2.0 (extended-const), so invalid under 2.0 and every narrower profile.
    type: "assert_invalid",
    line: 15,
    filename: wasm("t.7.wasm", "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))", {
      extended_const: true,
    }),
    text: "constant expression required",
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

// spectest: a print of each kind, a global, the memory and the table, with the limits it declares.
const spectest = [
  {
    type: "module",
    line: 1,
    filename: wasm(
      "s.0.wasm",
      `(module
        (import "spectest" "print_i32" (func $print (param i32)))
        (import "spectest" "print_f64_f64" (func $print2 (param f64 f64)))
        (import "spectest" "global_i32" (global $g i32))
        (import "spectest" "memory" (memory 1 2))
        (import "spectest" "table" (table 10 20 funcref))
        (func (export "print") (call $print (global.get $g)) (call $print2 (f64.const 5) (f64.const 0)))
        (func (export "grow") (result i32) (memory.grow (i32.const 1))))`,
    ),
  },
  { type: "action", line: 2, action: invoke("print") },
  { type: "assert_return", line: 3, action: invoke("grow"), expected: [i32(1)] },
  { type: "assert_return", line: 4, action: invoke("grow"), expected: [i32(-1)] },
  {
    type: "assert_unlinkable",
    line: 5,
    filename: wasm("s.1.wasm", `(module (import "spectest" "memory" (memory 1 1)))`),
    text: "incompatible import type",
    module_type: "binary",
  },
];
writeFileSync(join(directory, "s.json"), JSON.stringify({ source_filename: "s.wast", commands: spectest }));

// NaN bits: the default NaN of 0/0 expected bit for bit (x86's differs), and a plain wrong result.
const f32 = (bits: number) => ({ type: "f32", value: String(bits >>> 0) });
const nan = [
  {
    type: "module",
    line: 1,
    filename: wasm(
      "n.0.wasm",
      `(module
        (func (export "nan") (result f32) (f32.div (f32.const 0) (f32.const 0)))
        (func (export "one") (result f32) (f32.const 1)))`,
    ),
  },
  { type: "assert_return", line: 2, action: invoke("nan"), expected: [f32(0x7fc00000)] },
  { type: "assert_return", line: 3, action: invoke("one"), expected: [f32(0x3f800000)] },
  { type: "assert_return", line: 4, action: invoke("one"), expected: [f32(0x7fc00000)] },
];
writeFileSync(join(directory, "n.json"), JSON.stringify({ source_filename: "n.wast", commands: nan }));
writeFileSync(join(directory, "t.json"), JSON.stringify({ source_filename: "t.wast", commands }));

// Under a narrower profile: a registered module outside it, the modules importing from it, and a
// call_indirect of table 1, whose table index 1.0 reads as a malformed reserved byte.
const narrower = [
  {
    type: "module",
    line: 1,
    name: "$E",
    filename: wasm("p.0.wasm", `(module (func (export "f") (result i32) (i32.extend8_s (i32.const 255))))`),
  },
  { type: "register", line: 2, name: "$E", as: "E" },
  {
    type: "module",
    line: 3,
    filename: wasm(
      "p.1.wasm",
      `(module (import "E" "f" (func (result i32))) (func (export "g") (result i32) (i32.const 7)))`,
    ),
  },
  { type: "assert_return", line: 4, action: invoke("g"), expected: [i32(7)] },
  {
    type: "assert_unlinkable",
    line: 5,
    filename: wasm("p.2.wasm", `(module (import "E" "f" (func (result i64))))`),
    text: "incompatible import type",
    module_type: "binary",
  },
  {
    type: "module",
    line: 6,
    filename: wasm(
      "p.3.wasm",
      `(module (table 1 funcref) (table $t 1 funcref) (func (export "h") (call_indirect $t (i32.const 0))))`,
      { reference_types: true },
    ),
  },
  { type: "assert_trap", line: 7, action: invoke("h"), text: "uninitialized element" },
];
writeFileSync(join(directory, "p.json"), JSON.stringify({ source_filename: "p.wast", commands: narrower }));

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

  it("reports wrong results, wrong traps and accepted invalid or malformed modules as failures, with their lines", () => {
    // Line 10's module is valid (the test asserts it is invalid), and wabt parses line 14's text.
    for (const result of [x64, v8]) {
      expect(result.failures.map((f) => [f.line, f.command])).toEqual([
        [3, "assert_return"],
        [5, "assert_trap"],
        [10, "assert_invalid"],
        [14, "assert_malformed"],
      ]);
      expect(result.failures[0]!.message).toContain("expected [i32:4], got [i32:3]");
      expect(result.failures[3]!.message).toBe("wabt parsed the text module");
    }
  });

  it("skips nothing under 2.0: reference types run, text modules are parsed, beyond 2.0 is invalid", () => {
    for (const result of [x64, v8]) {
      expect(result.skips).toEqual([]);
      expect(result.passed).toBe(commands.length - 4);
    }
  });
});

describe("runSpecFile under a narrower profile", async () => {
  const [x64] = (await runSpecFile("t", {
    configurations: [{ executor: "x64", strategy: "frame" }],
    executors,
    directory,
    features: WASM_1_0,
  })) as [SpecFileResult];

  it("skips a module that needs a 2.0 feature outside the profile, and every command on it", () => {
    const reason = SKIP.outsideProfile("1.0", "reference-types");
    expect(x64.skips.map((s) => [s.line, s.reason])).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((line) => [line, reason]),
    );
    // The rest is judged as under 2.0: the text module does not parse, extended-const is refused.
    expect(x64.failures.map((f) => f.line)).toEqual([10, 14]);
    expect(x64.passed).toBe(commands.length - 8 - 2);
  });

  it("skips what imports from a registered module it skipped, and names the feature of a malformed table index", async () => {
    const run = async (features: typeof WASM_1_0 | undefined) =>
      (
        await runSpecFile("p", {
          configurations: [{ executor: "aarch64", strategy: "intersect" }],
          executors,
          directory,
          ...(features ? { features } : {}),
        })
      )[0]!;
    const all = await run(undefined);
    expect({ failures: all.failures, skips: all.skips, passed: all.passed }).toEqual({
      failures: [],
      skips: [],
      passed: narrower.length,
    });
    const narrow = await run(WASM_1_0);
    expect(narrow.failures).toEqual([]);
    expect(narrow.skips.map((s) => [s.line, s.reason])).toEqual([
      ...[1, 2, 3, 4, 5].map((line) => [line, SKIP.outsideProfile("1.0", "sign-extension")]),
      ...[6, 7].map((line) => [line, SKIP.outsideProfile("1.0", "reference-types")]),
    ]);
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

  it("reads globals, calls functions of named modules, and links registered ones", () => {
    for (const result of [x64, v8]) expect(result).toMatchObject({ passed: 6, failed: 0, skips: [] });
  });
});

describe("runSpecFile with spectest", async () => {
  const results = await runSpecFile("s", {
    configurations: [
      { executor: "aarch64", strategy: "intersect" },
      { executor: "v8", strategy: "intersect" },
    ],
    executors,
    directory,
  });

  it("links spectest's functions, globals, memory and table, and logs what its functions print", () => {
    for (const result of results) expect(result).toMatchObject({ passed: 5, failed: 0, skips: [] });
    expect(results[0]!.printed).toEqual([
      "print_i32(i32:666)",
      "print_f64_f64(f64:4617315517961601024, f64:0)",
    ]);
    expect(results[1]!.printed).toEqual(["print_i32(666)", "print_f64_f64(5, 0)"]);
  });
});

describe("runSpecFile under native", async () => {
  const results = await runSpecFile("n", {
    configurations: TARGETS.flatMap((executor) =>
      (["native", "intersect"] as const).map((strategy) => ({ executor, strategy })),
    ),
    executors,
    directory,
  });

  it("tells NaN-bit differences apart from failures, under native only", () => {
    // 0/0 is the default NaN: 0xffc00000 on x86 (sign set), 0x7fc00000 on AArch64; intersect
    // canonicalises to 0x7fc00000, which the script expects bit for bit.
    const byConfiguration = Object.fromEntries(
      results.map((r) => [r.configuration, [r.passed, r.failed, r.nanBitDifferences.map((d) => d.line)]]),
    );
    expect(byConfiguration).toEqual({
      "x64/native": [2, 1, [2]],
      "x64/intersect": [3, 1, []],
      "aarch64/native": [3, 1, []],
      "aarch64/intersect": [3, 1, []],
    });
    for (const result of results) expect(result.failures.map((f) => f.line)).toEqual([4]);
  });
});

describe("compareOverflowPoints", () => {
  const command: SpecCommand = {
    type: "assert_exhaustion",
    line: 1,
    action: { type: "invoke", field: "f" },
    text: "call stack exhausted",
  };
  const at = (instrIndex: number) => ({ funcIndex: 0, instrIndex, offset: 20 + instrIndex });
  const overflow = (instrIndex: number): Outcome => ({
    outcome: "trap",
    trap: "stack_overflow",
    location: at(instrIndex),
    backtrace: [at(3), at(instrIndex)],
  });
  const run = (executor: "x64" | "aarch64", strategy: "native" | "frame", outcome: Outcome) => ({
    configuration: { executor, strategy },
    verdicts: new Map([[command, PASS]]),
    exhaustions: new Map([[1, outcome]]),
    printed: [],
  });

  it("fails an assert_exhaustion whose overflow points differ between targets under frame, not under native", () => {
    const runs = [
      run("x64", "native", overflow(5)),
      run("aarch64", "native", overflow(6)),
      run("x64", "frame", overflow(5)),
      run("aarch64", "frame", overflow(6)),
    ];
    compareOverflowPoints(runs);
    expect(runs.map((r) => r.verdicts.get(command)!.kind)).toEqual(["pass", "pass", "fail", "fail"]);
  });

  it("leaves agreeing targets alone", () => {
    const runs = [run("x64", "frame", overflow(5)), run("aarch64", "frame", overflow(5))];
    compareOverflowPoints(runs);
    expect(runs.map((r) => r.verdicts.get(command)!.kind)).toEqual(["pass", "pass"]);
  });
});

// Under logical: the recursion exhausts the logical limit at the same call on both targets; a call
// after it finds the height still raised (a skip with its reason); a module the reference limiter
// refuses is a skip with the limiter's reason. With a native stack too small for the limit, the
// exhaustion is the machine stack's, and fails.
const logicalScript = [
  {
    type: "module",
    line: 1,
    filename: wasm(
      "g.0.wasm",
      `(module
        (func $down (export "down") (call $down))
        (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))`,
    ),
  },
  { type: "assert_exhaustion", line: 2, action: invoke("down"), text: "call stack exhausted" },
  { type: "assert_return", line: 3, action: invoke("add", i32(1), i32(2)), expected: [i32(3)] },
  {
    type: "module",
    line: 4,
    filename: wasm("g.1.wasm", '(module (func (export "f") (result i32) unreachable select i32.add))'),
  },
  { type: "assert_trap", line: 5, action: invoke("f"), text: "unreachable" },
];
writeFileSync(
  join(directory, "g.json"),
  JSON.stringify({ source_filename: "g.wast", commands: logicalScript }),
);

describe("spec under logical", () => {
  const configurations = TARGETS.map((executor) => ({ executor, strategy: "logical" as const }));

  it("exhausts the logical limit at the same instruction on both targets; skips what the model leaves, with reasons", async () => {
    const results = await runSpecFile("g", { configurations, executors, directory });
    for (const result of results) {
      expect(result.failures).toEqual([]);
      expect(result.passed).toBe(2);
      expect(result.skips.map((s) => [s.line, s.reason])).toEqual([
        [3, SKIP.heightKept],
        [4, expect.stringMatching(/^logical: the reference stack limiter rejects function 0/)],
        [5, expect.stringMatching(/^logical: the reference stack limiter rejects function 0/)],
      ]);
    }
  });

  it("fails an exhaustion that is the machine stack's, when the native stack is too small for the limit", async () => {
    const logical = { ...DEFAULT_LOGICAL_SPEC_OPTIONS, stackLimit: 1024 };
    const results = await runSpecFile("g", { configurations, executors, directory, logical });
    for (const result of results) {
      expect(result.failures).toEqual([
        expect.objectContaining({
          line: 2,
          message: expect.stringMatching(
            /expected the logical limit to trip first, got trap stack_overflow \(native\)/,
          ),
        }),
      ]);
    }
  });
});
