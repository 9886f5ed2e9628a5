// One invocation under `check`: a recorded run on every target (fresh instances, so invocations are
// independent), the outcomes compared across targets and with V8 (outcomes.ts), what the
// stack profiles say (verdict.ts), and real limited runs confirming the predicted overflow
// points at a few limits.
import { emulatedHosts } from "../../emulators/hosts/instance-hosts.js";
import type { Instance } from "../../emulators/runtime/runner.js";
import type { Artifact } from "../compiler/artifact.js";
import {
  type CrossCheckFailure,
  crossCheck,
  type Invocation,
  type RecordedProfile,
  type RecordOptions,
  type RunView,
  recordProfile,
  sampledLimits,
  type UnprofiledRun,
} from "../verify/dynamic.js";
import { nanRuleOf, sameOutcome } from "../verify/outcomes.js";
import type { StackProfile } from "../verify/profile.js";
import { TraceError } from "../verify/trace.js";
import { InternalError } from "../wasm/errors.js";
import { type Outcome, withExecuted } from "../wasm/outcome.js";
import { outcomeText, outputDifferenceText } from "../wasm/outcome-text.js";
import type { InvocationOnTarget, InvocationResult, UnplacedFinding } from "./model.js";
import { compareWithV8 } from "./outcomes.js";
import type { ModuleUnderCheck } from "./under-check.js";
import {
  depthPlot,
  divergenceMessage,
  limitVerdict,
  logicalLimitVerdict,
  overflowAt,
  shortOutcome,
  summary,
} from "./verdict.js";

/** Limits sampled around the profile's maximum changes for the real limited runs, besides the requested ones. */
const SAMPLED_CROSS_CHECKS = 4;

export interface CheckedInvocation {
  readonly result: InvocationResult;
  readonly findings: readonly UnplacedFinding[];
}

export function checkInvocation(module: ModuleUnderCheck, invocation: Invocation): CheckedInvocation {
  const findings: UnplacedFinding[] = [];
  const runs = module.artifacts.map((artifact, i) =>
    recordedRun(module, artifact, invocation, viewOf(module, i)),
  );
  const targets = module.artifacts.map((a) => a.target);
  const outcomes = runs.map((run) => run.outcome);

  runs.forEach((run, i) => {
    const target = targets[i]!;
    if (run.outcome.outcome === "error") {
      findings.push({
        severity: "internal",
        kind: "execution-error",
        target,
        message: `${target}: ${run.outcome.message}`,
      });
    } else if (run.outcome.outcome === "exhausted") {
      // A runaway program, or one longer than the fuel: it cannot be checked, and says so.
      findings.push({
        severity: "input",
        kind: "out-of-fuel",
        target,
        message: `${target}: ran out of fuel after ${module.options.fuel} Wasm instructions: the invocation does not finish (raise --fuel if it should)`,
      });
    } else if ("unprofiled" in run) {
      findings.push({
        severity: "input",
        kind: "recorder-capacity",
        target,
        message: `${target}: no stack profile: ${run.unprofiled} (lower --fuel, or check a shorter invocation)`,
      });
    }
  });
  for (let i = 1; i < runs.length; i++) {
    if (!sameOutcome(outcomes[0]!, outcomes[i]!, nanRuleOf(module.options.strategy))) {
      findings.push({
        severity: "divergence",
        kind: "outcome-mismatch",
        message: `outcomes differ: ${targets[0]} ${outcomeText(outcomes[0]!)}, ${targets[i]} ${outcomeText(outcomes[i]!)}${outputNote(outcomes[0]!, outcomes[i]!)}`,
      });
    }
  }

  const v8 = compareWithV8(
    module,
    module.hosts,
    invocation,
    outcomes.map((outcome, i) => [targets[i]!, outcome] as const),
  );
  if (v8.compared && !v8.agrees) {
    findings.push({
      severity: "divergence",
      kind: "wrong-result",
      message: `wrong result: V8 gives ${outcomeText(v8.outcome)}, ${targets[0]} ${outcomeText(outcomes[0]!)}${outputNote(v8.outcome, outcomes[0]!)}`,
    });
  }

  const profiles = runs.map((run) => ("profile" in run ? run.profile : null));
  const verdict = module.logical
    ? logicalLimitVerdict(module, runs, profiles)
    : limitVerdict(module, invocation, runs, profiles);
  if (verdict.kind === "diverged") {
    findings.push({
      severity: "divergence",
      kind: "profile-divergence",
      message: divergenceMessage(verdict.divergence),
    });
  }

  const overflowPoints = module.limits.map((limit) => overflowAt(limit, profiles));
  const crossCheckedLimits = crossCheckLimits(module, profiles);
  profiles.forEach((profile, i) => {
    if (profile === null) return;
    const artifact = module.artifacts[i]!;
    const fresh = () => freshInstance(module, artifact);
    const view = viewOf(module, i);
    const options = { fuel: module.options.fuel, ...(view ? { view } : {}) };
    for (const failure of crossCheckOrError(fresh, invocation, profile, crossCheckedLimits, options)) {
      const predicted = failure.predicted ? `step ${failure.predicted.index}` : "no overflow";
      findings.push({
        severity: "internal",
        kind: "cross-check",
        target: artifact.target,
        limit: failure.limit,
        message: `${artifact.target} at limit ${failure.limit}: the profile predicts ${predicted}, a real run gives ${outcomeText(failure.actual)}`,
      });
    }
  });

  const perTarget: InvocationOnTarget[] = runs.map((run, i) => ({
    target: targets[i]!,
    ...shortOutcome(withExecuted(run.outcome, "executed" in run ? run.executed : undefined)),
    profile: profiles[i] ? summary(profiles[i]) : null,
    plot: profiles[i] ? depthPlot(profiles[i]) : null,
  }));
  const worst = findings.some((f) => f.severity !== "divergence")
    ? "error"
    : findings.length > 0
      ? "fail"
      : "pass";
  return {
    result: {
      export: invocation.exportName,
      args: invocation.args,
      status: worst,
      perTarget,
      v8,
      verdict,
      overflowPoints,
      crossCheckedLimits,
    },
    findings,
  };
}

