// One invocation of an export on several executors, each on a fresh instance; what makes it
// impossible to run (no such export, unsupported code, imports) is an InputError.

import type { Executor, ExecutorImports, Executors, LoadedModule } from "../../emulators/executor.js";
import { standardImports } from "../../emulators/hosts/env.js";
import { exportedFuncType } from "../../emulators/v8/v8.js";
import type { Strategy } from "../compiler/target.js";
import { compiledSupport, postMvpSupport, unsupportedReach } from "../spec/support.js";
import { recordProfile } from "../verify/dynamic.js";
import { v8Comparability } from "../verify/outcomes.js";
import { InputError } from "../wasm/errors.js";
import type { FuncType } from "../wasm/ir.js";
import type { Outcome, WasmValue } from "../wasm/outcome.js";
import type { InvocationResult, NotRun, Outcomes } from "./outcomes.js";

/** Where and how an invocation runs: its executors, the targets' strategy, stack limit and fuel. */
export interface RunSettings {
  readonly executors: readonly Executor[];
  readonly strategy: Strategy;
  readonly stackLimit?: number;
  /** Wasm instructions per emulated target. */
  readonly fuel?: number;
  /** Told the Wasm instructions an emulated target executed so far, during long runs. */
  readonly progress?: (executor: Executor, executed: number) => void;
}

export interface Invocation extends RunSettings {
  readonly loaded: LoadedModule;
  readonly exportName: string;
  readonly args: readonly WasmValue[];
}

/** The type of export `name`, or an InputError naming the exports there are. */
export function exportType(loaded: LoadedModule, name: string): FuncType {
  const { module } = loaded.validated;
  const type = exportedFuncType(module, name);
  if (type) return type;
  const names = module.exports.filter((e) => e.kind === "func").map((e) => e.name);
  throw new InputError(`no exported function "${name}" (exported functions: ${names.join(", ") || "none"})`);
}

/**
 * Runs the invocation on each executor, on a fresh instance. V8 has no fuel, so it runs last and
 * only when the comparability rule lets it run (no emulated target ran out of fuel); asked alone, it runs only after a plain x64 run
 * (with the same options) has finished within the fuel, and that run's outcome is reported when
 * it has not.
 */
export function invokeEverywhere(executors: Executors, invocation: Invocation): InvocationResult {
  const { loaded, exportName } = invocation;
  exportType(loaded, exportName);
  const emulated = invocation.executors.filter((executor) => executor !== "v8");
  const outcomes: Outcomes = {};
  for (const executor of emulated) outcomes[executor] = invokeOn(executors, invocation, executor, true);
  const notRun: NotRun = {};
  if (invocation.executors.includes("v8")) {
    if (emulated.length === 0) {
      const probe = invokeOn(executors, invocation, "x64", false);
      if (probe.outcome === "exhausted") outcomes.x64 = probe;
    }
    const rule = v8Comparability({ targets: Object.entries(outcomes) });
    if (!rule.comparable && !rule.v8MayRun) notRun.v8 = rule.reason;
    else outcomes.v8 = invokeOn(executors, invocation, "v8", false);
  }
  return { outcomes, notRun };
}

/**
 * One run on a fresh instance. Emulated runs are plain (the recorder costs several times the run and
 * memory in proportion to its length); when asked for a trap's dynamic Wasm instruction count and
 * depth, a trap is run again recorded, on another fresh instance, to take them from its profile.
 */
function invokeOn(
  executors: Executors,
  invocation: Invocation,
  executor: Executor,
  recorded: boolean,
): Outcome {
  const { loaded, exportName, args, strategy } = invocation;
  const { validated } = loaded;
  const funcIndex = validated.module.exports.find((e) => e.name === exportName && e.kind === "func")!.index;
  const support =
    executor === "v8"
      ? postMvpSupport(validated)
      : compiledSupport(validated, executors.compile(loaded, executor, strategy));
  const unsupported = unsupportedReach(validated, support, funcIndex);
  if (unsupported !== null) throw new InputError(`"${exportName}" cannot run on ${executor}: ${unsupported}`);
  const instantiation = executors.instantiate(loaded, executor, strategy, standardHosts(loaded, executor));
  if (!instantiation.ok) {
    if (instantiation.stage === "instantiate") return instantiation.outcome;
    throw new InputError(`cannot instantiate on ${executor}: ${instantiation.message}`);
  }
  const { instance } = instantiation;
  const { progress } = invocation;
  const options = {
    stackLimit: invocation.stackLimit,
    fuel: invocation.fuel,
    ...(progress && executor !== "v8"
      ? { progress: (executed: number) => progress(executor, executed) }
      : {}),
  };
  let outcome: Outcome;
  try {
    outcome = instance.invoke(exportName, args, options);
  } finally {
    instance.close();
  }
  if (!recorded || executor === "v8" || outcome.outcome !== "trap") return outcome;
  const again = executors.instantiate(loaded, executor, strategy, standardHosts(loaded, executor));
  if (!again.ok || again.instance.emulated === null) return outcome;
  try {
    return recordProfile(again.instance.emulated, { exportName, args }, options).outcome;
  } finally {
    again.instance.close();
  }
}

/** The hosts a module run from the command line may import: `spectest` and `env` (emulators/hosts/env.ts). */
function standardHosts(loaded: LoadedModule, executor: Executor): ExecutorImports {
  const hosts = standardImports(loaded.validated.module, []);
  if (executor === "v8") {
    return new Map(Object.entries(hosts.v8).map(([name, exports]) => [name, { on: "v8", exports }]));
  }
  return new Map([...hosts.emulated].map(([name, exports]) => [name, { on: "emulator", exports }]));
}
