// References, tables and bulk memory on emulated targets, every target under every strategy, with
// V8 as the oracle where one module is enough: externref handles and null round-tripping through
// params, results, locals, globals, tables and typed select; funcrefs stored, fetched and called
// through any table; table.grow/size/fill/copy/init and elem.drop, memory.copy/fill/init and
// data.drop with 2.0's bounds (checked before anything is written); and instances sharing funcref
// tables and globals, calling each other's functions through them.

import { describe, expect, it } from "vitest";
import type { Imports } from "../../../emulators/runtime/extern.js";
import type { RunnerInstantiation } from "../../../emulators/runtime/runner.js";
import { V8Instance, v8TrapMatches } from "../../../emulators/v8/v8.js";
import { STRATEGIES, type Strategy, TARGETS, type Target } from "../../../src/compiler/target.js";
import { decodeModule } from "../../../src/wasm/decoder.js";
import type { ValidatedModule } from "../../../src/wasm/ir.js";
import type { Outcome, TrapKind, WasmValue } from "../../../src/wasm/outcome.js";
import { watToBinary } from "../../../src/wasm/text.js";
import { validateModule } from "../../../src/wasm/validator.js";
import { instanceOf, instantiateOn, runnersPerTarget } from "./runners.js";

const runners = runnersPerTarget();

const configurations = TARGETS.flatMap((target) => STRATEGIES.map((strategy) => [target, strategy] as const));

interface Loaded {
  readonly bytes: Uint8Array;
  readonly validated: ValidatedModule;
}

async function load(wat: string): Promise<Loaded> {
  const bytes = await watToBinary(wat);
  return { bytes, validated: validateModule(decodeModule(bytes)) };
}

function instantiate(
  { validated }: Loaded,
  target: Target,
  strategy: Strategy,
  imports: Imports = new Map(),
): RunnerInstantiation {
  return instantiateOn(runners, validated, target, strategy, imports);
}

const i32 = (value: number | string): WasmValue => ({ type: "i32", value: String(value) });
const extern = (value: number | "null"): WasmValue => ({ type: "externref", value: String(value) });
const func = (value: number | "null"): WasmValue => ({ type: "funcref", value: String(value) });
const returns = (...values: WasmValue[]): Outcome => ({ outcome: "return", values });
const traps = (trap: TrapKind) => ({ outcome: "trap", trap });

/** Runs `calls` on every configuration and on V8, which must all give `expected` (V8: no location). */
async function agree(
  wat: string,
  calls: readonly [string, WasmValue[], Outcome | ReturnType<typeof traps>][],
) {
  const loaded = await load(wat);
  const v8 = V8Instance.instantiate(loaded.bytes, loaded.validated.module);
  if (!v8.ok) throw new Error(`V8 did not instantiate: ${JSON.stringify(v8)}`);
  for (const [name, args, expected] of calls) {
    const byV8 = v8.instance.invoke(name, args);
    if (expected.outcome === "trap") {
      expect(
        byV8.outcome === "trap" && v8TrapMatches(byV8.trap, expected.trap as TrapKind),
        `V8 ${name}`,
      ).toBe(true);
    } else expect(byV8, `V8 ${name}(${args.map((a) => a.value)})`).toEqual(expected);
  }
  for (const [target, strategy] of configurations) {
    const instance = instanceOf(instantiate(loaded, target, strategy));
    for (const [name, args, expected] of calls) {
      expect(
        instance.invoke(name, args),
        `${target} ${strategy} ${name}(${args.map((a) => a.value)})`,
      ).toMatchObject(expected);
    }
    instance.close();
  }
}

