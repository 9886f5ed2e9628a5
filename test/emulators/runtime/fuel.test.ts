// Fuel counts Wasm instructions alike on both targets (emulators/runtime/fuel.ts): every reachable
// instruction has a start address on each, empty ones included, grouped the same way; and every
// corpus invocation executes the same number of them on x64 and aarch64 under every strategy.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type ExecutorImports, Executors } from "../../../emulators/executor.js";
import { standardImports } from "../../../emulators/hosts/env.js";
import { fuelPoints } from "../../../emulators/runtime/fuel.js";
import { generatedInvocations, readSidecar } from "../../../src/check/inputs.js";
import { loadModuleFile } from "../../../src/cli/load-module.js";
import { STRATEGIES, TARGETS } from "../../../src/compiler/target.js";

const SEED = 20261207;
const CASES = readdirSync("corpus")
  .filter((name) => name.endsWith(".wat"))
  .sort();
const executors = new Executors({ metering: "block" });
afterAll(() => executors.close());

/** How many instructions start at each distinct offset, in code order. */
function groupSizes(points: readonly number[]): number[] {
  const sizes: number[] = [];
  points.forEach((offset, i) => {
    if (i > 0 && points[i - 1] === offset) sizes[sizes.length - 1]!++;
    else sizes.push(1);
  });
  return sizes;
}

describe.each(CASES)("corpus/%s", (name) => {
  it("charges the same Wasm instructions on x64 and aarch64", async () => {
    const file = join("corpus", name);
    const loaded = await loadModuleFile(file);
    const reachable = (artifact: { stackMap: readonly (readonly unknown[])[] }) =>
      artifact.stackMap.flat().filter((entry) => entry !== null).length;
    for (const strategy of STRATEGIES) {
      const [x64, aarch64] = TARGETS.map((target) => executors.compile(loaded, target, strategy));
      // One start per reachable instruction (the stack map lists them, code or not), on each target.
      expect(fuelPoints(x64!)).toHaveLength(reachable(x64!));
      expect(fuelPoints(aarch64!)).toHaveLength(reachable(aarch64!));
      expect(groupSizes(fuelPoints(x64!))).toEqual(groupSizes(fuelPoints(aarch64!)));
    }

    const sidecar = await readSidecar(file, loaded.validated);
    const invocations = sidecar?.invocations ?? generatedInvocations(loaded.validated, SEED);
    const hosts = standardImports(loaded.validated.module, []);
    const imports: ExecutorImports = new Map(
      [...hosts.emulated].map(([module, exports]) => [module, { on: "emulator", exports }]),
    );
    const counts: string[] = [];
    for (const strategy of STRATEGIES) {
      for (const { exportName, args } of invocations) {
        const used = TARGETS.map((target) => {
          const result = executors.instantiate(loaded, target, strategy, imports);
          if (!result.ok || !result.instance.emulated) throw new Error(`cannot instantiate on ${target}`);
          const instance = result.instance.emulated;
          try {
            instance.invoke(exportName, args);
            return instance.wasmInstructionsUsed;
          } finally {
            instance.close();
          }
        });
        counts.push(`${strategy} ${exportName}: ${used.join(" / ")}`);
        expect(used[0], `${strategy} ${exportName}`).toBe(used[1]);
        expect(used[0]).toBeGreaterThan(0);
      }
    }
    expect(counts.length).toBeGreaterThan(0);
  });
});
