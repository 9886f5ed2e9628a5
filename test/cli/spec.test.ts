import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import initWabt from "wabt";
import { EXIT, main } from "../../src/cli/main.js";
import { specSuiteDirectory } from "../../src/spec/runner.js";
import { runCli } from "./capture.js";
import { scratchFolder } from "./fixtures.js";

const wabt = await initWabt();
const folder = scratchFolder();
afterAll(() => folder.remove());

const i32 = (value: number) => ({ type: "i32", value: String(value >>> 0) });
const invoke = (field: string, ...args: ReturnType<typeof i32>[]) => ({ type: "invoke", field, args });

function script(name: string, commands: object[]): string {
  return folder.write(`${name}.json`, JSON.stringify({ source_filename: `${name}.wast`, commands }));
}

folder.write(
  "add.0.wasm",
  wabt
    .parseWat(
      "add.wat",
      `(module (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1))))`,
    )
    .toBinary({}).buffer,
);
const module = { type: "module", line: 1, filename: "add.0.wasm" };
folder.write("good.1.wat", "(module (func (i32.const 1)"); // malformed: wabt's parser must refuse it
const good = script("good", [
  module,
  { type: "assert_return", line: 2, action: invoke("add", i32(1), i32(2)), expected: [i32(3)] },
  {
    type: "assert_malformed",
    line: 3,
    filename: "good.1.wat",
    text: "unexpected token",
    module_type: "text",
  },
]);
// Beside it in the folder: a script with a wrong expectation.
script("bad", [
  module,
  { type: "assert_return", line: 2, action: invoke("add", i32(1), i32(2)), expected: [i32(4)] },
]);

describe("samestack spec", () => {
  it("prints a per-file table with totals and exits 0 when nothing fails", async () => {
    const result = await runCli("spec", good);
    expect(result.code).toBe(EXIT.ok);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toMatch(/^file\s+passed\s+failed\s+skipped\s+NaN bits\s+skipped because$/);
    // Two configurations (x64 and aarch64 under intersect), three commands passing on each (the
    // text module too: wabt's parser refuses it).
    expect(lines[2]).toMatch(/^good\s+6\s+0\s+0\s+0$/);
    expect(lines[3]).toMatch(/^total\s+6\s+0\s+0\s+0$/);
    expect(result.stdout.endsWith("\nnothing skipped\n")).toBe(true);
    expect(result.stdout).toContain("x64/intersect");
    expect(result.stdout).toContain("aarch64/intersect");
    expect(result.stderr).toBe("[1/1] good: ok on 2 configuration(s)\n");
  });

  it("prints JSON with each failure's configuration and line, counts every target × strategy, and exits 1", async () => {
    const result = await runCli("spec", folder.path(""), "--strategy", "all", "--json");
    expect(result.code).toBe(EXIT.diverged);
    const json = JSON.parse(result.stdout);
    expect(json.totals).toEqual({ passed: 8 * 3 + 8 * 1, failed: 8, skipped: 0, nanBitDifferences: 0 });
    expect(json.files.map((f: { name: string }) => f.name)).toEqual(["bad", "good"]);
    const [badFile] = json.files;
    expect(badFile).toMatchObject({ passed: 8, failed: 8, skipped: 0, skippedByReason: {} });
    expect(badFile.failures.map((f: { configuration: string }) => f.configuration)).toEqual([
      "x64/native",
      "x64/intersect",
      "x64/frame",
      "x64/logical",
      "aarch64/native",
      "aarch64/intersect",
      "aarch64/frame",
      "aarch64/logical",
    ]);
    expect(badFile.failures[0]).toEqual({
      configuration: "x64/native",
      line: 2,
      command: "assert_return",
      message: "add(1, 2): expected [i32:4], got [i32:3]",
    });
  });

  it("draws a progress bar on stderr when on a terminal", async () => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const io = {
      stdout: (text: string) => stdout.push(text),
      stderr: (text: string) => stderr.push(text),
      isTty: true,
    };
    expect(await main(["spec", good], io)).toBe(EXIT.ok);
    expect(stderr.join("")).toContain("spec ");
    expect(stderr.join("")).not.toContain("[1/1]");
    expect(stdout.join("")).toMatch(/^file\s+passed/);
  });

  it("runs V8 once, whatever the strategies", async () => {
    const result = await runCli("spec", good, "--targets", "x64,v8", "--strategy", "all", "--json");
    expect(result.code).toBe(EXIT.ok);
    expect(JSON.parse(result.stdout).totals).toEqual({
      passed: 5 * 3,
      failed: 0,
      skipped: 0,
      nanBitDifferences: 0,
    });
  });

  it("runs a file of the spec suite", async () => {
    const result = await runCli("spec", join(specSuiteDirectory(), "fac.json"), "--json");
    expect(result.code).toBe(EXIT.ok);
    // README.txt: one of fac's seven invocations needs multi-value, which is compiled: none is skipped.
    const [file] = JSON.parse(result.stdout).files;
    expect(file.skippedByReason).toEqual({});
    expect(file.failed).toBe(0);
  });

  it("refuses paths that are neither folders of command lists nor .json files, and bad options", async () => {
    const empty = scratchFolder();
    const other = scratchFolder();
    const broken = other.write(
      "broken.json",
      JSON.stringify({ commands: [{ type: "assert_everything", line: 1 }] }),
    );
    try {
      for (const argv of [
        ["spec", folder.path("missing.json")],
        ["spec", folder.path("add.0.wasm")],
        ["spec", empty.path("")],
        ["spec", good, "--strategy", "most"],
        ["spec", good, "--targets", "riscv64"],
        ["spec", broken],
      ]) {
        const result = await runCli(...argv);
        expect({ argv, code: result.code }).toEqual({ argv, code: EXIT.badInput });
      }
    } finally {
      empty.remove();
      other.remove();
    }
  });
});
