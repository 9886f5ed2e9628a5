// `samestack check` as a library: every module under the given paths checked on every target under
// one strategy (module.ts), gathered into one CheckResult. Nothing here prints; progress is
// reported through a callback.
import { Runner } from "../../emulators/runtime/runner.js";
import type { Target } from "../compiler/target.js";
import { moduleFiles } from "./inputs.js";
import type { CheckOptions, CheckResult, ModuleResult, Severity, Totals } from "./model.js";
import { checkModule } from "./module.js";

export type * from "./model.js";

export const DEFAULT_CHECK_FUEL = 50_000_000;
export const DEFAULT_CHECK_SEED = 1;

/** Reported before each module (`finished` null) and after it (`finished` its result). */
export interface CheckProgress {
  /** Modules finished so far. */
  readonly done: number;
  readonly total: number;
  readonly path: string;
  readonly finished: ModuleResult | null;
}

export async function check(
  paths: readonly string[],
  options: CheckOptions,
  onProgress: (progress: CheckProgress) => void = () => {},
): Promise<CheckResult> {
  const startedAt = new Date().toISOString();
  const files = await moduleFiles(paths);
  // Block-metered: profiles are built per block on the fast machine, as plain runs are.
  const runners = new Map<Target, Runner>(
    options.targets.map((target) => [target, new Runner(target, {}, { metering: "block" })]),
  );
  const modules: ModuleResult[] = [];
  try {
    for (const file of files) {
      onProgress({ done: modules.length, total: files.length, path: file, finished: null });
      const module = await checkModule(file, options, runners);
      modules.push(module);
      onProgress({ done: modules.length, total: files.length, path: file, finished: module });
    }
  } finally {
    for (const runner of runners.values()) runner.close();
  }
  return { options, startedAt, finishedAt: new Date().toISOString(), modules, totals: totalsOf(modules) };
}

export function totalsOf(modules: readonly ModuleResult[]): Totals {
  const findings: Record<Severity, number> = { divergence: 0, input: 0, internal: 0 };
  for (const module of modules) for (const finding of module.findings) findings[finding.severity]++;
  const invocations = modules.flatMap((m) => m.invocations);
  return {
    modules: modules.length,
    invocations: invocations.length,
    passed: invocations.filter((i) => i.status === "pass").length,
    findings,
  };
}
