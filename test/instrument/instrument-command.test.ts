// `samestack instrument`: writes a valid instrumented module, says what it did, and refuses bad
// arguments, modules and output places with exit 2 — the output place before any work, and never
// leaving a partial or temporary file behind.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/main.js";
import { decodeModule } from "../../src/wasm/decoder.js";
import { validateModule } from "../../src/wasm/validator.js";
import { runCli } from "../cli/capture.js";
import { scratchFolder } from "../cli/fixtures.js";
import { bodyText, guardedCallText } from "./module-compare.js";

const folder = scratchFolder();
afterAll(() => folder.remove());

// add: 2, 3, 4 before i32.add, 3 before end: cost 4. twice: 2, 3, 4, 5 before the call, 4, 5 before
// i32.add, 4 before end: cost 5.
const MODULE = `(module
  (func $add (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "twice") (param i32) (result i32) local.get 0 local.get 0 local.get 0 call $add i32.add))`;
const input = folder.write("in.wat", MODULE);

function written(path: string) {
  return validateModule(decodeModule(new Uint8Array(readFileSync(path))));
}

describe("samestack instrument", () => {
  it("writes the instrumented module and summarises it", async () => {
    const out = folder.path("out/limited.wasm");
    const result = await runCli("instrument", input, "--logical-limit", "65536", "-o", out);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(EXIT.ok);
    const output = written(out);
    expect(WebAssembly.validate(readFileSync(out))).toBe(true);
    expect(bodyText(output, 1).slice(3, -2)).toEqual(guardedCallText("$add", 4, 0, 65_536));
    expect(result.stdout).toContain(`wrote ${out}`);
    expect(result.stdout).toContain("logical limit 65536, height in global 0");
    expect(result.stdout).toContain("2 defined function(s), highest cost 5 (function 1)");
    expect(result.stdout).toContain("1 call(s) guarded, 1 thunk(s)");
    expect(result.stdout).toContain('thunk function 2 → function 1, charge 5, for export "twice"');
    expect(readdirSync(folder.path("out"))).toEqual(["limited.wasm"]);
  });

  it("counts parameters and thunks zero-cost functions when asked", async () => {
    const imports = folder.write(
      "imports.wat",
      `(module (import "env" "f" (func (param i32))) (export "f" (func 0)) (func (export "g") (param i32)))`,
    );
    const out = folder.path("options.wasm");
    const result = await runCli(
      "instrument",
      imports,
      "--logical-limit",
      "1024",
      "-o",
      out,
      "--count-params",
      "--thunk-zero-cost",
    );
    expect(result.code).toBe(EXIT.ok);
    expect(result.stdout).toContain("parameters counted, zero-cost thunks");
    // The import's thunk charges the activation frame and its parameter: 3; g: 2 + its parameter.
    expect(result.stdout).toContain('thunk function 2 → function 0, charge 3, for export "f"');
    expect(result.stdout).toContain('thunk function 3 → function 1, charge 3, for export "g"');
    expect(written(out).module.exports.map((e) => e.index)).toEqual([2, 3]);
  });

  it.each([
    [["--logical-limit", "0"], "expected an integer from 1 to 4294967295"],
    [["--logical-limit", "4294967296"], "expected an integer from 1 to 4294967295"],
    [["--logical-limit", "1e3"], "expected an integer from 1 to 4294967295"],
    [[], "required option '--logical-limit <n>' not specified"],
  ])("refuses %j with exit 2", async (args, message) => {
    const result = await runCli("instrument", input, "-o", folder.path("never.wasm"), ...args);
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toContain(message);
    expect(existsSync(folder.path("never.wasm"))).toBe(false);
  });

  it("needs -o", async () => {
    const result = await runCli("instrument", input, "--logical-limit", "1024");
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toContain("required option '-o, --output <file>' not specified");
  });

  it("checks -o before reading the module", async () => {
    const file = folder.write("a-file", "");
    for (const [out, message] of [
      [`${file}/under-a-file.wasm`, "cannot write -o"],
      [folder.path(""), "it is a folder"],
      [folder.path("text.wat"), "written as a binary; name it .wasm"],
    ] as const) {
      const result = await runCli(
        "instrument",
        folder.path("missing.wat"),
        "--logical-limit",
        "1024",
        "-o",
        out,
      );
      expect(result.code, out).toBe(EXIT.badInput);
      expect(result.stderr, out).toContain(message);
    }
  });

  it("refuses an unreadable or invalid module, and one the reference rejects, leaving -o as it was", async () => {
    const out = folder.write("kept.wasm", "previous content");
    const invalid = folder.write("invalid.wat", `(module (func (result i32)))`);
    const rejected = folder.write(
      "rejected.wat",
      `(module (func (result i32) unreachable i32.const 0 i32.add i32.add i32.add))`,
    );
    for (const [file, message] of [
      [folder.path("missing.wat"), "missing.wat: no such file"],
      [invalid, "invalid.wat: "],
      [rejected, "the reference stack limiter rejects function 0 at instruction 4"],
    ] as const) {
      const result = await runCli("instrument", file, "--logical-limit", "1024", "-o", out);
      expect(result.code, file).toBe(EXIT.badInput);
      expect(result.stderr, file).toContain(message);
      expect(readFileSync(out, "utf8")).toBe("previous content");
    }
    expect(readdirSync(folder.path("")).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("refuses a place nobody can write into", async () => {
    const result = await runCli("instrument", input, "--logical-limit", "1024", "-o", "/proc/limited.wasm");
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toContain("cannot write -o /proc/limited.wasm");
  });

  it("reads binary modules too", async () => {
    const binary = folder.path("in.wasm");
    await runCli("instrument", input, "--logical-limit", "1024", "-o", binary);
    writeFileSync(folder.path("copy.wasm"), readFileSync(binary));
    const result = await runCli(
      "instrument",
      folder.path("copy.wasm"),
      "--logical-limit",
      "2048",
      "-o",
      binary,
    );
    expect(result.code).toBe(EXIT.ok);
    // The second pass adds a height global of its own.
    expect(written(binary).module.globals).toHaveLength(2);
  });
});
