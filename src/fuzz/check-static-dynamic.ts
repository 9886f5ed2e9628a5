// P4 static = dynamic: the static verifier (Capstone + abstract interpretation of SP, no compiler
// tables) reports no issue, and its derived depths match what the stack recorder saw in a real run.
//
// The recorder samples SP at every record point (instruction starts, prologue starts, return
// addresses); between samples j and j+1 the deepest SP is min(sp(j), minSp(j+1)), which includes
// SP at sample j+1. Walking the samples with a stack of activations (function, reference SP), the
// code between two samples is attributed to what runs it, and compared in bytes below the running
// function's reference (the caller's SP before the call; x64's return address lies below it, so a
// callee's reference is the SP at its prologue's start + the return-address bytes):
//   1. at an instruction start:    reference − SP = derived depthAtStart;
//   2. an instruction's own code — from its start to the next record point, plus, for a call, the
//      code after each return address until the next record point (the call sequence's rest) —
//      reaches exactly the derived deepest once the instruction has finished (the next instruction
//      of its activation started, or its function returned), and no more than it when the run
//      ended inside it (a trap, an overflow, the host's return). The return address x64's `call`
//      pushes is the callee's (its reference is above it): when the deepest SP before the callee's
//      entry is the SP at that entry, the call's own deepest is the callee's reference;
//   3. a prologue, from its start to the callee's first instruction: exactly the derived prologue
//      depth (no more than it when the run ended inside it). A function may have no prologue code
//      (an aarch64 leaf under native; an imported function, whose entry is an exit to the host):
//      its activation starts at its entry, reached by a call.
// Everything the callee does lies between the call's prologue sample and its return address, so it
// is never attributed to the call: the verifier's deepest excludes the callee in the same way.
import { ABI, type Artifact, type Strategy, sourceAt, TARGETS, type Target } from "../compiler/index.js";
import { type StaticReport, verifyArtifact } from "../verify/static.js";
import type { Machines } from "./machines.js";
import type { TestCase } from "./test-case.js";
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
    const verdict = machines.withInstance(
      c,
      target,
      strategy,
      (instance) => {
        const recorded = instance.invokeRecorded(c.entry.exportName, c.entry.args);
        if (!("records" in recorded))
          return fail(`${target}: the run could not be recorded`, { outcome: recorded });
        if (recorded.outcome.outcome === "exhausted") return skip("the run ran out of fuel");
        const mismatch = compareWithSamples(artifact, report, recorded, isCall(c));
        return mismatch === null
          ? PASS
          : fail(`${target}: ${mismatch.rule}`, { strategy, target, ...mismatch });
      },
      "block",
    );
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
  /** The instruction running in this activation (a call, while a callee runs), or null in the prologue. */
  open: { readonly instrIndex: number; deepest: number } | null;
}

interface Mismatch {
  readonly rule: string;
  readonly sample: number;
  readonly funcIndex: number;
  readonly instrIndex: number | "prologue";
  readonly traced: number;
  readonly derived: number;
}

/** Whether the instruction at a location is a call or call_indirect. */
type IsCall = (funcIndex: number, instrIndex: number) => boolean;

function isCall(c: TestCase): IsCall {
  const { module } = c.validated;
  return (funcIndex, instrIndex) => {
    const op = module.bodies[funcIndex - module.imports.length]?.code[instrIndex]?.op;
    return op === "call" || op === "call_indirect";
  };
}

