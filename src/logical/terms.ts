// Runs of an instrumented module told in the original module's terms: every location, backtrace,
// outcome and stack profile step, through the limiter's origins (src/instrument/origins.ts).
//
// - An original instruction is itself; an instruction the limiter inserted around a call belongs to
//   that call (so raising the height, the check and its trap are part of the call's step, and
//   lowering it part of the call's continuation after the return).
// - A thunk belongs to its entry. Entered by `call_indirect` (through a table), it is part of that
//   call, as a callee's prologue is; entered by the host (an export), its code before its call is the
//   host's call into the entry function (step −1, no location), and its code after the call is the
//   callee's return (the location of the callee's final `end`; the entry call again when the callee
//   is an import). A thunk frame never appears in a backtrace.
// - The limiter's trap is a `stack_overflow` of kind `logical`; every other stack overflow is `native`.
//
// The logical height of a step is the value the height global can have while it runs: the charges
// of the calls that entered the active frames (a guarded call charges its callee's cost, a thunk's
// call its charge, `call_indirect` nothing: the thunk it enters charges), plus, in the instructions
// of a guarded call, that call's charge (raised before the call, lowered after it).
import type { Instrumentation, Thunk } from "../instrument/index.js";
import type { ProfileStep } from "../verify/profile.js";
import type { TracedSteps } from "../verify/trace.js";
import { InternalError } from "../wasm/errors.js";
import type { ValidatedModule } from "../wasm/ir.js";
import type { Outcome, WasmLocation } from "../wasm/outcome.js";

/** A step of a profile in the original module's terms, with the logical height while it ran. */
export class LogicalStep implements ProfileStep {
  constructor(
    readonly location: WasmLocation,
    public depth: number,
    /** Highest logical height reached while the step ran. */
    public height: number,
    readonly caller: LogicalStep | null,
  ) {}

  get backtrace(): WasmLocation[] {
    const frames: WasmLocation[] = [];
    for (let step: LogicalStep | null = this; step !== null; step = step.caller) frames.push(step.location);
    return frames.reverse();
  }

  toJSON(): ProfileStep & { height: number } {
    return { location: this.location, depth: this.depth, height: this.height, backtrace: this.backtrace };
  }
}

export interface LogicalSteps {
  readonly entryDepth: number;
  /** Highest logical height during the host's call into the entry function (its thunk's charge). */
  readonly entryHeight: number;
  readonly steps: LogicalStep[];
}

/** How one instruction of the instrumented module is reported. */
type Place =
  /** An instruction of an original function, or one the limiter inserted there (`inserted`). */
  | { readonly kind: "function"; readonly at: WasmLocation; readonly inserted: boolean }
  /** An instruction of a thunk: `tail` after its call returned (lower, return). */
  | { readonly kind: "thunk"; readonly thunk: Thunk; readonly call: boolean; readonly tail: boolean };

interface Facts {
  readonly place: Place;
  /** What the height rises by for a frame this instruction calls (a guarded call, a thunk's call). */
  readonly charge: number;
  /** Raised while this instruction runs: the charge of the guarded call it belongs to. */
  readonly pending: number;
}

/** Per traced step: where its frame hangs in the original terms, and the height of its frame. */
interface StepFrame {
  /** The original step the frames it calls run under (for a thunk step, its entry's). */
  readonly anchor: LogicalStep | null;
  readonly frameHeight: number;
}

export class OriginalTerms {
  private readonly facts = new Map<number, readonly Facts[]>();
  private readonly importedFunctions: number;

  constructor(
    private readonly original: ValidatedModule,
    private readonly instrumented: ValidatedModule,
    readonly instrumentation: Instrumentation,
  ) {
    this.importedFunctions = original.funcTypes.length - original.module.bodies.length;
  }

  /** A location of the instrumented module in the original's terms; null for a thunk's. */
  location(at: WasmLocation): WasmLocation | null {
    const { place } = this.factsAt(at);
    return place.kind === "function" ? place.at : null;
  }

  /** Whether the instruction is the limiter's trap, a logical stack overflow. */
  isLogicalOverflow(at: WasmLocation): boolean {
    return this.instrumentation.origins.isOverflowTrap(at.funcIndex, at.instrIndex);
  }

  /** A backtrace of the instrumented module in the original's terms (outermost first). */
  backtrace(frames: readonly WasmLocation[]): WasmLocation[] {
    const mapped: WasmLocation[] = [];
    frames.forEach((frame, i) => {
      const { place } = this.factsAt(frame);
      if (place.kind === "function") mapped.push(place.at);
      else if (i === 0 && i === frames.length - 1 && place.tail) {
        const returned = this.returnOf(place.thunk);
        if (returned) mapped.push(returned);
      }
    });
    return mapped;
  }

  /**
   * An outcome of the instrumented module in the original's terms: locations and backtrace mapped,
   * the limiter's trap a logical stack overflow, any other stack overflow a native one. `step` and
   * `depth` are left as they are (a recorded run's come from its mapped profile: mapSteps).
   */
  outcome(outcome: Outcome): Outcome {
    if (outcome.outcome !== "trap") return outcome;
    const { location, backtrace, ...rest } = outcome;
    const logical = location !== undefined && this.isLogicalOverflow(location);
    const frames = backtrace === undefined ? undefined : this.backtrace(backtrace);
    const at = frames !== undefined ? frames.at(-1) : location && this.location(location);
    return {
      ...rest,
      ...(logical
        ? { trap: "stack_overflow" as const, overflow: "logical" as const }
        : outcome.trap === "stack_overflow"
          ? { overflow: "native" as const }
          : {}),
      ...(at ? { location: at } : {}),
      ...(frames === undefined ? {} : { backtrace: frames }),
    };
  }

