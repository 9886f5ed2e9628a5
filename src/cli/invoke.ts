// One invocation of an export on several executors, each on a fresh instance; what makes it
// impossible to run (no such export, imports) is an InputError.

import {
  type Executor,
  type ExecutorInstance,
  type Executors,
  hostsFor,
  type LoadedModule,
} from "../../emulators/executor.js";
import { defaultHostSettings, type HostSettings } from "../../emulators/hosts/instance-hosts.js";
import { exportedFuncType } from "../../emulators/v8/v8.js";
import type { Strategy } from "../compiler/target.js";
import type { LimiterOptions } from "../instrument/index.js";
import { DEFAULT_LIMITER_OPTIONS, LimitedModules } from "../logical/limited.js";
import type { OriginalTerms } from "../logical/terms.js";
import { logicalView } from "../logical/view.js";
import { type RunView, recordProfile } from "../verify/dynamic.js";
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
  /** Wasm instructions per emulated target. */
  readonly fuel?: number;
  /** Told the Wasm instructions an emulated target executed so far, during long runs. */
  readonly progress?: (executor: Executor, executed: number) => void;
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
 * One run on a fresh instance bound to fresh hosts. Emulated runs are plain (the recorder costs
 * several times the run, and memory in proportion to its length) and carry the Wasm instructions
 * executed; when asked for a trap's dynamic Wasm instruction count and depth, a trap is run again
 * recorded, on another fresh instance with fresh hosts, to take them from its profile.
 */
function invokeOn(
  executors: Executors,
  invocation: Invocation,
  executor: Executor,
  recorded: boolean,
): Outcome {
  const { exportName, args, progress } = invocation;
  const options = {
    stackLimit: invocation.stackLimit,
    fuel: invocation.fuel,
    ...(progress && executor !== "v8"
      ? { progress: (executed: number) => progress(executor, executed) }
      : {}),
  };
  const outcome = onFreshInstance(executors, invocation, executor, (instance, view) => {
    const plain = instance.invoke(exportName, args, options);
    return {
      outcome: view && instance.emulated ? view.outcome(plain) : plain,
      executed: instance.emulated?.wasmInstructionsUsed,
    };
  });
  if (!recorded || executor === "v8" || outcome.outcome !== "trap") return outcome;
  return onFreshInstance(executors, invocation, executor, (instance, view) =>
    instance.emulated === null
      ? { outcome }
      : recordProfile(instance.emulated, { exportName, args }, { ...options, ...(view ? { view } : {}) }),
  );
}

/**
 * `run` on a fresh instance (of the instrumented module under logical) bound to fresh hosts, given
 * the view that tells an emulated run in the original module's terms (null but under logical); its
 * outcome with what the program wrote and the Wasm instructions executed.
 */
function onFreshInstance(
  executors: Executors,
  invocation: Invocation,
  executor: Executor,
  run: (
    instance: ExecutorInstance,
    view: RunView | null,
  ) => { readonly outcome: Outcome; readonly executed?: number },
): Outcome {
  const { exportName, strategy } = invocation;
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
  const view = terms && logicalView(terms);
  try {
    const { outcome, executed } = run(instance, view);
    return withExecuted(hosts.finish(outcome, exportName), executed);
  } finally {
    instance.close();
  }
}