describe("references", () => {
  it("pass externref handles and nulls through params, locals, globals, tables, select and results", async () => {
    await agree(
      `(module
        (global $g (mut externref) (ref.null extern))
        (table $t 4 externref)
        (func (export "echo") (param externref) (result externref) (local externref)
          (local.set 1 (local.get 0)) (local.get 1))
        (func (export "keep") (param externref) (global.set $g (local.get 0)))
        (func (export "kept") (result externref) (global.get $g))
        (func (export "store") (param i32 externref) (table.set $t (local.get 0) (local.get 1)))
        (func (export "fetch") (param i32) (result externref) (table.get $t (local.get 0)))
        (func (export "pick") (param externref externref i32) (result externref)
          (select (result externref) (local.get 0) (local.get 1) (local.get 2)))
        (func (export "null?") (param externref) (result i32) (ref.is_null (local.get 0))))`,
      [
        ["echo", [extern(7)], returns(extern(7))],
        ["echo", [extern("null")], returns(extern("null"))],
        ["echo", [extern(0)], returns(extern(0))],
        ["kept", [], returns(extern("null"))],
        ["keep", [extern(42)], returns()],
        ["kept", [], returns(extern(42))],
        ["store", [i32(3), extern(5)], returns()],
        ["fetch", [i32(3)], returns(extern(5))],
        ["fetch", [i32(0)], returns(extern("null"))],
        ["fetch", [i32(4)], traps("out_of_bounds_table")],
        ["pick", [extern(1), extern(2), i32(0)], returns(extern(2))],
        ["pick", [extern(1), extern(2), i32(1)], returns(extern(1))],
        ["null?", [extern("null")], returns(i32(1))],
        ["null?", [extern(0)], returns(i32(0))],
      ],
    );
  });

  it("store funcrefs and call them through a second table with any arguments", async () => {
    await agree(
      `(module
        (type $sum9 (func (param i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
        (table $a 1 funcref)
        (table $b 3 funcref)
        (func $add9 (type $sum9)
          (i32.add (local.get 0) (i32.add (local.get 1) (i32.add (local.get 2) (i32.add (local.get 3)
          (i32.add (local.get 4) (i32.add (local.get 5) (i32.add (local.get 6) (i32.add (local.get 7) (local.get 8))))))))))
        (func $other (result i32) (i32.const 5))
        (elem declare func $add9 $other)
        (func (export "set") (param i32)
          (table.set $b (local.get 0) (ref.func $add9))
          (table.set $b (i32.const 2) (ref.func $other)))
        (func (export "get") (param i32) (result funcref) (table.get $b (local.get 0)))
        (func (export "call") (param i32) (result i32)
          (call_indirect $b (type $sum9) (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)
            (i32.const 5) (i32.const 6) (i32.const 7) (i32.const 8) (i32.const 9) (local.get 0)))
        (func (export "clear") (param i32) (table.set $b (local.get 0) (ref.null func)))
        (func (export "null?") (param funcref) (result i32) (ref.is_null (local.get 0))))`,
      [
        ["call", [i32(1)], traps("uninitialized_element")],
        ["set", [i32(1)], returns()],
        ["call", [i32(1)], returns(i32(45))],
        ["get", [i32(1)], returns(func(0))],
        ["get", [i32(0)], returns(func("null"))],
        ["call", [i32(2)], traps("indirect_call_type_mismatch")],
        ["call", [i32(3)], traps("undefined_element")],
        ["clear", [i32(1)], returns()],
        ["call", [i32(1)], traps("uninitialized_element")],
        ["get", [i32(1)], returns(func("null"))],
        ["null?", [func("null")], returns(i32(1))],
        // The host has no way to name a function: only a null funcref is an argument.
        [
          "null?",
          [func(0)],
          { outcome: "error", message: "null?: argument 0: a funcref argument can only be null" },
        ],
      ],
    );
  });
});