  /** The steps of a traced run of the instrumented module, in the original's terms (header of this file). */
  mapSteps(traced: TracedSteps): LogicalSteps {
    const steps: LogicalStep[] = [];
    const frames = new Map<ProfileStep, StepFrame>();
    let entryDepth = traced.entryDepth;
    let entryHeight = 0;
    let previous: { step: ProfileStep; place: Place } | null = null;
    const frameOf = (step: ProfileStep | null | undefined): StepFrame | null => {
      if (step === null || step === undefined) return null;
      const frame = frames.get(step);
      if (frame === undefined) throw new InternalError("a traced step runs under a call that was not traced");
      return frame;
    };

    for (const step of traced.steps) {
      const facts = this.factsAt(step.location);
      const { place } = facts;
      const callerFrame = frameOf(step.caller);
      const frameHeight = callerFrame
        ? callerFrame.frameHeight + this.factsAt(step.caller!.location).charge
        : 0;
      const height = frameHeight + facts.pending;
      const sameFrameAsPrevious = previous !== null && previous.step.caller === step.caller;

      // Where the step goes: a location and the frame it is in, or the entry call.
      let location: WasmLocation | null;
      let caller: LogicalStep | null;
      let mergeable: boolean;
      let anchor: LogicalStep | null = null;
      if (place.kind === "function") {
        location = place.at;
        caller = callerFrame?.anchor ?? null;
        // An original instruction starts a step of its own unless it is a guarded call right after
        // its check, or a call's continuation right after a thunk's tail.
        mergeable =
          place.inserted ||
          (previous !== null && !(previous.place.kind === "function" && !previous.place.inserted));
      } else {
        const entry = callerFrame?.anchor ?? null;
        anchor = entry;
        const tail = place.tail || (place.call && !sameFrameAsPrevious);
        if (entry !== null) {
          location = entry.location;
          caller = entry.caller;
        } else {
          location = tail ? this.returnOf(place.thunk) : null;
          caller = null;
        }
        mergeable = true;
      }

      if (location === null) {
        entryDepth = Math.max(entryDepth, step.depth);
        entryHeight = Math.max(entryHeight, height);
      } else {
        const last = steps.at(-1);
        if (
          mergeable &&
          last !== undefined &&
          last.caller === caller &&
          sameLocation(last.location, location)
        ) {
          last.depth = Math.max(last.depth, step.depth);
          last.height = Math.max(last.height, height);
          if (place.kind === "function") anchor = last;
        } else {
          const created = new LogicalStep(location, step.depth, height, caller);
          steps.push(created);
          if (place.kind === "function") anchor = created;
        }
      }
      frames.set(step, { anchor, frameHeight });
      previous = { step, place };
    }
    return { entryDepth, entryHeight, steps };
  }

  /**
   * Where a host-entered thunk's code after its call is reported: its callee's final `end`; null
   * (the entry call) when the callee is an import (thunkZeroCost), which has no code of its own.
   */
  private returnOf(thunk: Thunk): WasmLocation | null {
    const body = this.original.module.bodies[thunk.callee - this.importedFunctions];
    if (body === undefined) return null;
    const end = body.code.length - 1;
    return { funcIndex: thunk.callee, instrIndex: end, offset: body.code[end]?.offset ?? -1 };
  }

  private factsAt(at: WasmLocation): Facts {
    let facts = this.facts.get(at.funcIndex);
    if (facts === undefined) {
      facts = this.functionFacts(at.funcIndex);
      this.facts.set(at.funcIndex, facts);
    }
    const found = facts[at.instrIndex];
    if (found === undefined) throw new InternalError(`no instruction f${at.funcIndex} #${at.instrIndex}`);
    return found;
  }

  private functionFacts(funcIndex: number): Facts[] {
    const { origins, costs } = this.instrumentation;
    const body = this.instrumented.module.bodies[funcIndex - this.importedFunctions];
    if (body === undefined) throw new InternalError(`no function f${funcIndex} in the instrumented module`);
    const originalCode = this.original.module.bodies[funcIndex - this.importedFunctions]?.code;
    const guardCharge = (instrIndex: number) => {
      const instr = originalCode?.[instrIndex];
      return instr?.op === "call" ? (costs[instr.func] ?? 0) : 0;
    };
    return body.code.map((instr, instrIndex): Facts => {
      const origin = origins.origin(funcIndex, instrIndex);
      if (origin.kind === "original") {
        const charge = instr.op === "call" ? (costs[instr.func] ?? 0) : 0;
        return { place: { kind: "function", at: origin.at, inserted: false }, charge, pending: charge };
      }
      if (origin.kind === "limiter") {
        return {
          place: { kind: "function", at: origin.guards, inserted: true },
          charge: 0,
          pending: guardCharge(origin.guards.instrIndex),
        };
      }
      const { thunk, part } = origin;
      const guarded = part !== "argument" && part !== "return";
      return {
        place: { kind: "thunk", thunk, call: part === "call", tail: part === "lower" || part === "return" },
        charge: part === "call" ? thunk.charge : 0,
        pending: guarded ? thunk.charge : 0,
      };
    });
  }
}

function sameLocation(a: WasmLocation, b: WasmLocation): boolean {
  return a.funcIndex === b.funcIndex && a.instrIndex === b.instrIndex;
}
