// P3 overflow: at stack limits below the deepest depth the entry reaches, both targets overflow at
// the same Wasm location, with the same backtrace and dynamic instruction count (step) — and where
// their own profiles predicted (src/verify/profile.ts, overflowPoint). At each limit the run metered
// per block (fast machine, warning zone; the profiled run, whose profiler only reads SP) also leaves
// exactly what the run metered per instruction leaves (emulators/runtime/metering-check.ts).
import type { Strategy, Target } from "../compiler/index.js";
import { type OverflowPoint, overflowPoint, sameLocation, sameOptionalLocation } from "../verify/profile.js";
import { InternalError } from "../wasm/errors.js";
import type { Outcome } from "../wasm/outcome.js";
import type { Machines } from "./machines.js";
import { isVerdict, recordBoth } from "./recorded.js";
import type { TestCase } from "./test-case.js";
import { fail, PASS, type Verdict } from "./verdict.js";

/** A limit in bytes (positive multiple of 16) at `fraction` of `maxDepth`. */
export function limitAt(fraction: number, maxDepth: number): number {
  return Math.max(16, Math.floor((fraction * maxDepth) / 16) * 16);
}

export function checkOverflow(
  machines: Machines,
  c: TestCase,
  strategy: Strategy,
  limitFractions: readonly number[],
): Verdict {
  const unlimited = recordBoth(machines, c, strategy);
  if (isVerdict(unlimited)) return unlimited;
  const maxDepth = Math.max(unlimited.x64.profile.maxDepth, unlimited.aarch64.profile.maxDepth);
  for (const fraction of limitFractions) {
    const stackLimit = limitAt(fraction, maxDepth);
    // The limited runs, profiled natively, are also the block-metered side of the metering check.
    const limited = recordBoth(machines, c, strategy, { stackLimit, keepLeftBehind: true });
    if (isVerdict(limited)) {
      return limited.status === "fail"
        ? fail(`at limit ${stackLimit}: ${limited.reason}`, limited.evidence)
        : limited;
    }
    for (const target of ["x64", "aarch64"] as const satisfies Target[]) {
      const fast = limited[target].leftBehind;
      if (fast === undefined)
        throw new InternalError("a recorded pair kept without what its runs left behind");
      const difference = machines.meteringDifference(c, target, strategy, { stackLimit }, fast);
      if (difference !== null) {
        return fail(
          `${target} at limit ${stackLimit}: block and instruction metering differ: ${difference}`,
          {
            strategy,
            stackLimit,
          },
        );
      }
      const predicted = overflowPoint(unlimited[target].profile, stackLimit);
      const actual = limited[target].outcome;
      if (!agrees(predicted, actual)) {
        return fail(`${target} at limit ${stackLimit} did not overflow where its profile predicted`, {
          strategy,
          stackLimit,
          predicted,
          actual,
        });
      }
    }
  }
  return PASS;
}

function agrees(predicted: OverflowPoint | null, actual: Outcome): boolean {
  const overflowed = actual.outcome === "trap" && actual.trap === "stack_overflow";
  if (predicted === null) return !overflowed;
  return (
    overflowed &&
    actual.step === predicted.index &&
    sameOptionalLocation(actual.location, predicted.location) &&
    (actual.backtrace ?? []).length === predicted.backtrace.length &&
    (actual.backtrace ?? []).every((frame, i) => sameLocation(frame, predicted.backtrace[i]!))
  );
}