function compareWithSamples(
  artifact: Artifact,
  report: StaticReport,
  samples: Samples,
  isCallAt: IsCall,
): Mismatch | null {
  const { records, tailMinSp } = samples;
  const withPrologue = new Set(
    artifact.sourceMap.flatMap((e) => (e.kind === "prologue" ? [e.funcIndex] : [])),
  );
  const entryOf = new Map(artifact.entries.map((offset, funcIndex) => [offset, funcIndex]));
  /** Whether the previous sample started a call (so this one is its callee's entry). */
  let calling = true;
  const codeBase = Number(artifact.codeBase);
  const returnBytes = ABI[artifact.target as Target].returnAddressBytes;
  const returns = new Set(artifact.returnAddresses);
  const derivedOf = (funcIndex: number) => report.functions[funcIndex - artifact.imports.length]!;
  const stack: Activation[] = [];
  let sample = 0;

  /** Checks the open instruction of `a`: exactly its derived deepest when it finished, at most otherwise. */
  const close = (a: Activation, finished: boolean): Mismatch | null => {
    const open = a.open;
    a.open = null;
    if (open === null) return null;
    const derived = derivedOf(a.funcIndex).depths[open.instrIndex]?.deepest ?? -1;
    const wrong = finished ? open.deepest !== derived : open.deepest > derived;
    const rule = finished
      ? "deepest depth of a finished instruction"
      : "deepest depth of an interrupted instruction";
    return wrong
      ? { rule, sample, funcIndex: a.funcIndex, instrIndex: open.instrIndex, traced: open.deepest, derived }
      : null;
  };

  for (; sample < records.length; sample++) {
    const j = sample;
    const offset = records.pc(j) - codeBase;
    const last = j + 1 === records.length;
    const deepestSp = Math.min(records.sp(j), last ? tailMinSp : records.minSp(j + 1));
    const source = sourceAt(artifact, offset);
    const entered = entryOf.get(offset);
    const wasCalling = calling;
    calling = false;

    // A return address is a return only when SP is back at the callee's reference: the same
    // address may also start the next instruction, and be a branch target within the callee's caller.
    const top = stack.at(-1);
    if (returns.has(offset) && stack.length > 1 && records.sp(j) === top?.reference) {
      const callee = stack.pop();
      const finishedCallee = callee && close(callee, true);
      if (finishedCallee) return finishedCallee;
      const caller = stack.at(-1);
      if (caller?.open == null) return null;
      const startsNext =
        source?.kind === "instr" && source.start === offset && source.instrIndex !== caller.open.instrIndex;
      if (!startsNext) {
        caller.open.deepest = Math.max(caller.open.deepest, caller.reference - deepestSp);
        continue;
      }
    }
    if (source?.kind === "prologue") {
      const callee: Activation = {
        funcIndex: source.funcIndex,
        reference: records.sp(j) + returnBytes,
        open: null,
      };
      stack.push(callee);
      const derived = derivedOf(callee.funcIndex).prologueDepth;
      const traced = callee.reference - deepestSp;
      if (last ? traced > derived : traced !== derived) {
        return {
          rule: "prologue depth",
          sample: j,
          funcIndex: callee.funcIndex,
          instrIndex: "prologue",
          traced,
          derived,
        };
      }
      continue;
    }
    // A callee without prologue code: an imported function's exit, or an empty prologue.
    if (wasCalling && entered !== undefined && !withPrologue.has(entered)) {
      stack.push({ funcIndex: entered, reference: records.sp(j) + returnBytes, open: null });
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
    const finished = close(a, true);
    if (finished) return finished;
    const derived = derivedOf(a.funcIndex).depths[source.instrIndex];
    if (!derived) {
      return {
        rule: "executed code the static walk did not reach",
        sample: j,
        funcIndex: a.funcIndex,
        instrIndex: source.instrIndex,
        traced: 0,
        derived: -1,
      };
    }
    const atStart = a.reference - records.sp(j);
    if (atStart !== derived.depthAtStart) {
      return {
        rule: "depth at start",
        sample: j,
        funcIndex: a.funcIndex,
        instrIndex: source.instrIndex,
        traced: atStart,
        derived: derived.depthAtStart,
      };
    }
    calling = isCallAt(a.funcIndex, source.instrIndex);
    const next = last ? undefined : records.pc(j + 1) - codeBase;
    const entersCallee =
      calling && next !== undefined && (sourceAt(artifact, next)?.kind === "prologue" || entryOf.has(next));
    // SP at the callee's entry is below the return address x64's `call` pushed: the callee's part.
    const ownSp = entersCallee && deepestSp === records.sp(j + 1) ? deepestSp + returnBytes : deepestSp;
    a.open = { instrIndex: source.instrIndex, deepest: a.reference - ownSp };
  }
  // The run ended: whatever is still open was interrupted.
  for (const a of stack) {
    const interrupted = close(a, false);
    if (interrupted) return interrupted;
  }
  return null;
}
