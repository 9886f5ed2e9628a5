// Dynamic verification: one recorded run per target gives each target's stack profile, hence its
// overflow point for every limit at once; real runs at sampled limits confirm the prediction.

import { PROFILE_CHANGE_WORDS, PROFILE_NODE_WORDS } from "../../emulators/native/bindings.js";
import type { Instance, InvokeOptions } from "../../emulators/runtime/runner.js";
import type { ProfileRows } from "../../emulators/unicorn/stack-profile.js";
import type { Target } from "../compiler/target.js";
import type { Outcome, WasmLocation, WasmValue } from "../wasm/outcome.js";
import { isStackOverflow } from "./outcomes.js";
import {
  LazyChange,
  type MaximumChange,
  type OverflowPoint,
  overflowPoint,
  type StackProfile,
  sameLocation,
  sameOptionalLocation,
  summarizeProfile,
} from "./profile.js";
import { profileCode } from "./profile-code.js";
import { profileSteps, type TracedSteps, TraceError } from "./trace.js";

export interface RecordedProfile {
  readonly target: Target;
  readonly outcome: Outcome;
  readonly profile: StackProfile;
  /** Wasm instruction starts where the emulator saw SP misaligned (confirms the static verifier). */
  readonly misalignedAt: readonly number[];
  /** Wasm instructions the invocation executed (its fuel used): the same count on every target. */
  readonly executed: number;
}

export interface Invocation {
  readonly exportName: string;
  readonly args: readonly WasmValue[];
}

/** A recorded run that gives no profile: only its outcome is known, and `unprofiled` says why. */
export interface UnprofiledRun {
  readonly target: Target;
  readonly outcome: Outcome;
  readonly unprofiled: string;
  /** Wasm instructions the invocation executed (its fuel used); absent when nothing ran. */
  readonly executed?: number;
}

/**
 * How a recorded run is told: as traced, or (the `logical` strategy) in the terms of the module the
 * instrumented one was made from. `steps` may throw a TraceError when the steps break a rule.
 */
export interface RunView {
  steps(traced: TracedSteps): TracedSteps;
  outcome(outcome: Outcome): Outcome;
}

export interface RecordOptions extends InvokeOptions {
  /** Keep the profile's full sequence. */
  readonly keepFull?: boolean;
  readonly view?: RunView;
  /**
   * Build the profile from the per-instruction recorder's samples in JS (the reference tracer), as
   * a full sequence or a view needs anyway, rather than natively per block.
   */
  readonly traced?: boolean;
}

/**
 * Runs `invocation` once and gives its stack profile, with its full sequence when asked. The
 * profile is built natively while the code runs, at the emulator's speed; a full sequence or a view
 * takes the per-instruction recorder and the JS tracer (`profileSteps`), which give the same profile.
 * A run that ran out of fuel has no profile (it is a prefix of the program's), nor has a recorded one
 * whose samples overflowed the recorder (emulators/native: 4 Mi samples per run).
 */
export function recordProfile(
  instance: Instance,
  invocation: Invocation,
  options: RecordOptions = {},
): RecordedProfile | UnprofiledRun {
  if (!options.keepFull && !options.view && !options.traced)
    return nativeProfile(instance, invocation, options);
  const target = instance.artifact.target;
  const viewed = (outcome: Outcome) => (options.view ? options.view.outcome(outcome) : outcome);
  const recorded = instance.invokeRecorded(invocation.exportName, invocation.args, options);
  if ("outcome" in recorded && !("records" in recorded)) {
    return { target, outcome: viewed(recorded), unprofiled: "no run was recorded" };
  }
  const executed = recorded.wasmInstructions;
  if (recorded.outcome.outcome === "exhausted") {
    return { target, outcome: viewed(recorded.outcome), unprofiled: "the run ran out of fuel", executed };
  }
  const { dropped, length } = recorded.records;
  if (dropped > 0) {
    const unprofiled = `the run passed ${length + dropped} record points; the recorder keeps ${length}`;
    return { target, outcome: viewed(recorded.outcome), unprofiled, executed };
  }
  const traced = profileSteps({
    artifact: instance.artifact,
    samples: recorded.records,
    tailMinSp: recorded.tailMinSp,
    referenceSp: recorded.referenceSp,
  });
  const { entryDepth, steps } = options.view ? options.view.steps(traced) : traced;
  return {
    target,
    outcome: atLastStep(viewed(recorded.outcome), steps.length, steps.at(-1)?.depth ?? entryDepth),
    profile: summarizeProfile(steps, entryDepth, options.keepFull ?? false),
    misalignedAt: recorded.alignmentViolations.map((v) => v.pc),
    executed,
  };
}

/** A trap happens at the last of `steps` steps, whose depth is `depth` (the entry call's when none ran). */
function atLastStep(outcome: Outcome, steps: number, depth: number): Outcome {
  return outcome.outcome === "trap" ? { ...outcome, step: steps - 1, depth } : outcome;
}

