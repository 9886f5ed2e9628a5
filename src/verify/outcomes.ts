// Comparing outcomes, one rule for every command: the targets with each other, and a target with V8
// (the oracle nobody here wrote, which can tell less), including when V8 may be compared at all.
import { v8TrapMatches } from "../../emulators/v8/v8.js";
import type { Strategy } from "../compiler/target.js";
import { isNanBits, type Outcome, type WasmLocation, type WasmValue } from "../wasm/outcome.js";
import { sameOptionalLocation } from "./profile.js";

/**
 * How NaN results compare between targets: bit for bit under the deterministic strategies (they
 * canonicalise NaNs), any NaN equal to any NaN under `native` (x86 and ARM default NaNs differ).
 */
export type NanRule = "exact" | "any-nan";

export function nanRuleOf(strategy: Strategy): NanRule {
  return strategy === "native" ? "any-nan" : "exact";
}

/**
 * Two targets' outcomes: the same bytes written to stdout and stderr, and equal values (per the NaN
 * rule), the same trap at the same location, backtrace and step, the same exit code, or out of the
 * same fuel at the same Wasm instruction. The instructions executed are not compared: they are the
 * fuel used, which every target counts at the same Wasm instructions.
 */
export function sameOutcome(a: Outcome, b: Outcome, nans: NanRule): boolean {
  if (!sameOutput(a, b)) return false;
  if (a.outcome === "return" && b.outcome === "return") return sameValues(a.values, b.values, nans);
  if (a.outcome === "exit" && b.outcome === "exit") return a.code === b.code;
  if (a.outcome === "trap" && b.outcome === "trap") {
    return (
      a.trap === b.trap &&
      a.step === b.step &&
      sameOptionalLocation(a.location, b.location) &&
      sameBacktrace(a.backtrace ?? [], b.backtrace ?? [])
    );
  }
  if (a.outcome === "exhausted" && b.outcome === "exhausted") {
    return (
      a.fuel === b.fuel &&
      sameOptionalLocation(a.location, b.location) &&
      sameBacktrace(a.backtrace ?? [], b.backtrace ?? [])
    );
  }
  return a.outcome === b.outcome;
}

/**
 * A target's outcome against V8's: the same bytes written, and values with any NaN equal (NaN bits
 * do not cross V8's JS boundary), trap kinds as V8 can tell them, or the same exit code. A logical
 * stack overflow is the limiter's `unreachable` to V8, which runs the same instrumented module.
 */
export function agreesWithV8(target: Outcome, v8: Outcome): boolean {
  if (!sameOutput(target, v8)) return false;
  if (target.outcome === "exit" && v8.outcome === "exit") return target.code === v8.code;
  if (target.outcome === "trap" && v8.outcome === "trap") {
    return v8TrapMatches(v8.trap, target.overflow === "logical" ? "unreachable" : target.trap);
  }
  if (target.outcome === "return" && v8.outcome === "return")
    return sameValues(target.values, v8.values, "any-nan");
  return false;
}

/** Whether V8's outcome may be compared with the targets', and why not when it may not. */
export type V8Comparability =
  | { readonly comparable: true }
  | {
      readonly comparable: false;
      readonly reason: string;
      /** Whether V8 may still run, to show its outcome: not after a runaway, as V8 has no fuel to stop it. */
      readonly v8MayRun: boolean;
    };

/** What is known of one invocation when the rule is asked, before or after V8 ran. */
export interface V8Facts {
  /** The emulated targets' outcomes known so far, by target name (none yet: only the case's own facts count). */
  readonly targets: readonly (readonly [name: string, outcome: Outcome])[];
  /** V8's outcome, once it ran. */
  readonly v8?: Outcome;
  /** Whether NaN bits may surface in integers: Wasm leaves those bits open, and V8's are its own. */
  readonly nanBitsVisible?: boolean;
}

/**
 * When V8's outcome may be compared with the targets', for every command: only when no target ran
 * out of fuel (V8 has none, so it must not even run), failed to run, or overflowed its stack (V8
 * overflows at its own stack size, never at samestack's limit), when NaN bits cannot surface in
 * integers, and when V8 did not overflow its own stack.
 */
export function v8Comparability({ targets, v8, nanBitsVisible = false }: V8Facts): V8Comparability {
  const first = (test: (outcome: Outcome) => boolean) => targets.find(([, outcome]) => test(outcome))?.[0];
  const runaway = first((o) => o.outcome === "exhausted");
  if (runaway !== undefined) return excluded(`${runaway} ran out of fuel, and V8 has none to stop it`, false);
  const failed = first((o) => o.outcome === "error");
  if (failed !== undefined) return excluded(`${failed} could not run the invocation`);
  const overflowed = first(isStackOverflow);
  if (overflowed !== undefined) {
    return excluded(`${overflowed} ran out of stack, and V8's stack is not samestack's limit`);
  }
  if (nanBitsVisible) return excluded("NaN bits may surface in integers, and V8's NaN bits are its own");
  if (v8 && isStackOverflow(v8))
    return excluded("V8 ran out of its own stack, which is not samestack's limit");
  return { comparable: true };
}

function excluded(reason: string, v8MayRun = true): V8Comparability {
  return { comparable: false, reason, v8MayRun };
}

/** Whether the machine stack ran out (a logical overflow is the same everywhere, V8 included). */
export function isStackOverflow(outcome: Outcome): boolean {
  return outcome.outcome === "trap" && outcome.trap === "stack_overflow" && outcome.overflow !== "logical";
}

/** The same bytes on stdout and on stderr (an absent stream is empty; errors write nothing). */
function sameOutput(a: Outcome, b: Outcome): boolean {
  const streams = (o: Outcome) => (o.outcome === "error" ? ["", ""] : [o.stdout ?? "", o.stderr ?? ""]);
  const [x, y] = [streams(a), streams(b)];
  return x[0] === y[0] && x[1] === y[1];
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
