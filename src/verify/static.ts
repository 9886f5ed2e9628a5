// The static verifier: disassembles every function of an Artifact with Capstone and abstract-
// interprets the stack-pointer effect of each machine instruction (isa/), deriving — independently
// of the compiler's own tables — the depth at every Wasm instruction boundary and the deepest depth
// within it. Then it checks those against the compiler's stack map, the alignment rules, the
// no-red-zone rule, and (across targets) equality under the deterministic strategies.
import { type DecodedColumns, decodeColumns } from "../../emulators/disasm/columns.js";
import type { Artifact, SourceMapEntry } from "../compiler/artifact.js";
import type { Target } from "../compiler/target.js";
import { StackEffect, type StackEffectIsa, type StackState } from "./isa/effect.js";
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

/** The parts of an Artifact the verifier reads: the code, where functions start, and the tables to check. */
export type VerifiedCode = Pick<
  Artifact,
  "target" | "codeBase" | "code" | "entries" | "imports" | "sourceMap" | "stackMap" | "prologueDepth"
>;

export function verifyArtifact(artifact: VerifiedCode): StaticReport {
  const firstDefined = artifact.imports.length;
  const starts = Uint32Array.from(artifact.entries.slice(firstDefined));
  const columns = decodeColumns(artifact.target, artifact.code, artifact.codeBase, starts);
  const walk = new Walk(artifact, columns);
  const functions: FunctionReport[] = [];
  for (let funcIndex = firstDefined; funcIndex < artifact.entries.length; funcIndex++) {
    const range = funcIndex - firstDefined;
    const first = columns.rangeFirst[range]!;
    const end = columns.rangeFirst[range + 1]!;
    walk.function(funcIndex, first, end);
    functions.push(walk.summarize(funcIndex, first, end));
  }
  return { target: artifact.target, functions, issues: walk.issues };
}

/**
 * The abstract interpretation of one artifact's decoded code, function by function. Per instruction
 * (indexed as in the columns): whether a path reached it, SP before it, and the deepest SP it reaches.
 */
class Walk {
  readonly issues: StaticIssue[] = [];
  private readonly isa: StackEffectIsa;
  private readonly visited: Uint8Array;
  private readonly spBefore: Float64Array;
  private readonly deepest: Float64Array;
  /** Instruction index by code offset, -1 where no instruction starts. */
  private readonly indexAt: Int32Array;
  private readonly codeBase: number;
  private readonly sources: SourceCursor;
  /** The state the path being followed has reached. */
  private state: StackState = { sp: 0, fp: null };
  /** Each instruction's effect, written into one object. */
  private readonly effect = new StackEffect();
  /** The depths of the function being summarized, per Wasm instruction, and of its prologue. */
  private readonly derived = new DerivedDepths();
  private readonly prologueDerived = new DerivedDepths();

  constructor(
    private readonly artifact: VerifiedCode,
    private readonly columns: DecodedColumns,
  ) {
    this.isa = lookupIsa(artifact.target);
    this.visited = new Uint8Array(columns.count);
    this.spBefore = new Float64Array(columns.count);
    this.deepest = new Float64Array(columns.count);
    this.indexAt = new Int32Array(artifact.code.length).fill(-1);
    for (let i = 0; i < columns.count; i++) this.indexAt[columns.offset[i]!] = i;
    this.codeBase = Number(artifact.codeBase);
    this.sources = new SourceCursor(artifact.sourceMap);
  }

  /** Follows every path from the function's first instruction (`first`; its last is `end - 1`). */
  function(funcIndex: number, first: number, end: number): void {
    // Depth-first over the control-flow graph, fall-through first; every path must reach an
    // instruction with the same state. Only conditional branches' targets wait on the worklist.
    const workIndex: number[] = [];
    const workState: StackState[] = [];
    let index = first;
    this.state = { sp: this.isa.entrySp, fp: null };
    for (;;) {
      index = this.step(funcIndex, index, first, end, workIndex, workState);
      if (index >= 0) continue;
      if (workIndex.length === 0) return;
      index = workIndex.pop()!;
      this.state = workState.pop()!;
    }
  }

