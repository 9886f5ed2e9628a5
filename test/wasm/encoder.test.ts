// encodeModule is the decoder's inverse: spec modules of both folders and hand-built modules
// survive encode → decode unchanged (offsets aside), and wabt validates what the encoder writes.
import { beforeAll, describe, expect, it } from "vitest";
import { decodeModule } from "../../src/wasm/decoder.js";
import { encodeModule } from "../../src/wasm/encoder.js";
import { WASM_2_0, type WabtFeatureFlags, wabtFeatures } from "../../src/wasm/features.js";
import type { Module } from "../../src/wasm/ir.js";
import { loadWabt } from "../../src/wasm/text.js";
import { validateModule } from "../../src/wasm/validator.js";
import { body, functions, VOID, wasm } from "./bytes.js";
import { canonical } from "./canonical.js";
import { readSpecFile, SPEC_FOLDERS, specFiles } from "./spec-suite.js";

type Wabt = Awaited<ReturnType<typeof loadWabt>>;
const WABT_2_0 = wabtFeatures(WASM_2_0);

/** Throws wabt's message when wabt rejects the bytes as a 2.0 module. */
function wabtValidate(wabt: Wabt, bytes: Uint8Array): void {
  const module = wabt.readWasm(bytes, { readDebugNames: true, ...WABT_2_0 });
  try {
    (module.validate as (features: WabtFeatureFlags) => void)(WABT_2_0);
  } finally {
    module.destroy();
  }
}

describe("encodeModule", () => {
  let wabt: Wabt;
  beforeAll(async () => {
    wabt = await loadWabt();
  });

  it("round-trips every valid spec module of both folders, and wabt validates the encodings", () => {
    const mismatches: string[] = [];
    let roundTripped = 0;
    let wabtValidated = 0;
    for (const file of SPEC_FOLDERS.flatMap((folder) => specFiles(folder))) {
      for (const command of file.commands) {
        if (command.filename === undefined || command.module_type === "text") continue;
        if (!["module", "assert_unlinkable", "assert_uninstantiable"].includes(command.type)) continue;
        const module = validateModule(decodeModule(readSpecFile(command.filename, file.folder))).module;
        const bytes = encodeModule(module);
        const again = validateModule(decodeModule(bytes));
        roundTripped++;
        if (canonical(again.module) !== canonical(module))
          mismatches.push(`${command.filename}: differs after round trip`);
        try {
          wabtValidate(wabt, bytes);
          wabtValidated++;
        } catch (error) {
          mismatches.push(`${command.filename}: wabt rejects the encoding: ${(error as Error).message}`);
        }
      }
    }
    console.log(`round trip: ${roundTripped} spec modules re-encoded, ${wabtValidated} validated by wabt`);
    expect(mismatches).toEqual([]);
    expect(wabtValidated).toBe(roundTripped);
    expect(roundTripped).toBeGreaterThan(1200);
  });

  it("encodes a hand-built module with extreme constants, names and two tables", () => {
    const module: Module = {
      types: [
        { params: ["i32", "i64"], results: ["f64"] },
        { params: [], results: [] },
      ],
      imports: [
        { module: "env", name: "g", desc: { kind: "global", type: { valType: "i32", mutable: false } } },
      ],
      funcTypeIndices: [0, 1],
      tables: [
        { elemType: "funcref", min: 1 },
        { elemType: "funcref", min: 0, max: 4 },
      ],
      memories: [{ min: 1, max: 65536 }],
      globals: [{ type: { valType: "i64", mutable: true }, init: { op: "i64.const", value: -(2n ** 63n) } }],
      exports: [{ name: "f€", kind: "func", index: 0 }],
      start: 1,
      elems: [
        {
          mode: "active",
          table: 0,
          offset: { op: "global.get", global: 0 },
          type: "funcref",
          funcs: [0, 1],
          exprs: null,
        },
        {
          mode: "active",
          table: 1,
          offset: { op: "i32.const", value: 2 },
          type: "funcref",
          funcs: [1],
          exprs: null,
        },
      ],
      datas: [
        {
          mode: "active",
          memory: 0,
          offset: { op: "i32.const", value: -1 },
          bytes: new Uint8Array([1, 2, 3]),
        },
      ],
      bodies: [
        {
          locals: ["i32", "i32", "f32"],
          offset: 0,
          code: [
            { op: "i32.const", value: -(2 ** 31), offset: 0 },
            { op: "i64.const", value: 2n ** 63n - 1n, offset: 0 },
            { op: "f32.const", bits: 0x7fc0_0001, offset: 0 },
            { op: "drop", offset: 0 },
            { op: "drop", offset: 0 },
            { op: "drop", offset: 0 },
            { op: "f64.const", bits: 0xfff8_0000_0000_0001n, offset: 0 },
            { op: "end", offset: 0 },
          ],
        },
        { locals: [], offset: 0, code: [{ op: "end", offset: 0 }] },
      ],
      names: { module: "m", functions: new Map([[0, "f"]]), locals: new Map([[0, new Map([[2, "x"]])]]) },
      customSections: [{ name: "extra", bytes: new Uint8Array([9]), offset: 0 }],
    };
    const bytes = encodeModule(module);
    const decoded = decodeModule(bytes);
    expect(canonical(decoded)).toBe(canonical(module));
    // the second table and the segment naming it are post-1.0 (reference types) constructs
    expect(decoded.features?.map((use) => use.feature)).toEqual(["reference-types"]);
    expect(() => validateModule(decoded)).not.toThrow();
  });

  it("writes the bytes it read for a body with a post-1.0 operator", () => {
    // (func) whose body is i32.const 0, ref.null func (reference types), drop, drop, end
    const bytes = wasm(...functions([VOID], [0], [body([0x41, 0, 0xd0, 0x70, 0x1a, 0x1a, 0x0b])]));
    const module = decodeModule(bytes);
    expect(module.bodies[0]!.code.map((instr) => instr.op)).toEqual([
      "i32.const",
      "ref.null",
      "drop",
      "drop",
      "end",
    ]);
    expect(encodeModule(module)).toEqual(bytes);
  });
});
