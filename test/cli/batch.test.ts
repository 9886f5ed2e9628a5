import { resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/main.js";
import { runCli, withoutCounts } from "./capture.js";
import { ARITH_WAT, scratchFolder } from "./fixtures.js";

const folder = scratchFolder();
afterAll(() => folder.remove());
folder.write("arith.wat", ARITH_WAT);

const i32 = (value: string) => ({ type: "i32", value });
const returns = (value: string) => ({ outcome: "return", values: [i32(value)] });
const lines = (...objects: unknown[]) =>
  objects.map((o) => (typeof o === "string" ? o : JSON.stringify(o))).join("\n");

describe("samestack run --batch", () => {
  it("answers every line in order, with error outcomes for bad lines, and goes on", async () => {
    const batch = folder.write(
      "mixed.jsonl",
      `${lines(
        // Module paths are relative to the batch file.
        { module: "arith.wat", export: "add", args: [i32("2"), i32("3")], targets: ["x64", "aarch64", "v8"] },
        "{not json",
        { module: "arith.wat", export: "mul", args: [], targets: ["x64"] },
        { module: "missing.wat", export: "add", args: [], targets: ["aarch64"] },
        { module: "arith.wat", export: "add", args: [i32("4294967296"), i32("0")], targets: ["x64"] },
        {
          module: "arith.wat",
          export: "div",
          args: [i32("7"), i32("0")],
          targets: ["aarch64"],
          strategy: "frame",
          stackLimit: 65536,
        },
      )}\n`,
    );
    const result = await runCli("run", "--batch", batch, "--json");
    expect(result.code).toBe(EXIT.badInput);
    const output = result.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(output.map((o) => o.line)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(withoutCounts(output[0].outcomes)).toEqual({
      x64: returns("5"),
      aarch64: returns("5"),
      v8: returns("5"),
    });
    expect(output[1].outcomes.x64.message).toMatch(/^line 2: not JSON/);
    expect(output[2].outcomes).toEqual({
      x64: {
        outcome: "error",
        message: 'line 3: no exported function "mul" (exported functions: add, neg64, div, spin)',
      },
    });
    expect(output[3].outcomes.aarch64.message).toContain("missing.wat: no such file");
    expect(output[4].outcomes.x64.message).toContain("unsigned decimal of a 32-bit pattern");
    expect(withoutCounts(output[5].outcomes)).toEqual({
      aarch64: {
        outcome: "trap",
        trap: "integer_divide_by_zero",
        location: expect.objectContaining({ funcIndex: 2, instrIndex: 2 }),
        backtrace: [expect.objectContaining({ funcIndex: 2, instrIndex: 2 })],
        // Emulated runs are recorded: the trapping step's index and the depth reached.
        step: 2,
        depth: expect.any(Number),
      },
    });
  });

  it("exits 1 when a line's targets diverge, and prints text without --json", async () => {
    const batch = folder.write(
      "diverging.jsonl",
      lines(
        { module: "arith.wat", export: "add", args: [i32("1"), i32("1")], targets: ["x64", "aarch64"] },
        {
          // An absolute path is used as it is.
          module: resolve("corpus/writeup-9-args.wat"),
          export: "deep",
          args: [i32("1000")],
          targets: ["x64", "aarch64"],
          strategy: "native",
          stackLimit: 1024,
        },
      ),
    );
    const result = await runCli("run", "--batch", batch);
    expect(result.code).toBe(EXIT.diverged);
    expect(result.stdout).toMatch(
      /^line 1:\n {2}x64\/intersect {6}return i32:2 · \d+ instructions executed\n/,
    );
    expect(result.stdout).toContain("line 2:\n");
    expect(result.stdout).toContain("DIVERGED: x64 and aarch64 disagree");
  });

  it("takes a WASI program's hosts per line, relative to the batch file, over the command line's", async () => {
    const real = resolve("corpus/real");
    const batch = folder.write(
      "wasi.jsonl",
      `${lines(
        { module: `${real}/proc-exit.wasm`, export: "_start", wasi: { args: ["proc-exit", "5"] } },
        { module: `${real}/proc-exit.wasm`, export: "_start" },
        { module: `${real}/proc-exit.wasm`, export: "_start", wasi: { dirs: ["no-such-folder"] } },
      )}\n`,
    );
    const result = await runCli("run", "--batch", batch, "--json", "--target", "x64,v8", "--wasi-arg", "7");
    expect(result.code).toBe(EXIT.badInput);
    const [five, seven, bad] = result.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(withoutCounts(five.outcomes)).toEqual({
      x64: expect.objectContaining({ outcome: "exit", code: 5 }),
      v8: expect.objectContaining({ outcome: "exit", code: 5 }),
    });
    expect(seven.outcomes.v8).toMatchObject({ outcome: "exit", code: 7 });
    expect(bad.outcomes.x64.message).toMatch(/^line 3: "wasi.dirs"\[0\]: "no-such-folder" is not a folder/);
  });

  it("rejects a missing batch file, and module arguments next to --batch", async () => {
    expect((await runCli("run", "--batch", folder.path("none.jsonl"))).code).toBe(EXIT.badInput);
    const both = await runCli("run", "x.wat", "--batch", folder.path("mixed.jsonl"));
    expect(both).toMatchObject({ code: EXIT.badInput, stdout: "" });
    expect(both.stderr).toContain("--batch takes no module or export arguments");
  });
});
