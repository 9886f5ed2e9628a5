import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { decodeModule } from "../../src/wasm/decoder.js";
import {
  FeatureOutsideProfile,
  FrontEndError,
  InvalidModule,
  MalformedModule,
} from "../../src/wasm/errors.js";
import { type Features, WASM_1_0, WASM_2_0 } from "../../src/wasm/features.js";
import { loadModule } from "../../src/wasm/index.js";
import { watToBinary } from "../../src/wasm/text.js";

async function textError(source: string, features: Features = WASM_2_0): Promise<FrontEndError> {
  try {
    await watToBinary(source, "case.wat", features);
  } catch (error) {
    if (error instanceof FrontEndError) return error;
    throw error;
  }
  throw new Error("converted without error");
}

describe("watToBinary", () => {
  it("converts text to a binary that keeps the names", async () => {
    const bytes = await watToBinary(
      `(module (func $answer (export "answer") (result i32) (local $x i32) i32.const 42))`,
    );
    const module = decodeModule(bytes);
    expect(module.names.functions.get(0)).toBe("answer");
    expect(module.names.locals.get(0)?.get(0)).toBe("x");
    expect(module.bodies[0]!.code.map((instr) => instr.op)).toEqual(["i32.const", "end"]);
  });

  it("reports a parse error as MalformedModule with line:col and its character offset", async () => {
    const source = "(module\n  (func (result i32) (i32.const x)))";
    const error = await textError(source);
    expect(error).toBeInstanceOf(MalformedModule);
    expect(error.reason).toMatch(/^case\.wat:2:\d+: /);
    const column = Number(/^case\.wat:2:(\d+)/.exec(error.reason)![1]);
    expect(error.offset).toBe(source.indexOf("\n") + column);
  });

  it("reports a validation error as InvalidModule with line:col", async () => {
    const error = await textError("(module\n  (func (result i32) (i64.const 1)))");
    expect(error).toBeInstanceOf(InvalidModule);
    expect(error.reason).toMatch(/^case\.wat:2:\d+: type mismatch/);
  });

  it("under the 1.0 profile, refuses post-1.0 operators and multiple results", async () => {
    expect(
      await textError("(module (func (result i32) (i32.extend8_s (i32.const 1))))", WASM_1_0),
    ).toBeInstanceOf(MalformedModule);
    expect(
      await textError("(module (func (result i32 i32) (i32.const 1) (i32.const 2)))", WASM_1_0),
    ).toBeInstanceOf(InvalidModule);
  });

  it("by default reads WebAssembly 2.0, and no proposal beyond it", async () => {
    const bytes = await watToBinary(`(module
      (table 1 externref)
      (func (result i32 i32) (i32.extend8_s (i32.const 1)) (i32.trunc_sat_f32_s (f32.const 1)))
      (func (param externref) (table.set 0 (i32.const 0) (local.get 0))))`);
    expect(decodeModule(bytes).bodies[0]!.code.map((instr) => instr.op)).toEqual([
      "i32.const",
      "i32.extend8_s",
      "f32.const",
      "i32.trunc_sat_f32_s",
      "end",
    ]);
  });

  it.each([
    ["(module (func (drop (v128.const i32x4 0 0 0 0))))", "simd"],
    ["(module (func (return_call 0)))", "tail-call"],
    ["(module (func (try (do))))", "exception-handling"],
  ])(
    "converts %s under every profile, for the binary front end to refuse as needing %s",
    async (source, feature) => {
      for (const features of [WASM_1_0, WASM_2_0]) {
        const bytes = await watToBinary(source, "case.wat", features);
        expect(() => decodeModule(bytes, features)).toThrow(FeatureOutsideProfile);
        expect(() => decodeModule(bytes, features)).toThrow(`unsupported feature: ${feature} in function`);
      }
    },
  );
});

describe("loadModule", () => {
  it("loads bytes, a binary file and a text file", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "samestack-wasm-"));
    const wat = path.join(dir, "m.wat");
    writeFileSync(wat, `(module (func (export "f") (param i32) (result i32) local.get 0))`);
    const fromText = await loadModule(wat);
    const bytes = await watToBinary(`(module (func (export "f") (param i32) (result i32) local.get 0))`);
    const wasm = path.join(dir, "m.wasm");
    writeFileSync(wasm, bytes);
    for (const loaded of [fromText, await loadModule(wasm), await loadModule(bytes)]) {
      expect(loaded.module.exports).toEqual([{ name: "f", kind: "func", index: 0 }]);
      expect(loaded.functions[0]!.maxHeight).toBe(1);
    }
  });
});
