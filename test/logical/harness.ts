// Running limited modules in the logical tests: the instrumented module compiled for a target, an
// instance with the standard hosts, and plain or recorded invocations told in the original's terms.
import { defaultHostSettings, emulatedHosts } from "../../emulators/hosts/instance-hosts.js";
import { CODE_BASE } from "../../emulators/runtime/layout.js";
import { type Instance, Runner } from "../../emulators/runtime/runner.js";
import type { Artifact } from "../../src/compiler/artifact.js";
import { compileModule } from "../../src/compiler/compile.js";
import { TARGETS, type Target } from "../../src/compiler/target.js";
import type { LimiterOptions } from "../../src/instrument/index.js";
import { type Certificate, certify } from "../../src/logical/certificate.js";
import { type LimitedModule, limitModule } from "../../src/logical/limited.js";
import { logicalView } from "../../src/logical/view.js";
import { type RecordedProfile, recordProfile, type UnprofiledRun } from "../../src/verify/dynamic.js";
import { verifyArtifact } from "../../src/verify/static.js";
import { loadModule, type ValidatedModule, watToBinary } from "../../src/wasm/index.js";
import type { Outcome, WasmValue } from "../../src/wasm/outcome.js";

export interface Limited {
  readonly original: ValidatedModule;
  readonly limited: LimitedModule;
  readonly artifacts: Readonly<Record<Target, Artifact>>;
  readonly certificate: Certificate;
}

export async function limitedFromWat(wat: string, options: LimiterOptions): Promise<Limited> {
  return limitedFrom(await loadModule(await watToBinary(wat, "test.wat")), options);
}

export function limitedFrom(original: ValidatedModule, options: LimiterOptions): Limited {
  const limited = limitModule(original, options);
  const artifacts = Object.fromEntries(
    TARGETS.map((target) => [
      target,
      compileModule(limited.instrumented.validated, {
        target,
        strategy: "logical",
        layout: { codeBase: BigInt(CODE_BASE) },
      }),
    ]),
  ) as Record<Target, Artifact>;
  const certificate = certify(
    original,
    limited.instrumentation,
    TARGETS.map((target) => verifyArtifact(artifacts[target])),
  );
  return { original, limited, artifacts, certificate };
}

function withInstance<T>(module: Limited, target: Target, use: (instance: Instance) => T): T {
  const runner = new Runner(target);
  try {
    const { validated } = module.limited.instrumented;
    const instantiated = runner.instantiate(module.artifacts[target], {
      module: validated.module,
      imports: emulatedHosts(validated.module, defaultHostSettings("module")).imports,
    });
    if (!instantiated.ok) throw new Error(`${target}: the instrumented module does not instantiate`);
    try {
      return use(instantiated.instance);
    } finally {
      instantiated.instance.close();
    }
  } finally {
    runner.close();
  }
}

/** A plain run on a native stack of `stackLimit` bytes, its outcome in the original's terms. */
export function runPlain(
  module: Limited,
  target: Target,
  exportName: string,
  args: readonly WasmValue[],
  stackLimit: number,
): Outcome {
  return withInstance(module, target, (instance) =>
    module.limited.terms.outcome(instance.invoke(exportName, args, { stackLimit, fuel: 200_000_000 })),
  );
}

/** A recorded run, profile and outcome in the original's terms, each step checked against the certificate. */
export function runRecorded(
  module: Limited,
  target: Target,
  exportName: string,
  args: readonly WasmValue[],
  stackLimit: number,
): RecordedProfile | UnprofiledRun {
  const certificate = module.certificate.targets.find((t) => t.target === target)!;
  return withInstance(module, target, (instance) =>
    recordProfile(
      instance,
      { exportName, args },
      {
        stackLimit,
        fuel: 200_000_000,
        keepFull: true,
        view: logicalView(module.limited.terms, certificate),
      },
    ),
  );
}

export const i32 = (value: number): WasmValue => ({ type: "i32", value: String(value >>> 0) });
