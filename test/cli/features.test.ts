// `--features <profile|list>` on every command that reads modules: a bad list is a usage error that
// names the unknown name and the valid ones; a module using a feature outside the profile is bad
// input (exit 2) whose message names the feature, the function, the offset and a toolchain flag;
// the default profile, 2.0, and a profile that includes the feature accept it.
import { readFile } from "node:fs/promises";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/main.js";
import { checkReport } from "../../src/report/schema.js";
import { watToBinary } from "../../src/wasm/text.js";
import { runCli } from "./capture.js";
import { scratchFolder } from "./fixtures.js";

const folder = scratchFolder();
afterAll(() => folder.remove());

// Function 0 sign-extends its argument: i32.extend8_s needs sign-extension (polkadot has it, 1.0 not).
const narrow = folder.write(
  "narrow.wat",
  `(module (func (export "narrow") (param i32) (result i32) (i32.extend8_s (local.get 0))))`,
);
const batch = folder.write(
  "narrow.jsonl",
  `${JSON.stringify({ module: "narrow.wat", export: "narrow", args: [{ type: "i32", value: "200" }] })}\n`,
);
const specFolder = folder.path("");
folder.write(
  "script.json",
  JSON.stringify({
    source_filename: "script.wast",
    commands: [
      { type: "assert_malformed", line: 1, filename: "script.0.wat", text: "x", module_type: "text" },
    ],
  }),
);
folder.write("script.0.wat", "(module (func");

/** Each command that reads modules, with arguments that make it read `narrow.wat` (spec: a script). */
const COMMANDS: Record<string, () => string[]> = {
  check: () => ["check", narrow, "--out", folder.path("reports"), "--format", "json"],
  verify: () => ["verify", narrow],
  run: () => ["run", narrow, "narrow", "200"],
  "run --batch": () => ["run", "--batch", batch],
  compile: () => ["compile", narrow],
  spec: () => ["spec", specFolder],
  instrument: () => ["instrument", narrow, "--logical-limit", "100", "-o", folder.path("out.wasm")],
};

describe.each(Object.entries(COMMANDS))("samestack %s --features", (command, argv) => {
  it("refuses an unknown name as a usage error naming it and the valid names", async () => {
    const result = await runCli(...argv(), "--features", "polkadot,tail-call");
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toContain(`unknown feature or profile "tail-call"`);
    expect(result.stderr).toContain("profiles are 1.0, 2.0, polkadot, lime1");
    expect(result.stderr).toContain("features are sign-extension, saturating-float-to-int,");
  });

  it("reads 2.0 by default, and any profile that has the feature", async () => {
    for (const features of [
      [],
      ["--features", "2.0"],
      ["--features", "polkadot"],
      ["--features", "sign-ext"],
    ]) {
      const result = await runCli(...argv(), ...features);
      expect({ command, features, code: result.code, stderr: result.stderr }).toMatchObject({
        code: EXIT.ok,
        stderr: command === "spec" ? expect.any(String) : "",
      });
    }
  });

  if (command === "spec") return; // the script's only module is text that must not parse, under any profile
  it("refuses a module outside the profile, naming the feature, the function, the offset and a flag", async () => {
    const result = await runCli(...argv(), "--features", "1.0");
    expect(result.code).toBe(EXIT.badInput);
    // check and run --batch report it with the module's or the line's results, on stdout
    const output = command === "check" || command === "run --batch" ? result.stdout : result.stderr;
    expect(output).toMatch(
      /unsupported feature: sign-extension in function 0 at offset \d+ \(0x[0-9a-f]+\), which profile 1\.0 does not include; to avoid it, build with clang -mcpu=mvp \(or -mno-sign-ext\)/,
    );
  });
});

