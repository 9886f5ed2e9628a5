// P2 profiles: the stack profiles of the entry's run — every executed Wasm instruction's location
// and deepest depth, in order — are identical on x64 and aarch64 (under intersect and frame; under
// native they are expected to differ, which P5 relies on).
import type { Strategy } from "../compiler/index.js";
import { compareProfiles } from "../verify/profile.js";
import type { Machines } from "./machines.js";
import { isVerdict, recordBoth } from "./recorded.js";
import type { TestCase } from "./test-case.js";
import { fail, PASS, type Verdict } from "./verdict.js";

export const PROFILES_DIFFER = "stack profiles differ";

export function checkProfiles(machines: Machines, c: TestCase, strategy: Strategy): Verdict {
  const pair = recordBoth(machines, c, strategy);
  if (isVerdict(pair)) return pair;
  if (compareProfiles(pair.x64.profile, pair.aarch64.profile).identical) return PASS;
  // Record again with the full sequences, for the first difference.
  const full = recordBoth(machines, c, strategy, { keepFull: true });
  if (isVerdict(full)) return full;
  const comparison = compareProfiles(full.x64.profile, full.aarch64.profile);
  const summary = (p: typeof full.x64.profile) => ({
    entryDepth: p.entryDepth,
    steps: p.steps,
    maxDepth: p.maxDepth,
  });
  return fail(PROFILES_DIFFER, {
    strategy,
    outcome: full.x64.outcome,
    x64: summary(full.x64.profile),
    aarch64: summary(full.aarch64.profile),
    comparison,
  });
}
