/**
 * The stack records of one recorded invocation, whole across the runs it took: an invocation that
 * calls the host stops at an exit and resumes, and every run of the instance's engine (resumed, or
 * nested when another instance calls back into it) adds its records in execution order.
 *
 * A host call adds one record of its own, at the exit it left through, as a callee's prologue
 * would: the profile sees the call enter a callee there and return at the return address. The
 * stack the host function is deemed to use (runner.ts, "Host calls") counts towards the minimum SP
 * before the next record, as a callee's frame would.
 */
import type { AlignmentViolation, RunResult } from "../unicorn/run-result.js";
import { StackRecords } from "../unicorn/run-result.js";

export interface RecordedRunsSummary {
  readonly records: StackRecords;
  /** Minimum SP after the last record. */
  readonly tailMinSp: number;
  readonly alignmentViolations: readonly AlignmentViolation[];
}

type Piece =
  | { readonly kind: "run"; readonly run: RunResult; readonly tailMinSp: number }
  | { readonly kind: "host-call"; readonly pc: number; readonly sp: number; readonly deepestSp: number };

export class RecordedRuns {
  private readonly pieces: Piece[] = [];

  /** Appends a run; `stopSp` is SP when it stopped (the tail when the run recorded none). */
  addRun(run: RunResult, stopSp: number): void {
    this.pieces.push({ kind: "run", run, tailMinSp: run.tailMinSp ?? stopSp });
  }

  /** A call into the host at exit `pc` with SP `sp`, whose callee is deemed to reach `deepestSp`. */
  addHostCall(pc: number, sp: number, deepestSp: number): void {
    this.pieces.push({ kind: "host-call", pc, sp, deepestSp });
  }

  /** Whether nothing ran. */
  get empty(): boolean {
    return this.pieces.length === 0;
  }

  summary(): RecordedRunsSummary {
    const runs = this.pieces.flatMap((piece) => (piece.kind === "run" ? [piece.run] : []));
    const alignmentViolations = runs.flatMap((run) => run.alignmentViolations);
    const [only] = this.pieces;
    if (this.pieces.length === 1 && only?.kind === "run") {
      return { records: only.run.records, tailMinSp: only.tailMinSp, alignmentViolations };
    }
    const words: number[] = [];
    let dropped = 0;
    let stepsBefore = 0;
    // Minimum SP since the last record, carried over pieces.
    let gapMinSp = Number.POSITIVE_INFINITY;
    for (const piece of this.pieces) {
      if (piece.kind === "host-call") {
        words.push(piece.pc, piece.sp, Math.min(gapMinSp, piece.sp), stepsBefore);
        gapMinSp = piece.deepestSp;
        continue;
      }
      const { records } = piece.run;
      for (let j = 0; j < records.length; j++) {
        const minSp = j === 0 ? Math.min(records.minSp(j), gapMinSp) : records.minSp(j);
        words.push(records.pc(j), records.sp(j), minSp, records.step(j) + stepsBefore);
      }
      gapMinSp = records.length > 0 ? piece.tailMinSp : Math.min(gapMinSp, piece.tailMinSp);
      dropped += records.dropped;
      stepsBefore += piece.run.steps;
    }
    return {
      records: new StackRecords(Float64Array.from(words), dropped),
      tailMinSp: gapMinSp,
      alignmentViolations,
    };
  }
}
