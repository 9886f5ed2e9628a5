// Comparing outcomes: the targets with each other (equal in everything, NaN payloads aside) and
// with V8, the oracle nobody here wrote.
import { V8Instance, v8TrapMatches } from "../../emulators/v8.js";
import type { ValidatedModule } from "../wasm/ir.js";
import type { Outcome, WasmLocation, WasmValue } from "../wasm/outcome.js";
import type { V8Comparison } from "./check-model.js";
import type { Invocation } from "./dynamic.js";
import { sameOptionalLocation } from "./profile.js";
import { isNanBits } from "./spec-commands.js";

/**
 * V8 runs the invocation only when every target returned or trapped for a reason other than the
 * stack: V8's stack is not samestack's limit, and a run that ran out of fuel may never end in V8.
 */
export function compareWithV8(
  module: { readonly bytes: Uint8Array; readonly validated: ValidatedModule },
  invocation: Invocation,
  outcomes: readonly Outcome[],
): V8Comparison {
  const reference = outcomes[0]!;
  const unfinished = outcomes.find(
    (o) =>
      o.outcome === "exhausted" ||
      o.outcome === "error" ||
      (o.outcome === "trap" && o.trap === "stack_overflow"),
  );
  if (unfinished) {
    const why =
      unfinished.outcome === "trap"
        ? "the targets ran out of stack, and V8's stack is not samestack's limit"
        : unfinished.outcome === "exhausted"
          ? "the targets ran out of fuel, and V8 has none"
          : "a target could not run the invocation";
    return { compared: false, reason: why };
  }
  const instantiated = V8Instance.instantiate(module.bytes, module.validated.module);
  const outcome = instantiated.ok
    ? instantiated.instance.invoke(invocation.exportName, invocation.args)
    : instantiated.stage === "instantiate"
      ? instantiated.outcome
      : {
          outcome: "error" as const,
          message: `V8 cannot ${instantiated.stage} the module: ${instantiated.message}`,
        };
  return { compared: true, outcome, agrees: agreesWithV8(reference, outcome) };
}

function agreesWithV8(target: Outcome, v8: Outcome): boolean {
  if (target.outcome === "trap" && v8.outcome === "trap") return v8TrapMatches(v8.trap, target.trap);
  if (target.outcome === "return" && v8.outcome === "return") return sameValues(target.values, v8.values);
  return false;
}

/** Outcomes of two targets: equal in everything, except that any two NaNs of a type are equal. */
export function sameOutcome(a: Outcome, b: Outcome): boolean {
  if (a.outcome === "return" && b.outcome === "return") return sameValues(a.values, b.values);
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

function sameValues(a: readonly WasmValue[], b: readonly WasmValue[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i]!;
      if (x.type !== y.type) return false;
      return x.value === y.value || (isNanBits(x.type, x.value) && isNanBits(y.type, y.value));
    })
  );
}

function sameBacktrace(a: readonly WasmLocation[], b: readonly WasmLocation[]): boolean {
  return a.length === b.length && a.every((frame, i) => sameOptionalLocation(frame, b[i]));
}
