// The native stack profiler (built per translation block in emulators/native/profile.c) against the
// reference: the per-instruction recorder's samples traced in JS (trace.ts). For every corpus module
// without imports, every sidecar invocation, both targets, every strategy with a native stack,
// block-metered (and metered per instruction under intersect: the precise machine alone), at the
// sidecar's limit (at most the default one) and at limits that overflow at the profile's maximum changes (so runs stop inside
// blocks and move to the precise machine), on engines reused across runs: the same steps, depths,
// hash, maximum changes with backtraces, outcome and misaligned points.
import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hostImports } from "../../emulators/hosts/env.js";
import { CODE_BASE } from "../../emulators/runtime/layout.js";
import { DEFAULT_STACK_LIMIT, Runner } from "../../emulators/runtime/runner.js";
import type { Metering } from "../../emulators/unicorn/engine.js";
import { readSidecar } from "../../src/check/inputs.js";
import { compileModule } from "../../src/compiler/compile.js";
import type { Strategy, Target } from "../../src/compiler/target.js";
import { prepareCase } from "../../src/fuzz/case-runner.js";
import { Machines } from "../../src/fuzz/machines.js";
import { DETERMINISTIC } from "../../src/fuzz/properties.js";
import {
  type RecordedProfile,
  recordProfile,
  sampledLimits,
  type UnprofiledRun,
} from "../../src/verify/dynamic.js";
import { overflowPoint } from "../../src/verify/profile.js";
import { decodeModule, loadModule, validateModule, watToBinary } from "../../src/wasm/index.js";

const corpus = path.resolve(import.meta.dirname, "../../corpus");
const TARGETS: readonly Target[] = ["x64", "aarch64"];
const STRATEGIES: readonly Strategy[] = ["native", "intersect", "frame"];
const METERINGS: readonly Metering[] = ["instruction", "block"];
const runners = new Map(
  TARGETS.flatMap((target) =>
    METERINGS.map((metering) => [`${target}/${metering}`, new Runner(target, {}, { metering })] as const),
  ),
);
afterAll(() => {
  for (const runner of runners.values()) runner.close();
});

/** What both profilers must agree on, backtraces read out. */
function comparable(run: RecordedProfile | UnprofiledRun) {
  if (!("profile" in run)) return { outcome: run.outcome, unprofiled: run.unprofiled };
  const { profile } = run;
  return {
    outcome: run.outcome,
    executed: run.executed,
    misalignedAt: run.misalignedAt,
    entryDepth: profile.entryDepth,
    steps: profile.steps,
    maxDepth: profile.maxDepth,
    hash: profile.hash,
    // A deep recursion makes a change per level, each backtrace as long as the level: every change
    // is compared, the backtraces of a sample of them.
    changes: profile.maximumChanges.map((change, i, all) => ({
      index: change.index,
      depth: change.depth,
      location: change.location,
      backtrace: i % Math.ceil(all.length / 64) === 0 || i === all.length - 1 ? [...change.backtrace] : null,
    })),
  };
}

/** Runs longer than this (Wasm instructions) would make the JS tracer's samples too many to hold. */
const TRACED_AT_MOST = 300_000;
/** Overflowing limits per invocation, spread over its maximum changes. */
const LIMITS = 4;
/** The first of the fuzzer's case seeds whose modules are compared (a fixed range: the same in every run). */
const GENERATED_FIRST_SEED = 1;

const modules = readdirSync(corpus).filter((file) => file.endsWith(".wat"));

