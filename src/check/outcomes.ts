// Running the invocation on V8 and comparing the reference target's outcome with it.
import { type HostSettings, v8Hosts } from "../../emulators/hosts/instance-hosts.js";
import { V8Instance } from "../../emulators/v8/v8.js";
import type { Target } from "../compiler/target.js";
import type { Invocation } from "../verify/dynamic.js";
import { agreesWithV8, v8Comparability } from "../verify/outcomes.js";
import type { ValidatedModule } from "../wasm/ir.js";
import type { Outcome } from "../wasm/outcome.js";
import type { V8Comparison } from "./model.js";

/** V8 runs the invocation only when the comparability rule (src/verify/outcomes.ts) allows comparing it. */
export function compareWithV8(
  module: { readonly bytes: Uint8Array; readonly validated: ValidatedModule },
  settings: HostSettings,
  invocation: Invocation,
  targets: readonly (readonly [Target, Outcome])[],
): V8Comparison {
  const before = v8Comparability({ targets });
  if (!before.comparable) return { compared: false, reason: before.reason };
  const { module: wasm } = module.validated;
  const hosts = v8Hosts(wasm, settings);
  const instantiated = V8Instance.instantiate(module.bytes, wasm, hosts.imports);
  if (instantiated.ok) hosts.attach(instantiated.instance.exports);
  const outcome = instantiated.ok
    ? hosts.finish(
        instantiated.instance.invoke(invocation.exportName, invocation.args),
        invocation.exportName,
      )
    : instantiated.stage === "instantiate"
      ? instantiated.outcome
      : {
          outcome: "error" as const,
          message: `V8 cannot ${instantiated.stage} the module: ${instantiated.message}`,
        };
  const after = v8Comparability({ targets, v8: outcome });
  if (!after.comparable) return { compared: false, reason: after.reason };
  return { compared: true, outcome, agrees: agreesWithV8(targets[0]![1], outcome) };
}
