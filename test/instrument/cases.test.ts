// Cases the reference's fixtures do not cover: several results, imported globals, the start
// function, exported imports, shared table entries, WebAssembly 2.0's segments and references,
// call_indirect, unreachable code, duplicate types, the limit's range and the two opt-in fixes. Each
// expected cost is worked out by hand (cost.test.ts says how); every output must validate under
// samestack's front end and V8, and some run under V8.
import { describe, expect, it } from "vitest";
import { BadLogicalLimit, instrument, MAX_LOGICAL_LIMIT } from "../../src/instrument/index.js";
import { bodyText, guardedCallText, instrumentWat, validatedWat } from "./module-compare.js";

/** Instruments `wat`, checks the output validates under V8 too, and returns it. */
async function instrumented(wat: string, options: Parameters<typeof instrumentWat>[1]) {
  const result = await instrumentWat(wat, options);
  expect(WebAssembly.validate(result.bytes as Uint8Array<ArrayBuffer>)).toBe(true);
  return result;
}

/** The instrumented module instantiated in V8 with `imports`; its exports. */
async function run(bytes: Uint8Array, imports: WebAssembly.Imports = {}) {
  const { instance } = await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>, imports);
  return instance.exports as Record<string, (...args: unknown[]) => unknown>;
}

describe("instrumenting beyond the reference's fixtures", () => {
  it("gives a function with several results a thunk of its own type that pushes every parameter", async () => {
    // swap: 2, then 3 before the second local.get, 4 before end: cost 4.
    const wat = `(module (func (export "swap") (param i32 i64) (result i64 i32) local.get 1 local.get 0))`;
    const { output, bytes } = await instrumented(wat, { limit: 1024 });
    expect(output.module.funcTypeIndices).toEqual([0, 0]);
    expect(output.module.exports).toEqual([{ name: "swap", kind: "func", index: 1 }]);
    expect(bodyText(output, 1)).toEqual([
      "local.get 0",
      "local.get 1",
      ...guardedCallText(0, 4, 0, 1024),
      "end",
    ]);
    expect((await run(bytes)).swap!(1, 2n)).toEqual([2n, 1]);
  });

  it("puts the height global after the imported and defined globals", async () => {
    const wat = `(module
      (import "env" "g" (global i32))
      (import "env" "h" (global (mut i64)))
      (global (mut i32) (i32.const 7))
      (func (export "f") (result i32) global.get 2))`;
    const { instrumentation, output, bytes } = await instrumented(wat, { limit: 1024 });
    // Globals 0 and 1 are imported, 2 is defined: the height is global 3, the module's second defined one.
    expect(instrumentation.heightGlobal).toBe(3);
    expect(output.module.globals.map((g) => g.type)).toEqual([
      { valType: "i32", mutable: true },
      { valType: "i32", mutable: true },
    ]);
    expect(output.module.globals[1]!.init).toEqual({ op: "i32.const", value: 0 });
    // f: 2, then 3 before end: cost 3.
    expect(bodyText(output, 1)).toEqual([...guardedCallText(0, 3, 3, 1024), "end"]);
    const env = { g: 1, h: new WebAssembly.Global({ value: "i64", mutable: true }, 2n) };
    expect((await run(bytes, { env })).f!()).toBe(7);
  });

  it("redirects the start function to a thunk, ordered with the others by callee index", async () => {
    // s: 2, 3, 4 before i32.add, 3, 2: cost 4. get: 2, 3 before end: cost 3.
    const wat = `(module (global (mut i32) (i32.const 0))
      (func $s global.get 0 i32.const 1 i32.add global.set 0)
      (func (export "get") (result i32) global.get 0)
      (start $s))`;
    const { instrumentation, output, bytes } = await instrumented(wat, { limit: 1024 });
    expect(
      instrumentation.thunks.map(({ funcIndex, callee, charge }) => [funcIndex, callee, charge]),
    ).toEqual([
      [2, 0, 4],
      [3, 1, 3],
    ]);
    expect(output.module.start).toBe(2);
    expect(output.module.exports[0]!.index).toBe(3);
    expect((await run(bytes)).get!()).toBe(1);
  });

  it("leaves an exported import and calls of it alone unless zero-cost thunks are asked for", async () => {
    // g: 2, then 3 before the call and before end: cost 3; with its parameter counted 4.
    const wat = `(module (import "env" "f" (func (param i32) (result i32)))
      (export "f" (func 0))
      (func (export "g") (param i32) (result i32) local.get 0 call 0))`;
    const plain = await instrumented(wat, { limit: 1024 });
    expect(plain.output.module.exports.map((e) => e.index)).toEqual([0, 2]);
    expect(bodyText(plain.output, 1)).toEqual(["local.get 0", "call 0", "end"]);

    const zero = await instrumented(wat, { limit: 1024, thunkZeroCost: true });
    // The import's thunk charges an empty function's cost, the activation frame: 2.
    expect(zero.instrumentation.thunks.map((t) => [t.funcIndex, t.callee, t.charge])).toEqual([
      [2, 0, 2],
      [3, 1, 3],
    ]);
    expect(zero.output.module.exports.map((e) => e.index)).toEqual([2, 3]);
    expect(bodyText(zero.output, 2)).toEqual(["local.get 0", ...guardedCallText(0, 2, 0, 1024), "end"]);
    expect(bodyText(zero.output, 1)).toEqual(["local.get 0", "call 0", "end"]);

    const both = await instrumented(wat, { limit: 1024, thunkZeroCost: true, countParams: true });
    expect(both.instrumentation.thunks.map((t) => t.charge)).toEqual([3, 4]);
    const env = { f: (x: number) => x * 2 };
    expect((await run(zero.bytes, { env })).g!(21)).toBe(42);
  });

  it("makes one thunk per function, however many segments and exports name it", async () => {
    // a: 2 before end: cost 2. b: 2, 3 before end: cost 3.
    const wat = `(module (table 4 funcref)
      (func $a) (func $b (result i32) i32.const 1)
      (elem (i32.const 0) $a $b)
      (elem (i32.const 2) $b $a)
      (export "b" (func $b)) (export "also-b" (func $b)))`;
    const { instrumentation, output } = await instrumented(wat, { limit: 1024 });
    expect(instrumentation.thunks).toEqual([
      {
        funcIndex: 2,
        callee: 0,
        charge: 2,
        entries: [
          { kind: "element", segment: 0, position: 0 },
          { kind: "element", segment: 1, position: 1 },
        ],
      },
      {
        funcIndex: 3,
        callee: 1,
        charge: 3,
        entries: [
          { kind: "export", name: "b" },
          { kind: "export", name: "also-b" },
          { kind: "element", segment: 0, position: 1 },
          { kind: "element", segment: 1, position: 0 },
        ],
      },
    ]);
    expect(output.module.elems.map((e) => e.funcs)).toEqual([
      [2, 3],
      [3, 2],
    ]);
    expect(output.module.exports.map((e) => e.index)).toEqual([3, 3]);
  });

  describe("WebAssembly 2.0 references", () => {
    // a, b, c: 2, 3 before end: cost 3 each. run: three constants then table.init (5 before it),
    // twice; i32.const, ref.func (4 before table.set); local.get, call_indirect (3), end: cost 5.
    const wat = `(module (table 3 funcref)
      (func $a (result i32) i32.const 5)
      (func $b (result i32) i32.const 6)
      (func $c (result i32) i32.const 7)
      (global funcref (ref.func $c))
      (elem $pa func $a)
      (elem $pb funcref (ref.func $b) (ref.null func))
      (elem declare func $c)
      (func (export "run") (param i32) (result i32)
        (table.init $pa (i32.const 0) (i32.const 0) (i32.const 1))
        (table.init $pb (i32.const 1) (i32.const 0) (i32.const 1))
        (table.set (i32.const 2) (ref.func $c))
        (call_indirect (result i32) (local.get 0))))`;

    it("name thunks in passive and declarative segments, element expressions, globals and code", async () => {
      const { instrumentation, output } = await instrumented(wat, { limit: 1024 });
      expect(instrumentation.costs).toEqual([3, 3, 3, 5]);
      expect(instrumentation.thunks.map((t) => [t.funcIndex, t.callee])).toEqual([
        [4, 0],
        [5, 1],
        [6, 2],
        [7, 3],
      ]);
      const [passive, expressions, declared] = output.module.elems;
      expect([passive!.mode, passive!.funcs]).toEqual(["passive", [4]]);
      expect(expressions!.exprs).toEqual([
        { op: "ref.func", func: 5 },
        { op: "ref.null", type: "funcref" },
      ]);
      expect([declared!.mode, declared!.funcs]).toEqual(["declarative", [6]]);
      expect(output.module.globals[0]!.init).toEqual({ op: "ref.func", func: 6 });
      expect(bodyText(output, 3)).toContain("ref.func 6");
      expect(instrumentation.thunks[2]!.entries).toEqual([
        { kind: "global", global: 0 },
        { kind: "element", segment: 2, position: 0 },
        { kind: "ref.func", at: { funcIndex: 3, instrIndex: 9, offset: expect.any(Number) } },
      ]);
    });

    it("count a call through any of them: run's 5 plus the callee's 3", async () => {
      const fits = await run((await instrumented(wat, { limit: 8 })).bytes);
      expect([0, 1, 2].map((slot) => fits.run!(slot))).toEqual([5, 6, 7]);
      for (const slot of [0, 1, 2]) {
        const tight = await run((await instrumented(wat, { limit: 7 })).bytes);
        expect(() => tight.run!(slot)).toThrow(/unreachable/);
      }
    });
  });

  it("leaves call_indirect as it is", async () => {
    const wat = `(module (type $t (func (result i32))) (table 1 funcref)
      (func (export "f") (result i32) (call_indirect (type $t) (i32.const 0))))`;
    const { output } = await instrumented(wat, { limit: 1024 });
    expect(bodyText(output, 0)).toEqual(bodyText(await validatedWat(wat), 0));
  });

  it("guards calls in unreachable code too, and the module stays valid", async () => {
    // f: 2, 3 before end: cost 3. g is all unreachable after its first instruction.
    const wat = `(module (func $f (param i32) (result i32) local.get 0)
      (func (export "g") (result i32) unreachable call $f))`;
    const { output, bytes } = await instrumented(wat, { limit: 1024 });
    expect(bodyText(output, 1)).toEqual(["unreachable", ...guardedCallText("$f", 3, 0, 1024), "end"]);
    const { g } = await run(bytes);
    expect(() => g!()).toThrow(/unreachable/);
  });

  it("gives a thunk the first type equal to its callee's", async () => {
    const wat = `(module (type $t0 (func (result i32))) (type $t1 (func (result i32)))
      (func (export "f") (type $t1) i32.const 1))`;
    const { output } = await instrumented(wat, { limit: 1024 });
    expect(output.module.funcTypeIndices).toEqual([1, 0]);
  });

  it("counts parameters in the charges with countParams", async () => {
    // add: 2, 3, 4 before i32.add, 3 before end: cost 4; with its two parameters 6.
    // call-add: 2, 3, 4 before the call, 3 before end: cost 4; with its parameter 5.
    const wat = `(module (func $add (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
      (func (export "call-add") (param i32) (result i32) local.get 0 local.get 0 call $add))`;
    const plain = await instrumented(wat, { limit: 1024 });
    const counted = await instrumented(wat, { limit: 1024, countParams: true });
    expect(plain.instrumentation.costs).toEqual([4, 4]);
    expect(counted.instrumentation.costs).toEqual([6, 5]);
    expect(bodyText(counted.output, 1).slice(2, -1)).toEqual(guardedCallText("$add", 6, 0, 1024));
  });

  it("encodes limits up to 2^32 - 1 as the i32 they wrap to and refuses the others", async () => {
    const wat = `(module (func (export "f")))`;
    expect(bodyText((await instrumented(wat, { limit: MAX_LOGICAL_LIMIT })).output, 1)).toContain(
      "i32.const -1",
    );
    expect(bodyText((await instrumented(wat, { limit: 0 })).output, 1)).toContain("i32.const 0");
    const validated = await validatedWat(wat);
    for (const limit of [-1, 1.5, MAX_LOGICAL_LIMIT + 1, Number.NaN]) {
      expect(() => instrument(validated, { limit })).toThrow(BadLogicalLimit);
    }
  });
});