describe("table instructions", () => {
  it("grow (up to the maximum, −1 beyond), size, fill, copy (overlapping), init and elem.drop", async () => {
    await agree(
      `(module
        (table $t 2 6 funcref)
        (func $f0 (result i32) (i32.const 10))
        (func $f1 (result i32) (i32.const 11))
        (func $f2 (result i32) (i32.const 12))
        (elem $seg func $f0 $f1 $f2)
        (func (export "size") (result i32) (table.size $t))
        (func (export "grow") (param i32) (result i32) (table.grow $t (ref.func $f2) (local.get 0)))
        (func (export "fill") (param i32 i32) (table.fill $t (local.get 0) (ref.func $f1) (local.get 1)))
        (func (export "copy") (param i32 i32 i32) (table.copy $t $t (local.get 0) (local.get 1) (local.get 2)))
        (func (export "init") (param i32 i32 i32) (table.init $t $seg (local.get 0) (local.get 1) (local.get 2)))
        (func (export "drop") (elem.drop $seg))
        (func (export "call") (param i32) (result i32) (call_indirect $t (result i32) (local.get 0))))`,
      [
        ["size", [], returns(i32(2))],
        ["grow", [i32(3)], returns(i32(2))],
        ["size", [], returns(i32(5))],
        ["call", [i32(4)], returns(i32(12))],
        ["call", [i32(1)], traps("uninitialized_element")],
        ["grow", [i32(2)], returns(i32(0xffff_ffff))],
        ["grow", [i32(0xffff_ffff)], returns(i32(0xffff_ffff))],
        ["grow", [i32(0)], returns(i32(5))],
        ["fill", [i32(0), i32(2)], returns()],
        ["call", [i32(1)], returns(i32(11))],
        ["fill", [i32(5), i32(0)], returns()], // zero length at the end
        ["fill", [i32(4), i32(2)], traps("out_of_bounds_table")],
        ["call", [i32(4)], returns(i32(12))], // nothing written by the trapping fill
        ["init", [i32(0), i32(1), i32(2)], returns()],
        ["call", [i32(0)], returns(i32(11))],
        ["call", [i32(1)], returns(i32(12))],
        // [f1 f2 f2 f2 f2] → overlapping, destination above (backward): [f1 f1 f2 f2 f2]
        ["copy", [i32(1), i32(0), i32(3)], returns()],
        ["call", [i32(1)], returns(i32(11))],
        ["call", [i32(3)], returns(i32(12))],
        // → destination below (forward): [f1 f2 f2 f2 f2]
        ["copy", [i32(0), i32(1), i32(4)], returns()],
        ["call", [i32(0)], returns(i32(11))],
        ["call", [i32(1)], returns(i32(12))],
        ["copy", [i32(5), i32(0), i32(1)], traps("out_of_bounds_table")],
        ["init", [i32(0), i32(2), i32(2)], traps("out_of_bounds_table")],
        ["drop", [], returns()],
        ["init", [i32(0), i32(0), i32(0)], returns()],
        ["init", [i32(0), i32(0), i32(1)], traps("out_of_bounds_table")],
      ],
    );
  });
});

describe("bulk memory", () => {
  it("copy (overlapping both ways), fill, init and data.drop, bounds checked before writing", async () => {
    await agree(
      `(module
        (memory 1)
        (data $d "0123456789abcdefghijklmnopqrstuvwxyz")
        (func (export "init") (param i32 i32 i32) (memory.init $d (local.get 0) (local.get 1) (local.get 2)))
        (func (export "drop") (data.drop $d))
        (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
        (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
        (func (export "load") (param i32) (result i64) (i64.load (local.get 0)))
        (func (export "byte") (param i32) (result i32) (i32.load8_u (local.get 0))))`,
      [
        ["init", [i32(100), i32(0), i32(36)], returns()],
        ["byte", [i32(135)], returns(i32(0x7a))],
        ["copy", [i32(103), i32(100), i32(33)], returns()], // destination above: backward
        ["byte", [i32(135)], returns(i32(0x77))],
        ["byte", [i32(103)], returns(i32(0x30))],
        ["copy", [i32(100), i32(101), i32(35)], returns()], // destination below: forward
        ["byte", [i32(100)], returns(i32(0x31))],
        ["fill", [i32(65530), i32(0x1ab), i32(6)], returns()],
        ["byte", [i32(65535)], returns(i32(0xab))],
        ["fill", [i32(65536), i32(0), i32(0)], returns()], // zero length at the end
        ["fill", [i32(65535), i32(0), i32(2)], traps("out_of_bounds_memory")],
        ["byte", [i32(65535)], returns(i32(0xab))], // nothing written by the trapping fill
        ["copy", [i32(65536), i32(0), i32(0)], returns()],
        ["copy", [i32(0), i32(65530), i32(7)], traps("out_of_bounds_memory")],
        ["copy", [i32(65537), i32(0), i32(0)], traps("out_of_bounds_memory")],
        ["init", [i32(0), i32(36), i32(0)], returns()],
        ["init", [i32(0), i32(30), i32(7)], traps("out_of_bounds_memory")],
        ["drop", [], returns()],
        ["init", [i32(0), i32(0), i32(1)], traps("out_of_bounds_memory")],
        ["init", [i32(65536), i32(0), i32(0)], returns()],
        ["fill", [i32(0), i32(0x5a), i32(21)], returns()],
        ["load", [i32(13)], returns({ type: "i64", value: "6510615555426900570" })],
      ],
    );
  });
});

