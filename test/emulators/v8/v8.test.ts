import { describe, expect, it } from "vitest";
import initWabt from "wabt";
import { V8Instance, type V8Instantiation, v8TrapMatches } from "../../../emulators/v8/v8.js";
import { decodeModule } from "../../../src/wasm/decoder.js";

const wabt = await initWabt();
const wat2wasm = (source: string): Uint8Array => wabt.parseWat("test.wat", source).toBinary({}).buffer;

function instantiate(source: string, imports?: WebAssembly.Imports): V8Instantiation {
  const bytes = wat2wasm(source);
  return V8Instance.instantiate(bytes, decodeModule(bytes), imports);
}

function instance(source: string): V8Instance {
  const result = instantiate(source);
  if (!result.ok) throw new Error(`instantiation failed: ${JSON.stringify(result)}`);
  return result.instance;
}

const i32 = (value: string) => ({ type: "i32", value }) as const;
const i64 = (value: string) => ({ type: "i64", value }) as const;

describe("V8Instance values", () => {
  const module = instance(`(module
    (func (export "neg") (param i32) (result i32) (i32.sub (i32.const 0) (local.get 0)))
    (func (export "inc64") (param i64) (result i64) (i64.add (local.get 0) (i64.const 1)))
    (func (export "addf64") (param f64 f64) (result f64) (f64.add (local.get 0) (local.get 1)))
    (func (export "halff32") (param f32) (result f32) (f32.mul (local.get 0) (f32.const 0.5)))
    (func (export "none"))
    (global (export "g") i64 (i64.const -2)))`);

  it("passes and returns i32 as unsigned bit patterns", () => {
    expect(module.invoke("neg", [i32("1")])).toEqual({ outcome: "return", values: [i32("4294967295")] });
    expect(module.invoke("neg", [i32("4294967295")])).toEqual({ outcome: "return", values: [i32("1")] });
  });

  it("passes i64 exactly (wraps at 2^64)", () => {
    expect(module.invoke("inc64", [i64("18446744073709551615")])).toEqual({
      outcome: "return",
      values: [i64("0")],
    });
    expect(module.invoke("inc64", [i64("9007199254740993")])).toEqual({
      outcome: "return",
      values: [i64("9007199254740994")],
    });
  });

  it("passes floats as bit patterns", () => {
    // IEEE 754: 1.5 = 0x3ff8000000000000, 2.25 = 0x4002000000000000, 3.75 = 0x400e000000000000.
    const f64 = (bits: bigint) => ({ type: "f64", value: bits.toString() }) as const;
    expect(module.invoke("addf64", [f64(0x3ff8000000000000n), f64(0x4002000000000000n)])).toEqual({
      outcome: "return",
      values: [f64(0x400e000000000000n)],
    });
    // f32: 3.0 = 0x40400000, 1.5 = 0x3fc00000.
    expect(module.invoke("halff32", [{ type: "f32", value: String(0x40400000) }])).toEqual({
      outcome: "return",
      values: [{ type: "f32", value: String(0x3fc00000) }],
    });
  });

  it("returns no values for a function without results", () => {
    expect(module.invoke("none", [])).toEqual({ outcome: "return", values: [] });
  });

  it("reads exported globals", () => {
    expect(module.getGlobal("g")).toEqual({ outcome: "return", values: [i64("18446744073709551614")] });
    expect(module.getGlobal("neg").outcome).toBe("error");
  });

  it("reports a bad call as an error outcome", () => {
    expect(module.invoke("missing", []).outcome).toBe("error");
    expect(module.invoke("neg", []).outcome).toBe("error");
    expect(module.invoke("neg", [i64("1")]).outcome).toBe("error");
  });
});

