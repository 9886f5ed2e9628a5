// Comparing outcomes, one rule for every command: the targets with each other, and a target with V8
// (the oracle nobody here wrote, which can tell less).
import { v8TrapMatches } from "../../emulators/v8/v8.js";
import type { Strategy } from "../compiler/target.js";
import { isNanBits } from "../spec/commands.js";
import type { Outcome, WasmLocation, WasmValue } from "../wasm/outcome.js";
import { sameOptionalLocation } from "./profile.js";

/**
 * How NaN results compare between targets: bit for bit under the deterministic strategies (they
 * canonicalise NaNs), any NaN equal to any NaN under `native` (x86 and ARM default NaNs differ).
 */
export type NanRule = "exact" | "any-nan";

export function nanRuleOf(strategy: Strategy): NanRule {
  return strategy === "native" ? "any-nan" : "exact";
}

/** Two targets' outcomes: equal values (per the NaN rule), or the same trap at the same location, backtrace and step. */
export function sameOutcome(a: Outcome, b: Outcome, nans: NanRule): boolean {
  if (a.outcome === "return" && b.outcome === "return") return sameValues(a.values, b.values, nans);
  if (a.outcome === "trap" && b.outcome === "trap") {
    return (
      a.trap === b.trap &&
      a.step === b.step &&
      sameOptionalLocation(a.location, b.location) &&
      sameBacktrace(a.backtrace ?? [], b.backtrace ?? [])
    );
  }
  return a.outcome === b.outcome;
}

/** A target's outcome against V8's: values with any NaN equal (NaN bits do not cross V8's JS boundary), trap kinds as V8 can tell them. */
export function agreesWithV8(target: Outcome, v8: Outcome): boolean {
  if (target.outcome === "trap" && v8.outcome === "trap") return v8TrapMatches(v8.trap, target.trap);
  if (target.outcome === "return" && v8.outcome === "return")
    return sameValues(target.values, v8.values, "any-nan");
  return false;
}

function sameValues(a: readonly WasmValue[], b: readonly WasmValue[], nans: NanRule): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i]!;
      if (x.type !== y.type) return false;
      if (x.value === y.value) return true;
      return nans === "any-nan" && isNanBits(x.type, x.value) && isNanBits(y.type, y.value);
    })
  );
}

function sameBacktrace(a: readonly WasmLocation[], b: readonly WasmLocation[]): boolean {
  return a.length === b.length && a.every((frame, i) => sameOptionalLocation(frame, b[i]));
}
