// Stack profiles: for each executed Wasm instruction, in order, its location and the
// deepest stack depth reached while it executed; and what follows from one: the overflow point for
// every limit at once, and the comparison of two targets' profiles.
import type { WasmLocation } from "../wasm/outcome.js";

export interface ProfileStep {
  readonly location: WasmLocation;
  /** Deepest depth (bytes below the reference stack pointer) reached while this step executed. */
  readonly depth: number;
  /** Active frames, outermost first, ending with `location`. */
  readonly backtrace: readonly WasmLocation[];
  /**
   * The step of the call this step runs under (null in the entry function's frame): the frames as a
   * chain, for walking them step by step. Absent where a profile was not traced (read from JSON).
   */
  readonly caller?: ProfileStep | null;
}

/**
 * A new running maximum of the depth: step `index` is the first to go deeper than all before it.
 * Index −1 (location null, empty backtrace) is the host's call into the entry function: the depth
 * its prologue reaches before the first Wasm instruction runs.
 */
export interface MaximumChange {
  readonly index: number;
  readonly depth: number;
  readonly location: WasmLocation | null;
  readonly backtrace: readonly WasmLocation[];
}

/** The compact form kept in reports: running-maximum changes plus a hash of the full sequence. */
export interface StackProfile {
  /** Depth reached by the host's call into the entry function (its prologue). */
  readonly entryDepth: number;
  readonly steps: number;
  readonly maxDepth: number;
  readonly maximumChanges: readonly MaximumChange[];
  /** Hash of the whole sequence: entryDepth, then every step's location and depth (`StepHash`). */
  readonly hash: string;
  /** The full sequence, kept only on request. */
  readonly full?: readonly ProfileStep[];
}

/** The first step deeper than a limit: `index` is its dynamic Wasm instruction count (−1: the entry call). */
export interface OverflowPoint extends MaximumChange {
  readonly limit: number;
}

export function summarizeProfile(
  steps: readonly ProfileStep[],
  entryDepth: number,
  keepFull = false,
): StackProfile {
  const changes: MaximumChange[] = [];
  const hash = new StepHash(entryDepth);
  let maxDepth = entryDepth;
  if (entryDepth > 0) changes.push({ index: -1, depth: entryDepth, location: null, backtrace: [] });
  steps.forEach((step, index) => {
    hash.add(step.location, step.depth);
    if (step.depth > maxDepth) {
      maxDepth = step.depth;
      changes.push(new StepChange(index, step));
    }
  });
  const profile = { entryDepth, steps: steps.length, maxDepth, maximumChanges: changes, hash: hash.hex() };
  return keepFull ? { ...profile, full: steps } : profile;
}

/**
 * A maximum change whose backtrace is read when asked for: a recursion deepening at every step makes
 * a change of every step, and copying each one's backtrace would cost the square of the depth. (A
 * class: object literals with a getter each are kept by V8 as slow dictionaries.) As JSON, it is the
 * plain change.
 */
export abstract class LazyChange implements MaximumChange {
  constructor(
    readonly index: number,
    readonly depth: number,
    readonly location: WasmLocation,
  ) {}

  abstract get backtrace(): readonly WasmLocation[];

  toJSON(): MaximumChange {
    const { index, depth, location, backtrace } = this;
    return { index, depth, location, backtrace };
  }
}

/** A change at a traced step: the step's own backtrace. */
class StepChange extends LazyChange {
  constructor(
    index: number,
    private readonly step: ProfileStep,
  ) {
    super(index, step.depth, step.location);
  }

  get backtrace(): readonly WasmLocation[] {
    return this.step.backtrace;
  }
}

/**
 * The profile hash, the same as the native profiler's (emulators/native/profile.c): the sequence
 * entryDepth, key(step 0), depth(step 0), key(step 1), ... (key = funcIndex · 2^32 + instrIndex, depths
 * as two's-complement words) read as a polynomial in an odd base modulo 2^64, by Horner's rule. Linear in the depths, so the native side adds a block's steps at once. Words are kept as
 * 32-bit halves in numbers: exact, and far cheaper than BigInt per step.
 */
export class StepHash {
  private readonly words = new Uint32Array(2); // high, low

  constructor(entryDepth: number) {
    this.set(high(entryDepth), entryDepth >>> 0);
  }

  add(location: WasmLocation, depth: number): void {
    this.multiplyAdd(location.funcIndex >>> 0, location.instrIndex >>> 0);
    this.multiplyAdd(high(depth), depth >>> 0);
  }

  hex(): string {
    return Array.from(this.words, (word) => word.toString(16).padStart(8, "0")).join("");
  }

  /** hash = hash · base + (addHigh · 2^32 + addLow), modulo 2^64. */
  private multiplyAdd(addHigh: number, addLow: number): void {
    const [baseHigh, baseLow] = HASH_BASE;
    const hHigh = this.words[0]!;
    const hLow = this.words[1]!;
    // hLow · baseLow in full, from 16-bit halves (each partial product is exact in a double)
    const a0 = hLow & 0xffff;
    const a1 = hLow >>> 16;
    const b0 = baseLow & 0xffff;
    const b1 = baseLow >>> 16;
    const middle = a0 * b1 + a1 * b0;
    const low = a0 * b0 + (middle % 0x10000) * 0x10000 + addLow;
    const carry = Math.floor(low / 2 ** 32);
    const upper =
      a1 * b1 +
      Math.floor(middle / 0x10000) +
      carry +
      Math.imul(hHigh, baseLow) +
      Math.imul(hLow, baseHigh) +
      addHigh;
    this.set(upper, low);
  }

