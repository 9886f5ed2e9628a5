// One invocation of an export on several executors, each on a fresh instance; what makes it
// impossible to run (no such export, imports) is an InputError.

import { type Executor, type Executors, hostsFor, type LoadedModule } from "../../emulators/executor.js";
import { defaultHostSettings, type HostSettings } from "../../emulators/hosts/instance-hosts.js";
import { exportedFuncType } from "../../emulators/v8/v8.js";
import type { Strategy } from "../compiler/target.js";
import type { LimiterOptions } from "../instrument/index.js";
import { DEFAULT_LIMITER_OPTIONS, LimitedModules } from "../logical/limited.js";
import type { OriginalTerms } from "../logical/terms.js";
import { logicalView } from "../logical/view.js";
import { recordProfile } from "../verify/dynamic.js";
import { v8Comparability } from "../verify/outcomes.js";
import { InputError } from "../wasm/errors.js";
import type { FuncType } from "../wasm/ir.js";
import { type Outcome, type WasmValue, withExecuted } from "../wasm/outcome.js";
import type { InvocationResult, NotRun, Outcomes } from "./outcomes.js";

/** Where and how an invocation runs: its executors, the targets' strategy, stack limit and fuel, its hosts. */
export interface RunSettings {
  readonly executors: readonly Executor[];
  readonly strategy: Strategy;
  readonly stackLimit?: number;
  readonly fuel?: number;
  /** WASI and stubbed modules (default: none, the program called "module"). */
  readonly hosts?: HostSettings;
  /** Under `logical`: the limiter's options (default: Polkadot's limit, the reference's model). */
  readonly limiter?: LimiterOptions;
}

/**
 * Under `logical` every executor, V8 included, runs the instrumented module, and the emulated
 * targets' outcomes are told in the original module's terms.
 */
const limitedModules = new LimitedModules();

function runningModule(invocation: Invocation): { loaded: LoadedModule; terms: OriginalTerms | null } {
  if (invocation.strategy !== "logical") return { loaded: invocation.loaded, terms: null };
  const limited = limitedModules.of(invocation.loaded, invocation.limiter ?? DEFAULT_LIMITER_OPTIONS);
  return { loaded: limited.instrumented, terms: limited.terms };
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
 * One run on a fresh instance bound to fresh hosts; emulated runs are recorded when asked, so a trap
 * carries its dynamic Wasm instruction count and depth, and the outcome the instructions executed.
 */
function invokeOn(
  executors: Executors,
  invocation: Invocation,
  executor: Executor,
  recorded: boolean,
): Outcome {
  const { exportName, args, strategy } = invocation;
  const { loaded, terms } = runningModule(invocation);
  const settings = invocation.hosts ?? defaultHostSettings("module");
  const hosts = hostsFor(executor, loaded.validated.module, settings);
  const instantiation = executors.instantiate(loaded, executor, strategy, hosts.imports);
  if (!instantiation.ok) {
    if (instantiation.stage === "instantiate") return instantiation.outcome;
    throw new InputError(`cannot instantiate on ${executor}: ${instantiation.message}`);
  }
  const { instance } = instantiation;
  hosts.attach(instance);
  const options = { stackLimit: invocation.stackLimit, fuel: invocation.fuel };
  const view = terms && logicalView(terms);
  try {
    if (instance.emulated && recorded) {
      const run = recordProfile(
        instance.emulated,
        { exportName, args },
        { ...options, ...(view ? { view } : {}) },
      );
      return withExecuted(hosts.finish(run.outcome, exportName), run.executed);
    }
    const outcome = instance.invoke(exportName, args, options);
    return hosts.finish(view && executor !== "v8" ? view.outcome(outcome) : outcome, exportName);
  } finally {
    instance.close();
  }
}