describe.each(configurations)(
  "instances sharing funcref tables and globals on %s under %s",
  (target, strategy) => {
    it("call each other's functions through a shared table and global, and see its growth", async () => {
      const owner = await load(`(module
      (table $t (export "table") 2 10 funcref)
      (global $g (export "fn") (mut funcref) (ref.null func))
      (func $seven (result i32) (i32.const 7))
      (elem (i32.const 0) $seven)
      (func (export "call") (param i32) (result i32) (call_indirect $t (result i32) (local.get 0)))
      (func (export "callGlobal") (result i32)
        (table.set $t (i32.const 1) (global.get $g))
        (call_indirect $t (result i32) (i32.const 1)))
      (func (export "size") (result i32) (table.size $t)))`);
      const user = await load(`(module
      (import "owner" "table" (table $t 2 funcref))
      (import "owner" "fn" (global $g (mut funcref)))
      (func $nine (result i32) (i32.const 9))
      (elem declare func $nine)
      (func (export "lend") (global.set $g (ref.func $nine)))
      (func (export "grow") (result i32) (table.grow $t (ref.func $nine) (i32.const 3)))
      (func (export "callOwners") (result i32) (call_indirect $t (result i32) (i32.const 0))))`);
      const a = instanceOf(instantiate(owner, target, strategy));
      const b = instanceOf(instantiate(user, target, strategy, new Map([["owner", a.exports]])));
      expect(b.invoke("callOwners", [])).toEqual(returns(i32(7)));
      expect(a.invoke("callGlobal", [])).toMatchObject({ outcome: "trap", trap: "uninitialized_element" });
      expect(b.invoke("lend", [])).toEqual(returns());
      expect(a.invoke("callGlobal", [])).toEqual(returns(i32(9)));
      expect(a.invoke("call", [i32(1)])).toEqual(returns(i32(9)));
      expect(b.invoke("grow", [])).toEqual(returns(i32(2)));
      expect(a.invoke("size", [])).toEqual(returns(i32(5)));
      expect(a.invoke("call", [i32(4)])).toEqual(returns(i32(9)));
      // The host sees a funcref as the function's index in the module that defines it: $nine is user's 0.
      expect(a.getGlobal("fn")).toEqual(returns(func(0)));
      b.close();
      a.close();
    });

    it("keep an element segment's writes into a shared table when a later one traps (2.0)", async () => {
      const owner = await load(`(module
      (table $t (export "table") 3 funcref)
      (func (export "call") (param i32) (result i32) (call_indirect $t (result i32) (local.get 0))))`);
      const failing = await load(`(module
      (import "owner" "table" (table $t 3 funcref))
      (func $five (result i32) (i32.const 5))
      (elem (i32.const 1) $five)
      (elem (i32.const 2) $five $five))`);
      const a = instanceOf(instantiate(owner, target, strategy));
      expect(instantiate(failing, target, strategy, new Map([["owner", a.exports]]))).toEqual({
        ok: false,
        stage: "instantiate",
        outcome: { outcome: "trap", trap: "out_of_bounds_table" },
      });
      expect(a.invoke("call", [i32(1)])).toEqual(returns(i32(5)));
      expect(a.invoke("call", [i32(2)])).toMatchObject({ outcome: "trap", trap: "uninitialized_element" });
      a.close();
    });
  },
);