describe("samestack check --features", () => {
  it("records the profile in the report's provenance and each module's post-1.0 features", async () => {
    const out = folder.path("provenance");
    const result = await runCli("check", narrow, "--out", out, "--format", "json", "--features", "polkadot");
    expect(result.code).toBe(EXIT.ok);
    const report = JSON.parse(await readFile(`${out}/report.json`, "utf8"));
    expect(checkReport(report).ok).toBe(true);
    expect(report.runs[0].options.features).toEqual(["sign-extension", "saturating-float-to-int"]);
    // The text is compiled to binary; the offset is that of i32.extend8_s's opcode (0xc0) there.
    const binary = await watToBinary(await readFile(narrow, "utf8"));
    expect(report.modules[0].features).toEqual([
      { feature: "sign-extension", offset: binary.indexOf(0xc0), funcIndex: 0 },
    ]);
  });

  it("refuses a sidecar that sets features: one profile per run", async () => {
    const module = folder.write("sidecar.wat", `(module (func (export "f") (result i32) (i32.const 1)))`);
    folder.write("sidecar.invocations.json", JSON.stringify({ invocations: [], features: "1.0" }));
    const out = folder.path("sidecar-reports");
    const result = await runCli("check", module, "--out", out, "--format", "json");
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stdout).toContain(
      `"features" cannot be set per module: --features applies to the whole run`,
    );
  });
});

describe("samestack spec --features", () => {
  it("skips a module that needs a 2.0 feature outside the profile, with the commands on it", async () => {
    const scripts = scratchFolder();
    try {
      scripts.write("narrow.0.wasm", await watToBinary(await readFile(narrow, "utf8")));
      scripts.write(
        "narrow.json",
        JSON.stringify({
          source_filename: "narrow.wast",
          commands: [
            { type: "module", line: 1, filename: "narrow.0.wasm" },
            {
              type: "assert_return",
              line: 2,
              action: { type: "invoke", field: "narrow", args: [{ type: "i32", value: "200" }] },
              expected: [{ type: "i32", value: String(-56 >>> 0) }],
            },
          ],
        }),
      );
      const all = JSON.parse((await runCli("spec", scripts.path(""), "--json")).stdout);
      expect(all.totals).toEqual({ passed: 4, failed: 0, skipped: 0, nanBitDifferences: 0 });
      const result = await runCli("spec", scripts.path(""), "--json", "--features", "1.0");
      expect(result.code).toBe(EXIT.ok);
      const json = JSON.parse(result.stdout);
      expect(json.totals).toEqual({ passed: 0, failed: 0, skipped: 4, nanBitDifferences: 0 });
      expect(json.files[0].skippedByReason).toEqual({ "outside profile 1.0: sign-extension": 4 });
    } finally {
      scripts.remove();
    }
  });
});

describe("extended constant expressions (lime1)", () => {
  // $sum folds at compile time; $shifted reads an imported global, so it is computed at instantiation.
  const extended = folder.write(
    "extended.wat",
    `(module
      (import "spectest" "global_i32" (global $imported i32))
      (global $sum i64 (i64.sub (i64.const 5) (i64.mul (i64.const 3) (i64.const 4))))
      (global $shifted i32 (i32.add (i32.mul (global.get $imported) (i32.const 2)) (i32.const 1)))
      (func (export "sum") (result i64) (global.get $sum))
      (func (export "shifted") (result i32) (global.get $shifted)))`,
  );

  it.each(["sum", "shifted"])(
    "gives %s the same value on x64, aarch64 and V8 under every strategy",
    async (exportName) => {
      const values = new Set<string>();
      for (const strategy of ["native", "intersect", "frame", "logical"]) {
        const result = await runCli(
          "run",
          extended,
          exportName,
          "--features",
          "lime1",
          "--strategy",
          strategy,
          "--target",
          "x64,aarch64,v8",
          "--json",
        );
        expect(result.code, result.stdout + result.stderr).toBe(EXIT.ok);
        const { outcomes } = JSON.parse(result.stdout);
        for (const executor of ["x64", "aarch64", "v8"])
          values.add(JSON.stringify(outcomes[executor].values));
      }
      // 5 − 3·4 = −7 as an i64; the spectest global is 666, so 666·2 + 1 = 1333.
      const expected =
        exportName === "sum"
          ? { type: "i64", value: "18446744073709551609" }
          : { type: "i32", value: "1333" };
      expect([...values]).toEqual([JSON.stringify([expected])]);
    },
  );

  it("is outside the 2.0 profile", async () => {
    const result = await runCli("run", extended, "sum", "--target", "x64");
    expect(result.code).toBe(EXIT.badInput);
    expect(result.stderr).toContain("extended-const");
  });
});
