// What every property runs on: a case (test-case.ts) compiled per target and strategy once, and
// instantiated afresh for each run on runners reused across cases; what several properties derive
// from the same case (its artifacts, its recorded runs) is computed once per case.

import { hostImports } from "../../emulators/hosts/env.js";
import { CODE_BASE } from "../../emulators/runtime/layout.js";
import { type MeteredRun, meteredRun, meteringDifference } from "../../emulators/runtime/metering-check.js";
import type { Instance, InvokeOptions } from "../../emulators/runtime/runner.js";
import { Runner } from "../../emulators/runtime/runner.js";
import type { Metering } from "../../emulators/unicorn/engine.js";
import { type Artifact, compileModule, type Strategy, TARGETS, type Target } from "../compiler/index.js";
import { InternalError } from "../wasm/errors.js";
import type { TestCase } from "./test-case.js";
import { type EntryRun, requestOf, runOnV8, type V8Oracle } from "./v8-oracle.js";

/** Wasm instructions one run may execute; generated programs need far fewer (`exhausted` is skipped). */
export const FUEL = 2_000_000;
/** Stack for unlimited runs: far above what generated programs use. */
export const STACK = 1024 * 1024;

/**
 * Runners per target and metering (plain runs meter the fuel per block, with no per-instruction
 * or memory hook; recorded runs need the code hook on every instruction), and each case's
 * artifacts and other derived results, computed once.
 */
export class Machines {
  /** `oracle`: where cases' V8 runs were prefetched, if anywhere (v8-oracle.ts). */
  constructor(private readonly oracle: V8Oracle | null = null) {}

  private readonly runners = new Map(
    (["instruction", "block"] as const).flatMap((metering) =>
      TARGETS.map((target) => [
        `${target}/${metering}`,
        new Runner(target, { fuel: FUEL, stackLimit: STACK }, { metering }),
      ]),
    ),
  );
  /** Per case, by key: results that depend on the case and the key alone. */
  private readonly derived = new WeakMap<TestCase, Map<string, unknown>>();

  /**
   * The result of `compute` for the case, computed on the first call with this key only: `key` must
   * name everything the result depends on besides the case (each key is used with one result type).
   * A `compute` that throws caches nothing, so the next caller throws too.
   */
  once<T>(c: TestCase, key: string, compute: () => T): T {
    let results = this.derived.get(c);
    if (!results) {
      results = new Map();
      this.derived.set(c, results);
    }
    if (results.has(key)) return results.get(key) as T;
    const result = compute();
    results.set(key, result);
    return result;
  }

  /**
   * Drops what is kept of the case now, for a caller done with it. Until then a scavenge copies it
   * even when the case is garbage: V8's young-generation collections treat a WeakMap's values as
   * live whatever their keys, so every case's artifacts would survive into the old generation and
   * wait there for a full collection.
   */
  release(c: TestCase): void {
    this.derived.delete(c);
  }

  artifact(c: TestCase, target: Target, strategy: Strategy): Artifact {
    return this.once(c, `artifact ${target}/${strategy}`, () =>
      compileModule(c.validated, { target, strategy, layout: { codeBase: BigInt(CODE_BASE) } }),
    );
  }

  /**
   * Compiles the case for every target ahead of its checks. A compiler error is left for the check
   * that needs the artifact: it compiles again (nothing failed is kept) and reports the error.
   */
  compileAhead(c: TestCase, strategy: Strategy): void {
    for (const target of TARGETS) {
      try {
        this.artifact(c, target, strategy);
      } catch {
        // Reported by the check (see above).
      }
    }
  }

  /**
   * Runs `use` on a fresh instance, its imports bound to the generators' host functions, on an
   * engine metered per instruction (the precise machine alone) or per block (the fast machine, with
   * the precise one where it must: emulators/unicorn/engine.ts).
   */
  withInstance<T>(
    c: TestCase,
    target: Target,
    strategy: Strategy,
    use: (instance: Instance) => T,
    metering: Metering = "instruction",
  ): T {
    const { module } = c.validated;
    const artifact = this.artifact(c, target, strategy);
    // The generators' host functions keep no state: the case's instances may share them.
    const imports = this.once(c, "host imports", () => hostImports(module));
    const instantiated = this.runners
      .get(`${target}/${metering}`)!
      .instantiate(artifact, { module, imports });
    if (!instantiated.ok) {
      const why = instantiated.stage === "link" ? instantiated.message : JSON.stringify(instantiated.outcome);
      throw new InternalError(`${target}/${strategy}: a generated module failed to instantiate: ${why}`);
    }
    try {
      return use(instantiated.instance);
    } finally {
      instantiated.instance.close();
    }
  }

  /**
   * Null, or what differed between `fast`, what the case's entry run metered per block left behind,
   * and the same run metered per instruction, which this runs on a fresh instance of the
   * block-metered engine's precise twin from the start (earlier runs of the case have translated
   * much of the code there).
   */
  meteringDifference(
    c: TestCase,
    target: Target,
    strategy: Strategy,
    options: InvokeOptions,
    fast: MeteredRun,
  ): string | null {
    const { exportName, args } = c.entry;
    const precise = this.withInstance(
      c,
      target,
      strategy,
      (instance) => meteredRun(instance, exportName, args, { ...options, precise: true }),
      "block",
    );
    return meteringDifference(fast, precise);
  }

  /** The case's run on V8: prefetched by the oracle, or run here. */
  v8Run(c: TestCase): EntryRun {
    return this.oracle?.take(c) ?? runOnV8(requestOf(c), c.validated.module);
  }

  close(): void {
    for (const runner of this.runners.values()) runner.close();
  }
}
