/** A machine target. Keep ISA specifics behind `lookup(target)` in src/compiler/targets. */
export const TARGETS = ["x64", "aarch64"] as const;
export type Target = (typeof TARGETS)[number];

export const STRATEGIES = ["native", "intersect", "frame", "logical"] as const;
export type Strategy = (typeof STRATEGIES)[number];
