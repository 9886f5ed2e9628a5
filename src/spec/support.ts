// Skip reasons of the spec runner (stable labels, so skips can be counted per class), and which
// calls reach code an executor does not run, and why (`samestack run` refuses those calls). A call
// does not run when the invoked function or any function it may call (transitively, through `call`)
// is unsupported.
import type { Artifact } from "../compiler/artifact.js";
import type { ValidatedModule } from "../wasm/ir.js";

export const SKIP = {
  textModule: "text-format module (.wat): not binary",
  v8Nan: "V8: NaN bits cannot cross the JS boundary exactly",
  postMvp: (feature: string) => `post-1.0: ${feature}`,
  notCompiled: (message: string) => `not compiled: ${message}`,
  /** Under `logical`: Polkadot would not run the module either. */
  limiterRejects: (message: string) => `logical: ${message}`,
  heightKept: "logical: the height stays raised after a logical overflow (the reference does not lower it)",
} as const;

/** Why function `funcIndex` itself cannot run, or null. */
export type FunctionSupport = (funcIndex: number) => string | null;

/** The first reason found in `funcIndex` or the functions it calls, or null when all of them run. */
export function unsupportedReach(
  validated: ValidatedModule,
  support: FunctionSupport,
  funcIndex: number,
): string | null {
  const importCount = validated.funcTypes.length - validated.functions.length;
  const seen = new Set<number>([funcIndex]);
  const pending = [funcIndex];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const reason = support(next);
    if (reason !== null) return reason;
    for (const instr of validated.module.bodies[next - importCount]?.code ?? []) {
      if (instr.op === "call" && !seen.has(instr.func)) {
        seen.add(instr.func);
        pending.push(instr.func);
      }
    }
  }
  return null;
}

/** Functions needing a post-1.0 feature (from the front end): what V8 is not asked to run either. */
export function postMvpSupport(validated: ValidatedModule): FunctionSupport {
  const importCount = validated.funcTypes.length - validated.functions.length;
  return (funcIndex) => {
    const feature = validated.functions[funcIndex - importCount]?.unsupported?.feature;
    return feature === undefined ? null : SKIP.postMvp(feature);
  };
}

/**
 * What an emulated target runs: not post-1.0 functions, nor functions the compiler turned into stubs
 * (TrapSite.unsupported). Imported functions run if instantiation could bind them.
 */
export function compiledSupport(validated: ValidatedModule, artifact: Artifact): FunctionSupport {
  const postMvp = postMvpSupport(validated);
  const stubs = new Map(
    artifact.trapSites.flatMap((site) =>
      site.unsupported === undefined ? [] : [[site.funcIndex, site.unsupported]],
    ),
  );
  return (funcIndex) => {
    const stubMessage = stubs.get(funcIndex);
    return stubMessage === undefined ? null : (postMvp(funcIndex) ?? SKIP.notCompiled(stubMessage));
  };
}
