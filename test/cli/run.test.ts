import { afterAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/main.js";
import { runCli, withoutCounts } from "./capture.js";
import { ARITH_WAT, scratchFolder } from "./fixtures.js";

const folder = scratchFolder();
afterAll(() => folder.remove());
const arith = folder.write("arith.wat", ARITH_WAT);
const i32 = (value: string) => ({ outcome: "return", values: [{ type: "i32", value }] });

describe("samestack run", () => {
  it("runs an export on x64, aarch64 and V8 and says they agree", async () => {
    const result = await runCli("run", arith, "add", "2", "3");
    expect(result).toMatchObject({ code: EXIT.ok, stderr: "" });
    expect(result.stdout.split("\n")).toEqual([
      expect.stringMatching(/^x64\/intersect {6}return i32:5 · \d+ instructions executed$/),
      expect.stringMatching(/^aarch64\/intersect {2}return i32:5 · \d+ instructions executed$/),
      "v8                 return i32:5",
      "outcomes agree",
      "",
    ]);
  });

  it("prints outcomes as JSON, values as unsigned bit patterns", async () => {
    const result = await runCli("run", arith, "add", "i32:-1", "0", "--json", "--target", "x64,v8");
    expect(result.code).toBe(EXIT.ok);
    expect(withoutCounts(JSON.parse(result.stdout).outcomes)).toEqual({
      x64: i32("4294967295"),
      v8: i32("4294967295"),
    });
    const neg = await runCli(
      "run",
      arith,
      "neg64",
      "i64:1",
      "--json",
      "--target",
      "aarch64",
      "--strategy",
      "frame",
    );
    expect(JSON.parse(neg.stdout).outcomes.aarch64.values).toEqual([
      { type: "i64", value: "18446744073709551615" },
    ]);
  });

  it("reports traps with their location, and fuel exhaustion", async () => {
    const trap = await runCli("run", arith, "div", "1", "0", "--target", "x64,aarch64");
    expect(trap.code).toBe(EXIT.ok);
    expect(trap.stdout).toContain(
      "x64/intersect      trap integer_divide_by_zero at f2 #2 (offset 0x57, step 2)",
    );
    const spin = await runCli("run", arith, "spin", "--fuel", "1000", "--json", "--target", "x64");
    // Out of fuel at the loop's br (f3 #1), where each iteration charges the loop and the br.
    const exhausted = { outcome: "exhausted", fuel: 1000, location: { funcIndex: 3, instrIndex: 1 } };
    expect(withoutCounts(JSON.parse(spin.stdout).outcomes)).toMatchObject({ x64: exhausted });
    expect(spin.code).toBe(EXIT.badInput);
  });

  it("shows the progress of a long run in Wasm instructions, as plain lines off a terminal", async () => {
    const long = await runCli("run", arith, "spin", "--fuel", "250000000", "--target", "x64");
    expect(long.code).toBe(EXIT.badInput);
    expect(long.stderr.split("\n")).toEqual([
      "x64: 100,000,000 Wasm instructions executed",
      "x64: 200,000,000 Wasm instructions executed",
      "",
    ]);
  });

  it("does not run V8 (which has no fuel) on a runaway program, and exits 2", async () => {
    const all = await runCli("run", arith, "spin", "--fuel", "1000");
    expect(all.code).toBe(EXIT.badInput);
    expect(all.stdout.split("\n")).toEqual([
      expect.stringMatching(/^x64\/intersect {6}exhausted \(fuel 1000\) · \d+ instructions executed$/),
      expect.stringMatching(/^aarch64\/intersect {2}exhausted \(fuel 1000\) · \d+ instructions executed$/),
      "v8                 not run: x64 ran out of fuel, and V8 has none to stop it",
      "OUT OF FUEL on x64, aarch64: the invocation does not finish within the fuel (a runaway program? raise --fuel if it should finish)",
      "",
    ]);
    // Asked alone, V8 runs after a plain x64 run has finished within the fuel: here it has not.
    const alone = await runCli("run", arith, "spin", "--fuel", "1000", "--target", "v8", "--json");
    expect(alone.code).toBe(EXIT.badInput);
    const { outcomes, notRun } = JSON.parse(alone.stdout);
    expect(withoutCounts(outcomes)).toMatchObject({
      x64: { outcome: "exhausted", fuel: 1000, location: { funcIndex: 3, instrIndex: 1 } },
    });
    expect(notRun).toEqual({ v8: "x64 ran out of fuel, and V8 has none to stop it" });
    const finishing = await runCli("run", arith, "add", "2", "3", "--target", "v8", "--json");
    expect(JSON.parse(finishing.stdout)).toEqual({ outcomes: { v8: i32("5") } });
  });

  it("exits 1 when the native strategy makes the targets overflow at different points, and 0 under intersect and frame", async () => {
    // The write-up's recursion through a 9-argument call: x64 passes 3 of the arguments on the stack,
    // AArch64 none, so under `native` the targets' stacks grow at different rates.
    const deep = "corpus/writeup-9-args.wat";
    const codes = async (strategy: string) =>
      Promise.all(
        ["1024", "2048", "4096"].map(async (limit) => {
          const args = ["run", deep, "deep", "1000", "--target", "x64,aarch64", "--strategy", strategy];
          return (await runCli(...args, "--stack-limit", limit)).code;
        }),
      );
    expect(await codes("native")).toContain(EXIT.diverged);
    expect(await codes("intersect")).toEqual([EXIT.ok, EXIT.ok, EXIT.ok]);
    expect(await codes("frame")).toEqual([EXIT.ok, EXIT.ok, EXIT.ok]);
    const diverged = await runCli(
      "run",
      deep,
      "deep",
      "1000",
      "--target",
      "x64,aarch64",
      "--strategy",
      "native",
      "--stack-limit",
      "1024",
    );
    expect(diverged.stdout).toContain("DIVERGED: x64 and aarch64 disagree");
  });
});

describe("samestack run, bad input", () => {
  const bad = folder.write("bad.wat", '(module\n  (func (export "f") (result i32) i32.cosnt 1))');
  // A well-formed binary whose function returns nothing though it declares an i32 result.
  const invalid = folder.write(
    "invalid.wasm",
    Uint8Array.from([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 3, 2, 1, 0, 10, 4, 1, 2, 0, 11]),
  );
  const importing = folder.write(
    "importing.wat",
    `(module (import "nowhere" "f" (func)) (func (export "g") (call 0)))`,
  );

  it.each([
    ["a missing file", ["run", folder.path("missing.wat"), "f"], "missing.wat: no such file"],
    ["a text syntax error, by line and column", ["run", bad, "f"], "bad.wat:2:"],
    ["an invalid binary", ["run", invalid, "f"], "invalid module"],
    [
      "an unknown export",
      ["run", arith, "mul", "1"],
      'no exported function "mul" (exported functions: add, neg64, div, spin)',
    ],
    ["a wrong argument count", ["run", arith, "add", "1"], '"add" takes 2 arguments (i32, i32), got 1'],
    ["a bad argument", ["run", arith, "add", "1", "two"], '"two": not a valid i32'],
    [
      "a bad stack limit",
      ["run", arith, "add", "1", "2", "--stack-limit", "100"],
      "argument '100' is invalid",
    ],
    [
      "an unknown target",
      ["run", arith, "add", "1", "2", "--target", "riscv64"],
      "argument 'riscv64' is invalid",
    ],
    [
      "an unknown strategy",
      ["run", arith, "add", "1", "2", "--strategy", "magic"],
      "argument 'magic' is invalid",
    ],
    [
      "imports nobody gives",
      ["run", importing, "g", "--target", "x64"],
      "cannot instantiate on x64: unknown import nowhere.f",
    ],
    ["no module", ["run"], "run needs a module and an export"],
  ])("rejects %s with exit 2 and a message, no stack trace", async (_, argv, message) => {
    const result = await runCli(...argv);
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stdout).toBe("");
  });
});

