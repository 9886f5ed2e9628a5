// What the stack profiles say about one invocation: the for-all-limits verdict (with the evidence of
// a divergence), the overflow point at each requested limit, and a depth plot; deep backtraces are
// shortened to their ends.

import { certifiedStack } from "../logical/certificate.js";
import { nativeLimitVerdict } from "../logical/verdict.js";
import type { Invocation } from "../verify/dynamic.js";
import {
  compareProfiles,
  type OverflowPoint,
  overflowPoint,
  type ProfileStep,
  type StackProfile,
  sameOptionalLocation,
} from "../verify/profile.js";
import { functionListing } from "../wasm/instruction-text.js";
import type { Outcome } from "../wasm/outcome.js";
import { locationText, outcomeText, shortBacktrace } from "../wasm/outcome-text.js";
import { codeListing } from "./evidence.js";
import { limitRangesText } from "./limit-text.js";
import type {
  DepthPlot,
  Divergence,
  LimitVerdict,
  OverflowAtLimit,
  OverflowView,
  ProfileSummary,
  StepView,
} from "./model.js";
import type { ModuleUnderCheck } from "./under-check.js";

/** Points of a depth plot: enough for a page-wide SVG. */
const PLOT_POINTS = 600;

export function limitVerdict(
  module: ModuleUnderCheck,
  invocation: Invocation,
  runs: readonly { readonly outcome: Outcome }[],
  profiles: readonly (StackProfile | null)[],
): LimitVerdict {
  const missing = profiles.indexOf(null);
  if (missing >= 0) {
    return {
      kind: "not-recorded",
      reason: `${module.artifacts[missing]!.target}: ${outcomeText(runs[missing]!.outcome)}`,
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

export function shortOutcome(outcome: Outcome): { outcome: Outcome; elidedFrames: number } {
  if (outcome.outcome !== "trap" || outcome.backtrace === undefined) return { outcome, elidedFrames: 0 };
  const { backtrace, elidedFrames } = shortBacktrace(outcome.backtrace);
  return { outcome: { ...outcome, backtrace }, elidedFrames };
}

export function divergenceMessage(d: Divergence): string {
  const [a, b] = d.targets;
  const where = (step: StepView | null) =>
    step ? `${locationText(step.location)} at depth ${step.depth}` : "the end of its profile";
  const first =
    d.index === -1
      ? "the host's call into the entry function"
      : `step ${d.index}: ${a} ${where(d.steps[0])}, ${b} ${where(d.steps[1])}`;
  return `stack profiles differ first at ${first}; overflow points differ for limits ${limitRangesText(d.divergentLimits)}`;
}

export function overflowAt(limit: number, profiles: readonly (StackProfile | null)[]): OverflowAtLimit {
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

export function summary(profile: StackProfile): ProfileSummary {
  return {
    steps: profile.steps,
    entryDepth: profile.entryDepth,
    maxDepth: profile.maxDepth,
    hash: profile.hash,
  };
}

/**
 * The deepest step of each bucket, so peaks (where overflows happen) survive downsampling; under
 * `logical` with each point's logical height (the entry call's counted as 0).
 */
export function depthPlot(profile: StackProfile): DepthPlot {
  const full = profile.full ?? [];
  const bucket = Math.max(1, Math.ceil(full.length / PLOT_POINTS));
  const points: [number, number][] = [[-1, profile.entryDepth]];
  const heights: number[] = [0];
  for (let start = 0; start < full.length; start += bucket) {
    let deepest = start;
    for (let i = start + 1; i < Math.min(full.length, start + bucket); i++) {
      if (full[i]!.depth > full[deepest]!.depth) deepest = i;
    }
    points.push([deepest, full[deepest]!.depth]);
    heights.push(heightOf(full[deepest]!));
  }
  const logical = full.length > 0 && full.every((step) => "height" in step);
  return { steps: full.length, bucket, points, ...(logical ? { heights } : {}) };
}

function heightOf(step: ProfileStep): number {
  return "height" in step && typeof step.height === "number" ? step.height : 0;
}

/**
 * Under `logical`: the verdict for every native limit, from runs recorded on at least the certified
 * stack (LogicalLimitVerdict).
 */
export function logicalLimitVerdict(
  module: ModuleUnderCheck,
  runs: readonly { readonly outcome: Outcome }[],
  profiles: readonly (StackProfile | null)[],
): LimitVerdict {
  const missing = profiles.indexOf(null);
  if (missing >= 0 || module.logical === null) {
    const target = module.artifacts[Math.max(0, missing)]!.target;
    return { kind: "not-recorded", reason: `${target}: ${outcomeText(runs[Math.max(0, missing)]!.outcome)}` };
  }
  const verdict = nativeLimitVerdict(
    certifiedStack(module.logical.certificate),
    runs.map((run) => run.outcome),
    profiles as readonly StackProfile[],
  );
  return { kind: "logical", ...verdict };
}
