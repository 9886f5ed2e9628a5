// encodeModule is the decoder's inverse: spec modules and hand-built modules survive
// encode → decode unchanged (offsets aside), and wabt validates what the encoder writes.
import { beforeAll, describe, expect, it } from "vitest";
import { decodeModule } from "../../src/wasm/decoder.js";
import { encodeModule } from "../../src/wasm/encoder.js";
import { UnsupportedFeature } from "../../src/wasm/errors.js";
import type { Module } from "../../src/wasm/ir.js";
import { loadWabt, MVP_FEATURES } from "../../src/wasm/text.js";
import { postMvpUses, validateModule } from "../../src/wasm/validator.js";
import { canonical } from "./canonical.js";
import { readSpecFile, specFiles } from "./spec-suite.js";

type Wabt = Awaited<ReturnType<typeof loadWabt>>;

/** Throws wabt's message when wabt rejects the bytes as a 1.0 module. */
function wabtValidate(wabt: Wabt, bytes: Uint8Array): void {
  const module = wabt.readWasm(bytes, { readDebugNames: true, ...MVP_FEATURES });
  try {
    (module.validate as (features: typeof MVP_FEATURES) => void)(MVP_FEATURES);
  } finally {
    module.destroy();
  }
}

/** Whether every part of the module is representable, so encoding loses nothing. */
function encodable(module: Module): boolean {
  return (
    module.bodies.every((body) => body.unsupported === null) &&
    module.types.every((type) => !type.unsupported) &&
    module.globals.every((global) => !global.type.unsupported) &&
    module.imports.every((imp) => imp.desc.kind !== "global" || !imp.desc.type.unsupported)
  );
}

describe("encodeModule", () => {
  let wabt: Wabt;
  beforeAll(async () => {
    wabt = await loadWabt();
  });

  it("round-trips every accepted spec module, and wabt validates the 1.0 ones", () => {
    const mismatches: string[] = [];
    let roundTripped = 0;
    let wabtValidated = 0;
    for (const file of specFiles()) {
      for (const command of file.commands) {
        if (command.filename === undefined || command.module_type === "text") continue;
        if (!["module", "assert_unlinkable", "assert_uninstantiable"].includes(command.type)) continue;
        let module: Module;
        try {
          module = validateModule(decodeModule(readSpecFile(command.filename))).module;
        } catch {
          continue; // post-1.0 modules the decoder refuses; spec-modules.test.ts accounts for them
        }
        if (!encodable(module)) continue;
        const bytes = encodeModule(module);
        const again = validateModule(decodeModule(bytes));
        roundTripped++;
        if (canonical(again.module) !== canonical(module))
          mismatches.push(`${command.filename}: differs after round trip`);
        if (postMvpUses(again).length > 0) continue;
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
    expect(wabtValidated).toBeGreaterThan(900);
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
      tables: [{ min: 1 }, { min: 0, max: 4 }],
      memories: [{ min: 1, max: 65536 }],
      globals: [{ type: { valType: "i64", mutable: true }, init: { op: "i64.const", value: -(2n ** 63n) } }],
      exports: [{ name: "f€", kind: "func", index: 0 }],
      start: 1,
      elems: [
        { table: 0, offset: { op: "global.get", global: 0 }, funcs: [0, 1] },
        { table: 1, offset: { op: "i32.const", value: 2 }, funcs: [1] },
      ],
      datas: [{ memory: 0, offset: { op: "i32.const", value: -1 }, bytes: new Uint8Array([1, 2, 3]) }],
      bodies: [
        {
          unsupported: null,
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
        { unsupported: null, locals: [], offset: 0, code: [{ op: "end", offset: 0 }] },
      ],
      names: { module: "m", functions: new Map([[0, "f"]]), locals: new Map([[0, new Map([[2, "x"]])]]) },
      customSections: [{ name: "extra", bytes: new Uint8Array([9]), offset: 0 }],
      postMvp: [],
    };
    const bytes = encodeModule(module);
    const decoded = decodeModule(bytes);
    expect(canonical(decoded)).toBe(canonical(module));
    // the second table and the segment naming it are post-1.0 (reference types) constructs
    expect(decoded.postMvp?.map((use) => use.feature)).toEqual(["reference-types", "reference-types"]);
    expect(() => validateModule(decoded)).not.toThrow();
  });

  it("refuses a function body that was cut short at a post-1.0 instruction", () => {
    const module = decodeModule(
      // (func) whose body is i32.const 0, i32.extend8_s (sign-extension), drop, end
      new Uint8Array([
        0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 8, 1, 6, 0, 0x41, 0, 0xc0, 0x1a,
        0x0b,
      ]),
    );
    expect(module.bodies[0]!.unsupported).toEqual({ feature: "sign-extension", offset: 25 });
    expect(() => encodeModule(module)).toThrow(UnsupportedFeature);
  });
});
