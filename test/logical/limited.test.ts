// The limiter's output is read back under what the original may use: a module read under a profile
// beyond 2.0 (lime1's extended constant expressions) stays readable once limited.
import { describe, expect, it } from "vitest";
import { limitModule } from "../../src/logical/limited.js";
import { featureSet, PROFILES } from "../../src/wasm/features.js";
import { readModule } from "../../src/wasm/index.js";

const EXTENDED_CONST = `(module
  (global $g i32 (i32.add (i32.const 40) (i32.const 2)))
  (func $f (export "f") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0)) (then (global.get $g))
      (else (call $f (i32.sub (local.get 0) (i32.const 1)))))))`;

describe("limitModule", () => {
  it("reads its output under the original's features, those beyond 2.0 included", async () => {
    const lime1 = featureSet(PROFILES.lime1);
    const { validated } = await readModule(Buffer.from(EXTENDED_CONST), "extended-const.wat", lime1);
    expect(validated.features.map((use) => use.feature)).toContain("extended-const");
    const limited = limitModule(validated, { limit: 100 });
    const features = limited.instrumented.validated.features.map((use) => use.feature);
    expect(features).toContain("extended-const");
    // The limiter adds its height global after the module's own.
    expect(limited.instrumented.validated.module.globals.length).toBe(validated.module.globals.length + 1);
  });
});