/** `; stdout differs from byte 12` when two outcomes wrote different bytes. */
function outputNote(a: Outcome, b: Outcome): string {
  const difference = outputDifferenceText(a, b);
  return difference === null ? "" : `; ${difference}`;
}

type Run = RecordedProfile | UnprofiledRun | { readonly outcome: Outcome };

/** How the runs on the `index`-th target are told: under `logical`, in the original module's terms. */
function viewOf(module: ModuleUnderCheck, index: number): RunView | undefined {
  return module.logical?.views[index];
}

/** A recorded run on a fresh instance; its outcome carries what the program wrote. */
function recordedRun(
  module: ModuleUnderCheck,
  artifact: Artifact,
  invocation: Invocation,
  view: RunView | undefined,
): Run {
  const hosts = emulatedHosts(module.validated.module, module.hosts);
  const instantiated = module.runners.get(artifact.target)!.instantiate(artifact, {
    module: module.validated.module,
    imports: hosts.imports,
  });
  if (!instantiated.ok) {
    return {
      outcome:
        instantiated.stage === "link"
          ? { outcome: "error", message: instantiated.message }
          : instantiated.outcome,
    };
  }
  hosts.attach(instantiated.instance.exports);
  try {
    const run = recordProfile(instantiated.instance, invocation, {
      keepFull: true,
      stackLimit: module.recordingLimit,
      fuel: module.options.fuel,
      ...(view ? { view } : {}),
    });
    return { ...run, outcome: hosts.finish(run.outcome, invocation.exportName) };
  } catch (error) {
    // The recorder's samples did not make a profile: a samestack bug, reported with the invocation.
    if (error instanceof TraceError)
      return { outcome: { outcome: "error", message: `stack profile: ${error.message}` } };
    throw error;
  } finally {
    instantiated.instance.close();
  }
}

/** crossCheck limit by limit: a run whose samples make no profile fails its limit with an error outcome. */
function crossCheckOrError(
  fresh: () => Instance,
  invocation: Invocation,
  profile: StackProfile,
  limits: readonly number[],
  options: RecordOptions,
): CrossCheckFailure[] {
  return limits.flatMap((limit) => {
    try {
      return crossCheck(fresh, invocation, profile, [limit], options);
    } catch (error) {
      if (!(error instanceof TraceError)) throw error;
      return [
        { limit, predicted: null, actual: { outcome: "error", message: `stack profile: ${error.message}` } },
      ];
    }
  });
}

/** An instance bound to fresh hosts, for a real run whose output nobody reads. */
function freshInstance(module: ModuleUnderCheck, artifact: Artifact): Instance {
  const hosts = emulatedHosts(module.validated.module, module.hosts);
  const instantiated = module.runners.get(artifact.target)!.instantiate(artifact, {
    module: module.validated.module,
    imports: hosts.imports,
  });
  if (!instantiated.ok)
    throw new InternalError(`${artifact.target}: the module instantiated once, then not again`);
  hosts.attach(instantiated.instance.exports);
  return instantiated.instance;
}

/**
 * The limits to confirm by real runs: the requested ones and a few of the reference profile's
 * breakpoints, where the profile predicts an overflow. Under a limit the run never reaches, a real
 * run is the recorded run again, so it is not repeated.
 */
function crossCheckLimits(module: ModuleUnderCheck, profiles: readonly (StackProfile | null)[]): number[] {
  const reference = profiles[0];
  if (!reference) return [];
  const sampled = sampledLimits(reference, []);
  const step = Math.max(1, Math.floor(sampled.length / SAMPLED_CROSS_CHECKS));
  const picked = sampled.filter((_, i) => i % step === 0).slice(0, SAMPLED_CROSS_CHECKS);
  return [...new Set([...module.limits, ...picked])]
    .filter((limit) => limit < reference.maxDepth && limit < module.recordingLimit)
    .sort((a, b) => a - b);
}
