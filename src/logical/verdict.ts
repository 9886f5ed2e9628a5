// The verdict for every native stack limit under `logical`, from the targets' recorded runs in the
// original module's terms (made on a stack of at least the certified one, so they end as they do at
// every larger limit). At or above `nativeFirstBelow` no target's native stack runs out: each ends
// as recorded — a logical overflow at the same instruction everywhere, or the same result. Below it
// some target's native stack runs out first, and `divergentLimits` are the native limits where the
// targets' overflow points differ.
import { sameOutcome } from "../verify/outcomes.js";
import { compareProfiles, type StackProfile } from "../verify/profile.js";
import type { Outcome, WasmLocation } from "../wasm/outcome.js";

export interface NativeLimitVerdict {
  /** The static bound for every path: the largest S over the targets. */
  readonly certified: number;
  /** Deepest native depth each target reached, in the order of the profiles given. */
  readonly maxDepths: readonly number[];
  readonly nativeFirstBelow: number;
  /** Whether the targets' recorded outcomes agree (they must). */
  readonly sameOutcome: boolean;
  /** Where the logical limit tripped in the recorded runs, or null when it did not. */
  readonly logicalOverflow: WasmLocation | null;
  /** Native limits [from, to) where the targets' overflow points differ (`to` null: unbounded). */
  readonly divergentLimits: readonly { readonly from: number; readonly to: number | null }[];
  readonly steps: number;
}

export function nativeLimitVerdict(
  certified: number,
  outcomes: readonly Outcome[],
  profiles: readonly StackProfile[],
): NativeLimitVerdict {
  const reference = profiles[0]!;
  const divergentLimits = profiles.slice(1).flatMap((other) => {
    const comparison = compareProfiles(reference, other);
    return comparison.identical ? [] : comparison.divergentLimits;
  });
  const first = outcomes[0]!;
  return {
    certified,
    maxDepths: profiles.map((p) => p.maxDepth),
    nativeFirstBelow: Math.max(...profiles.map((p) => p.maxDepth)),
    sameOutcome: outcomes.every((outcome) => sameOutcome(first, outcome, "exact")),
    logicalOverflow:
      first.outcome === "trap" && first.overflow === "logical" ? (first.location ?? null) : null,
    divergentLimits: divergentLimits.map(({ from, to }) => ({ from, to: Number.isFinite(to) ? to : null })),
    steps: reference.steps,
  };
}
