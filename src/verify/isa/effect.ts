// What one machine instruction does to the stack, derived from Capstone's decoding alone — never
// from the compiler's tables. Depths are bytes below the function's reference stack pointer.
import type { DecodedColumns } from "../../../emulators/disasm/columns.js";

/** Abstract stack state before an instruction: where SP and the frame pointer are. */
export interface StackState {
  readonly sp: number;
  /** Depth the frame pointer points at, or null when it holds no known stack address. */
  readonly fp: number | null;
}

export interface StackAccess {
  /** Depth of the lowest byte accessed. */
  readonly depth: number;
  readonly viaSp: boolean;
  /** Depth of SP at the moment of the access (after a pre-index writeback, before a post-index one). */
  readonly spAtAccess: number;
  /** Bytes between that SP and the access (negative: below SP). */
  readonly aboveSp: number;
}

/** Branch and call targets are absolute addresses. */
export type Control =
  | { readonly kind: "next" }
  | { readonly kind: "branch"; readonly target: number; readonly conditional: boolean }
  | { readonly kind: "call"; readonly target: number | null }
  | { readonly kind: "return" };

/** Shared by every instruction that only falls through (effects are read-only data). */
export const NEXT: Control = { kind: "next" };
export const RETURN: Control = { kind: "return" };

/**
 * What one instruction does to the stack: `after` is the state it leaves, `access(0)` to
 * `access(accessCount - 1)` the stack bytes it touches, `control` where execution goes; when `known`
 * is false, `reason` says why the instruction cannot be followed and the rest means nothing. The
 * verifier passes the same object for every instruction (read it before the next one), and its
 * accesses and controls are rewritten in place, so that following code allocates nothing per
 * instruction whose SP does not move.
 */
export class StackEffect {
  known = true;
  reason = "";
  after: StackState = { sp: 0, fp: null };
  control: Control = NEXT;
  accessCount = 0;
  /** The controls of branches and calls, rewritten for each. */
  readonly branch = { kind: "branch" as const, target: 0, conditional: false };
  readonly call = { kind: "call" as const, target: null as number | null };
  /** The accesses' storage, grown to the most any instruction had. */
  private readonly accessSlots: { -readonly [K in keyof StackAccess]: StackAccess[K] }[] = [];

  /** Forgets the last instruction's accesses: the first thing each ISA's `effect` does. */
  begin(): this {
    this.accessCount = 0;
    return this;
  }

  access(k: number): StackAccess {
    return this.accessSlots[k]!;
  }

  /** Adds an access at `base + disp`, SP being at depth `sp` and the frame pointer at `fp` then. */
  addAccess(sp: number, fp: number | null, base: "sp" | "fp", disp: number): void {
    const depth = (base === "sp" ? sp : fp!) - disp;
    let slot = this.accessSlots[this.accessCount];
    if (slot === undefined) {
      slot = { depth: 0, viaSp: false, spAtAccess: 0, aboveSp: 0 };
      this.accessSlots.push(slot);
    }
    slot.depth = depth;
    slot.viaSp = base === "sp";
    slot.spAtAccess = sp;
    slot.aboveSp = sp - depth;
    this.accessCount++;
  }
}

/** One implementation per ISA, behind `lookupIsa(target)`. */
export interface StackEffectIsa {
  /** SP depth at function entry: bytes the call pushed (x64: the return address). */
  readonly entrySp: number;
  /** Whether SP must be 16-byte aligned at every SP-based access (AArch64), not only at calls. */
  readonly alignedAtEveryAccess: boolean;
  /** What instruction `i` of `columns` does to the stack in `state`, written into `into` (returned). */
  effect(columns: DecodedColumns, i: number, state: StackState, into?: StackEffect): StackEffect;
}

/** `into`, saying the instruction leaves `after` (with the accesses added) and goes on to `control`. */
export function known(into: StackEffect, after: StackState, control: Control): StackEffect {
  into.known = true;
  into.after = after;
  into.control = control;
  return into;
}

/** `into`, saying the instruction branches to `target` (always, unless `conditional`), SP unmoved. */
export function branch(
  into: StackEffect,
  state: StackState,
  target: number,
  conditional: boolean,
): StackEffect {
  into.branch.target = target;
  into.branch.conditional = conditional;
  return known(into, state, into.branch);
}

/** `into`, saying the instruction calls `target` (null: not an immediate), SP unmoved. */
export function call(into: StackEffect, state: StackState, target: number | null): StackEffect {
  into.call.target = target;
  return known(into, state, into.call);
}

export function unknown(into: StackEffect, columns: DecodedColumns, i: number, why: string): StackEffect {
  const { mnemonic, opStr } = columns.instruction(i);
  into.known = false;
  into.reason = `${mnemonic} ${opStr}: ${why}`;
  return into;
}

/** `state` itself when nothing moved, so that unchanged states are not copied. */
export function stateAfter(state: StackState, sp: number, fp: number | null): StackState {
  return sp === state.sp && fp === state.fp ? state : { sp, fp };
}

/**
 * A classification of one ISA's mnemonics, made once per mnemonic id (the columns decoder's ids are
 * fixed for the process), so that each instruction costs one array read instead of string compares.
 */
export class MnemonicKinds<Kind extends number> {
  private readonly kinds: Kind[] = [];

  constructor(private readonly classify: (mnemonic: string) => Kind) {}

  of(columns: DecodedColumns, i: number): Kind {
    const id = columns.mnemonic[i]!;
    let kind = this.kinds[id];
    if (kind === undefined) {
      kind = this.classify(columns.mnemonicOf(i));
      this.kinds[id] = kind;
    }
    return kind;
  }
}
