// Running the invocation on V8 and comparing the targets' outcome with it (outcomes.ts has the rules).
import { standardImports } from "../../emulators/hosts/env.js";
import { V8Instance } from "../../emulators/v8/v8.js";
import type { Invocation } from "../verify/dynamic.js";
import { agreesWithV8 } from "../verify/outcomes.js";
import type { ValidatedModule } from "../wasm/ir.js";
import type { Outcome } from "../wasm/outcome.js";
import type { V8Comparison } from "./model.js";

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
  const { module: wasm } = module.validated;
  const instantiated = V8Instance.instantiate(module.bytes, wasm, standardImports(wasm, []).v8);
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