  /**
   * Instruction `index`, reached in `this.state`: records it and returns the instruction its path
   * goes on to (leaving the state there in `this.state`), or -1 when the path ends (out of the
   * function, a return, a revisit, an unanalysable instruction).
   */
  private step(
    funcIndex: number,
    index: number,
    first: number,
    end: number,
    workIndex: number[],
    workState: StackState[],
  ): number {
    const { isa, columns, visited, spBefore, deepest, state } = this;
    if (index >= end) return -1;
    if (visited[index]) {
      if (spBefore[index] !== state.sp) {
        this.issue(funcIndex, index, { kind: "inconsistent-paths", depths: [spBefore[index]!, state.sp] });
      }
      return -1;
    }
    visited[index] = 1;
    spBefore[index] = state.sp;
    const effect = isa.effect(columns, index, state, this.effect);
    if (!effect.known) {
      deepest[index] = state.sp;
      this.issue(funcIndex, index, { kind: "unanalysable", reason: effect.reason });
      return -1;
    }
    const after = effect.after;
    deepest[index] = Math.max(state.sp, after.sp);
    for (let k = 0; k < effect.accessCount; k++) {
      const access = effect.access(k);
      if (access.aboveSp < 0) this.issue(funcIndex, index, { kind: "below-sp", bytesBelow: -access.aboveSp });
      if (access.viaSp && isa.alignedAtEveryAccess && mod16(access.spAtAccess) !== 0) {
        this.issue(funcIndex, index, { kind: "misaligned", depth: access.spAtAccess, at: "access" });
      }
    }
    const { control } = effect;
    if (control.kind === "call" && mod16(state.sp) !== 0) {
      this.issue(funcIndex, index, { kind: "misaligned", depth: state.sp, at: "call" });
    }
    this.state = after;
    if (control.kind === "return") return -1;
    if (control.kind === "branch") {
      const target = this.instructionAt(control.target, first, end);
      // Branches out of the function go to exit slots: the stop of the emulation.
      if (!control.conditional) return target ?? -1;
      if (target !== undefined) {
        workIndex.push(target);
        workState.push(after);
      }
    }
    return index + 1;
  }

  /** Groups the visited instructions by the source-map range they belong to and compares with the stack map. */
  summarize(funcIndex: number, first: number, end: number): FunctionReport {
    const { artifact, columns, visited, spBefore, deepest, derived, prologueDerived } = this;
    const compiledDepths = artifact.stackMap[funcIndex] ?? [];
    derived.start(compiledDepths.length);
    prologueDerived.start(1);
    let frameBytes = 0;
    let instructions = 0;
    for (let i = first; i < end; i++) {
      if (!visited[i]) continue;
      instructions++;
      frameBytes = Math.max(frameBytes, deepest[i]!);
      const offset = columns.offset[i]!;
      const entry = this.sources.at(offset);
      if (entry === undefined) {
        this.issue(funcIndex, i, { kind: "code-outside-source-map" });
        continue;
      }
      const atStart = entry.start === offset;
      if (entry.kind === "prologue") prologueDerived.merge(0, spBefore[i]!, deepest[i]!, atStart);
      else if (entry.kind === "instr" && entry.funcIndex === funcIndex) {
        derived.merge(entry.instrIndex, spBefore[i]!, deepest[i]!, atStart);
      }
    }
    const prologue = prologueDerived.depth(0);
    const compilerPrologue = artifact.prologueDepth[funcIndex] ?? 0;
    if (prologue && prologue.deepest !== compilerPrologue) {
      this.issues.push({
        funcIndex,
        kind: "stack-map-mismatch",
        instrIndex: "prologue",
        compiler: { depthAtStart: 0, deepest: compilerPrologue },
        derived: prologue,
      });
    }
    const depths: (DerivedDepth | null)[] = new Array(derived.length);
    for (let instrIndex = 0; instrIndex < derived.length; instrIndex++) {
      const depth = derived.depth(instrIndex);
      depths[instrIndex] = depth;
      const compiled = compiledDepths[instrIndex];
      if (!depth || !compiled) continue;
      if (depth.depthAtStart !== compiled.depthAtStart || depth.deepest !== compiled.deepestOwn) {
        this.issues.push({
          funcIndex,
          kind: "stack-map-mismatch",
          instrIndex,
          compiler: { depthAtStart: compiled.depthAtStart, deepest: compiled.deepestOwn },
          derived: depth,
        });
      }
    }
    return { funcIndex, frameBytes, prologueDepth: prologue?.deepest ?? 0, depths, instructions };
  }

