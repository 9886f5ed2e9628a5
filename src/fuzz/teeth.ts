// P5 teeth: under `native` (each target follows only its own ABI) the stack profiles must differ,
// and fast-check must find and shrink such a program to one whose first difference is explained by
// what the write-up blames: a call across a register threshold (x64 passes 6 integer arguments in
// registers, aarch64 8; under x64's struct return the result area's address takes the first, so 5),
// results across the result registers (x64 returns 2 in registers, aarch64 8) or a leaf frame
// (aarch64 leaves may omit the frame record, x64 always pushes a return address and rbp; a host
// function is such a leaf: on aarch64 nothing is pushed).
import fc from "fast-check";
import { ABI, callLayout, TARGETS } from "../compiler/index.js";
import type { ProfileComparison } from "../verify/profile.js";
import type { Module } from "../wasm/ir.js";
import { PROFILES_DIFFER } from "./check-profiles.js";
import { funcTypeIndex, type ModuleShape, moduleShape } from "./generators/shape.js";
import { Machines } from "./machines.js";
import { type CaseInput, caseInput, checkProperty } from "./properties.js";
import { caseOf, type TestCase } from "./test-case.js";

export type Explanation = "register-threshold" | "result-registers" | "leaf-frame";

export interface TeethResult {
  /** Runs until the first failing case (null: none within the budget). */
  readonly runsToFailure: number | null;
  readonly shrunk: CaseInput | null;
  readonly shape: ModuleShape | null;
  /** What the first difference of the shrunk case is at, and why it differs there. */
  readonly explanations: readonly Explanation[];
  readonly firstDifference: { readonly funcIndex: number; readonly instrIndex: number } | "entry" | null;
}

/**
 * Looks for a native divergence from `seed` within `maxRuns` cases and shrinks it. With `excluding`,
 * divergences with that explanation count as expected, so the search must find another kind.
 */
export function findNativeDivergence(seed: number, maxRuns: number, excluding?: Explanation): TeethResult {
  const machines = new Machines();
  try {
    const details = fc.check(
      fc.property(caseInput(["native"]), (input) => {
        const divergence = nativeDivergence(machines, caseOf(input.desc));
        return (
          divergence === null || (excluding !== undefined && divergence.explanations.includes(excluding))
        );
      }),
      { seed, numRuns: maxRuns },
    );
    if (!details.failed || !details.counterexample) {
      return { runsToFailure: null, shrunk: null, shape: null, explanations: [], firstDifference: null };
    }
    const [shrunk] = details.counterexample;
    const testCase = caseOf(shrunk.desc);
    const divergence = nativeDivergence(machines, testCase);
    return {
      runsToFailure: details.numRuns,
      shrunk,
      shape: moduleShape(testCase.validated.module),
      explanations: divergence?.explanations ?? [],
      firstDifference: divergence?.firstDifference ?? null,
    };
  } finally {
    machines.close();
  }
}

interface Divergence {
  readonly explanations: readonly Explanation[];
  readonly firstDifference: { readonly funcIndex: number; readonly instrIndex: number } | "entry";
}

/** Where and why the native profiles of `testCase` first differ; null when they are identical. */
function nativeDivergence(machines: Machines, testCase: TestCase): Divergence | null {
  // Only a difference of the profiles themselves counts: not a run that could not be recorded.
  const verdict = checkProperty("profiles", machines, testCase, "native", []);
  if (verdict.status !== "fail" || verdict.reason !== PROFILES_DIFFER) return null;
  const comparison = verdict.evidence.comparison as ProfileComparison | undefined;
  const first = comparison && !comparison.identical ? comparison.firstDifference : null;
  if (!first) return { explanations: [], firstDifference: "entry" };
  const module = testCase.validated.module;
  if (first.index < 0 || !first.a) {
    const entry = module.exports.find((e) => e.name === testCase.entry.exportName)!.index;
    return { explanations: explain(module, { func: entry }), firstDifference: "entry" };
  }
  const { funcIndex, instrIndex } = first.a.location;
  return {
    explanations: explain(module, callAt(module, first.a.location)),
    firstDifference: { funcIndex, instrIndex },
  };
}

type Callee = { readonly func: number } | { readonly typeIndex: number } | null;

function callAt(module: Module, at: { funcIndex: number; instrIndex: number }): Callee {
  const imported = module.imports.filter((i) => i.desc.kind === "func").length;
  const instr = module.bodies[at.funcIndex - imported]?.code[at.instrIndex];
  if (instr?.op === "call") return { func: instr.func };
  if (instr?.op === "call_indirect") return { typeIndex: instr.typeIndex };
  return null;
}

/** Why entering `callee` may use different stack on the two targets under native. */
function explain(module: Module, callee: Callee): Explanation[] {
  if (callee === null) return [];
  const typeIndex = "func" in callee ? funcTypeIndex(module, callee.func) : callee.typeIndex;
  const explanations: Explanation[] = [];
  const { params, results } = module.types[typeIndex]!;
  const layouts = TARGETS.map((t) => callLayout(ABI[t], "native", params.length, results.length));
  const differ = (field: (layout: (typeof layouts)[number]) => number) =>
    new Set(layouts.map(field)).size > 1;
  if (differ((l) => l.stackArgs)) explanations.push("register-threshold");
  if (differ((l) => l.registerResults)) explanations.push("result-registers");
  // An indirect callee is any function of the type: a leaf if any of them is one.
  const functions = module.imports.filter((i) => i.desc.kind === "func").length + module.bodies.length;
  const candidates =
    "func" in callee
      ? [callee.func]
      : Array.from({ length: functions }, (_, f) => f).filter((f) => funcTypeIndex(module, f) === typeIndex);
  // A host function is a leaf too: on aarch64 its call pushes nothing, on x64 the return address.
  const imported = functions - module.bodies.length;
  const isLeaf = (f: number) =>
    f < imported ||
    !module.bodies[f - imported]!.code.some((i) => i.op === "call" || i.op === "call_indirect");
  if (candidates.some(isLeaf)) explanations.push("leaf-frame");
  return explanations;
}
