/**
 * What a run reports. Addresses are numbers: samestack maps nothing at or above 2^47, so every
 * address of a mapped byte is exact; a wild address (e.g. a fetch at a garbage pc) may be rounded.
 */

export type MemoryAccess = "read" | "write" | "fetch";

export type StopReason =
  /** Execution reached `exits[exitIndex]` (the instruction there is not executed). */
  | { kind: "exit"; address: number; exitIndex: number }
  /** The fuel ran out; `pc` is the next instruction, where a run can resume. */
  | { kind: "fuel"; pc: number }
  /**
   * An access to unmapped or protected memory; `pc` is the faulting instruction (for a fetch, `address`).
   * Unicorn alone would report the translation block's start, but its instruction counter (fuel) is a
   * code hook on every instruction, and so is the harness's in the instrumented range: pc is exact. A
   * block-metered engine's fast machine reports the block's start (`RunResult.pcExact` false) unless
   * the warning zone handed the run over first.
   */
  | { kind: "memory-fault"; access: MemoryAccess; address: number; pc: number }
  | { kind: "invalid-instruction"; pc: number }
  /**
   * x86-64: the interrupt vector (int3 → 3, #DE → 0). AArch64: the imm16 of brk/svc/hvc/smc. `pc` is the
   * instruction that raised it, except on a bare (uninstrumented) x86 engine: Unicorn's pc, past int3/int n.
   */
  | { kind: "interrupt"; number: number; pc: number }
  /** An address hook returned "stop" before the instruction at `pc` executed. */
  | { kind: "hook-stop"; pc: number }
  /** Unicorn ended the run with an error, or an AArch64 exception, that the harness does not classify. */
  | { kind: "cpu-exception"; message: string; pc: number };

/**
 * Stack records of one run, at watched addresses, in execution order. All stack pointers are read
 * before the instruction at `pc` executes. Record j holds
 *   - `sp(j)`: sp at that point,
 *   - `minSp(j)`: the minimum sp over the instrumented instructions after record j-1 up to and including
 *     this one (from the start of the run for j = 0),
 *   - `step(j)`: how many instrumented instructions executed before this one in the run.
 * So the deepest sp while the code between watched points j and j+1 ran is `min(sp(j), minSp(j+1))`, and
 * after the last record it is `min(sp(last), RunResult.tailMinSp)`.
 */
export class StackRecords {
  static readonly WORDS = 4;

  constructor(
    private readonly words: Float64Array,
    /** Records past the engine's capacity that were counted but not kept. */
    readonly dropped: number,
  ) {}

  get length(): number {
    return this.words.length / StackRecords.WORDS;
  }

  pc(index: number): number {
    return this.word(index, 0);
  }

  sp(index: number): number {
    return this.word(index, 1);
  }

  minSp(index: number): number {
    return this.word(index, 2);
  }

  step(index: number): number {
    return this.word(index, 3);
  }

  /** Records as objects: convenient for small traces and tests. */
  toArray(): { pc: number; sp: number; minSp: number; step: number }[] {
    return Array.from({ length: this.length }, (_, i) => ({
      pc: this.pc(i),
      sp: this.sp(i),
      minSp: this.minSp(i),
      step: this.step(i),
    }));
  }

  private word(index: number, field: number): number {
    const value = this.words[index * StackRecords.WORDS + field];
    if (value === undefined || !Number.isInteger(index)) throw new RangeError(`no stack record ${index}`);
    return value;
  }
}

export interface AlignmentViolation {
  pc: number;
  sp: number;
}

export interface RunResult {
  stop: StopReason;
  /** Fuel charged inside the instrumented range: instructions, or fuel points (engine.ts). */
  steps: number;
  /** False only for a fault in a block-metered engine's fast machine: `stop.pc` is its block's start. */
  pcExact: boolean;
  /**
   * Block-metered engines: why the run went on in the precise machine ("zone": the warning zone was
   * touched; "fuel": a block the fuel did not cover), or null; `preciseSteps` of `steps` were charged there.
   */
  handover: "zone" | "fuel" | null;
  preciseSteps: number;
  records: StackRecords;
  /** Minimum sp after the last record (including sp when the run stopped); null when not recording. */
  tailMinSp: number | null;
  alignmentViolations: AlignmentViolation[];
  /** Violations past the engine's capacity that were counted but not kept. */
  alignmentViolationsDropped: number;
}
