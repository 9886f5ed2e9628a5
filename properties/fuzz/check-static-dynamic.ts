// P4 static = dynamic: the static verifier (Capstone + abstract interpretation of SP, no compiler
// tables) reports no issue, and its derived depths match what the stack recorder saw in a real run.
//
// The recorder samples SP at every record point (instruction starts, prologue starts, return
// addresses); between samples j and j+1 the deepest SP is min(sp(j), minSp(j+1)), which includes
// SP at sample j+1. Walking the samples with a stack of activations (function, reference SP), each
// interval is checked against the derived depths of the code it ran, in bytes below the running
// function's reference (reference = the caller's SP before the call; x64's return address is
// below it, so a prologue's reference is its first SP + the return-address bytes):
//   1. at an instruction start:       reference − sp            = derived depthAtStart
//   2. instruction start → next instruction start or return address (the instruction ran whole):
//                                     reference − deepest       = derived deepest
//   3. call instruction start → callee prologue (the call sequence, up to the callee's first SP):
//                                     reference − deepest       = max(derived deepest, reference − callee's first SP)
//   4. prologue start → the callee's first instruction start:
//                                     callee reference − deepest = derived prologue depth
//   5. return address → next record (the rest of the call sequence):
//                                     reference − deepest       ≤ derived deepest of the call
//   6. the last interval (ended by a trap, an overflow or the return to the host):
//                                     reference − deepest       ≤ derived deepest (or prologue depth)
import {
  ABI,
  type Artifact,
  type Strategy,
  sourceAt,
  TARGETS,
  type Target,
} from "../../src/compiler/index.js";
import { type StaticReport, verifyArtifact } from "../../src/verify/static.js";
import type { Machines, TestCase } from "./machines.js";
import { fail, PASS, skip, type Verdict } from "./verdict.js";

export function checkStaticDynamic(machines: Machines, c: TestCase, strategy: Strategy): Verdict {
  for (const target of TARGETS) {
    const artifact = machines.artifact(c, target, strategy);
    const report = verifyArtifact(artifact);
    if (report.issues.length > 0) {
      return fail(`${target}: the static verifier reports issues`, {
        strategy,
        target,
        issues: report.issues,
      });
    }
    const verdict = machines.withInstance(c, target, strategy, (instance) => {
      const recorded = instance.invokeRecorded(c.entry.exportName, c.entry.args);
      if (!("records" in recorded))
        return fail(`${target}: the run could not be recorded`, { outcome: recorded });
      if (recorded.outcome.outcome === "exhausted") return skip("the run ran out of fuel");
      const mismatch = compareWithSamples(artifact, report, recorded);
      return mismatch === null
        ? PASS
        : fail(`${target}: ${mismatch.rule}`, { strategy, target, ...mismatch });
    });
    if (verdict.status !== "pass") return verdict;
  }
  return PASS;
}

interface Samples {
  readonly records: {
    readonly length: number;
    pc(j: number): number;
    sp(j: number): number;
    minSp(j: number): number;
  };
  readonly tailMinSp: number;
  readonly referenceSp: number;
}

interface Activation {
  readonly funcIndex: number;
  readonly reference: number;
  /** The instruction running in this activation (a call, while a callee runs); −1 in the prologue. */
  instrIndex: number;
}

interface Mismatch {
  readonly rule: string;
  readonly sample: number;
  readonly funcIndex: number;
  readonly instrIndex: number | "prologue";
  readonly traced: number;
  readonly derived: number;
}

function compareWithSamples(artifact: Artifact, report: StaticReport, samples: Samples): Mismatch | null {
  const { records, tailMinSp } = samples;
  const codeBase = Number(artifact.codeBase);
  const returnBytes = ABI[artifact.target as Target].returnAddressBytes;
  const returns = new Set(artifact.returnAddresses);
  const derivedOf = (funcIndex: number) => report.functions[funcIndex - artifact.imports.length]!;
  const stack: Activation[] = [];

  for (let j = 0; j < records.length; j++) {
    const offset = records.pc(j) - codeBase;
    const last = j + 1 === records.length;
    const deepestSp = Math.min(records.sp(j), last ? tailMinSp : records.minSp(j + 1));
    const source = sourceAt(artifact, offset);
    const mismatch = (
      rule: string,
      a: Activation,
      instrIndex: number | "prologue",
      traced: number,
      derived: number,
    ) => ({ rule, sample: j, funcIndex: a.funcIndex, instrIndex, traced, derived }) satisfies Mismatch;

    if (returns.has(offset)) {
      stack.pop();
      const caller = stack.at(-1);
      if (caller === undefined) return null;
      const startsNext =
        source?.kind === "instr" && source.start === offset && source.instrIndex !== caller.instrIndex;
      if (!startsNext) {
        const derived = derivedOf(caller.funcIndex).depths[caller.instrIndex]?.deepest ?? -1;
        const traced = caller.reference - deepestSp;
        if (traced > derived)
          return mismatch(
            "return continuation deeper than derived",
            caller,
            caller.instrIndex,
            traced,
            derived,
          );
        continue;
      }
    }
    if (source?.kind === "prologue") {
      const callee: Activation = {
        funcIndex: source.funcIndex,
        reference: records.sp(j) + returnBytes,
        instrIndex: -1,
      };
      stack.push(callee);
      const derived = derivedOf(callee.funcIndex).prologueDepth;
      const traced = callee.reference - deepestSp;
      if (last ? traced > derived : traced !== derived)
        return mismatch("prologue depth", callee, "prologue", traced, derived);
      continue;
    }
    if (source?.kind !== "instr") continue;
    const a = stack.at(-1);
    if (a === undefined || a.funcIndex !== source.funcIndex) {
      return {
        rule: "instruction outside its activation",
        sample: j,
        funcIndex: source.funcIndex,
        instrIndex: source.instrIndex,
        traced: 0,
        derived: 0,
      };
    }
    a.instrIndex = source.instrIndex;
    const derived = derivedOf(a.funcIndex).depths[a.instrIndex];
    if (!derived) return mismatch("executed code the static walk did not reach", a, a.instrIndex, 0, -1);
    const atStart = a.reference - records.sp(j);
    if (atStart !== derived.depthAtStart)
      return mismatch("depth at start", a, a.instrIndex, atStart, derived.depthAtStart);
    const traced = a.reference - deepestSp;
    const nextIsPrologue = !last && sourceAt(artifact, records.pc(j + 1) - codeBase)?.kind === "prologue";
    const expected = nextIsPrologue
      ? Math.max(derived.deepest, a.reference - records.sp(j + 1))
      : derived.deepest;
    if (last ? traced > expected : traced !== expected)
      return mismatch("deepest depth", a, a.instrIndex, traced, expected);
  }
  return null;
}
