// The instrumented module behaves like the original under V8 wherever the logical limit is not
// reached, leaves the height at 0 after every call that returns, and traps at the guarded call
// that would exceed the limit — with the reference's gap: after a trap the height stays raised.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { defaultHostSettings, v8Hosts } from "../../emulators/hosts/instance-hosts.js";
import { V8Instance } from "../../emulators/v8/v8.js";
import { readSidecar, sidecarPath } from "../../src/check/inputs.js";
import { instrument, type LimiterOptions, MAX_LOGICAL_LIMIT } from "../../src/instrument/index.js";
import { encodeModule } from "../../src/wasm/encoder.js";
import type { Module, ValidatedModule } from "../../src/wasm/ir.js";
import type { Outcome } from "../../src/wasm/outcome.js";
import { watToBinary } from "../../src/wasm/text.js";
import { validatedWat } from "./module-compare.js";

const HEIGHT_EXPORT = "logical stack height";

/** The instrumented module, with the height global exported for the test to read, and its bytes. */
function instrumented(
  validated: ValidatedModule,
  options: LimiterOptions,
): { readonly module: Module; readonly bytes: Uint8Array } {
  const { module, heightGlobal } = instrument(validated, options);
  const exports = [...module.exports, { name: HEIGHT_EXPORT, kind: "global" as const, index: heightGlobal }];
  const withHeight = { ...module, exports };
  return { module: withHeight, bytes: encodeModule(withHeight) };
}

/** A fresh V8 instance of a module with the standard hosts. */
function instantiate({ bytes, module }: { bytes: Uint8Array; module: Module }, log: string[]): V8Instance {
  const instantiated = V8Instance.instantiate(
    bytes,
    module,
    v8Hosts(module, defaultHostSettings("module"), log).imports,
  );
  if (!instantiated.ok) throw new Error(`V8 cannot instantiate: ${JSON.stringify(instantiated)}`);
  return instantiated.instance;
}

function height(instance: V8Instance): Outcome {
  return instance.getGlobal(HEIGHT_EXPORT);
}

const ZERO: Outcome = { outcome: "return", values: [{ type: "i32", value: "0" }] };

describe("instrumented modules under V8", () => {
  const corpus = path.resolve(import.meta.dirname, "../../corpus");
  const cases = readdirSync(corpus)
    .filter((name) => name.endsWith(".wat"))
    .filter((name) => readdirSync(corpus).includes(path.basename(sidecarPath(name))))
    .sort();

  it("cover the corpus cases with invocations", () => {
    expect(cases.length).toBeGreaterThan(20);
  });

  it.each(cases)("%s: same outcomes and output, height back to 0 (no limit reached)", async (name) => {
    const file = path.join(corpus, name);
    const text = readFileSync(file, "utf8");
    const validated = await validatedWat(text);
    const sidecar = await readSidecar(file, validated);
    const original = { bytes: await watToBinary(text), module: validated.module };
    const limited = instrumented(validated, { limit: MAX_LOGICAL_LIMIT });
    for (const { exportName, args } of sidecar!.invocations) {
      const logs: [string[], string[]] = [[], []];
      const before = instantiate(original, logs[0]).invoke(exportName, args);
      const instance = instantiate(limited, logs[1]);
      const after = instance.invoke(exportName, args);
      expect(after, exportName).toEqual(before);
      expect(logs[1], exportName).toEqual(logs[0]);
      if (after.outcome === "return") expect(height(instance), exportName).toEqual(ZERO);
    }
  });

  describe("a recursion against the limit", () => {
    // down(n) = n by n+1 activations of down. Its cost: 2 before local.get, 3 before eqz and if
    // (which pops to 2); the then arm's constant makes 3, which the else arm keeps (the reference
    // does not reset the count at else): 4, 5 before i32.sub, 4 before the call, 5 before i32.add:
    // cost 5. The thunk and each recursive call charge 5, so down(n) reaches a height of 5·(n+1).
    const wat = `(module (func $down (export "down") (param i32) (result i32)
      local.get 0
      i32.eqz
      if (result i32)
        i32.const 0
      else
        local.get 0 i32.const 1 i32.sub call $down i32.const 1 i32.add
      end))`;
    const limit = 100;

    it("returns at the limit and traps one activation beyond it", async () => {
      const validated = await validatedWat(wat);
      expect(instrument(validated, { limit }).costs).toEqual([5]);
      const limited = instrumented(validated, { limit });
      const fits = instantiate(limited, []);
      expect(fits.invoke("down", [{ type: "i32", value: "19" }])).toEqual({
        outcome: "return",
        values: [{ type: "i32", value: "19" }],
      });
      expect(height(fits)).toEqual(ZERO);
      const overflows = instantiate(limited, []);
      expect(overflows.invoke("down", [{ type: "i32", value: "20" }])).toEqual({
        outcome: "trap",
        trap: "unreachable",
      });
    });

    it("leaves the height raised after the trap, so the next call traps too (a gap of the reference)", async () => {
      const validated = await validatedWat(wat);
      const instance = instantiate(instrumented(validated, { limit }), []);
      instance.invoke("down", [{ type: "i32", value: "20" }]);
      // The 21st activation raised the height to 105 before its check trapped.
      expect(height(instance)).toEqual({ outcome: "return", values: [{ type: "i32", value: "105" }] });
      expect(instance.invoke("down", [{ type: "i32", value: "0" }])).toEqual({
        outcome: "trap",
        trap: "unreachable",
      });
    });

    it("with countParams charges 6 an activation: down(15) fits 96, down(16) needs 102", async () => {
      const validated = await validatedWat(wat);
      const limited = instrumented(validated, { limit, countParams: true });
      const run = (n: number) => instantiate(limited, []).invoke("down", [{ type: "i32", value: `${n}` }]);
      expect(run(15)).toEqual({ outcome: "return", values: [{ type: "i32", value: "15" }] });
      expect(run(16)).toEqual({ outcome: "trap", trap: "unreachable" });
    });
  });
});
