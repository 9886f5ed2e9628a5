// Which calls reach code an executor does not run, and why: the reason a spec command is skipped.
// A call is skipped when the invoked function or any function it may call (transitively, through
// `call`) is unsupported; the reasons are stable labels so skips can be counted per class.
import type { Artifact } from "../compiler/artifact.js";
import type { Instr, ValidatedModule } from "../wasm/ir.js";

export const SKIP = {
  floats: "floats (issue 6)",
  tables: "tables/call_indirect (issue 6)",
  imports: "imports (issue 6)",
  textModule: "text-format module (.wat): not binary",
  v8Nan: "V8: NaN bits cannot cross the JS boundary exactly",
  postMvp: (feature: string) => `post-1.0: ${feature}`,
  notCompiled: (message: string) => `not compiled: ${message}`,
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
 * What an emulated target runs: post-1.0 functions no, imported functions not yet, and functions the
 * compiler turned into stubs (TrapSite.unsupported), classified by the operators in their bodies.
 */
export function compiledSupport(validated: ValidatedModule, artifact: Artifact): FunctionSupport {
  const postMvp = postMvpSupport(validated);
  const importCount = validated.funcTypes.length - validated.functions.length;
  const stubs = new Map(
    artifact.trapSites.flatMap((site) =>
      site.unsupported === undefined ? [] : [[site.funcIndex, site.unsupported]],
    ),
  );
  return (funcIndex) => {
    if (funcIndex < importCount) return SKIP.imports;
    const stubMessage = stubs.get(funcIndex);
    if (stubMessage === undefined) return null;
    const code = validated.module.bodies[funcIndex - importCount]?.code ?? [];
    return (
      postMvp(funcIndex) ??
      (code.some(isFloatInstr) ? SKIP.floats : null) ??
      (code.some((instr) => instr.op === "call_indirect") ? SKIP.tables : SKIP.notCompiled(stubMessage))
    );
  };
}

/** f32/f64 arithmetic, comparisons, constants, loads and stores, and conversions from or to floats. */
export function isFloatInstr(instr: Instr): boolean {
  return /^f(32|64)\.|_f(32|64)/.test(instr.op);
}
