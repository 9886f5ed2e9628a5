// The static verifier: disassembles every function of an Artifact with Capstone and abstract-
// interprets the stack-pointer effect of each machine instruction (isa/), deriving — independently
// of the compiler's own tables — the depth at every Wasm instruction boundary and the deepest depth
// within it. Then it checks those against the compiler's stack map, the alignment rules, the
// no-red-zone rule, and (across targets) equality under the deterministic strategies.
import { disassemble, type Instruction } from "../../emulators/disasm/capstone.js";
import { type Artifact, sourceAt } from "../compiler/artifact.js";
import type { Target } from "../compiler/target.js";
import type { StackState } from "./isa/effect.js";
import { lookupIsa } from "./isa/index.js";

/** What the verifier derived for one Wasm instruction (bytes below the function's reference). */
export interface DerivedDepth {
  readonly depthAtStart: number;
  readonly deepest: number;
}

export type StaticIssue = { readonly funcIndex: number } & (
  | {
      readonly kind: "unanalysable";
      readonly address: bigint;
      readonly text: string;
      readonly reason: string;
    }
  | {
      readonly kind: "inconsistent-paths";
      readonly address: bigint;
      readonly text: string;
      readonly depths: readonly [number, number];
    }
  | {
      readonly kind: "misaligned";
      readonly address: bigint;
      readonly text: string;
      readonly depth: number;
      readonly at: "access" | "call";
    }
  | {
      readonly kind: "below-sp";
      readonly address: bigint;
      readonly text: string;
      readonly bytesBelow: number;
    }
  | {
      readonly kind: "stack-map-mismatch";
      readonly instrIndex: number | "prologue";
      readonly compiler: DerivedDepth;
      readonly derived: DerivedDepth;
    }
  | { readonly kind: "code-outside-source-map"; readonly address: bigint; readonly text: string }
);

export interface FunctionReport {
  readonly funcIndex: number;
  /** Deepest bytes below the reference any of the function's own instructions reach. */
  readonly frameBytes: number;
  readonly prologueDepth: number;
  /** Indexed by instrIndex; null where no code of the instruction was reached. */
  readonly depths: readonly (DerivedDepth | null)[];
  readonly instructions: number;
}

export interface StaticReport {
  readonly target: Target;
  readonly functions: readonly FunctionReport[];
  readonly issues: readonly StaticIssue[];
}

interface Visit {
  readonly instruction: Instruction;
  readonly before: StackState;
  /** Deepest SP reached by this instruction (before or after it). */
  readonly deepest: number;
}

/** The parts of an Artifact the verifier reads: the code, where functions start, and the tables to check. */
export type VerifiedCode = Pick<
  Artifact,
  "target" | "codeBase" | "code" | "entries" | "imports" | "sourceMap" | "stackMap" | "prologueDepth"
>;

export function verifyArtifact(artifact: VerifiedCode): StaticReport {
  const functions: FunctionReport[] = [];
  const issues: StaticIssue[] = [];
  const firstDefined = artifact.imports.length;
  for (let funcIndex = firstDefined; funcIndex < artifact.entries.length; funcIndex++) {
    const report = verifyFunction(artifact, funcIndex, issues);
    functions.push(report);
  }
  return { target: artifact.target, functions, issues };
}

function functionRange(artifact: VerifiedCode, funcIndex: number): { start: number; end: number } {
  const start = artifact.entries[funcIndex]!;
  const end = artifact.entries[funcIndex + 1] ?? artifact.code.length;
  return { start, end };
}

function verifyFunction(artifact: VerifiedCode, funcIndex: number, issues: StaticIssue[]): FunctionReport {
  const isa = lookupIsa(artifact.target);
  const { start, end } = functionRange(artifact, funcIndex);
  const base = artifact.codeBase;
  const instructions = disassemble(artifact.target, artifact.code.subarray(start, end), base + BigInt(start));
  const byAddress = new Map(instructions.map((instruction, i) => [instruction.address, i]));
  const visits = new Array<Visit | undefined>(instructions.length);
  const issue = (found: StaticIssue) => issues.push(found);

  // Worklist over the control-flow graph; every path must reach an instruction with the same state.
  const work: [number, StackState][] = [[0, { sp: isa.entrySp, fp: null }]];
  while (work.length > 0) {
    const [index, state] = work.pop()!;
    const instruction = instructions[index];
    if (instruction === undefined) continue;
    const seen = visits[index];
    const text = `${instruction.mnemonic} ${instruction.opStr}`.trim();
    if (seen) {
      if (seen.before.sp !== state.sp) {
        issue({
          funcIndex,
          kind: "inconsistent-paths",
          address: instruction.address,
          text,
          depths: [seen.before.sp, state.sp],
        });
      }
      continue;
    }
    const effect = isa.effect(instruction, state);
    if (!effect.known) {
      visits[index] = { instruction, before: state, deepest: state.sp };
      issue({ funcIndex, kind: "unanalysable", address: instruction.address, text, reason: effect.reason });
      continue;
    }
    visits[index] = { instruction, before: state, deepest: Math.max(state.sp, effect.after.sp) };
    for (const access of effect.accesses) {
      if (access.aboveSp < 0)
        issue({
          funcIndex,
          kind: "below-sp",
          address: instruction.address,
          text,
          bytesBelow: -access.aboveSp,
        });
      if (access.viaSp && isa.alignedAtEveryAccess && mod16(access.spAtAccess) !== 0) {
        issue({
          funcIndex,
          kind: "misaligned",
          address: instruction.address,
          text,
          depth: access.spAtAccess,
          at: "access",
        });
      }
    }
    const { control } = effect;
    if (control.kind === "call" && mod16(state.sp) !== 0) {
      issue({
        funcIndex,
        kind: "misaligned",
        address: instruction.address,
        text,
        depth: state.sp,
        at: "call",
      });
    }
    if (control.kind === "return") continue;
    if (control.kind === "branch") {
      const target = byAddress.get(control.target);
      // Branches out of the function go to exit slots: the stop of the emulation.
      if (target !== undefined) work.push([target, effect.after]);
      if (!control.conditional) continue;
    }
    work.push([index + 1, effect.after]);
  }

  return summarize(artifact, funcIndex, visits, issue);
}

