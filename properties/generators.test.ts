// The generators: every generated program lowers to a module that our validator and wabt both
// accept as WebAssembly 1.0, whose WAT (as printed for counterexamples) reads back to the same
// module, and the programs have the shapes they are biased toward.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { programArbitrary } from "../src/fuzz/generators/arbitrary.js";
import { lowerProgram } from "../src/fuzz/generators/lower.js";
import { moduleShape } from "../src/fuzz/generators/shape.js";
import { moduleToWat } from "../src/fuzz/generators/wat.js";
import { propertyParameters } from "../src/fuzz/seed.js";
import { decodeModule, encodeModule, validateModule, watToBinary } from "../src/wasm/index.js";
import { loadWabt, MVP_FEATURES } from "../src/wasm/text.js";
import { canonical } from "../test/wasm/canonical.js";

const TEST_FILE = "properties/generators.test.ts";
const RUNS = 300;

describe("generated programs", () => {
  it(`are valid WebAssembly 1.0 for our validator and for wabt, and survive WAT (${RUNS} runs)`, async () => {
    const wabt = await loadWabt();
    await fc.assert(
      fc.asyncProperty(programArbitrary(), async (desc) => {
        const { module } = lowerProgram(desc);
        const bytes = encodeModule(module);
        const validated = validateModule(decodeModule(bytes));
        expect(validated.features).toEqual([]);
        const read = wabt.readWasm(bytes, { readDebugNames: true, ...MVP_FEATURES });
        try {
          (read as unknown as { validate(features: typeof MVP_FEATURES): void }).validate(MVP_FEATURES);
        } finally {
          read.destroy();
        }
        const again = decodeModule(await watToBinary(await moduleToWat(bytes)));
        expect(canonical({ ...again, names: module.names })).toBe(
          canonical({ ...decodeModule(bytes), names: module.names }),
        );
      }),
      propertyParameters(TEST_FILE, RUNS),
    );
  });

  it("are biased toward the register thresholds, recursion, many locals and every construct", () => {
    const samples = fc.sample(programArbitrary(), { seed: 1, numRuns: 200 }).map(lowerProgram);
    const shapes = samples.map((p) => moduleShape(p.module));
    const share = (test: (i: number) => boolean) => samples.filter((_, i) => test(i)).length / samples.length;
    const ops = (i: number) => new Set(samples[i]!.module.bodies.flatMap((b) => b.code.map((c) => c.op)));
    const stats = {
      callAcross6: share((i) => shapes[i]!.callParamCounts.some((n) => n > 6)),
      callAcross8: share((i) => shapes[i]!.callParamCounts.some((n) => n > 8)),
      callOver16: share((i) => shapes[i]!.callParamCounts.some((n) => n > 16)),
      recursion: share((i) =>
        [...samples[i]!.module.names.functions.values()].some((n) => n.startsWith("rec")),
      ),
      imports: share((i) => samples[i]!.module.imports.length > 0),
      manyLocals: share((i) => samples[i]!.module.bodies.some((b) => b.locals.length >= 16)),
      brTable: share((i) => ops(i).has("br_table")),
      loop: share((i) => ops(i).has("loop")),
      memory: share((i) => ops(i).has("i32.store") || ops(i).has("i64.load")),
      grow: share((i) => ops(i).has("memory.grow")),
      floats: share((i) => ops(i).has("f64.add") || ops(i).has("f32.mul")),
      callIndirect: share((i) => ops(i).has("call_indirect")),
    };
    console.log(`generator shape shares over 200 programs: ${JSON.stringify(stats)}`);
    for (const [name, value] of Object.entries(stats)) expect(value, name).toBeGreaterThan(0.05);
  });
});
