// One invocation under `check`: a recorded run on every target (fresh instances, so invocations are
// independent), the outcomes compared across targets and with V8, the for-all-limits verdict from
// the stack profiles, the overflow points at the requested limits, and real limited runs confirming
// the predicted overflow points at a few limits.
import type { Instance, Runner } from "../../emulators/runner.js";
import { V8Instance, v8TrapMatches } from "../../emulators/v8.js";
import type { Artifact } from "../compiler/artifact.js";
import type { Target } from "../compiler/target.js";
import type { ValidatedModule } from "../wasm/ir.js";
import type { Outcome, WasmLocation, WasmValue } from "../wasm/outcome.js";
import { codeListing } from "./check-evidence.js";
import {
  type BacktraceView,
  type CheckOptions,
  type DepthPlot,
  type Divergence,
  INNER_FRAMES_KEPT,
  type InvocationOnTarget,
  type InvocationResult,
  type LimitVerdict,
  OUTER_FRAMES_KEPT,
  type OverflowAtLimit,
  type OverflowView,
  type StepView,
  type UnplacedFinding,
  type V8Comparison,
} from "./check-model.js";
import { describeOutcome as describe, limitRangesText, locationText } from "./check-text.js";
import { functionListing } from "./check-wasm-text.js";
import {
  type CrossCheckFailure,
  crossCheck,
  type Invocation,
  type RecordedProfile,
  recordProfile,
  sampledLimits,
} from "./dynamic.js";
import {
  compareProfiles,
  type OverflowPoint,
  overflowPoint,
  type ProfileStep,
  type StackProfile,
  sameOptionalLocation,
} from "./profile.js";
import { isNanBits } from "./spec-commands.js";
import { TraceError } from "./trace.js";

/** Points of a depth plot: enough for a page-wide SVG. */
const PLOT_POINTS = 600;
/** Limits sampled around the profile's maximum changes for the real limited runs, besides the requested ones. */
const SAMPLED_CROSS_CHECKS = 4;

export interface ModuleUnderCheck {
  readonly validated: ValidatedModule;
  readonly bytes: Uint8Array;
  /** One per target, in the options' order. */
  readonly artifacts: readonly Artifact[];
  readonly runners: ReadonlyMap<Target, Runner>;
  readonly options: CheckOptions;
  readonly limits: readonly number[];
  readonly recordingLimit: number;
}

export interface CheckedInvocation {
  readonly result: InvocationResult;
  readonly findings: readonly UnplacedFinding[];
}

