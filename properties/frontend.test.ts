// The front end on arbitrary input: random bytes and mutated spec modules (both folders) only ever
// produce a module or one of the three named errors, each in bounded time; mutants it accepts
// survive an encode/decode round trip. (properties/frontend-oracles.test.ts checks the verdicts.)
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { propertyParameters } from "../src/fuzz/seed.js";
import { decodeModule } from "../src/wasm/decoder.js";
import { encodeModule } from "../src/wasm/encoder.js";
import { InvalidModule, MalformedModule, UnsupportedFeature } from "../src/wasm/errors.js";
import type { ValidatedModule } from "../src/wasm/ir.js";
import { validateModule } from "../src/wasm/validator.js";
import { canonical } from "../test/wasm/canonical.js";
import { specModuleFiles } from "../test/wasm/spec-suite.js";

const TEST_FILE = "properties/frontend.test.ts";
/** Far above the ~1 ms the largest spec module takes; catches runaway loops and quadratic paths. */
const TIME_BOUND_MS = 250;
const RUNS = 10_000;

/** Decodes and validates; returns the module, or null for one of the three input errors. */
function frontEnd(bytes: Uint8Array): ValidatedModule | null {
  const start = performance.now();
  let result: ValidatedModule | null = null;
  try {
    result = validateModule(decodeModule(bytes));
  } catch (error) {
    const expected =
      error instanceof MalformedModule ||
      error instanceof InvalidModule ||
      error instanceof UnsupportedFeature;
    if (!expected) throw error;
  }
  const elapsed = performance.now() - start;
  if (elapsed > TIME_BOUND_MS) throw new Error(`took ${elapsed.toFixed(1)} ms for ${bytes.length} bytes`);
  return result;
}

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

type Mutation =
  | { kind: "set"; at: number; value: number }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "delete"; at: number; length: number }
  | { kind: "truncate"; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

function mutate(original: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let bytes = original;
  for (const m of mutations) {
    const at = m.at % (bytes.length + 1);
    switch (m.kind) {
      case "set":
        if (at < bytes.length) {
          bytes = bytes.slice();
          bytes[at] = m.value;
        }
        break;
      case "insert":
        bytes = new Uint8Array([...bytes.subarray(0, at), ...m.bytes, ...bytes.subarray(at)]);
        break;
      case "delete":
        bytes = new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(at + m.length)]);
        break;
      case "truncate":
        bytes = bytes.slice(0, at);
        break;
    }
  }
  return bytes;
}

describe("front end on arbitrary bytes", () => {
  const corpus = specModuleFiles();

  it("random bytes, with and without a valid header, give a module or a named error", () => {
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 256 }),
      fc.uint8Array({ maxLength: 256 }).map((tail) => new Uint8Array([...HEADER, ...tail])),
    );
    fc.assert(
      fc.property(input, (bytes) => {
        frontEnd(bytes);
      }),
      propertyParameters(TEST_FILE, RUNS),
    );
  });

  it("mutated spec modules give a module or a named error, and accepted mutants round-trip", () => {
    let accepted = 0;
    const input = fc.record({
      module: fc.integer({ min: 0, max: corpus.length - 1 }),
      mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
    });
    fc.assert(
      fc.property(input, ({ module, mutations }) => {
        const validated = frontEnd(mutate(corpus[module]!, mutations));
        if (validated === null) return;
        accepted++;
        // Validated again: validation drops the interim marks of the features the compiler compiles.
        const again = validateModule(decodeModule(encodeModule(validated.module))).module;
        expect(canonical(again)).toBe(canonical(validated.module));
      }),
      propertyParameters(TEST_FILE, RUNS),
    );
    console.log(`mutated spec modules: ${accepted} of ${RUNS} accepted and round-tripped`);
    expect(accepted).toBeGreaterThan(0);
  });
});
