// The runtime tests' runners: one per target, shared by a test file's cases and closed after them,
// and a module compiled for a target under a strategy and instantiated on that target's runner.
import { afterAll } from "vitest";
import type { Imports } from "../../../emulators/runtime/extern.js";
import { CODE_BASE } from "../../../emulators/runtime/layout.js";
import { type Instance, Runner, type RunnerInstantiation } from "../../../emulators/runtime/runner.js";
import { compileModule } from "../../../src/compiler/compile.js";
import { type Strategy, TARGETS, type Target } from "../../../src/compiler/target.js";
import type { ValidatedModule } from "../../../src/wasm/ir.js";

export type Runners = ReadonlyMap<Target, Runner>;

/** One runner per target, closed after the calling test file. */
export function runnersPerTarget(): Runners {
  const runners = new Map(TARGETS.map((target) => [target, new Runner(target)]));
  afterAll(() => {
    for (const runner of runners.values()) runner.close();
  });
  return runners;
}

/** `validated` compiled for `target` under `strategy`, instantiated on its runner with `imports`. */
export function instantiateOn(
  runners: Runners,
  validated: ValidatedModule,
  target: Target,
  strategy: Strategy,
  imports: Imports = new Map(),
): RunnerInstantiation {
  const artifact = compileModule(validated, { target, strategy, layout: { codeBase: BigInt(CODE_BASE) } });
  return runners.get(target)!.instantiate(artifact, { module: validated.module, imports });
}

/** The instance of a successful instantiation; a failed one fails the test with its details. */
export function instanceOf(result: RunnerInstantiation): Instance {
  if (!result.ok) throw new Error(`instantiation failed: ${JSON.stringify(result)}`);
  return result.instance;
}
