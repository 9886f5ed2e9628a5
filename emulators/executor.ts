/**
 * One way to run a module anywhere samestack can: on an emulated target under a strategy, or on V8.
 * Compiles each (module, target, strategy) once and keeps one Runner per target, so callers that
 * instantiate the same module many times (spec commands, batch lines) pay for compilation once.
 */
import type { Artifact } from "../src/compiler/artifact.js";
import { compileModule } from "../src/compiler/compile.js";
import { type Strategy, TARGETS, type Target } from "../src/compiler/target.js";
import type { Module, ValidatedModule } from "../src/wasm/ir.js";
import type { Outcome, WasmValue } from "../src/wasm/outcome.js";
import { InvalidArgumentError } from "./errors.js";
import { emulatedHosts, type HostSettings, v8Hosts } from "./hosts/instance-hosts.js";
import { spectestExterns, spectestForV8 } from "./hosts/spectest.js";
import type { Externs, Imports } from "./runtime/extern.js";
import { CODE_BASE } from "./runtime/layout.js";
import { type Instance, type InvokeOptions, Runner } from "./runtime/runner.js";
import type { Metering } from "./unicorn/engine.js";
import { V8Instance } from "./v8/v8.js";

export type Executor = Target | "v8";
export const EXECUTORS: readonly Executor[] = [...TARGETS, "v8"];

/** A module's bytes (V8 needs them) with its decoded and validated form. */
export interface LoadedModule {
  readonly bytes: Uint8Array;
  readonly validated: ValidatedModule;
}

/** One module's exports as later instances on the same kind of executor import them. */
export type ModuleExports =
  | { readonly on: "v8"; readonly exports: WebAssembly.ModuleImports }
  | { readonly on: "emulator"; readonly exports: Externs };

/** Module name → its exports: what an instantiation may import. */
export type ExecutorImports = ReadonlyMap<string, ModuleExports>;

/** An instance on any executor. V8 ignores the stack limit and the fuel (see v8/v8.ts). */
export interface ExecutorInstance {
  invoke(name: string, args: readonly WasmValue[], options?: InvokeOptions): Outcome;
  getGlobal(name: string): Outcome;
  /** The exports, for the imports of later instances (the spec tests' `register`). */
  readonly exports: ModuleExports;
  /** The emulated instance behind it (recorded runs); null on V8. */
  readonly emulated: Instance | null;
  close(): void;
}

/** The spec tests' `spectest` module for `executor`; its print functions append to `log`. */
export function spectestExports(executor: Executor, log: string[]): ModuleExports {
  return executor === "v8"
    ? { on: "v8", exports: spectestForV8(log) }
    : { on: "emulator", exports: spectestExterns(log) };
}

/** One instance's hosts (hosts/instance-hosts.ts) in the terms of any executor. */
export interface ExecutorHosts {
  readonly imports: ExecutorImports;
  /** After instantiation: the WASI host reaches the instance's memory. */
  attach(instance: ExecutorInstance): void;
  /** An invocation's outcome with what the program wrote during it (InstanceHosts.finish). */
  finish(outcome: Outcome, exportName: string): Outcome;
}

/** Fresh hosts for one instance of `module` on `executor`; spectest's prints go to `log`. */
export function hostsFor(
  executor: Executor,
  module: Module,
  settings: HostSettings,
  log: string[] = [],
): ExecutorHosts {
  if (executor === "v8") {
    const hosts = v8Hosts(module, settings, log);
    return {
      imports: new Map(
        Object.entries(hosts.imports).map(([name, exports]): [string, ModuleExports] => [
          name,
          { on: "v8", exports },
        ]),
      ),
      attach: ({ exports }) => {
        if (exports.on === "v8") hosts.attach(exports.exports);
      },
      finish: hosts.finish,
    };
  }
  const hosts = emulatedHosts(module, settings, log);
  return {
    imports: new Map(
      [...hosts.imports].map(([name, exports]): [string, ModuleExports] => [
        name,
        { on: "emulator", exports },
      ]),
    ),
    attach: ({ exports }) => {
      if (exports.on === "emulator") hosts.attach(exports.exports);
    },
    finish: hosts.finish,
  };
}

export type ExecutorInstantiation =
  | { readonly ok: true; readonly instance: ExecutorInstance }
  /** V8 rejected a module the front end accepted. */
  | { readonly ok: false; readonly stage: "compile"; readonly message: string }
  | { readonly ok: false; readonly stage: "link"; readonly message: string }
  | { readonly ok: false; readonly stage: "instantiate"; readonly outcome: Outcome };

