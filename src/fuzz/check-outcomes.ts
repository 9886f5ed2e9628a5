// P1 outcomes: x64, aarch64 and V8 agree on the entry's result or trap kind and on the exported
// globals afterwards; x64 and aarch64 also agree on trap locations and backtraces. Comparisons
// follow src/verify/outcomes.ts: NaN bits exact between the targets under intersect/frame (samestack
// canonicalises NaNs there), any NaN under native and against V8; V8 only where its comparability
// rule allows. Under native, programs whose NaN bits may surface in integers, or that overflowed,
// are not compared between the targets (Wasm leaves those bits open; native overflows differ).
import type { Strategy, Target } from "../compiler/index.js";
import {
  agreesWithV8,
  isStackOverflow,
  type NanRule,
  nanRuleOf,
  sameOutcome,
  v8Comparability,
} from "../verify/outcomes.js";
import type { Outcome } from "../wasm/outcome.js";
import type { Machines } from "./machines.js";
import type { TestCase } from "./test-case.js";
import { type EntryRun, requestOf, runEntry } from "./v8-oracle.js";
import { fail, PASS, skip, type Verdict } from "./verdict.js";

export function checkOutcomes(machines: Machines, c: TestCase, strategy: Strategy): Verdict {
  const { nanBitsVisible } = c;
  const run = (target: Target): EntryRun =>
    machines.withInstance(c, target, strategy, (instance) => runEntry(instance, requestOf(c)), "block");
  const x64 = run("x64");
  const aarch64 = run("aarch64");
  const evidence = { strategy, x64, aarch64 };
  for (const [target, r] of [["x64", x64] as const, ["aarch64", aarch64] as const]) {
    if (r.outcome.outcome === "error") return fail(`${target} ended in an error`, evidence);
  }
  if (x64.outcome.outcome === "exhausted" || aarch64.outcome.outcome === "exhausted") {
    return skip("a target ran out of fuel");
  }
  const overflowed = isStackOverflow(x64.outcome) || isStackOverflow(aarch64.outcome);
  const native = strategy === "native";
  if (!(native && (nanBitsVisible || overflowed))) {
    const nans = nanRuleOf(strategy);
    if (!sameOutcome(x64.outcome, aarch64.outcome, nans)) {
      return fail(`x64 and aarch64 outcomes differ (NaNs ${nans})`, evidence);
    }
    if (!sameGlobals(x64.globals, aarch64.globals, nans)) {
      return fail(`x64 and aarch64 globals differ (NaNs ${nans})`, evidence);
    }
  }
  const targets = [["x64", x64.outcome] as const, ["aarch64", aarch64.outcome] as const];
  if (!v8Comparability({ targets, nanBitsVisible }).comparable) return PASS;
  const v8 = machines.v8Run(c);
  if (!v8Comparability({ targets, nanBitsVisible, v8: v8.outcome }).comparable) return PASS;
  const withV8 = { ...evidence, v8 };
  if (!agreesWithV8(x64.outcome, v8.outcome)) return fail("x64 and V8 outcomes differ", withV8);
  if (!sameGlobals(x64.globals, v8.globals, "any-nan")) return fail("x64 and V8 globals differ", withV8);
  return PASS;
}

/** Whether P1 may compare the case with V8, as far as is known before any run (the worker prefetches those). */
export function mayCompareWithV8(c: TestCase): boolean {
  return v8Comparability({ targets: [], nanBitsVisible: c.nanBitsVisible }).comparable;
}

/** Globals read after the run (each a `return` outcome of its value). */
function sameGlobals(a: readonly Outcome[], b: readonly Outcome[], nans: NanRule): boolean {
  return a.every((x, i) => x.outcome === "return" && sameOutcome(x, b[i]!, nans));
}
