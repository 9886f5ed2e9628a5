/**
 * The native stack profile's input and output (emulators/native/profile.h): the code's tables, given
 * once per code, and what a profiled invocation leaves, read in one go when it ends.
 */

/** One entry per code byte from the instrumented range's start; see profile.h for each table. */
export interface ProfileCode {
  /** Bytes SP is below its function's reference at each offset; PROFILE_NO_FRAME outside functions. */
  readonly rel: Int32Array;
  /** PROFILE_POINT kind | align bit. */
  readonly kinds: Uint8Array;
  /** Location id of the Wasm instruction a point starts, or -1. */
  readonly locs: Int32Array;
  /** A prologue's limit-check bytes below the callee's reference, or -1. */
  readonly checks: Int32Array;
  /** Per location id: funcIndex * 2^32 + instrIndex, the hash's key. */
  readonly keys: BigUint64Array;
  /** Bytes a call pushes (the return address), 0 where it stays in a register. */
  readonly returnAddressBytes: number;
}

/** Point kinds and the alignment bit of `ProfileCode.kinds` (POINT_* in profile.h). */
export const PROFILE_POINT = { none: 0, instr: 1, prologue: 2, return: 3, align: 4 } as const;

/** `rel` of a byte outside every function. */
export const PROFILE_NO_FRAME = -(2 ** 31);

/** What the native profiler built; depths are bytes below the reference. */
export interface ProfileRows {
  readonly steps: number;
  readonly entryDepth: number;
  readonly maxDepth: number;
  /** Depth of the last step (the entry call's when there is none). */
  readonly lastDepth: number;
  readonly hash: string;
  /** Per running-maximum change: step index (-1: the entry call), depth, location id (-1), caller node (-1). */
  readonly changes: Float64Array;
  /** Per backtrace node: location id, caller node (-1: outermost). */
  readonly nodes: Float64Array;
  /** Code offsets where SP was not 16-byte aligned at an alignment point. */
  readonly misaligned: Float64Array;
  /** Steps that break a rule of the tracer, where (a code offset). */
  readonly error: {
    readonly kind: "return-without-call" | "no-stack-map" | "out-of-memory";
    readonly offset: number;
  } | null;
}
