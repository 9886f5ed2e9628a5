// One invocation of an export on several executors, each on a fresh instance; what makes it
// impossible to run (no such export, unsupported code, imports) is an InputError.
import { standardImports } from "../../emulators/host-env.js";
import type { Executor, ExecutorImports, Executors, LoadedModule } from "../../emulators/runner-executor.js";
import { exportedFuncType } from "../../emulators/v8.js";
import type { Strategy } from "../compiler/target.js";
import { recordProfile } from "../verify/dynamic.js";
import { compiledSupport, postMvpSupport, unsupportedReach } from "../verify/spec-support.js";
import type { FuncType } from "../wasm/ir.js";
import type { WasmValue } from "../wasm/outcome.js";
import { InputError } from "./input-error.js";
import type { Outcomes } from "./outcomes.js";

export interface Invocation {
  readonly loaded: LoadedModule;
  readonly exportName: string;
  readonly args: readonly WasmValue[];
  readonly executors: readonly Executor[];
  readonly strategy: Strategy;
  readonly stackLimit?: number;
  readonly fuel?: number;
}

/** The type of export `name`, or an InputError naming the exports there are. */
export function exportType(loaded: LoadedModule, name: string): FuncType {
  const { module } = loaded.validated;
  const type = exportedFuncType(module, name);
  if (type) return type;
  const names = module.exports.filter((e) => e.kind === "func").map((e) => e.name);
  throw new InputError(`no exported function "${name}" (exported functions: ${names.join(", ") || "none"})`);
}

export function invokeEverywhere(executors: Executors, invocation: Invocation): Outcomes {
  const { loaded, exportName, args, strategy } = invocation;
  exportType(loaded, exportName);
  const { validated } = loaded;
  const funcIndex = validated.module.exports.find((e) => e.name === exportName && e.kind === "func")!.index;
  const outcomes: Outcomes = {};
  for (const executor of invocation.executors) {
    const support =
      executor === "v8"
        ? postMvpSupport(validated)
        : compiledSupport(validated, executors.compile(loaded, executor, strategy));
    const unsupported = unsupportedReach(validated, support, funcIndex);
    if (unsupported !== null)
      throw new InputError(`"${exportName}" cannot run on ${executor}: ${unsupported}`);
    const instantiation = executors.instantiate(loaded, executor, strategy, standardHosts(loaded, executor));
    if (!instantiation.ok) {
      if (instantiation.stage === "instantiate") outcomes[executor] = instantiation.outcome;
      else throw new InputError(`cannot instantiate on ${executor}: ${instantiation.message}`);
      continue;
    }
    const { instance } = instantiation;
    const options = { stackLimit: invocation.stackLimit, fuel: invocation.fuel };
    // Emulated runs are recorded, so a trap carries its dynamic Wasm instruction count and depth.
    outcomes[executor] = instance.emulated
      ? recordProfile(instance.emulated, { exportName, args }, options).outcome
      : instance.invoke(exportName, args, options);
    instance.close();
  }
  return outcomes;
}

/** The hosts a module run from the command line may import: `spectest` and `env` (emulators/host-env.ts). */
function standardHosts(loaded: LoadedModule, executor: Executor): ExecutorImports {
  const hosts = standardImports(loaded.validated.module, []);
  if (executor === "v8") {
    return new Map(Object.entries(hosts.v8).map(([name, exports]) => [name, { on: "v8", exports }]));
  }
  return new Map([...hosts.emulated].map(([name, exports]) => [name, { on: "emulator", exports }]));
}
