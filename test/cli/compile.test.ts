import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { Executors } from "../../emulators/executor.js";
import { loadModuleFile } from "../../src/cli/load-module.js";
import { EXIT } from "../../src/cli/main.js";
import { WASM_2_0 } from "../../src/wasm/features.js";
import { runCli } from "./capture.js";
import { ARITH_WAT, scratchFolder } from "./fixtures.js";

const folder = scratchFolder();
afterAll(() => folder.remove());
const arith = folder.write("arith.wat", ARITH_WAT);

describe("samestack compile", () => {
  it("summarises every function on both targets", async () => {
    const result = await runCli("compile", arith);
    expect(result.code).toBe(EXIT.ok);
    for (const target of ["x64", "aarch64"]) expect(result.stdout).toContain(`;; ${target}, intersect: `);
    expect(
      result.stdout.match(/^function 0 \(param i32 i32\) \(result i32\): \d+ bytes, frame \d+ bytes$/gm),
    ).toHaveLength(2);
  });

  it.each([
    // The frame record each ABI pushes first (src/compiler/README.md, "Frames").
    ["x64", "push rbp"],
    ["aarch64", "stp x29, x30, [sp, #-0x10]!"],
  ])("disassembles %s code under each Wasm instruction with its depth", async (target, frameRecord) => {
    const result = await runCli("compile", arith, "--target", target, "--strategy", "frame", "--disasm");
    expect(result.code).toBe(EXIT.ok);
    const add = result.stdout.slice(
      result.stdout.indexOf("function 0 (param i32 i32)"),
      result.stdout.indexOf("function 1"),
    );
    expect(add).toMatch(/^ {2}prologue \(belongs to the caller's call\) +depth \d+$/m);
    expect(add).toContain(frameRecord);
    const artifact = new Executors().compile(await loadModuleFile(arith, WASM_2_0), target as "x64", "frame");
    const titles = [...add.matchAll(/^ {2}(\d+): (.*?) +depth (\d+)$/gm)].map((m) => [
      Number(m[1]),
      m[2],
      Number(m[3]),
    ]);
    expect(titles).toEqual(
      ["local.get 0", "local.get 1", "i32.add", "end"].map((text, i) => [
        i,
        text,
        artifact.stackMap[0]![i]!.depthAtStart,
      ]),
    );
  });

  it("rejects a missing module with exit 2", async () => {
    const result = await runCli("compile", folder.path("none.wasm"));
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toContain("none.wasm: no such file");
  });
});

describe("samestack compile --strategy logical", () => {
  it("shows the module with the limiter's code: its golden listing, after the header", async () => {
    const corpus = new URL("../../corpus/", import.meta.url).pathname;
    const golden = new URL("../compiler/golden/writeup-9-args.x64.logical.txt", import.meta.url).pathname;
    const result = await runCli(
      "compile",
      `${corpus}writeup-9-args.wat`,
      "--target",
      "x64",
      "--strategy",
      "logical",
      "--disasm",
    );
    expect(result.code).toBe(EXIT.ok);
    const listing = readFileSync(golden, "utf8").split("\n").slice(2).join("\n");
    expect(result.stdout).toBe(listing);
    // The limiter's global: the check against the limit before every guarded call.
    expect(result.stdout).toMatch(/i32\.gt_u/);
  });
});
