// From the stack recorder's samples (emulators/unicorn/run-result.ts, StackRecords) to a stack profile: one
// step per executed Wasm instruction, with its location, backtrace and deepest depth.
//
// Record points are every instruction start, every prologue start and every return address
// (Artifact.recordPoints), so the code between two consecutive records belongs to one step:
//   - at an instruction start a new step begins;
//   - a prologue belongs to the caller's call instruction (samestack attributes it so everywhere),
//     so it extends the current step, and the call's location joins the backtrace; under `frame`
//     the prologue's limit check demands more than SP reaches (the frame plus headroom), and that
//     demand is the step's depth, since it is what decides an overflow;
//   - at a return address the callee's frame is gone: the call instruction continues as a new step
//     with the same location (or, when its code ends with the call, the next instruction begins);
//   - a call that leaves for the host (an import, or a function outside the instance reached through
//     a table) is sampled by the runner at the exit it reached, as the callee's entry: like a
//     prologue without a limit check (emulators/runtime/records.ts). Exits are import exit slots or
//     lie past the code.
// Instructions that emit no code (block, loop, nop, a fall-through end) have no step; the code
// generator is shared by the targets, so this is the same on both.
import { ABI } from "../compiler/abi.js";
import { type Artifact, sourceAt } from "../compiler/artifact.js";
import { InternalError } from "../wasm/errors.js";
import type { WasmLocation } from "../wasm/outcome.js";
import type { ProfileStep } from "./profile.js";

/** The recorder's samples, as emulators/unicorn/run-result.ts `StackRecords` provides them. */
export interface StackSamples {
  readonly length: number;
  /** Samples the recorder counted but could not keep: a profile with any is incomplete. */
  readonly dropped: number;
  pc(index: number): number;
  sp(index: number): number;
  minSp(index: number): number;
}

export interface TraceInput {
  readonly artifact: Artifact;
  readonly samples: StackSamples;
  /** Minimum SP after the last sample, until the run stopped. */
  readonly tailMinSp: number;
  /** The reference stack pointer: SP just before the host's call into the entry point. */
  readonly referenceSp: number;
}

/** The stack recorder's samples do not make a profile: a samestack bug. */
export class TraceError extends InternalError {
  readonly id = "verify/trace";
}

export interface TracedSteps {
  /** Depth reached by the host's call into the entry function, before its first instruction. */
  readonly entryDepth: number;
  readonly steps: ProfileStep[];
}

/** A step that knows the step of the call it runs under; its backtrace is walked on demand. */
class TracedStep implements ProfileStep {
  /** For a call step: SP when its callee's prologue began (a return brings SP back up to it). */
  calleeEntrySp = Number.NEGATIVE_INFINITY;

  constructor(
    readonly location: WasmLocation,
    public depth: number,
    readonly caller: TracedStep | null,
  ) {}

  get backtrace(): WasmLocation[] {
    const frames: WasmLocation[] = [];
    for (let step: TracedStep | null = this; step !== null; step = step.caller) frames.push(step.location);
    return frames.reverse();
  }

  toJSON(): ProfileStep {
    return { location: this.location, depth: this.depth, backtrace: this.backtrace };
  }
}

/** What a record point is, decided once per Artifact rather than once per sample. */
export type RecordPoint =
  | { readonly kind: "instr"; readonly location: WasmLocation }
  /** A function's entry. `firstInstruction`: set when the prologue emits no code (an AArch64
   *  native leaf without locals), so the entry is also where the body's first instruction starts. */
  | {
      readonly kind: "prologue";
      readonly limitCheckBytes: number | null;
      readonly firstInstruction: WasmLocation | null;
    }
  /** `next`: the instruction that starts right here, when the call's code ends with the call. */
  | { readonly kind: "return"; readonly next: WasmLocation | null };

const HOST_CALL: RecordPoint = { kind: "prologue", limitCheckBytes: null, firstInstruction: null };

const recordPointCache = new WeakMap<Artifact, Map<number, RecordPoint>>();

