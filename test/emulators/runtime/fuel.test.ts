// Fuel counts Wasm instructions alike on both targets (emulators/runtime/fuel.ts): every reachable
// instruction has a start address on each, empty ones included, grouped the same way, and as many
// bulk loop heads; every corpus invocation uses the same fuel on x64 and aarch64 under every
// strategy; and a bulk operation is charged by its length, so the fuel stops a runaway one.
import { afterAll, describe, expect, it } from "vitest";
import { Executors, type LoadedModule } from "../../../emulators/executor.js";
import { fuelPoints } from "../../../emulators/runtime/fuel.js";
import { ownAbiFrames } from "../../../src/compiler/frame.js";
import { STRATEGIES, TARGETS } from "../../../src/compiler/target.js";
import { nanRuleOf, sameOutcome } from "../../../src/verify/outcomes.js";
import { decodeModule } from "../../../src/wasm/decoder.js";
import type { Outcome } from "../../../src/wasm/outcome.js";
import { watToBinary } from "../../../src/wasm/text.js";
import { validateModule } from "../../../src/wasm/validator.js";
import { COMPILED, corpusCase, emulatedInstance, HAND_WRITTEN, NO_HOSTS } from "./corpus-cases.js";

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

describe.each([...HAND_WRITTEN, ...COMPILED])("%s", (file) => {
  it("charges the same Wasm instructions on x64 and aarch64", async () => {
    const corpus = await corpusCase(file);
    const { loaded } = corpus;
    const reachable = (artifact: { stackMap: readonly (readonly unknown[])[] }) =>
      artifact.stackMap.flat().filter((entry) => entry !== null).length;
    for (const strategy of STRATEGIES) {
      const [x64, aarch64] = TARGETS.map((target) => executors.compile(loaded, target, strategy));
      // One start per reachable instruction (the stack map lists them, code or not), on each target.
      expect(fuelPoints(x64!)).toHaveLength(reachable(x64!));
      expect(fuelPoints(aarch64!)).toHaveLength(reachable(aarch64!));
      expect(groupSizes(fuelPoints(x64!))).toEqual(groupSizes(fuelPoints(aarch64!)));
      expect(x64!.loopHeads).toHaveLength(aarch64!.loopHeads.length);
    }

    const counts: string[] = [];
    for (const strategy of STRATEGIES) {
      for (const { exportName, args } of corpus.invocations) {
        const runs = TARGETS.map((target) => {
          const instance = emulatedInstance(executors, corpus, target, strategy);
          try {
            const outcome = instance.invoke(exportName, args);
            return { outcome, used: instance.wasmInstructionsUsed };
          } finally {
            instance.close();
          }
        });
        const used = runs.map((run) => run.used);
        counts.push(`${strategy} ${exportName}: ${used.join(" / ")}`);
        // Where frames follow each target's own ABI (native, and logical on the module as given), a
        // deep run may overflow at different instructions: then the runs differ, and so does their fuel.
        const overflowDiffers =
          ownAbiFrames(strategy) &&
          runs.some(({ outcome }) => outcome.outcome === "trap" && outcome.trap === "stack_overflow") &&
          !sameOutcome(runs[0]!.outcome, runs[1]!.outcome, nanRuleOf(strategy));
        if (overflowDiffers) continue;
        expect(used[0], `${strategy} ${exportName}`).toBe(used[1]);
        expect(used[0]).toBeGreaterThan(0);
      }
    }
    expect(counts.length).toBeGreaterThan(0);
  });
});

describe("a bulk-memory operation", () => {
  const wat = `(module
    (memory 1)
    (func (export "fill") (param $n i32)
      (memory.fill (i32.const 0) (i32.const 7) (local.get $n)))
    (func (export "again") (param $n i32)
      (loop $forever
        (memory.copy (i32.const 1) (i32.const 0) (local.get $n))
        (br $forever))))`;
  const loaded: Promise<LoadedModule> = watToBinary(wat).then((bytes) => ({
    bytes,
    validated: validateModule(decodeModule(bytes)),
  }));

  /** `name(n)` on each target under each strategy: the outcomes and the fuel used. */
  async function everywhere(name: string, n: number, fuel?: number): Promise<[Outcome, number][]> {
    const corpus = { file: "bulk", loaded: await loaded, invocations: [], limits: [], hosts: NO_HOSTS };
    return STRATEGIES.flatMap((strategy) =>
      TARGETS.map((target): [Outcome, number] => {
        const instance = emulatedInstance(executors, corpus, target, strategy);
        try {
          const outcome = instance.invoke(name, [{ type: "i32", value: String(n) }], fuel ? { fuel } : {});
          return [outcome, instance.wasmInstructionsUsed];
        } finally {
          instance.close();
        }
      }),
    );
  }

  it("is charged one unit per chunk of its loops, the same on both targets", async () => {
    const empty = await everywhere("fill", 0);
    const whole = await everywhere("fill", 65536);
    for (const [outcome] of [...empty, ...whole]) expect(outcome.outcome).toBe("return");
    // 65536 bytes are 8192 chunks of 8 bytes: at least that much more fuel than an empty fill.
    expect(whole[0]![1] - empty[0]![1]).toBeGreaterThanOrEqual(8192);
    expect(new Set(whole.map(([, used]) => used)).size).toBe(1);
  });

  it("runs out of fuel part way through, at the operation, the same on both targets", async () => {
    // instrIndex 4: the memory.copy (after the loop and its three operands).
    const runs = await everywhere("again", 65535, 100_000);
    const [first] = runs;
    expect(first![0]).toMatchObject({ outcome: "exhausted", fuel: 100_000, location: { instrIndex: 4 } });
    for (const [outcome, used] of runs) {
      expect(outcome).toEqual(first![0]);
      expect(used).toBe(100_000);
    }
  });
});
