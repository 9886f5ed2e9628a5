// Where every instruction of an instrumented module comes from, in the original module's terms, so
// that a run of the instrumented code can be reported in the user's function and instruction
// indices. Original functions keep their indices (thunks are appended after them); within a
// function, inserted limiter instructions belong to the call they guard.
import type { Module } from "../wasm/ir.js";
import type { WasmLocation } from "../wasm/outcome.js";

/**
 * What an instruction does in the instrumented module. A guarded call is, in order: raise the
 * height by the callee's charge, check it against the limit (`if` … `end`) with the trap (the
 * `unreachable` inside the check), the call itself, lower the height again. A thunk first pushes its
 * parameters (argument), then makes one guarded call, then ends (return).
 */
export const PARTS = ["original", "raise", "check", "trap", "lower", "call", "argument", "return"] as const;
export type Part = (typeof PARTS)[number];
/** The parts inserted around an original call. */
export type LimiterPart = "raise" | "check" | "trap" | "lower";
/** The parts of a thunk. */
export type ThunkPart = Exclude<Part, "original">;

/** A place in the original module that names a function and so lets it be entered from outside. */
export type EntryPoint =
  | { readonly kind: "export"; readonly name: string }
  | { readonly kind: "start" }
  /** The `position`-th element of element segment `segment` (any mode). */
  | { readonly kind: "element"; readonly segment: number; readonly position: number }
  /** A `ref.func` initialising global `global`. */
  | { readonly kind: "global"; readonly global: number }
  /** A `ref.func` instruction in a function body. */
  | { readonly kind: "ref.func"; readonly at: WasmLocation };

/** A function appended by the limiter that charges `charge` and calls `callee` for `entries`. */
export interface Thunk {
  /** Its index in the instrumented module. */
  readonly funcIndex: number;
  /** The original function it calls (an import only with thunkZeroCost). */
  readonly callee: number;
  /** What it adds to the height around the call. */
  readonly charge: number;
  /** Every place of the original module that named the callee and now names the thunk. */
  readonly entries: readonly EntryPoint[];
}

export type InstructionOrigin =
  /** An instruction of the original function (a `ref.func` may now name a thunk). */
  | { readonly kind: "original"; readonly at: WasmLocation }
  /** Inserted to guard the original call at `guards`. */
  | { readonly kind: "limiter"; readonly part: LimiterPart; readonly guards: WasmLocation }
  /** In a thunk: entering its callee through one of its entry points. */
  | { readonly kind: "thunk"; readonly part: ThunkPart; readonly thunk: Thunk };

/** Where each instruction of one instrumented function comes from. */
export interface BodyOrigins {
  /** Per instruction: its part. */
  readonly parts: Uint8Array;
  /** Per instruction: the original instruction index it belongs to (in a thunk: -1). */
  readonly sources: Int32Array;
}

/** Instruction origins of a whole instrumented module, by (funcIndex, instrIndex). */
export class OriginMap {
  private readonly importedFunctions: number;
  private readonly thunksByIndex: ReadonlyMap<number, Thunk>;

  constructor(
    private readonly original: Module,
    /** One per defined function of the instrumented module, originals first, then thunks. */
    private readonly bodies: readonly BodyOrigins[],
    thunks: readonly Thunk[],
  ) {
    this.importedFunctions = original.imports.filter((i) => i.desc.kind === "func").length;
    this.thunksByIndex = new Map(thunks.map((thunk) => [thunk.funcIndex, thunk]));
  }

  /** The thunk with index `funcIndex` in the instrumented module, or undefined for another function. */
  thunkAt(funcIndex: number): Thunk | undefined {
    return this.thunksByIndex.get(funcIndex);
  }

  /** Where instruction `instrIndex` of function `funcIndex` of the instrumented module comes from. */
  origin(funcIndex: number, instrIndex: number): InstructionOrigin {
    const body = this.bodies[funcIndex - this.importedFunctions];
    const partIndex = body?.parts[instrIndex];
    if (body === undefined || partIndex === undefined) {
      throw new RangeError(
        `no instruction ${instrIndex} in function ${funcIndex} of the instrumented module`,
      );
    }
    const part = PARTS[partIndex]!;
    const thunk = this.thunksByIndex.get(funcIndex);
    if (thunk !== undefined) return { kind: "thunk", part: part as ThunkPart, thunk };
    const at = this.location(funcIndex, body.sources[instrIndex]!);
    if (part === "original") return { kind: "original", at };
    return { kind: "limiter", part: part as LimiterPart, guards: at };
  }

  /** Whether the instruction is one of the limiter's overflow traps (an `unreachable` it inserted). */
  isOverflowTrap(funcIndex: number, instrIndex: number): boolean {
    return this.bodies[funcIndex - this.importedFunctions]?.parts[instrIndex] === PARTS.indexOf("trap");
  }

  /** Every overflow trap of the instrumented module, in function and instruction order. */
  overflowTraps(): { readonly funcIndex: number; readonly instrIndex: number }[] {
    const trap = PARTS.indexOf("trap");
    return this.bodies.flatMap((body, defined) =>
      [...body.parts.entries()]
        .filter(([, part]) => part === trap)
        .map(([instrIndex]) => ({ funcIndex: defined + this.importedFunctions, instrIndex })),
    );
  }

  /** An original location, with the instruction's byte offset in the original module. */
  private location(funcIndex: number, instrIndex: number): WasmLocation {
    const instr = this.original.bodies[funcIndex - this.importedFunctions]?.code[instrIndex];
    return { funcIndex, instrIndex, offset: instr?.offset ?? -1 };
  }
}