describe("samestack run --strategy logical", () => {
  const writeup = new URL("../../corpus/writeup-9-args.wat", import.meta.url).pathname;
  const deep = ["run", writeup, "deep", "100000", "--strategy", "logical", "--logical-limit", "600"];

  it("reports the logical overflow in the original's terms, the same on both targets, V8 trapping there too", async () => {
    const result = await runCli(...deep);
    expect(result.code).toBe(EXIT.ok);
    const lines = result.stdout.split("\n");
    const at = (target: string) =>
      lines.find((l) => l.startsWith(`${target}/logical`))!.match(/ at (f\d+ #\d+) /)![1];
    expect(lines.find((l) => l.startsWith("x64/logical"))).toMatch(
      /trap stack_overflow \(logical\) at f\d+ #\d+ /,
    );
    expect(at("aarch64")).toBe(at("x64"));
    expect(lines.find((l) => l.startsWith("v8 "))).toMatch(/^v8 +trap unreachable$/);
    expect(lines).toContain("outcomes agree");
  });

  it("reports native overflows, which diverge, when the native stack is too small for the limit", async () => {
    // The recursion to the limit needs about 2.6 KB of native stack on either target.
    const result = await runCli(...deep, "--stack-limit", "2048");
    expect(result.code).toBe(EXIT.diverged);
    expect(result.stdout).toMatch(/^x64\/logical +trap stack_overflow \(native\)/m);
    expect(result.stdout).toMatch(/^aarch64\/logical +trap stack_overflow \(native\)/m);
  });
});
