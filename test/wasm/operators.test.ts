// Every operator WebAssembly 2.0 added (SIMD aside): written as text by wabt, decoded into the IR
// shape the table below states by hand, validated, and encoded back to a module that decodes the
// same and that wabt validates.
import { beforeAll, describe, expect, it } from "vitest";
import { decodeModule } from "../../src/wasm/decoder.js";
import { encodeModule } from "../../src/wasm/encoder.js";
import { WASM_2_0, type WabtFeatureFlags, wabtFeatures } from "../../src/wasm/features.js";
import { instructionText } from "../../src/wasm/instruction-text.js";
import type { Instr, Module } from "../../src/wasm/ir.js";
import { loadWabt, watToBinary } from "../../src/wasm/text.js";
import { validateModule } from "../../src/wasm/validator.js";
import { canonical } from "./canonical.js";

/** Tables 0 and 2 hold funcref, table 1 externref; data segment 0 and element segment 0 are passive. */
const CONTEXT = `
  (type $ii (func (param i32) (result i32 i32)))
  (memory 1)
  (table 2 funcref)
  (table 2 externref)
  (table 2 funcref)
  (data "abc")
  (elem func $f)
  (func $f (param i32) (result i32 i32) (local.get 0) (local.get 0))`;

/** An instruction without its offset (distributed over the union). */
type Bare<T> = T extends unknown ? Omit<T, "offset"> : never;

/** [function body, the instruction it is about, as decoded (offset aside)] */
const CASES: readonly [string, Bare<Instr>][] = [
  ["(drop (i32.extend8_s (i32.const 1)))", { op: "i32.extend8_s" }],
  ["(drop (i32.extend16_s (i32.const 1)))", { op: "i32.extend16_s" }],
  ["(drop (i64.extend8_s (i64.const 1)))", { op: "i64.extend8_s" }],
  ["(drop (i64.extend16_s (i64.const 1)))", { op: "i64.extend16_s" }],
  ["(drop (i64.extend32_s (i64.const 1)))", { op: "i64.extend32_s" }],
  ["(drop (i32.trunc_sat_f32_s (f32.const 1)))", { op: "i32.trunc_sat_f32_s" }],
  ["(drop (i32.trunc_sat_f32_u (f32.const 1)))", { op: "i32.trunc_sat_f32_u" }],
  ["(drop (i32.trunc_sat_f64_s (f64.const 1)))", { op: "i32.trunc_sat_f64_s" }],
  ["(drop (i32.trunc_sat_f64_u (f64.const 1)))", { op: "i32.trunc_sat_f64_u" }],
  ["(drop (i64.trunc_sat_f32_s (f32.const 1)))", { op: "i64.trunc_sat_f32_s" }],
  ["(drop (i64.trunc_sat_f32_u (f32.const 1)))", { op: "i64.trunc_sat_f32_u" }],
  ["(drop (i64.trunc_sat_f64_s (f64.const 1)))", { op: "i64.trunc_sat_f64_s" }],
  ["(drop (i64.trunc_sat_f64_u (f64.const 1)))", { op: "i64.trunc_sat_f64_u" }],
  ["(memory.copy (i32.const 0) (i32.const 1) (i32.const 2))", { op: "memory.copy" }],
  ["(memory.fill (i32.const 0) (i32.const 1) (i32.const 2))", { op: "memory.fill" }],
  ["(memory.init 0 (i32.const 0) (i32.const 1) (i32.const 2))", { op: "memory.init", data: 0 }],
  ["(data.drop 0)", { op: "data.drop", data: 0 }],
  [
    "(table.copy 2 0 (i32.const 0) (i32.const 1) (i32.const 1))",
    { op: "table.copy", dstTable: 2, srcTable: 0 },
  ],
  ["(table.init 2 0 (i32.const 0) (i32.const 0) (i32.const 1))", { op: "table.init", table: 2, elem: 0 }],
  ["(elem.drop 0)", { op: "elem.drop", elem: 0 }],
  ["(drop (table.get 1 (i32.const 0)))", { op: "table.get", table: 1 }],
  ["(table.set 1 (i32.const 0) (ref.null extern))", { op: "table.set", table: 1 }],
  ["(drop (table.size 2))", { op: "table.size", table: 2 }],
  ["(drop (table.grow 1 (ref.null extern) (i32.const 1)))", { op: "table.grow", table: 1 }],
  ["(table.fill 2 (i32.const 0) (ref.null func) (i32.const 1))", { op: "table.fill", table: 2 }],
  ["(drop (ref.null extern))", { op: "ref.null", type: "externref" }],
  ["(drop (ref.is_null (ref.null func)))", { op: "ref.is_null" }],
  ["(drop (ref.func $f))", { op: "ref.func", func: 0 }],
  [
    "(drop (select (result externref) (ref.null extern) (ref.null extern) (i32.const 1)))",
    { op: "select_t", types: ["externref"] },
  ],
  [
    "(drop (drop (call_indirect 2 (type $ii) (i32.const 1) (i32.const 0))))",
    { op: "call_indirect", typeIndex: 0, table: 2 },
  ],
  ["i32.const 5 block (type $ii) i32.const 2 end drop drop", { op: "block", blockType: { typeIndex: 0 } }],
  ["i32.const 5 loop (type $ii) i32.const 2 end drop drop", { op: "loop", blockType: { typeIndex: 0 } }],
  [
    "i32.const 5 i32.const 1 if (type $ii) i32.const 2 else i32.const 3 end drop drop",
    { op: "if", blockType: { typeIndex: 0 } },
  ],
  ["(drop (block (result funcref) (ref.null func)))", { op: "block", blockType: "funcref" }],
];