function mod16(depth: number): number {
  return ((depth % 16) + 16) % 16;
}

/** Groups the visited instructions by the source-map range they belong to and compares with the stack map. */
function summarize(
  artifact: VerifiedCode,
  funcIndex: number,
  visits: readonly (Visit | undefined)[],
  issue: (found: StaticIssue) => void,
): FunctionReport {
  const depths: (DerivedDepth | null)[] = (artifact.stackMap[funcIndex] ?? []).map(() => null);
  let prologue: DerivedDepth | null = null;
  let frameBytes = 0;
  const codeBase = artifact.codeBase;
  for (const visit of visits) {
    if (!visit) continue;
    frameBytes = Math.max(frameBytes, visit.deepest);
    const offset = Number(visit.instruction.address - codeBase);
    const entry = sourceAt(artifact, offset);
    const text = `${visit.instruction.mnemonic} ${visit.instruction.opStr}`.trim();
    if (entry === undefined) {
      issue({ funcIndex, kind: "code-outside-source-map", address: visit.instruction.address, text });
      continue;
    }
    const atStart = entry.start === offset;
    if (entry.kind === "prologue") prologue = merge(prologue, visit, atStart);
    else if (entry.kind === "instr" && entry.funcIndex === funcIndex) {
      depths[entry.instrIndex] = merge(depths[entry.instrIndex] ?? null, visit, atStart);
    }
  }
  const compilerPrologue = artifact.prologueDepth[funcIndex] ?? 0;
  if (prologue && prologue.deepest !== compilerPrologue) {
    issue({
      funcIndex,
      kind: "stack-map-mismatch",
      instrIndex: "prologue",
      compiler: { depthAtStart: 0, deepest: compilerPrologue },
      derived: prologue,
    });
  }
  depths.forEach((derived, instrIndex) => {
    const compiled = artifact.stackMap[funcIndex]?.[instrIndex];
    if (!derived || !compiled) return;
    if (derived.depthAtStart !== compiled.depthAtStart || derived.deepest !== compiled.deepestOwn) {
      issue({
        funcIndex,
        kind: "stack-map-mismatch",
        instrIndex,
        compiler: { depthAtStart: compiled.depthAtStart, deepest: compiled.deepestOwn },
        derived,
      });
    }
  });
  return {
    funcIndex,
    frameBytes,
    prologueDepth: prologue?.deepest ?? 0,
    depths,
    instructions: visits.filter(Boolean).length,
  };
}

function merge(current: DerivedDepth | null, visit: Visit, atStart: boolean): DerivedDepth {
  const depthAtStart = atStart ? visit.before.sp : (current?.depthAtStart ?? visit.before.sp);
  return { depthAtStart, deepest: Math.max(current?.deepest ?? 0, visit.deepest) };
}

/** Under the deterministic strategies the derived depths must be equal on both targets. */
export interface CrossTargetDifference {
  readonly funcIndex: number;
  readonly instrIndex: number | "prologue";
  readonly a: DerivedDepth | null;
  readonly b: DerivedDepth | null;
}

export function compareTargets(a: StaticReport, b: StaticReport): CrossTargetDifference[] {
  const differences: CrossTargetDifference[] = [];
  a.functions.forEach((fa, i) => {
    const fb = b.functions[i]!;
    if (fa.prologueDepth !== fb.prologueDepth) {
      const depth = (f: FunctionReport) => ({ depthAtStart: 0, deepest: f.prologueDepth });
      differences.push({ funcIndex: fa.funcIndex, instrIndex: "prologue", a: depth(fa), b: depth(fb) });
    }
    fa.depths.forEach((da, instrIndex) => {
      const db = fb.depths[instrIndex] ?? null;
      if (da?.depthAtStart !== db?.depthAtStart || da?.deepest !== db?.deepest) {
        differences.push({ funcIndex: fa.funcIndex, instrIndex, a: da, b: db });
      }
    });
  });
  return differences;
}