/** `recordProfile` with the native profiler. */
function nativeProfile(
  instance: Instance,
  invocation: Invocation,
  options: InvokeOptions,
): RecordedProfile | UnprofiledRun {
  const { artifact } = instance;
  const { target } = artifact;
  const code = profileCode(artifact);
  const profiled = instance.invokeProfiled(invocation.exportName, invocation.args, code, options);
  if (!("profile" in profiled)) return { target, outcome: profiled, unprofiled: "no run was recorded" };
  const { profile: rows, wasmInstructions: executed } = profiled;
  if (profiled.outcome.outcome === "exhausted") {
    return { target, outcome: profiled.outcome, unprofiled: "the run ran out of fuel", executed };
  }
  const codeBase = Number(artifact.codeBase);
  if (rows.error !== null) {
    const at = `0x${(codeBase + rows.error.offset).toString(16)}`;
    throw new TraceError(
      rows.error.kind === "return-without-call"
        ? `return to ${at} without a matching call`
        : `the native profiler met ${rows.error.kind === "no-stack-map" ? "code outside the stack map" : "no memory"} at ${at}`,
    );
  }
  return {
    target,
    outcome: atLastStep(profiled.outcome, rows.steps, rows.lastDepth),
    profile: {
      entryDepth: rows.entryDepth,
      steps: rows.steps,
      maxDepth: rows.maxDepth,
      maximumChanges: maximumChanges(rows, code.locations),
      hash: rows.hash,
    },
    misalignedAt: Array.from(rows.misaligned, (offset) => codeBase + offset),
    executed,
  };
}

/** The native profiler's changes. */
function maximumChanges(rows: ProfileRows, locations: readonly WasmLocation[]): MaximumChange[] {
  const { changes, nodes } = rows;
  const result: MaximumChange[] = [];
  for (let i = 0; i < changes.length; i += PROFILE_CHANGE_WORDS) {
    const [index, depth, location, node] = [changes[i]!, changes[i + 1]!, changes[i + 2]!, changes[i + 3]!];
    result.push(
      index < 0
        ? { index, depth, location: null, backtrace: [] }
        : new NativeChange(index, depth, locations, location, nodes, node),
    );
  }
  return result;
}

/** A change the native profiler found: its backtrace is walked from the profiler's nodes. */
class NativeChange extends LazyChange {
  constructor(
    index: number,
    depth: number,
    private readonly locations: readonly WasmLocation[],
    locationId: number,
    private readonly nodes: Float64Array,
    private readonly callerNode: number,
  ) {
    super(index, depth, locations[locationId]!);
  }

  get backtrace(): WasmLocation[] {
    const frames = [this.location];
    for (let at = this.callerNode; at >= 0; at = this.nodes[PROFILE_NODE_WORDS * at + 1]!) {
      frames.push(this.locations[this.nodes[PROFILE_NODE_WORDS * at]!]!);
    }
    return frames.reverse();
  }
}

/** A limit where a real limited run disagreed with the overflow point predicted from the profile. */
export interface CrossCheckFailure {
  readonly limit: number;
  readonly predicted: OverflowPoint | null;
  readonly actual: Outcome;
}

/**
 * The limits to confirm: every depth where the running maximum changes, ±16 bytes, plus `extra`
 * ones; all positive multiples of 16 (the runner's rule for limits). A profile with more than
 * `maxChanges` changes (a deep recursion makes one per level) is sampled: its first and last
 * changes and evenly spaced ones between, so confirming it stays a bounded number of real runs.
 */
export function sampledLimits(profile: StackProfile, extra: readonly number[], maxChanges = 64): number[] {
  const limits = new Set<number>();
  for (const change of evenlySampled(profile.maximumChanges, maxChanges)) {
    for (const limit of [change.depth - 16, change.depth, change.depth + 16]) limits.add(limit);
  }
  for (const limit of extra) limits.add(limit);
  return [...limits].filter((limit) => limit > 0 && limit % 16 === 0).sort((a, b) => a - b);
}

/** At most `count` items of `items`, the first and the last included, evenly spaced. */
function evenlySampled<T>(items: readonly T[], count: number): readonly T[] {
  if (items.length <= count) return items;
  return Array.from({ length: count }, (_, i) => items[Math.round((i * (items.length - 1)) / (count - 1))]!);
}

/**
 * Runs the invocation for real under each limit (recorded, to count steps) and checks that it
 * overflows exactly where the profile says — same step index, location and backtrace — or, when
 * the profile stays within the limit, that it does not overflow at all. `fresh` gives an instance
 * in the state the profiled run started from.
 */
export function crossCheck(
  fresh: () => Instance,
  invocation: Invocation,
  profile: StackProfile,
  limits: readonly number[],
  options: RecordOptions = {},
): CrossCheckFailure[] {
  const failures: CrossCheckFailure[] = [];
  for (const limit of limits) {
    const predicted = overflowPoint(profile, limit);
    const instance = fresh();
    try {
      const run = recordProfile(instance, invocation, { ...options, stackLimit: limit });
      const actual = run.outcome;
      if (!agrees(predicted, actual)) failures.push({ limit, predicted, actual });
    } finally {
      instance.close();
    }
  }
  return failures;
}

/** Whether the actual run overflowed where predicted; a profile predicts native stack overflows only. */
function agrees(predicted: OverflowPoint | null, actual: Outcome): boolean {
  const overflowed = isStackOverflow(actual);
  if (predicted === null) return !overflowed;
  if (!overflowed || actual.outcome !== "trap" || actual.backtrace === undefined) return false;
  return (
    actual.step === predicted.index &&
    sameOptionalLocation(actual.location, predicted.location) &&
    actual.backtrace.length === predicted.backtrace.length &&
    actual.backtrace.every((frame, i) => sameLocation(frame, predicted.backtrace[i]!))
  );
}