describe("the native stack profiler", () => {
  it.each(modules)("gives the JS tracer's profile: %s", async (file) => {
    const validated = await loadModule(path.join(corpus, file));
    if (validated.module.imports.length > 0) {
      console.log(`${file}: set aside, it has imports (host calls are covered below)`);
      return;
    }
    const sidecar = await readSidecar(path.join(corpus, file), validated);
    const invocations = sidecar?.invocations ?? [];
    expect(invocations.length, `${file} has a sidecar with invocations`).toBeGreaterThan(0);
    let compared = 0;
    for (const target of TARGETS) {
      for (const strategy of STRATEGIES) {
        const artifact = compileModule(validated, {
          target,
          strategy,
          layout: { codeBase: BigInt(CODE_BASE) },
        });
        for (const metering of strategy === "intersect" ? METERINGS : (["block"] as const)) {
          const runner = runners.get(`${target}/${metering}`)!;
          for (const invocation of invocations) {
            // At most the runner's default stack: a sidecar's deeper one only makes deep recursions
            // longer, not different.
            const base = {
              stackLimit: Math.min(sidecar?.stackLimit ?? DEFAULT_STACK_LIMIT, DEFAULT_STACK_LIMIT),
            };
            const run = (options: { traced: boolean; stackLimit?: number }) => {
              const instantiated = runner.instantiate(artifact);
              if (!instantiated.ok) throw new Error(`${file}: cannot instantiate (${instantiated.stage})`);
              try {
                return recordProfile(instantiated.instance, invocation, { ...base, ...options });
              } finally {
                instantiated.instance.close();
              }
            };
            const what = `${file} ${invocation.exportName} ${target} ${strategy} ${metering}`;
            const native = run({ traced: false });
            // Limits spread over the maximum changes that come early enough to trace: each limited
            // run stops at one of them.
            const limits =
              "profile" in native
                ? sampledLimits(native.profile, [], LIMITS).filter(
                    (limit) => (overflowPoint(native.profile, limit)?.index ?? 0) <= TRACED_AT_MOST,
                  )
                : [];
            for (const stackLimit of [undefined, ...limits]) {
              const at = stackLimit === undefined ? what : `${what} at ${stackLimit}`;
              const options = stackLimit === undefined ? {} : { stackLimit };
              const profiled = stackLimit === undefined ? native : run({ traced: false, ...options });
              if ((profiled.executed ?? 0) > TRACED_AT_MOST) {
                console.log(
                  `${at}: set aside, ${profiled.executed} Wasm instructions are too many to trace in JS`,
                );
                continue;
              }
              expect(comparable(profiled), at).toEqual(comparable(run({ traced: true, ...options })));
              compared++;
            }
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(0);
  });
});

describe("the native stack profiler across host calls", () => {
  // A host call stops the run at an exit and resumes it at the return address: the profile goes on
  // across runs, the call deemed to use a callee's frame. In the second module the callee's first
  // instruction leaves for the host, so a run ends right after a call's block and the callee's
  // prologue block, which the profiler applies as one pair.
  const HOST_CALLS = `(module
    (import "env" "fold" (func $fold (param i64 i32) (result i64)))
    (func $walk (export "walk") (param $n i32) (result i64)
      (if (result i64) (i32.eqz (local.get $n))
        (then (call $fold (i64.const 7) (local.get $n)))
        (else (i64.add
          (call $fold (i64.extend_i32_u (local.get $n)) (i32.const 3))
          (call $walk (i32.sub (local.get $n) (i32.const 1))))))))`;
  const HOST_CALL_FIRST = `(module
    (import "env" "fold" (func $fold (param i64 i32) (result i64)))
    (func $walk (export "walk") (param $n i32) (result i64)
      (drop (call $fold (i64.const 1) (local.get $n)))
      (if (result i64) (i32.eqz (local.get $n))
        (then (i64.const 7))
        (else (i64.add
          (call $fold (i64.extend_i32_u (local.get $n)) (i32.const 3))
          (call $walk (i32.sub (local.get $n) (i32.const 1))))))))`;
  const CASES = TARGETS.flatMap((target) =>
    [
      { name: "host calls", source: HOST_CALLS },
      { name: "a host call first", source: HOST_CALL_FIRST },
    ].map((module) => ({ target, ...module })),
  );

  it.each(CASES)("gives the JS tracer's profile on $target ($name)", async ({ target, source }) => {
    const bytes = await watToBinary(source, "host-calls.wat");
    const validated = validateModule(decodeModule(bytes));
    let compared = 0;
    for (const strategy of STRATEGIES) {
      const artifact = compileModule(validated, {
        target,
        strategy,
        layout: { codeBase: BigInt(CODE_BASE) },
      });
      const runner = runners.get(`${target}/block`)!;
      const run = (traced: boolean, stackLimit?: number) => {
        const imports = hostImports(validated.module);
        const instantiated = runner.instantiate(artifact, { module: validated.module, imports });
        if (!instantiated.ok) throw new Error(`cannot instantiate (${instantiated.stage})`);
        try {
          const invocation = { exportName: "walk", args: [{ type: "i32" as const, value: "40" }] };
          return recordProfile(instantiated.instance, invocation, {
            traced,
            ...(stackLimit ? { stackLimit } : {}),
          });
        } finally {
          instantiated.instance.close();
        }
      };
      const native = run(false);
      if (!("profile" in native)) throw new Error(`no profile: ${JSON.stringify(native.outcome)}`);
      for (const limit of [undefined, ...sampledLimits(native.profile, [], LIMITS)]) {
        expect(comparable(run(false, limit)), `${strategy} at ${limit}`).toEqual(
          comparable(run(true, limit)),
        );
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(STRATEGIES.length);
  });
});

describe("the native stack profiler on generated modules", () => {
  // The fuzzer's cases (their calls, loops and branches in every shape its generators make), on
  // engines that keep what the profiler learned of their blocks: each case runs twice natively, the
  // second run applying the pairs the first one made, then at limits that stop it inside them.
  const SEEDS = Array.from({ length: 120 }, (_, i) => GENERATED_FIRST_SEED + i);
  const machines = new Machines();
  afterAll(() => machines.close());

  it.each(SEEDS)("gives the JS tracer's profile for case seed %i", (seed) => {
    const { input, testCase } = prepareCase(seed, DETERMINISTIC);
    const replay = `case seed ${seed}: replay with npx vitest run test/verify/native-profile.test.ts -t "case seed ${seed}$"`;
    for (const target of TARGETS) {
      for (const metering of METERINGS) {
        const run = (options: { traced: boolean; stackLimit?: number }) =>
          machines.withInstance(
            testCase,
            target,
            input.strategy,
            (instance) => recordProfile(instance, testCase.entry, options),
            metering,
          );
        const first = run({ traced: false });
        const limits = "profile" in first ? sampledLimits(first.profile, [], LIMITS) : [];
        const at = (limit?: number) => `${replay} (${target}, ${metering}, limit ${limit ?? "none"})`;
        const traced = comparable(run({ traced: true }));
        expect(comparable(first), at()).toEqual(traced);
        expect(comparable(run({ traced: false })), at()).toEqual(traced);
        for (const stackLimit of limits) {
          expect(comparable(run({ traced: false, stackLimit })), at(stackLimit)).toEqual(
            comparable(run({ traced: true, stackLimit })),
          );
        }
      }
    }
  });
});
