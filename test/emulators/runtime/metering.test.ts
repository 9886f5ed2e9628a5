// Block metering gives the answer instruction metering gives (emulators/runtime/metering-check.ts):
// every corpus invocation, on both targets under every strategy, at the sidecar's stack limits, at
// small limits that overflow (the warning zone hands the run over), at the default limit, and with
// half the fuel it needs (a fuel stop in the precise twin). Replay one with `samestack run <file>
// <export> <args> --strategy s --stack-limit L --fuel F`.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type ExecutorImports, Executors, type LoadedModule } from "../../../emulators/executor.js";
import { standardImports } from "../../../emulators/hosts/env.js";
import { compareMeterings } from "../../../emulators/runtime/metering-check.js";
import type { Instance } from "../../../emulators/runtime/runner.js";
import { generatedInvocations, readSidecar } from "../../../src/check/inputs.js";
import { loadModuleFile } from "../../../src/cli/load-module.js";
import { STRATEGIES, type Strategy, TARGETS, type Target } from "../../../src/compiler/target.js";

const SEED = 20261207;
const SMALL_LIMITS = [64, 512, 4096];
const CASES = readdirSync("corpus")
  .filter((name) => name.endsWith(".wat"))
  .sort();
const blockMetered = new Executors({ metering: "block" });
const instructionMetered = new Executors({ metering: "instruction" });
afterAll(() => {
  blockMetered.close();
  instructionMetered.close();
});

function instance(executors: Executors, loaded: LoadedModule, target: Target, strategy: Strategy): Instance {
  const hosts = standardImports(loaded.validated.module, []);
  const imports: ExecutorImports = new Map(
    [...hosts.emulated].map(([name, exports]) => [name, { on: "emulator", exports }]),
  );
  const result = executors.instantiate(loaded, target, strategy, imports);
  if (!result.ok || result.instance.emulated === null) throw new Error(`cannot instantiate on ${target}`);
  return result.instance.emulated;
}

describe.each(CASES)("corpus/%s", (name) => {
  it("runs the same metered per block and per instruction", async () => {
    const file = join("corpus", name);
    const loaded = await loadModuleFile(file);
    const sidecar = await readSidecar(file, loaded.validated);
    const invocations = sidecar?.invocations ?? generatedInvocations(loaded.validated, SEED);
    const limits = [...(sidecar?.limits ?? []), ...SMALL_LIMITS, undefined];
    const differences: string[] = [];
    let runs = 0;
    for (const target of TARGETS) {
      for (const strategy of STRATEGIES) {
        for (const { exportName, args } of invocations) {
          const replay = `${file} ${exportName} ${args.map((a) => `${a.type}:${a.value}`).join(" ")} --strategy ${strategy}`;
          const compare = (options: { stackLimit?: number; fuel?: number }) => {
            const fast = instance(blockMetered, loaded, target, strategy);
            const precise = instance(instructionMetered, loaded, target, strategy);
            try {
              const { difference } = compareMeterings(fast, precise, exportName, args, options);
              runs++;
              if (difference)
                differences.push(`${target}: ${replay} ${JSON.stringify(options)}: ${difference}`);
              return precise.wasmInstructionsUsed;
            } finally {
              fast.close();
              precise.close();
            }
          };
          for (const stackLimit of limits) {
            const used = compare(stackLimit === undefined ? {} : { stackLimit });
            if (stackLimit === undefined && used > 1) compare({ fuel: Math.floor(used / 2) });
          }
        }
      }
    }
    expect(differences).toEqual([]);
    expect(runs).toBeGreaterThan(0);
  });
});
