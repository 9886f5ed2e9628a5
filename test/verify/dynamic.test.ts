// Stack profiles from real recorded runs on both targets: identical under intersect and frame,
// different under native for the write-up's case; and every prediction confirmed by real runs.
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CODE_BASE } from "../../emulators/runtime/layout.js";
import { type Instance, Runner } from "../../emulators/runtime/runner.js";
import { compileModule } from "../../src/compiler/compile.js";
import type { Strategy, Target } from "../../src/compiler/target.js";
import { crossCheck, type RecordedProfile, recordProfile, sampledLimits } from "../../src/verify/dynamic.js";
import { compareProfiles, overflowPoint } from "../../src/verify/profile.js";
import { loadModule } from "../../src/wasm/index.js";
import type { WasmValue } from "../../src/wasm/outcome.js";

const corpus = path.resolve(import.meta.dirname, "../../corpus");
const runners = { x64: new Runner("x64"), aarch64: new Runner("aarch64") };
afterAll(() => {
  for (const runner of Object.values(runners)) runner.close();
});

async function instanceFactory(file: string, target: Target, strategy: Strategy): Promise<() => Instance> {
  const validated = await loadModule(path.join(corpus, file));
  const artifact = compileModule(validated, { target, strategy, layout: { codeBase: BigInt(CODE_BASE) } });
  return () => {
    const instantiated = runners[target].instantiate(artifact);
    if (!instantiated.ok) throw new Error(`cannot instantiate ${file}`);
    return instantiated.instance;
  };
}

const i32 = (value: number): WasmValue => ({ type: "i32", value: String(value) });

async function profileBoth(
  file: string,
  strategy: Strategy,
  exportName: string,
  args: WasmValue[],
  stackLimit?: number,
) {
  const profiles: RecordedProfile[] = [];
  for (const target of ["x64", "aarch64"] as const) {
    const instance = (await instanceFactory(file, target, strategy))();
    try {
      const recorded = recordProfile(
        instance,
        { exportName, args },
        { keepFull: true, ...(stackLimit ? { stackLimit } : {}) },
      );
      if (!("profile" in recorded)) throw new Error(`no profile: ${JSON.stringify(recorded.outcome)}`);
      profiles.push(recorded);
    } finally {
      instance.close();
    }
  }
  return profiles as [RecordedProfile, RecordedProfile];
}

describe("stack profiles of recorded runs", () => {
  it("are identical across targets under intersect and frame, with the same results", async () => {
    const cases: [string, string, WasmValue[]][] = [
      ["writeup-9-args.wat", "deep", [i32(30)]],
      ["args-17.wat", "deep", [i32(20)]],
      ["leaf-vs-nonleaf.wat", "chain", [i32(40)]],
      ["fibonacci.wat", "fib", [i32(10)]],
      ["operand-stack-across-calls.wat", "deep", [{ type: "i64", value: "25" }]],
      ["trap-deep.wat", "div_at_depth", [i32(9)]],
    ];
    for (const strategy of ["intersect", "frame"] as const) {
      for (const [file, name, args] of cases) {
        const [x64, aarch64] = await profileBoth(file, strategy, name, args);
        expect(x64.outcome, `${file} ${strategy}`).toEqual(aarch64.outcome);
        expect(compareProfiles(x64.profile, aarch64.profile).identical, `${file} ${strategy}`).toBe(true);
        expect(x64.profile.steps).toBeGreaterThan(10);
        expect([...x64.misalignedAt, ...aarch64.misalignedAt]).toEqual([]);
      }
    }
  });

  it("differ under native for the write-up's 9-argument call, at the call", async () => {
    const [x64, aarch64] = await profileBoth("writeup-9-args.wat", "native", "deep", [i32(30)]);
    expect(x64.outcome).toEqual(aarch64.outcome);
    const comparison = compareProfiles(x64.profile, aarch64.profile);
    if (comparison.identical) throw new Error("native profiles should differ");
    const first = comparison.firstDifference!;
    expect(first.a!.location).toEqual(first.b!.location);
    expect(first.a!.depth).not.toBe(first.b!.depth);
    expect(comparison.divergentLimits.length).toBeGreaterThan(0);
    // At a limit inside a divergent range the two targets overflow at different steps.
    const limit = comparison.divergentLimits[0]!.from;
    const onX64 = overflowPoint(x64.profile, limit);
    const onAarch64 = overflowPoint(aarch64.profile, limit);
    expect(onX64?.index).not.toBe(onAarch64?.index);
  });

  it("end in the same stack overflow on both targets under intersect", async () => {
    const [x64, aarch64] = await profileBoth("unbounded-recursion.wat", "intersect", "down", [i32(0)], 4096);
    expect(x64.outcome).toMatchObject({ outcome: "trap", trap: "stack_overflow" });
    expect(x64.outcome).toEqual(aarch64.outcome);
  });
});

describe("recorded runs without a profile", () => {
  // The recorder's capacity bounds only the per-instruction recorder (full sequences); the native
  // profiler keeps no samples.
  it("say why: out of fuel, or more record points than the recorder keeps", async () => {
    const validated = await loadModule(path.join(corpus, "fibonacci.wat"));
    const artifact = compileModule(validated, {
      target: "x64",
      strategy: "intersect",
      layout: { codeBase: BigInt(CODE_BASE) },
    });
    const small = new Runner("x64", {}, { recordCapacity: 50 });
    const run = (runner: Runner, fuel?: number, traced = false) => {
      const instantiated = runner.instantiate(artifact);
      if (!instantiated.ok) throw new Error("cannot instantiate fibonacci.wat");
      try {
        return recordProfile(instantiated.instance, { exportName: "fib", args: [i32(10)] }, { fuel, traced });
      } finally {
        instantiated.instance.close();
      }
    };
    try {
      expect(run(runners.x64, 100)).toMatchObject({
        target: "x64",
        outcome: { outcome: "exhausted", fuel: 100 },
        unprofiled: "the run ran out of fuel",
        // It ran until the fuel was gone.
        executed: 100,
      });
      const overflowing = run(small, undefined, true);
      expect(overflowing).toMatchObject({ outcome: { outcome: "return", values: [i32(55)] } });
      expect("profile" in overflowing).toBe(false);
      expect(overflowing).toHaveProperty(
        "unprofiled",
        expect.stringMatching(/^the run passed \d+ record points; the recorder keeps 50$/),
      );
    } finally {
      small.close();
    }
  });
});

describe("cross-check of predicted overflow points against real limited runs", () => {
  // global-counter's void self-call returns to the `end` that the `if` also branches to: a return
  // address that is an instruction start too, reached both ways.
  const cases = [
    { file: "writeup-9-args.wat", invocation: { exportName: "deep", args: [i32(6)] } },
    { file: "global-counter.wat", invocation: { exportName: "calls", args: [i32(5)] } },
  ];
  for (const strategy of ["native", "intersect", "frame"] as const) {
    it(`confirms every sampled limit under ${strategy}`, async () => {
      for (const [target, { file, invocation }] of (["x64", "aarch64"] as const).flatMap((t) =>
        cases.map((c) => [t, c] as const),
      )) {
        const fresh = await instanceFactory(file, target, strategy);
        const instance = fresh();
        const recorded = recordProfile(instance, invocation);
        instance.close();
        if (!("profile" in recorded)) throw new Error("no profile");
        const limits = sampledLimits(recorded.profile, [48, 1008, 4096]);
        expect(limits.length).toBeGreaterThan(6);
        expect(
          crossCheck(fresh, invocation, recorded.profile, limits),
          `${file} ${target} ${strategy}`,
        ).toEqual([]);
      }
    });
  }
});
