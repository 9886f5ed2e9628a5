// A property over the fuzzer's random programs (fixed seed; a failure prints the seed and the replay
// command): instrumented without a reachable limit, a program runs under V8 exactly as before and
// ends with the height at 0; under a small random limit it either still runs as before or stops at
// an `unreachable` with the height above the limit — the limiter's trap — and never otherwise.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NULL_REFERENCE } from "../../emulators/runtime/values.js";
import { programArbitrary } from "../../src/fuzz/generators/arbitrary.js";
import { propertyParameters } from "../../src/fuzz/seed.js";
import { caseOf, type TestCase } from "../../src/fuzz/test-case.js";
import { type EntryRun, requestOf, runOnV8 } from "../../src/fuzz/v8-oracle.js";
import { instrument, MAX_LOGICAL_LIMIT } from "../../src/instrument/index.js";
import { encodeModule } from "../../src/wasm/encoder.js";
import type { Outcome, WasmValue } from "../../src/wasm/outcome.js";

const HEIGHT_EXPORT = "logical stack height";

/**
 * A run with every non-null funcref made anonymous: V8 names a funcref by its function's index, and
 * the instrumented module hands out its thunks (other indices) where the original hands out the
 * functions themselves.
 */
function anonymous(run: EntryRun): EntryRun {
  const value = (v: WasmValue): WasmValue =>
    v.type === "funcref" && v.value !== NULL_REFERENCE ? { type: v.type, value: "function" } : v;
  const outcome = (o: Outcome): Outcome =>
    o.outcome === "return" ? { ...o, values: o.values.map(value) } : o;
  return { outcome: outcome(run.outcome), globals: run.globals.map(outcome) };
}

/** The case run on V8 instrumented with `limit`; the height global is read last among the globals. */
function runInstrumented(testCase: TestCase, limit: number): { run: EntryRun; height: number | null } {
  const { module, heightGlobal } = instrument(testCase.validated, { limit });
  const exported = {
    ...module,
    exports: [...module.exports, { name: HEIGHT_EXPORT, kind: "global" as const, index: heightGlobal }],
  };
  const request = {
    ...requestOf(testCase),
    bytes: encodeModule(exported),
    globals: [...testCase.globals, HEIGHT_EXPORT],
  };
  const run = runOnV8(request, exported);
  const last = run.globals.at(-1);
  const height = last?.outcome === "return" ? Number(last.values[0]!.value) : null;
  return { run: anonymous({ outcome: run.outcome, globals: run.globals.slice(0, -1) }), height };
}

describe("the limiter on random programs", () => {
  it("changes nothing below the limit and traps with the height above it otherwise", () => {
    const parameters = propertyParameters<[TestCase, number]>(
      "test/instrument/limiter-property.test.ts",
      150,
    );
    const seen = { trapped: 0, unchanged: 0 };
    fc.assert(
      fc.property(programArbitrary().map(caseOf), fc.integer({ min: 0, max: 300 }), (testCase, limit) => {
        const original = anonymous(runOnV8(requestOf(testCase), testCase.validated.module));
        const unlimited = runInstrumented(testCase, MAX_LOGICAL_LIMIT);
        expect(unlimited.run).toEqual(original);
        if (original.outcome.outcome === "return") expect(unlimited.height).toBe(0);

        const limited = runInstrumented(testCase, limit);
        const trappedByLimiter =
          limited.run.outcome.outcome === "trap" &&
          limited.run.outcome.trap === "unreachable" &&
          limited.height !== null &&
          limited.height > limit;
        if (trappedByLimiter) seen.trapped++;
        else {
          seen.unchanged++;
          expect(limited.run).toEqual(original);
          if (original.outcome.outcome === "return") expect(limited.height).toBe(0);
        }
      }),
      parameters,
    );
    // Both sides of the property were exercised (numbers of the fixed seed, asserted loosely).
    expect(seen.trapped).toBeGreaterThan(10);
    expect(seen.unchanged).toBeGreaterThan(10);
  });
});
