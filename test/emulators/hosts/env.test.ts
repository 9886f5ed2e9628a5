// The `env` host and its V8 twin: every result of a multi-result import, the same on x64, aarch64
// (under every strategy) and V8, deterministic, the first being what the same import with one
// result gives; reference arguments fold as null or not, reference results are null.
import { afterAll, describe, expect, it } from "vitest";
import { EXIT } from "../../../src/cli/main.js";
import { STRATEGIES } from "../../../src/compiler/target.js";
import type { WasmValue } from "../../../src/wasm/outcome.js";
import { runCli } from "../../cli/capture.js";
import { scratchFolder } from "../../cli/fixtures.js";

const folder = scratchFolder();
afterAll(() => folder.remove());

const module = folder.write(
  "hosts.wat",
  `(module
    (import "env" "one" (func $one (param i32 f64) (result i32)))
    (import "env" "four" (func $four (param i32 f64) (result i32 i64 f32 f64)))
    (import "env" "refs" (func $refs (param externref i32) (result externref i32)))
    (func (export "one") (param i32 f64) (result i32) (call $one (local.get 0) (local.get 1)))
    (func (export "four") (param i32 f64) (result i32 i64 f32 f64) (call $four (local.get 0) (local.get 1)))
    ;; the externref result as ref.is_null, then the i32
    (func (export "refs") (param i32) (result i32 i32) (local $n i32)
      (call $refs (ref.null extern) (local.get 0))
      (local.set $n)
      (ref.is_null)
      (local.get $n)))`,
);

/** The values `export` returns on x64, aarch64 and V8 under `strategy`, whose outcomes must all agree. */
async function results(strategy: string, exportName: string, ...args: string[]): Promise<WasmValue[]> {
  const result = await runCli("run", module, exportName, ...args, "--strategy", strategy, "--json");
  expect(result.code, result.stdout + result.stderr).toBe(EXIT.ok);
  const { outcomes } = JSON.parse(result.stdout);
  expect(Object.keys(outcomes)).toEqual(["x64", "aarch64", "v8"]);
  // instructions executed are each target's own count, never compared
  const { executed: _x64, ...x64 } = outcomes.x64;
  const { executed: _aarch64, ...aarch64 } = outcomes.aarch64;
  expect(aarch64).toEqual(x64);
  expect(outcomes.v8).toEqual(x64);
  return x64.values;
}

describe.each(STRATEGIES)("the env host under %s", (strategy) => {
  it("returns every result of a multi-result import, the first as the one-result import's", async () => {
    const one = await results(strategy, "one", "7", "2.5");
    const four = await results(strategy, "four", "7", "2.5");
    expect(four.map((v) => v.type)).toEqual(["i32", "i64", "f32", "f64"]);
    expect(four[0]).toEqual(one[0]);
    // the later results come from the fold and their position: not all the same bits, and not zero
    expect(new Set(four.map((v) => v.value)).size).toBe(4);
    expect(four.every((v) => v.value !== "0")).toBe(true);
    expect(await results(strategy, "four", "7", "2.5")).toEqual(four);
    expect(await results(strategy, "four", "8", "2.5")).not.toEqual(four);
  });

  it("takes a null externref argument and returns a null externref result", async () => {
    const [isNull, value] = await results(strategy, "refs", "3");
    expect(isNull).toEqual({ type: "i32", value: "1" });
    expect(value!.type).toBe("i32");
    expect(await results(strategy, "refs", "4")).not.toEqual([isNull, value]);
  });
});