export function checkInvocation(module: ModuleUnderCheck, invocation: Invocation): CheckedInvocation {
  const findings: UnplacedFinding[] = [];
  const runs = module.artifacts.map((artifact) => recordedRun(module, artifact, invocation));
  const targets = module.artifacts.map((a) => a.target);
  const outcomes = runs.map((run) => run.outcome);

  runs.forEach((run, i) => {
    if (run.outcome.outcome === "error") {
      findings.push({
        severity: "internal",
        kind: "execution-error",
        target: targets[i]!,
        message: `${targets[i]}: ${run.outcome.message}`,
      });
    }
  });
  for (let i = 1; i < runs.length; i++) {
    if (!sameOutcome(outcomes[0]!, outcomes[i]!)) {
      findings.push({
        severity: "divergence",
        kind: "outcome-mismatch",
        message: `outcomes differ: ${targets[0]} ${describe(outcomes[0]!)}, ${targets[i]} ${describe(outcomes[i]!)}`,
      });
    }
  }

  const v8 = compareWithV8(module, invocation, outcomes);
  if (v8.compared && !v8.agrees) {
    findings.push({
      severity: "divergence",
      kind: "wrong-result",
      message: `wrong result: V8 gives ${describe(v8.outcome)}, ${targets[0]} ${describe(outcomes[0]!)}`,
    });
  }

  const profiles = runs.map((run) => ("profile" in run ? run.profile : null));
  const verdict = limitVerdict(module, invocation, runs, profiles);
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
    const options = { fuel: module.options.fuel };
    for (const failure of crossCheckOrError(fresh, invocation, profile, crossCheckedLimits, options)) {
      const predicted = failure.predicted ? `step ${failure.predicted.index}` : "no overflow";
      findings.push({
        severity: "internal",
        kind: "cross-check",
        target: artifact.target,
        limit: failure.limit,
        message: `${artifact.target} at limit ${failure.limit}: the profile predicts ${predicted}, a real run gives ${describe(failure.actual)}`,
      });
    }
  });

  const perTarget: InvocationOnTarget[] = runs.map((run, i) => ({
    target: targets[i]!,
    ...shortOutcome(run.outcome),
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

type Run = RecordedProfile | { readonly outcome: Outcome };

function recordedRun(module: ModuleUnderCheck, artifact: Artifact, invocation: Invocation): Run {
  const instantiated = module.runners.get(artifact.target)!.instantiate(artifact);
  if (!instantiated.ok) {
    return {
      outcome:
        instantiated.stage === "link"
          ? { outcome: "error", message: instantiated.message }
          : instantiated.outcome,
    };
  }
  try {
    return recordProfile(instantiated.instance, invocation, {
      keepFull: true,
      stackLimit: module.recordingLimit,
      fuel: module.options.fuel,
    });
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
  options: { readonly fuel: number },
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

function freshInstance(module: ModuleUnderCheck, artifact: Artifact): Instance {
  const instantiated = module.runners.get(artifact.target)!.instantiate(artifact);
  if (!instantiated.ok) throw new Error(`${artifact.target}: the module instantiated once, then not again`);
  return instantiated.instance;
}

/**
 * V8 runs the invocation only when every target returned or trapped for a reason other than the
 * stack: V8's stack is not samestack's limit, and a run that ran out of fuel may never end in V8.
 */
function compareWithV8(
  module: ModuleUnderCheck,
  invocation: Invocation,
  outcomes: readonly Outcome[],
): V8Comparison {
  const reference = outcomes[0]!;
  const unfinished = outcomes.find(
    (o) =>
      o.outcome === "exhausted" ||
      o.outcome === "error" ||
      (o.outcome === "trap" && o.trap === "stack_overflow"),
  );
  if (unfinished) {
    const why =
      unfinished.outcome === "trap"
        ? "the targets ran out of stack, and V8's stack is not samestack's limit"
        : unfinished.outcome === "exhausted"
          ? "the targets ran out of fuel, and V8 has none"
          : "a target could not run the invocation";
    return { compared: false, reason: why };
  }
  const instantiated = V8Instance.instantiate(module.bytes, module.validated.module);
  const outcome = instantiated.ok
    ? instantiated.instance.invoke(invocation.exportName, invocation.args)
    : instantiated.stage === "instantiate"
      ? instantiated.outcome
      : {
          outcome: "error" as const,
          message: `V8 cannot ${instantiated.stage} the module: ${instantiated.message}`,
        };
  return { compared: true, outcome, agrees: agreesWithV8(reference, outcome) };
}

function agreesWithV8(target: Outcome, v8: Outcome): boolean {
  if (target.outcome === "trap" && v8.outcome === "trap") return v8TrapMatches(v8.trap, target.trap);
  if (target.outcome === "return" && v8.outcome === "return") return sameValues(target.values, v8.values);
  return false;
}

/** Outcomes of two targets: equal in everything, except that any two NaNs of a type are equal. */
export function sameOutcome(a: Outcome, b: Outcome): boolean {
  if (a.outcome === "return" && b.outcome === "return") return sameValues(a.values, b.values);
  if (a.outcome === "trap" && b.outcome === "trap") {
    return (
      a.trap === b.trap &&
      a.step === b.step &&
      sameOptionalLocation(a.location, b.location) &&
      sameBacktrace(a.backtrace ?? [], b.backtrace ?? [])
    );
  }
  return a.outcome === b.outcome;
}

function sameValues(a: readonly WasmValue[], b: readonly WasmValue[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i]!;
      if (x.type !== y.type) return false;
      return x.value === y.value || (isNanBits(x.type, x.value) && isNanBits(y.type, y.value));
    })
  );
}

function sameBacktrace(a: readonly WasmLocation[], b: readonly WasmLocation[]): boolean {
  return a.length === b.length && a.every((frame, i) => sameOptionalLocation(frame, b[i]));
}

function limitVerdict(
  module: ModuleUnderCheck,
  invocation: Invocation,
  runs: readonly Run[],
  profiles: readonly (StackProfile | null)[],
): LimitVerdict {
  const missing = profiles.indexOf(null);
  if (missing >= 0) {
    return {
      kind: "not-recorded",
      reason: `${module.artifacts[missing]!.target}: ${describe(runs[missing]!.outcome)}`,
    };
  }
  const reference = profiles[0]!;
  for (let i = 1; i < profiles.length; i++) {
    const comparison = compareProfiles(reference, profiles[i]!);
    if (!comparison.identical) {
      return { kind: "diverged", divergence: divergence(module, invocation, [0, i], comparison) };
    }
  }
  const overflowed = runs[0]!.outcome.outcome === "trap" && runs[0]!.outcome.trap === "stack_overflow";
  return {
    kind: "deterministic",
    below: overflowed ? module.recordingLimit : null,
    steps: reference.steps,
    maxDepth: reference.maxDepth,
  };
}

function divergence(
  module: ModuleUnderCheck,
  invocation: Invocation,
  [a, b]: readonly [number, number],
  comparison: Extract<ReturnType<typeof compareProfiles>, { identical: false }>,
): Divergence {
  const first = comparison.firstDifference;
  const steps: [StepView | null, StepView | null] = [stepView(first?.a ?? null), stepView(first?.b ?? null)];
  const entryFunc = module.validated.module.exports.find(
    (e) => e.kind === "func" && e.name === invocation.exportName,
  )!.index;
  const listing = (i: number, step: StepView | null) =>
    codeListing(module.validated, module.artifacts[i]!, step?.location ?? null, entryFunc);
  const location = steps[0]?.location ?? steps[1]?.location ?? null;
  const definedFrom = module.validated.funcTypes.length - module.validated.module.bodies.length;
  const wasmFunc = location?.funcIndex ?? entryFunc;
  return {
    targets: [module.artifacts[a]!.target, module.artifacts[b]!.target],
    index: first?.index ?? 0,
    steps,
    divergentLimits: comparison.divergentLimits.map(({ from, to }) => ({
      from,
      to: Number.isFinite(to) ? to : null,
    })),
    code: [listing(a, steps[0]), listing(b, steps[1])],
    wasm:
      wasmFunc >= definedFrom
        ? functionListing(module.validated, wasmFunc, location?.instrIndex ?? -1)
        : null,
  };
}

function stepView(step: ProfileStep | null): StepView | null {
  return step && { location: step.location, depth: step.depth, ...shortBacktrace(step.backtrace) };
}

/** A deep backtrace without its middle frames (a report needs the ends, not every recursion). */
function shortBacktrace(frames: readonly WasmLocation[]): BacktraceView {
  const elidedFrames = Math.max(0, frames.length - OUTER_FRAMES_KEPT - INNER_FRAMES_KEPT);
  if (elidedFrames === 0) return { backtrace: frames, elidedFrames };
  return {
    backtrace: [...frames.slice(0, OUTER_FRAMES_KEPT), ...frames.slice(frames.length - INNER_FRAMES_KEPT)],
    elidedFrames,
  };
}

function shortOutcome(outcome: Outcome): { outcome: Outcome; elidedFrames: number } {
  if (outcome.outcome !== "trap" || outcome.backtrace === undefined) return { outcome, elidedFrames: 0 };
  const { backtrace, elidedFrames } = shortBacktrace(outcome.backtrace);
  return { outcome: { ...outcome, backtrace }, elidedFrames };
}

function divergenceMessage(d: Divergence): string {
  const [a, b] = d.targets;
  const where = (step: StepView | null) =>
    step ? `${locationText(step.location)} at depth ${step.depth}` : "the end of its profile";
  const first =
    d.index === -1
      ? "the host's call into the entry function"
      : `step ${d.index}: ${a} ${where(d.steps[0])}, ${b} ${where(d.steps[1])}`;
  return `stack profiles differ first at ${first}; overflow points differ for limits ${limitRangesText(d.divergentLimits)}`;
}

function overflowAt(limit: number, profiles: readonly (StackProfile | null)[]): OverflowAtLimit {
  const points = profiles.map((profile) => (profile ? overflowView(overflowPoint(profile, limit)) : null));
  const [reference, ...others] = points;
  const same = others.every(
    (p) => p?.index === reference?.index && sameOptionalLocation(p?.location, reference?.location),
  );
  return { limit, points, same };
}

function overflowView(point: OverflowPoint | null): OverflowView | null {
  return (
    point && {
      index: point.index,
      depth: point.depth,
      location: point.location,
      ...shortBacktrace(point.backtrace),
    }
  );
}

/** The requested limits, and a few of the reference profile's breakpoints, all below the recording limit. */
function crossCheckLimits(module: ModuleUnderCheck, profiles: readonly (StackProfile | null)[]): number[] {
  const reference = profiles[0];
  if (!reference) return [];
  const sampled = sampledLimits(reference, []);
  const step = Math.max(1, Math.floor(sampled.length / SAMPLED_CROSS_CHECKS));
  const picked = sampled.filter((_, i) => i % step === 0).slice(0, SAMPLED_CROSS_CHECKS);
  return [...new Set([...module.limits, ...picked])]
    .filter((limit) => limit < module.recordingLimit)
    .sort((a, b) => a - b);
}

function summary(profile: StackProfile) {
  return {
    steps: profile.steps,
    entryDepth: profile.entryDepth,
    maxDepth: profile.maxDepth,
    hash: profile.hash,
  };
}

/** The deepest step of each bucket, so peaks (where overflows happen) survive downsampling. */
function depthPlot(profile: StackProfile): DepthPlot {
  const full = profile.full ?? [];
  const bucket = Math.max(1, Math.ceil(full.length / PLOT_POINTS));
  const points: [number, number][] = [[-1, profile.entryDepth]];
  for (let start = 0; start < full.length; start += bucket) {
    let deepest = start;
    for (let i = start + 1; i < Math.min(full.length, start + bucket); i++) {
      if (full[i]!.depth > full[deepest]!.depth) deepest = i;
    }
    points.push([deepest, full[deepest]!.depth]);
  }
  return { steps: full.length, bucket, points };
}