  /** The index of the function's instruction at absolute address `address`, if there is one. */
  private instructionAt(address: number, first: number, end: number): number | undefined {
    const index = this.indexAt[address - this.codeBase];
    return index !== undefined && index >= first && index < end ? index : undefined;
  }

  /** Reports an issue at instruction `index`, with its address and text (decoded only now). */
  private issue(funcIndex: number, index: number, found: IssueAtInstruction): void {
    const instruction = this.columns.instruction(index);
    const text = `${instruction.mnemonic} ${instruction.opStr}`.trim();
    // The keys in the order the report's JSON shows them: where, what, then the details.
    const { kind, ...details } = found;
    this.issues.push({ funcIndex, kind, address: instruction.address, text, ...details } as StaticIssue);
  }
}

/** An issue about one machine instruction, without what every such issue has (where, which, its text). */
type IssueAtInstruction = DistributiveOmit<
  Extract<StaticIssue, { readonly address: bigint }>,
  "funcIndex" | "address" | "text"
>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Depths are 32-bit integers: `& 15` is their remainder modulo 16, for negative ones too (no float `%`). */
function mod16(depth: number): number {
  return depth & 15;
}

/**
 * The depths derived for one function's Wasm instructions (or its prologue, as entry 0), completed
 * visit by visit: the first visit sets both, a visit at an entry's first byte sets its depth at
 * start again, and the deepest is the deepest of all visits (at least 0). Kept in typed arrays reused
 * from function to function (an object is made per entry only for the report).
 */
class DerivedDepths {
  length = 0;
  private seen = new Uint8Array(0);
  private depthAtStart = new Float64Array(0);
  private deepest = new Float64Array(0);

  /** Forgets the last function's depths; `length` instructions at first. */
  start(length: number): void {
    this.length = 0;
    this.reach(length);
  }

  merge(instrIndex: number, spBefore: number, deepest: number, atStart: boolean): void {
    this.reach(instrIndex + 1);
    if (!this.seen[instrIndex]) {
      this.seen[instrIndex] = 1;
      this.depthAtStart[instrIndex] = spBefore;
      this.deepest[instrIndex] = Math.max(0, deepest);
      return;
    }
    if (atStart) this.depthAtStart[instrIndex] = spBefore;
    this.deepest[instrIndex] = Math.max(this.deepest[instrIndex]!, deepest);
  }

  depth(instrIndex: number): DerivedDepth | null {
    if (!this.seen[instrIndex]) return null;
    return { depthAtStart: this.depthAtStart[instrIndex]!, deepest: this.deepest[instrIndex]! };
  }

  /** Makes room for `length` instructions, the new ones unseen. */
  private reach(length: number): void {
    if (length <= this.length) return;
    if (length > this.seen.length) {
      const capacity = Math.max(length, 2 * this.seen.length);
      const grown = <T extends Uint8Array | Float64Array>(old: T, made: T): T => {
        made.set(old.subarray(0, this.length));
        return made;
      };
      this.seen = grown(this.seen, new Uint8Array(capacity));
      this.depthAtStart = grown(this.depthAtStart, new Float64Array(capacity));
      this.deepest = grown(this.deepest, new Float64Array(capacity));
    }
    this.seen.fill(0, this.length, length);
    this.length = length;
  }
}

/** `sourceAt` for ascending code offsets: one pass over the source map (sorted by offset) instead of a search each. */
class SourceCursor {
  private next = 0;
  private last = 0;

  constructor(private readonly sourceMap: VerifiedCode["sourceMap"]) {}

  /** The source-map entry covering `codeOffset`, if any. */
  at(codeOffset: number): SourceMapEntry | undefined {
    if (codeOffset < this.last) this.next = 0;
    this.last = codeOffset;
    const map = this.sourceMap;
    while (this.next < map.length && map[this.next]!.end <= codeOffset) this.next++;
    const entry = map[this.next];
    return entry !== undefined && entry.start <= codeOffset ? entry : undefined;
  }
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
