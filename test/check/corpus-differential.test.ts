// Every corpus case on x64, aarch64 and V8: for each invocation (from the sidecar, or generated from
// the seed for exports whose parameters are all numbers) and each of the sidecar's stack limits,
// the emulated targets agree in everything under `intersect` and `frame` (values, traps, overflow
// point and backtrace), agree on everything but the native overflow point under `native` and
// `logical` (there the logical overflow is compared: it is the same everywhere), and agree with
// V8 on values and trap kinds. Replay one case with `samestack run <file> <export> <args> --strategy s
// --stack-limit L`.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type Executor, Executors } from "../../emulators/executor.js";
import { generatedInvocations, readSidecar } from "../../src/check/inputs.js";
import { invokeEverywhere } from "../../src/cli/invoke.js";
import { loadModuleFile } from "../../src/cli/load-module.js";
import { agreement, type Outcomes } from "../../src/cli/outcomes.js";
import { STRATEGIES, type Strategy } from "../../src/compiler/target.js";
import { nanRuleOf } from "../../src/verify/outcomes.js";
import { WASM_2_0 } from "../../src/wasm/features.js";

const SEED = Number(process.env.FC_SEED ?? 20261125);
const DEFAULT_LIMIT = 1024 * 1024;
const CASES = readdirSync("corpus")
  .filter((name) => name.endsWith(".wat"))
  .sort();
const executors = new Executors();
afterAll(() => executors.close());

describe.each(CASES)("corpus/%s", (name) => {
  it("runs the same on x64, aarch64 and V8", async () => {
    const file = join("corpus", name);
    const loaded = await loadModuleFile(file, WASM_2_0);
    const sidecar = await readSidecar(file, loaded.validated);
    const invocations = sidecar?.invocations ?? generatedInvocations(loaded.validated, SEED);
    expect(invocations.length).toBeGreaterThan(0);
    const limits = [...(sidecar?.limits ?? []), DEFAULT_LIMIT];

    const disagreements: string[] = [];
    for (const { exportName, args } of invocations) {
      const replay = `samestack run ${file} ${exportName} ${args.map((a) => `${a.type}:${a.value}`).join(" ")}`;
      for (const strategy of STRATEGIES) {
        for (const stackLimit of limits) {
          const targets: Executor[] =
            stackLimit === DEFAULT_LIMIT ? ["x64", "aarch64", "v8"] : ["x64", "aarch64"];
          const { outcomes } = invokeEverywhere(executors, {
            loaded,
            exportName,
            args,
            executors: targets,
            strategy,
            stackLimit,
          });
          const verdict = agreement(comparable(outcomes, strategy), nanRuleOf(strategy));
          if (verdict.kind !== "agree") {
            disagreements.push(
              `${replay} --strategy ${strategy} --stack-limit ${stackLimit}: ${JSON.stringify(verdict)} (seed ${SEED})`,
            );
          }
        }
      }
    }
    expect(disagreements).toEqual([]);
  });
});

/**
 * Under `native` (and `logical`, whose frames are native) the targets may run out of native stack at
 * different points, or one where the other does not: once either did, only errors are still
 * compared (they never may happen). A logical overflow is compared like any other outcome.
 */
function comparable(outcomes: Outcomes, strategy: Strategy): Outcomes {
  const overflowed = Object.values(outcomes).some(
    (o) => o.outcome === "trap" && o.trap === "stack_overflow" && o.overflow !== "logical",
  );
  if ((strategy !== "native" && strategy !== "logical") || !overflowed) return outcomes;
  return Object.fromEntries(Object.entries(outcomes).filter(([, outcome]) => outcome.outcome === "error"));
}
