// The corpus as the runtime's metering tests run it: each case's invocations, limits and hosts read
// as `check` reads them (sidecar, else invocations generated from a seed), and emulated instances
// bound to fresh hosts, so that a WASI program starts from the same world on every instance.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { type Executors, hostsFor, type LoadedModule } from "../../../emulators/executor.js";
import { defaultHostSettings, type HostSettings } from "../../../emulators/hosts/instance-hosts.js";
import type { Instance } from "../../../emulators/runtime/runner.js";
import { hostSettings, NO_HOST_OPTIONS, overriding } from "../../../src/check/host-options.js";
import { generatedInvocations, readSidecar } from "../../../src/check/inputs.js";
import { loadModuleFile } from "../../../src/cli/load-module.js";
import type { Strategy, Target } from "../../../src/compiler/target.js";
import type { Invocation } from "../../../src/verify/dynamic.js";
import { WASM_2_0 } from "../../../src/wasm/features.js";

export const CORPUS_SEED = 20261207;

/** The hand-written cases (`corpus/*.wat`), by file name. */
export const HAND_WRITTEN = readdirSync("corpus")
  .filter((name) => name.endsWith(".wat"))
  .sort()
  .map((name) => join("corpus", name));

/** The compiled C programs: `corpus/clang` (freestanding) and `corpus/real` (WASI). */
export const COMPILED = ["clang", "real"].flatMap((folder) =>
  readdirSync(join("corpus", folder))
    .filter((name) => name.endsWith(".wasm"))
    .sort()
    .map((name) => join("corpus", folder, name)),
);

/** The hosts of a module that imports nothing from WASI. */
export const NO_HOSTS: HostSettings = defaultHostSettings("module");

export interface CorpusCase {
  readonly file: string;
  readonly loaded: LoadedModule;
  readonly invocations: readonly Invocation[];
  /** The sidecar's stack limits (none without a sidecar). */
  readonly limits: readonly number[];
  readonly hosts: HostSettings;
}

export async function corpusCase(file: string): Promise<CorpusCase> {
  const loaded = await loadModuleFile(file, WASM_2_0);
  const sidecar = await readSidecar(file, loaded.validated);
  return {
    file,
    loaded,
    invocations: sidecar?.invocations ?? generatedInvocations(loaded.validated, CORPUS_SEED),
    limits: sidecar?.limits ?? [],
    hosts: await hostSettings(overriding(NO_HOST_OPTIONS, sidecar?.hosts ?? {}), file, CORPUS_SEED),
  };
}

/** A fresh instance of the case on `target`, with fresh hosts attached. */
export function emulatedInstance(
  executors: Executors,
  { loaded, hosts: settings }: CorpusCase,
  target: Target,
  strategy: Strategy,
): Instance {
  const hosts = hostsFor(target, loaded.validated.module, settings);
  const result = executors.instantiate(loaded, target, strategy, hosts.imports);
  if (!result.ok || result.instance.emulated === null) throw new Error(`cannot instantiate on ${target}`);
  hosts.attach(result.instance);
  return result.instance.emulated;
}
