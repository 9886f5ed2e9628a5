// What checking one property on one generated case concludes, and the comparisons shared by the
// properties.
import { isNanBits } from "../../src/verify/spec-commands.js";
import type { Outcome, WasmLocation, WasmValue } from "../../src/wasm/outcome.js";

export type Verdict =
  | { readonly status: "pass" }
  /** The case could not be compared (say, a run ran out of fuel): neither a pass nor a failure. */
  | { readonly status: "skip"; readonly reason: string }
  | {
      readonly status: "fail";
      readonly reason: string;
      readonly evidence: Readonly<Record<string, unknown>>;
    };

export const PASS: Verdict = { status: "pass" };

export function skip(reason: string): Verdict {
  return { status: "skip", reason };
}

export function fail(reason: string, evidence: Readonly<Record<string, unknown>>): Verdict {
  return { status: "fail", reason, evidence };
}

/** Bit-exact, or NaN-aware: any two NaNs of one type are equal (Wasm leaves NaN bits open). */
export type ValueEquality = "exact" | "nan-aware";

export function sameValues(
  a: readonly WasmValue[],
  b: readonly WasmValue[],
  equality: ValueEquality,
): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i]!;
      if (x.type !== y.type) return false;
      if (x.value === y.value) return true;
      return equality === "nan-aware" && isNanBits(x.type, x.value) && isNanBits(y.type, y.value);
    })
  );
}

export function sameLocations(a: readonly WasmLocation[], b: readonly WasmLocation[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => x.funcIndex === b[i]!.funcIndex && x.instrIndex === b[i]!.instrIndex)
  );
}

/**
 * Two targets' outcomes agree: the same values, or the same trap kind at the same location with
 * the same backtrace (and, from recorded runs, the same step).
 */
export function sameTargetOutcome(a: Outcome, b: Outcome, equality: ValueEquality): boolean {
  if (a.outcome === "return" && b.outcome === "return") return sameValues(a.values, b.values, equality);
  if (a.outcome === "trap" && b.outcome === "trap") {
    return (
      a.trap === b.trap &&
      a.step === b.step &&
      sameLocations(a.location ? [a.location] : [], b.location ? [b.location] : []) &&
      sameLocations(a.backtrace ?? [], b.backtrace ?? [])
    );
  }
  return a.outcome === b.outcome;
}
