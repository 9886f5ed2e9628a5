// The front end is exactly as strict as WebAssembly 2.0 (without SIMD): on mutated modules of both
// spec suite folders its verdict (malformed, invalid or valid, under the 2.0 profile) agrees with
// V8's WebAssembly.validate and with wabt's reader and validator (2.0 features on, all else off).
// Mutants are set aside only for a reason that names its construct (properties/mutants.ts): a
// proposal beyond 2.0 that V8 has (SIMD, exception handling, threads, tail calls, and on later V8s
// more: mutants.ts), a known departure of wabt from the spec where samestack and V8 agree, or more locals than
// the engines allow. The test prints how many mutants it checked per second and what it set aside.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { propertyParameters } from "../src/fuzz/seed.js";
import { loadWabt } from "../src/wasm/text.js";
import { specModuleFiles } from "../test/wasm/spec-suite.js";
import { judge, mutate, mutation } from "./mutants.js";

const TEST_FILE = "properties/frontend-oracles.test.ts";
const RUNS = 100_000;

describe("front-end verdicts on mutated spec modules", () => {
  it("agree with V8 and wabt (10^5 mutants)", async () => {
    const corpus = specModuleFiles();
    const wabt = await loadWabt();
    const agreed = new Map<string, number>();
    const setAside = new Map<string, number>();
    const input = fc.record({
      module: fc.nat(corpus.length - 1),
      mutations: fc.array(mutation, { minLength: 1, maxLength: 2 }),
    });
    const start = performance.now();
    fc.assert(
      fc.property(input, ({ module, mutations }) => {
        const bytes = mutate(corpus[module]!, mutations);
        const judgement = judge(wabt, bytes);
        if (judgement.kind === "disagree")
          throw new Error(`${judgement.verdicts} on ${Buffer.from(bytes).toString("hex")}`);
        const [tally, key] =
          judgement.kind === "agree" ? [agreed, judgement.verdict] : [setAside, judgement.reason];
        tally.set(key, (tally.get(key) ?? 0) + 1);
      }),
      propertyParameters(TEST_FILE, RUNS),
    );
    const seconds = (performance.now() - start) / 1000;
    const asideCount = [...setAside.values()].reduce((sum, n) => sum + n, 0);
    console.log(
      [
        `${RUNS} mutants of ${corpus.length} spec modules in ${seconds.toFixed(1)} s: ` +
          `${Math.round(RUNS / seconds)} mutants/s, 0 disagreements`,
        `agreed: ${[...agreed].map(([verdict, n]) => `${verdict} ${n}`).join(", ")}`,
        `set aside: ${asideCount}`,
        ...[...setAside].map(([reason, n]) => `  ${n}  ${reason}`),
      ].join("\n"),
    );
    expect(agreed.get("valid")).toBeGreaterThan(RUNS / 100);
    expect(agreed.get("invalid")).toBeGreaterThan(RUNS / 100);
  });
});