/**
 * Pages memory.grow may reach on emulated targets unless told otherwise: 64 MiB. Linear memory is
 * mapped at its maximum, and Unicorn unmaps page by page (≈25 ms for a 4 GiB memory at each new
 * instance), so the cap keeps instantiation cheap; V8 is not capped.
 */
export const DEFAULT_MEMORY_GROW_CAP = 1024;

export interface ExecutorOptions extends InvokeOptions {
  /** Most pages memory.grow may reach on emulated targets (default DEFAULT_MEMORY_GROW_CAP). */
  readonly memoryGrowCap?: number;
  /** How emulated targets meter the fuel (engine.ts): "block" for plain invocations only. */
  readonly metering?: Metering;
}

export class Executors {
  private readonly runners = new Map<Target, Runner>();
  private readonly artifacts = new WeakMap<LoadedModule, Map<string, Artifact>>();

  constructor(private readonly options: ExecutorOptions = {}) {}

  /** The module compiled for `target` under `strategy`, cached. */
  compile(loaded: LoadedModule, target: Target, strategy: Strategy): Artifact {
    const byConfiguration = this.artifacts.get(loaded) ?? new Map<string, Artifact>();
    this.artifacts.set(loaded, byConfiguration);
    const key = `${target}/${strategy}`;
    let artifact = byConfiguration.get(key);
    if (!artifact) {
      artifact = compileModule(loaded.validated, {
        target,
        strategy,
        layout: { codeBase: BigInt(CODE_BASE) },
        memoryGrowCap: this.options.memoryGrowCap ?? DEFAULT_MEMORY_GROW_CAP,
      });
      byConfiguration.set(key, artifact);
    }
    return artifact;
  }

  /** Instantiates `loaded` (running its start function) with the exports of `imports` bound to its imports. */
  instantiate(
    loaded: LoadedModule,
    executor: Executor,
    strategy: Strategy,
    imports: ExecutorImports = new Map(),
  ): ExecutorInstantiation {
    if (executor === "v8") return instantiateOnV8(loaded, v8Imports(imports));
    const result = this.runner(executor).instantiate(this.compile(loaded, executor, strategy), {
      module: loaded.validated.module,
      imports: emulatorImports(imports),
    });
    if (!result.ok) return result;
    const { instance } = result;
    return {
      ok: true,
      instance: {
        invoke: (name, args, options) => instance.invoke(name, args, options),
        getGlobal: (name) => instance.getGlobal(name),
        exports: { on: "emulator", exports: instance.exports },
        emulated: instance,
        close: () => instance.close(),
      },
    };
  }

  close(): void {
    for (const runner of this.runners.values()) runner.close();
    this.runners.clear();
  }

  private runner(target: Target): Runner {
    const runner =
      this.runners.get(target) ?? new Runner(target, this.options, { metering: this.options.metering });
    this.runners.set(target, runner);
    return runner;
  }
}

/** `imports` as V8 takes them; exports of emulated instances among them are a caller's bug. */
function v8Imports(imports: ExecutorImports): WebAssembly.Imports {
  const object: WebAssembly.Imports = {};
  for (const [name, exports] of imports) {
    if (exports.on !== "v8")
      throw new InvalidArgumentError(`module "${name}" is not a V8 instance's exports`);
    object[name] = exports.exports;
  }
  return object;
}

/** `imports` as the runner takes them; V8 exports among them are a caller's bug. */
function emulatorImports(imports: ExecutorImports): Imports {
  const map = new Map<string, Externs>();
  for (const [name, exports] of imports) {
    if (exports.on !== "emulator")
      throw new InvalidArgumentError(`module "${name}" is not an emulated instance's exports`);
    map.set(name, exports.exports);
  }
  return map;
}

function instantiateOnV8(loaded: LoadedModule, imports: WebAssembly.Imports): ExecutorInstantiation {
  const result = V8Instance.instantiate(loaded.bytes, loaded.validated.module, imports);
  if (!result.ok) return result;
  const { instance } = result;
  return {
    ok: true,
    instance: {
      invoke: (name, args) => instance.invoke(name, args),
      getGlobal: (name) => instance.getGlobal(name),
      exports: { on: "v8", exports: instance.exports },
      emulated: null,
      close: () => {},
    },
  };
}
