// Block metering gives the answer instruction metering gives (emulators/runtime/metering-check.ts):
// every hand-written corpus invocation, on both targets under every strategy, at the sidecar's stack
// limits, at small limits that overflow (the warning zone hands the run over), at the default limit,
// and with half the fuel it needs (a fuel stop in the precise twin); every C program's invocation the
// same way under intersect, at its sidecar's limits and the default. The hand-written ones also run
// on a block-metered engine told `precise` (its twin from the start, as the fuzzer's overflow
// property runs them), which must leave what the engine metered per instruction leaves; and profiled
// natively on the block-metered engine, which must leave what the plain run there leaves (the
// overflow property takes the profiled run as the block-metered one). Replay one
// with `samestack run <file> <export> <args> --strategy s --stack-limit L --fuel F` (and the
// sidecar's WASI settings).
import { afterAll, describe, expect, it } from "vitest";
import { Executors } from "../../../emulators/executor.js";
import {
  compareMeterings,
  leftBehind,
  meteredRun,
  meteringDifference,
} from "../../../emulators/runtime/metering-check.js";
import type { InvokeOptions } from "../../../emulators/runtime/runner.js";
import { STRATEGIES, type Strategy, TARGETS } from "../../../src/compiler/target.js";
import { profileCode } from "../../../src/verify/profile-code.js";
import { COMPILED, type CorpusCase, corpusCase, emulatedInstance, HAND_WRITTEN } from "./corpus-cases.js";

const SMALL_LIMITS = [64, 512, 4096];
const blockMetered = new Executors({ metering: "block" });
const instructionMetered = new Executors({ metering: "instruction" });
afterAll(() => {
  blockMetered.close();
  instructionMetered.close();
});

/**
 * Every invocation of `corpus` on both targets under `strategies`, metered both ways at each of
 * `limits` (undefined: the default limit), and with half the fuel the default limit's run needed;
 * with `twin`, also on a block-metered engine's precise twin from the start, and profiled there.
 */
function meteringDifferences(
  corpus: CorpusCase,
  strategies: readonly Strategy[],
  limits: readonly (number | undefined)[],
  twin = false,
): { differences: string[]; runs: number } {
  const differences: string[] = [];
  let runs = 0;
  for (const target of TARGETS) {
    for (const strategy of strategies) {
      for (const { exportName, args } of corpus.invocations) {
        const replay = `${corpus.file} ${exportName} ${args.map((a) => `${a.type}:${a.value}`).join(" ")} --strategy ${strategy}`;
        const compare = (options: { stackLimit?: number; fuel?: number }) => {
          const fast = emulatedInstance(blockMetered, corpus, target, strategy);
          const precise = emulatedInstance(instructionMetered, corpus, target, strategy);
          let used: number;
          try {
            const { difference } = compareMeterings(fast, precise, exportName, args, options);
            runs++;
            if (difference)
              differences.push(`${target}: ${replay} ${JSON.stringify(options)}: ${difference}`);
            used = precise.wasmInstructionsUsed;
          } finally {
            fast.close();
            precise.close();
          }
          if (twin) {
            const difference = meteringDifference(
              meteredOn(blockMetered, { ...options, precise: true }),
              meteredOn(instructionMetered, options),
            );
            if (difference)
              differences.push(`${target} twin: ${replay} ${JSON.stringify(options)}: ${difference}`);
            const profiledDifference = meteringDifference(
              profiledOn(blockMetered, options),
              meteredOn(blockMetered, options),
            );
            if (profiledDifference)
              differences.push(
                `${target} profiled: ${replay} ${JSON.stringify(options)}: ${profiledDifference}`,
              );
          }
          return used;
        };
        /** The invocation on a fresh instance of `executors`. */
        const meteredOn = (executors: Executors, options: InvokeOptions) => {
          const instance = emulatedInstance(executors, corpus, target, strategy);
          try {
            return meteredRun(instance, exportName, args, options);
          } finally {
            instance.close();
          }
        };
        /** What the invocation profiled natively on a fresh instance of `executors` left behind. */
        const profiledOn = (executors: Executors, options: InvokeOptions) => {
          const instance = emulatedInstance(executors, corpus, target, strategy);
          try {
            instance.invokeProfiled(exportName, args, profileCode(instance.artifact), options);
            return leftBehind(instance);
          } finally {
            instance.close();
          }
        };
        for (const stackLimit of limits) {
          const used = compare(stackLimit === undefined ? {} : { stackLimit });
          if (stackLimit === undefined && used > 1) compare({ fuel: Math.floor(used / 2) });
        }
      }
    }
  }
  return { differences, runs };
}

describe.each(HAND_WRITTEN)("%s", (file) => {
  it("runs the same metered per block and per instruction", async () => {
    const corpus = await corpusCase(file);
    const { differences, runs } = meteringDifferences(
      corpus,
      STRATEGIES,
      [...corpus.limits, ...SMALL_LIMITS, undefined],
      true,
    );
    expect(differences).toEqual([]);
    expect(runs).toBeGreaterThan(0);
  });
});

// The C programs call WASI (proc_exit ending the run, reads and writes of their memory by the host),
// copy and fill memory in bulk and call through tables: under intersect, at their own limits.
describe.each(COMPILED)("%s", (file) => {
  it("runs the same metered per block and per instruction, host calls included", async () => {
    const corpus = await corpusCase(file);
    const { differences, runs } = meteringDifferences(corpus, ["intersect"], [...corpus.limits, undefined]);
    expect(differences).toEqual([]);
    expect(runs).toBeGreaterThan(0);
  });
});