  private set(high32: number, low32: number): void {
    this.words[0] = high32 >>> 0;
    this.words[1] = low32 >>> 0;
  }
}

/** The high 32 bits of a depth's two's-complement 64-bit word. */
function high(value: number): number {
  return Math.floor(value / 2 ** 32) >>> 0;
}

/** 0x9e3779b97f4a7c15, as 32-bit halves. */
const HASH_BASE = [0x9e3779b9, 0x7f4a7c15] as const;

/** The first step deeper than `limit`, or null when the run stays within it. */
export function overflowPoint(profile: StackProfile, limit: number): OverflowPoint | null {
  const change = profile.maximumChanges.find((c) => c.depth > limit);
  if (!change) return null;
  const { index, depth, location, backtrace } = change;
  return { limit, index, depth, location, backtrace };
}

/**
 * The limits (multiples of 16) at which the overflow point changes: for a limit L, the overflow
 * point is that of the first maximum change deeper than L, so it is constant between consecutive
 * change depths. Every limit in [0, maxDepth) lands in exactly one interval below.
 */
export function overflowIntervals(
  profile: StackProfile,
): { from: number; to: number; change: MaximumChange }[] {
  const intervals: { from: number; to: number; change: MaximumChange }[] = [];
  let from = 0;
  for (const change of profile.maximumChanges) {
    intervals.push({ from, to: change.depth, change });
    from = change.depth;
  }
  return intervals;
}

export type ProfileComparison =
  | { readonly identical: true; readonly steps: number; readonly maxDepth: number }
  | {
      readonly identical: false;
      /** First step at which the two differ (location or depth), or the shorter length; −1: the entry call. */
      readonly firstDifference: {
        readonly index: number;
        readonly a: ProfileStep | null;
        readonly b: ProfileStep | null;
      } | null;
      /** Limits (bytes) for which the overflow points differ, as half-open ranges [from, to). */
      readonly divergentLimits: readonly { readonly from: number; readonly to: number }[];
    };

/**
 * Compares two targets' profiles. The same length, entry depth, maximum depth and hash (64 bits)
 * mean identical profiles (and so identical overflow points for every limit); otherwise the first
 * difference needs the full sequences.
 */
export function compareProfiles(a: StackProfile, b: StackProfile): ProfileComparison {
  const same = a.steps === b.steps && a.entryDepth === b.entryDepth && a.maxDepth === b.maxDepth;
  if (same && a.hash === b.hash) return { identical: true, steps: a.steps, maxDepth: a.maxDepth };
  return { identical: false, firstDifference: firstDifference(a, b), divergentLimits: divergentLimits(a, b) };
}

function firstDifference(a: StackProfile, b: StackProfile) {
  if (!a.full || !b.full) return null;
  if (a.entryDepth !== b.entryDepth) return { index: -1, a: null, b: null };
  const length = Math.min(a.full.length, b.full.length);
  for (let index = 0; index < length; index++) {
    const x = a.full[index]!;
    const y = b.full[index]!;
    if (!sameLocation(x.location, y.location) || x.depth !== y.depth) return { index, a: x, b: y };
  }
  return { index: length, a: a.full[length] ?? null, b: b.full[length] ?? null };
}

/**
 * Walks the union of both profiles' breakpoints and collects the limits where the overflow points
 * differ. Maximum changes deepen in order, so the overflow point of each profile at increasing
 * limits is found by moving one index forward (a deep recursion has a change per level).
 */
function divergentLimits(a: StackProfile, b: StackProfile) {
  const breakpoints = [
    ...new Set([0, ...a.maximumChanges.map((c) => c.depth), ...b.maximumChanges.map((c) => c.depth)]),
  ].sort((x, y) => x - y);
  const ranges: { from: number; to: number }[] = [];
  const pointA = overflowPointsInOrder(a);
  const pointB = overflowPointsInOrder(b);
  for (let i = 0; i < breakpoints.length; i++) {
    const from = breakpoints[i]!;
    const to = breakpoints[i + 1] ?? Number.POSITIVE_INFINITY;
    if (from === to) continue;
    if (samePoint(pointA(from), pointB(from))) continue;
    const last = ranges.at(-1);
    if (last && last.to === from) last.to = to;
    else ranges.push({ from, to });
  }
  return ranges;
}

/** overflowPoint(profile, limit) for limits asked in increasing order, in one pass over the changes. */
function overflowPointsInOrder(profile: StackProfile): (limit: number) => MaximumChange | null {
  let next = 0;
  return (limit) => {
    const changes = profile.maximumChanges;
    while (next < changes.length && changes[next]!.depth <= limit) next++;
    return changes[next] ?? null;
  };
}

function samePoint(x: MaximumChange | null, y: MaximumChange | null): boolean {
  if (x === null || y === null) return x === y;
  return x.index === y.index && sameOptionalLocation(x.location, y.location);
}

export function sameOptionalLocation(
  x: WasmLocation | null | undefined,
  y: WasmLocation | null | undefined,
): boolean {
  if (!x || !y) return !x && !y;
  return sameLocation(x, y);
}

export function sameLocation(x: WasmLocation, y: WasmLocation): boolean {
  return x.funcIndex === y.funcIndex && x.instrIndex === y.instrIndex;
}
