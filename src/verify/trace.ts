// From the stack recorder's samples (emulators/run-result.ts, StackRecords) to a stack profile: one
// step per executed Wasm instruction, with its location, backtrace and deepest depth.
//
// Record points are every instruction start, every prologue start and every return address
// (Artifact.recordPoints), so the code between two consecutive records belongs to one step:
//   - at an instruction start a new step begins;
//   - a prologue belongs to the caller's call instruction (DESIGN.md), so it extends the current
//     step, and the call's location joins the backtrace; under `frame` the prologue's limit check
//     demands more than SP reaches (the frame plus headroom), and that demand is the step's depth,
//     since it is what decides an overflow;
//   - at a return address the callee's frame is gone: the call instruction continues as a new step
//     with the same location (or, when its code ends with the call, the next instruction begins).
// Instructions that emit no code (block, loop, nop, a fall-through end) have no step; the code
// generator is shared by the targets, so this is the same on both.
import { ABI } from "../compiler/abi.js";
import { type Artifact, sourceAt } from "../compiler/artifact.js";
import type { WasmLocation } from "../wasm/outcome.js";
import type { ProfileStep } from "./profile.js";

/** The recorder's samples, as emulators/run-result.ts `StackRecords` provides them. */
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

export class TraceError extends Error {
  readonly id = "verify/trace";
  override name = "TraceError";
}

export interface TracedSteps {
  /** Depth reached by the host's call into the entry function, before its first instruction. */
  readonly entryDepth: number;
  readonly steps: ProfileStep[];
}

export function profileSteps({ artifact, samples, tailMinSp, referenceSp }: TraceInput): TracedSteps {
  if (samples.dropped > 0) {
    throw new TraceError(`the stack recorder dropped ${samples.dropped} samples: raise its capacity`);
  }
  const codeBase = Number(artifact.codeBase);
  const returnAddresses = new Set(artifact.returnAddresses);
  const steps: ProfileStep[] = [];
  const callers: WasmLocation[] = [];
  // Depth reached before the first instruction: the entry function's prologue, run for the host.
  let entryDepth = 0;

  for (let j = 0; j < samples.length; j++) {
    const deepestSp = Math.min(samples.sp(j), j + 1 < samples.length ? samples.minSp(j + 1) : tailMinSp);
    const stepDepth = referenceSp - deepestSp;
    const offset = samples.pc(j) - codeBase;
    const current = steps.at(-1);

    if (returnAddresses.has(offset)) {
      const call = callers.pop();
      const continuing = sourceAt(artifact, offset - 1);
      if (call === undefined || continuing?.kind !== "instr") {
        throw new TraceError(`return to 0x${samples.pc(j).toString(16)} without a matching call`);
      }
      const next = sourceAt(artifact, offset);
      const startsNext =
        next?.kind === "instr" && next.start === offset && next.instrIndex !== continuing.instrIndex;
      const location = startsNext ? locationOf(next) : call;
      steps.push({ location, depth: stepDepth, backtrace: [...callers, location] });
      continue;
    }

    const source = sourceAt(artifact, offset);
    if (source?.kind === "prologue") {
      const calleeReference = samples.sp(j) + ABI[artifact.target].returnAddressBytes;
      const checked = artifact.limitCheckBytes[source.funcIndex] ?? null;
      const depth = Math.max(stepDepth, checked === null ? 0 : referenceSp - calleeReference + checked);
      if (current === undefined) {
        entryDepth = Math.max(entryDepth, depth);
      } else {
        steps[steps.length - 1] = { ...current, depth: Math.max(current.depth, depth) };
        callers.push(current.location);
      }
      continue;
    }
    if (source?.kind !== "instr") {
      throw new TraceError(`sample at 0x${samples.pc(j).toString(16)} is not a record point`);
    }
    const location = locationOf(source);
    steps.push({ location, depth: stepDepth, backtrace: [...callers, location] });
  }
  // Nothing ran after the entry prologue (an overflow in it): its deepest point is the tail.
  if (steps.length === 0 && samples.length > 0) entryDepth = Math.max(entryDepth, referenceSp - tailMinSp);
  return { entryDepth, steps };
}

function locationOf(source: { funcIndex: number; instrIndex: number; wasmOffset: number }): WasmLocation {
  return { funcIndex: source.funcIndex, instrIndex: source.instrIndex, offset: source.wasmOffset };
}
