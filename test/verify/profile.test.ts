import { describe, expect, it } from "vitest";
import type { ProfileStep } from "../../src/verify/profile.js";
import { compareProfiles, overflowPoint, summarizeProfile } from "../../src/verify/profile.js";

/** Steps in function 0 with the given depths; instrIndex = position. */
function steps(depths: number[], funcIndex = 0): ProfileStep[] {
  return depths.map((depth, instrIndex) => {
    const location = { funcIndex, instrIndex, offset: 100 + instrIndex };
    return { location, depth, backtrace: [location] };
  });
}

describe("stack profiles", () => {
  it("keeps only the running-maximum changes", () => {
    const profile = summarizeProfile(steps([16, 16, 32, 16, 48, 48, 32]), 0);
    expect(profile.maximumChanges.map((c) => [c.index, c.depth])).toEqual([
      [0, 16],
      [2, 32],
      [4, 48],
    ]);
    expect(profile.maxDepth).toBe(48);
    expect(profile.steps).toBe(7);
  });

  it("gives the first step deeper than each limit, and none past the maximum", () => {
    const profile = summarizeProfile(steps([16, 16, 32, 16, 48]), 0);
    expect(overflowPoint(profile, 0)?.index).toBe(0);
    expect(overflowPoint(profile, 16)?.index).toBe(2);
    expect(overflowPoint(profile, 31)?.index).toBe(2);
    expect(overflowPoint(profile, 32)?.index).toBe(4);
    expect(overflowPoint(profile, 48)).toBeNull();
  });

  it("agrees with a brute-force scan for every limit", () => {
    const depths = [0, 16, 8, 64, 64, 32, 80, 16, 96, 96];
    const profile = summarizeProfile(steps(depths), 0);
    for (let limit = 0; limit <= 112; limit += 8) {
      const expected = depths.findIndex((d) => d > limit);
      expect(overflowPoint(profile, limit)?.index ?? -1).toBe(expected);
    }
  });

  it("calls identical sequences identical, whatever their origin", () => {
    expect(
      compareProfiles(summarizeProfile(steps([16, 32]), 0), summarizeProfile(steps([16, 32]), 0)).identical,
    ).toBe(true);
  });

  it("finds the first difference and the limits where the overflow points differ", () => {
    const x64 = summarizeProfile(steps([16, 32, 32, 64]), 0, true);
    const arm = summarizeProfile(steps([16, 32, 48, 64]), 0, true);
    const comparison = compareProfiles(x64, arm);
    if (comparison.identical) throw new Error("expected a difference");
    expect(comparison.firstDifference?.index).toBe(2);
    expect(comparison.firstDifference?.a?.depth).toBe(32);
    expect(comparison.firstDifference?.b?.depth).toBe(48);
    // x64 overflows at step 3 for limits in [32, 64); aarch64 at step 2 for [32, 48) and at 3 for [48, 64).
    expect(comparison.divergentLimits).toEqual([{ from: 32, to: 48 }]);
  });
});

describe("the host's call into the entry function", () => {
  it("is the overflow point for limits below its depth, before any instruction", () => {
    const profile = summarizeProfile(steps([48, 64]), 32);
    expect(overflowPoint(profile, 16)).toMatchObject({ index: -1, location: null, depth: 32 });
    expect(overflowPoint(profile, 32)?.index).toBe(0);
  });

  it("makes profiles differ when only the entry depth differs", () => {
    const comparison = compareProfiles(
      summarizeProfile(steps([48]), 16, true),
      summarizeProfile(steps([48]), 32, true),
    );
    expect(comparison.identical).toBe(false);
    if (!comparison.identical) expect(comparison.divergentLimits).toEqual([{ from: 16, to: 32 }]);
  });
});
