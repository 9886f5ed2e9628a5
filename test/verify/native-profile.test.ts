// The native stack profiler (built per translation block in emulators/native/profile.c) against the
// reference: the per-instruction recorder's samples traced in JS (trace.ts). For every corpus module
// without imports, every sidecar invocation, both targets, every strategy with a native stack, both
// meterings, at the sidecar's limit and at limits that overflow at the profile's maximum changes
// (so runs stop inside blocks and move to the precise machine): the same steps, depths, hash,
// maximum changes with backtraces, outcome and misaligned points.
import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CODE_BASE } from "../../emulators/runtime/layout.js";
import { Runner } from "../../emulators/runtime/runner.js";
import type { Metering } from "../../emulators/unicorn/engine.js";
import { readSidecar } from "../../src/check/inputs.js";
import { compileModule } from "../../src/compiler/compile.js";
import type { Strategy, Target } from "../../src/compiler/target.js";
import {
  type RecordedProfile,
  recordProfile,
  sampledLimits,
  type UnprofiledRun,
} from "../../src/verify/dynamic.js";
import { loadModule } from "../../src/wasm/index.js";

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
const TRACED_AT_MOST = 2_000_000;

const modules = readdirSync(corpus).filter((file) => file.endsWith(".wat"));

describe("the native stack profiler", () => {
  it.each(modules)("gives the JS tracer's profile: %s", async (file) => {
    const validated = await loadModule(path.join(corpus, file));
    if (validated.module.imports.length > 0) {
      console.log(`${file}: set aside, it has imports (the runtime tests cover host calls)`);
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
        for (const metering of METERINGS) {
          const runner = runners.get(`${target}/${metering}`)!;
          for (const invocation of invocations) {
            const stackLimit = sidecar?.stackLimit;
            const base = stackLimit ? { stackLimit } : {};
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
            if ((native.executed ?? 0) > TRACED_AT_MOST) {
              console.log(
                `${what}: set aside, ${native.executed} Wasm instructions are too many to trace in JS`,
              );
              continue;
            }
            const reference = run({ traced: true });
            expect(comparable(native), what).toEqual(comparable(reference));
            compared++;
            if (!("profile" in reference)) continue;
            for (const limit of sampledLimits(reference.profile, [], 6)) {
              const limited = run({ traced: true, stackLimit: limit });
              expect(comparable(run({ traced: false, stackLimit: limit })), `${what} at ${limit}`).toEqual(
                comparable(limited),
              );
              compared++;
            }
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(0);
  });
});