describe("V8Instance traps", () => {
  const module = instance(`(module
    (memory 1)
    (table 2 funcref)
    (type $v (func (result i32)))
    (func $other (param i32) (result i32) (local.get 0))
    (elem (i32.const 0) $other)
    (func (export "unreachable") unreachable)
    (func (export "div0") (result i32) (i32.div_u (i32.const 1) (i32.const 0)))
    (func (export "rem0") (result i64) (i64.rem_s (i64.const 1) (i64.const 0)))
    (func (export "overflow") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
    (func (export "conversion") (result i32) (i32.trunc_f32_s (f32.const nan)))
    (func (export "oob") (result i32) (i32.load (i32.const 65535)))
    (func (export "undefined") (result i32) (call_indirect (type $v) (i32.const 2)))
    (func (export "null") (result i32) (call_indirect (type $v) (i32.const 1)))
    (func (export "mismatch") (result i32) (call_indirect (type $v) (i32.const 0)))
    (func $deep (export "deep") (call $deep)))`);

  it.each([
    ["unreachable", "unreachable"],
    ["div0", "integer_divide_by_zero"],
    ["rem0", "integer_divide_by_zero"],
    ["overflow", "integer_overflow"],
    ["conversion", "invalid_conversion_to_integer"],
    ["oob", "out_of_bounds_memory"],
    // V8 has one message for an index outside a table, call_indirect's included (v8TrapMatches).
    ["undefined", "out_of_bounds_table"],
    ["mismatch", "indirect_call_type_mismatch"],
    ["deep", "stack_overflow"],
  ] as const)("%s traps with %s and no location", (name, kind) => {
    expect(module.invoke(name, [])).toEqual({ outcome: "trap", trap: kind });
  });

  it("cannot tell a null entry from a signature mismatch", () => {
    const outcome = module.invoke("null", []);
    expect(outcome.outcome === "trap" && v8TrapMatches(outcome.trap, "uninitialized_element")).toBe(true);
    expect(v8TrapMatches("indirect_call_type_mismatch", "indirect_call_type_mismatch")).toBe(true);
    expect(v8TrapMatches("indirect_call_type_mismatch", "unreachable")).toBe(false);
    expect(v8TrapMatches("unreachable", "uninitialized_element")).toBe(false);
  });
});

describe("V8Instance state", () => {
  it("keeps memory and globals across invocations", () => {
    const module = instance(`(module
      (memory 1)
      (global $count (mut i32) (i32.const 0))
      (func (export "bump") (result i32)
        (global.set $count (i32.add (global.get $count) (i32.const 1)))
        (i32.store (i32.const 8) (i32.add (i32.load (i32.const 8)) (i32.const 10)))
        (i32.add (global.get $count) (i32.load (i32.const 8)))))`);
    expect(module.invoke("bump", [])).toEqual({ outcome: "return", values: [i32("11")] });
    expect(module.invoke("bump", [])).toEqual({ outcome: "return", values: [i32("22")] });
  });
});

describe("V8Instance.instantiate failures", () => {
  it("reports bytes V8 rejects at the compile stage", () => {
    const bytes = Uint8Array.of(0, 0x61, 0x73, 0x6d, 2, 0, 0, 0);
    const result = V8Instance.instantiate(bytes, decodeModule(wat2wasm("(module)")));
    expect(result).toMatchObject({ ok: false, stage: "compile" });
  });

  it("reports a missing import at the link stage", () => {
    const result = instantiate(`(module (import "env" "f" (func)))`);
    expect(result).toMatchObject({ ok: false, stage: "link" });
  });

  it("links imports it is given", () => {
    const result = instantiate(`(module (import "env" "f" (func (result i32))) (export "g" (func 0)))`, {
      env: { f: () => 42 },
    });
    expect(result.ok && result.instance.invoke("g", [])).toEqual({ outcome: "return", values: [i32("42")] });
  });

  it("reports segments out of bounds as traps of the instantiate stage", () => {
    expect(instantiate(`(module (memory 1) (data (i32.const 65535) "ab"))`)).toEqual({
      ok: false,
      stage: "instantiate",
      outcome: { outcome: "trap", trap: "out_of_bounds_memory" },
    });
    expect(instantiate(`(module (table 1 funcref) (func $f) (elem (i32.const 1) $f))`)).toEqual({
      ok: false,
      stage: "instantiate",
      outcome: { outcome: "trap", trap: "out_of_bounds_table" },
    });
  });

  it("reports a trapping start function with its trap outcome", () => {
    const result = instantiate(`(module (func $s unreachable) (start $s))`);
    expect(result).toEqual({
      ok: false,
      stage: "instantiate",
      outcome: { outcome: "trap", trap: "unreachable" },
    });
  });
});