type Wabt = Awaited<ReturnType<typeof loadWabt>>;
const WABT_2_0 = wabtFeatures(WASM_2_0);

function wabtValidates(wabt: Wabt, bytes: Uint8Array): void {
  const module = wabt.readWasm(bytes, WABT_2_0 as Parameters<Wabt["readWasm"]>[1]);
  try {
    (module.validate as (features: WabtFeatureFlags) => void)(WABT_2_0);
  } finally {
    module.destroy();
  }
}

describe("WebAssembly 2.0 operators", () => {
  let wabt: Wabt;
  beforeAll(async () => {
    wabt = await loadWabt();
  });

  for (const [body, expected] of CASES) {
    it(`${expected.op}: ${body}`, async () => {
      const bytes = await watToBinary(`(module ${CONTEXT} (func ${body}))`);
      const module: Module = decodeModule(bytes);
      const code = module.bodies[module.bodies.length - 1]!.code;
      const found = code.find((instr) => instr.op === expected.op);
      expect(found).toMatchObject(expected);
      expect(() => validateModule(module)).not.toThrow();
      const again = encodeModule(module);
      expect(canonical(decodeModule(again))).toBe(canonical(module));
      expect(() => wabtValidates(wabt, again)).not.toThrow();
    });
  }

  it("prints the new operators as listings show them, one line per instruction", async () => {
    const bytes = await watToBinary(`(module ${CONTEXT}
      (func
        i32.const 5 block (type $ii) i32.const 2 end drop drop
        (drop (drop (call_indirect 2 (type $ii) (i32.const 1) (i32.const 0))))
        (table.copy 2 0 (i32.const 0) (i32.const 1) (i32.const 1))
        (table.init 2 0 (i32.const 0) (i32.const 0) (i32.const 1))
        (drop (select (result externref) (ref.null extern) (ref.null extern) (i32.const 1)))
        (drop (ref.func $f))
        (memory.init 0 (i32.const 0) (i32.const 1) (i32.const 2))
        (drop (i32.trunc_sat_f64_u (f64.const 1)))))`);
    const validated = validateModule(decodeModule(bytes));
    const funcIndex = validated.funcTypes.length - 1;
    const lines = validated.module.bodies[funcIndex]!.code.map((instr) =>
      instructionText(validated, funcIndex, instr),
    );
    for (const line of [
      "block (type 0)",
      "call_indirect 2 (type 0)",
      "table.copy 2 0",
      "table.init 2 0",
      "select (result externref)",
      "ref.null extern",
      "ref.func $f",
      "memory.init 0",
      "i32.trunc_sat_f64_u",
    ]) {
      expect(lines).toContain(line);
    }
  });
});