/** The Artifact's record points by code offset (import exits included, as host calls). */
export function recordPoints(artifact: Artifact): Map<number, RecordPoint> {
  const cached = recordPointCache.get(artifact);
  if (cached) return cached;
  const points = new Map<number, RecordPoint>();
  const returns = new Set(artifact.returnAddresses);
  const entries = new Map(
    artifact.entries.flatMap((offset, funcIndex) =>
      funcIndex < artifact.imports.length ? [] : [[offset, funcIndex]],
    ),
  );
  for (const offset of artifact.recordPoints) {
    const source = sourceAt(artifact, offset);
    const entryOf = entries.get(offset);
    if (entryOf !== undefined) {
      points.set(offset, {
        kind: "prologue",
        limitCheckBytes: artifact.limitCheckBytes[entryOf] ?? null,
        firstInstruction: source?.kind === "instr" ? locationOf(source) : null,
      });
    } else if (returns.has(offset)) {
      const call = sourceAt(artifact, offset - 1);
      const startsNext = source?.kind === "instr" && source.start === offset && call !== source;
      points.set(offset, { kind: "return", next: startsNext ? locationOf(source) : null });
    } else if (source?.kind === "instr") {
      points.set(offset, { kind: "instr", location: locationOf(source) });
    }
  }
  for (const imported of artifact.imports) points.set(Number(imported.exit - artifact.codeBase), HOST_CALL);
  recordPointCache.set(artifact, points);
  return points;
}

export function profileSteps({ artifact, samples, tailMinSp, referenceSp }: TraceInput): TracedSteps {
  if (samples.dropped > 0) {
    throw new TraceError(`the stack recorder dropped ${samples.dropped} samples: raise its capacity`);
  }
  const codeBase = Number(artifact.codeBase);
  const points = recordPoints(artifact);
  const returnAddressBytes = ABI[artifact.target].returnAddressBytes;
  const steps: TracedStep[] = [];
  // The step of the innermost active call: new steps run under it.
  let caller = null as TracedStep | null;
  // Depth reached before the first instruction: the entry function's prologue, run for the host.
  let entryDepth = 0;

  for (let j = 0; j < samples.length; j++) {
    const deepestSp = Math.min(samples.sp(j), j + 1 < samples.length ? samples.minSp(j + 1) : tailMinSp);
    const stepDepth = referenceSp - deepestSp;
    const offset = samples.pc(j) - codeBase;
    const point = points.get(offset) ?? (offset >= artifact.code.length ? HOST_CALL : undefined);
    if (point === undefined) {
      throw new TraceError(`sample at 0x${samples.pc(j).toString(16)} is not a record point`);
    }
    switch (point.kind) {
      case "instr":
        steps.push(new TracedStep(point.location, stepDepth, caller));
        break;
      case "prologue": {
        const calleeReference = samples.sp(j) + returnAddressBytes;
        const checked =
          point.limitCheckBytes === null ? 0 : referenceSp - calleeReference + point.limitCheckBytes;
        // With no prologue code, what follows this sample is the first instruction's, not the call's.
        const first = point.firstInstruction;
        const depth = Math.max(first ? referenceSp - samples.sp(j) : stepDepth, checked);
        const current = steps.at(-1);
        if (current === undefined) {
          entryDepth = Math.max(entryDepth, depth);
        } else {
          current.depth = Math.max(current.depth, depth);
          current.calleeEntrySp = samples.sp(j);
          caller = current;
        }
        if (first) steps.push(new TracedStep(first, stepDepth, caller));
        break;
      }
      case "return": {
        // A return address may also start the next instruction, reached by a branch as well: it is
        // a return only when SP is back up where the innermost call's callee began. (A frame that
        // branches there has made calls, so it holds a frame record and its SP is lower.)
        const call: TracedStep | null = caller;
        if (call !== null && samples.sp(j) >= call.calleeEntrySp) {
          caller = call.caller;
          steps.push(new TracedStep(point.next ?? call.location, stepDepth, caller));
        } else if (point.next !== null) {
          steps.push(new TracedStep(point.next, stepDepth, caller));
        } else {
          throw new TraceError(`return to 0x${samples.pc(j).toString(16)} without a matching call`);
        }
        break;
      }
    }
  }
  // Nothing ran after the entry prologue (an overflow in it): its deepest point is the tail.
  if (steps.length === 0 && samples.length > 0) entryDepth = Math.max(entryDepth, referenceSp - tailMinSp);
  return { entryDepth, steps };
}

function locationOf(source: { funcIndex: number; instrIndex: number; wasmOffset: number }): WasmLocation {
  return { funcIndex: source.funcIndex, instrIndex: source.instrIndex, offset: source.wasmOffset };
}
