// What one machine instruction does to the stack, derived from Capstone's decoding alone — never
// from the compiler's tables. Depths are bytes below the function's reference stack pointer.
import type { Instruction } from "../../../emulators/disasm/capstone.js";

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

export type Control =
  | { readonly kind: "next" }
  | { readonly kind: "branch"; readonly target: bigint; readonly conditional: boolean }
  | { readonly kind: "call"; readonly target: bigint | null }
  | { readonly kind: "return" };

export type StackEffect =
  | {
      readonly known: true;
      readonly after: StackState;
      readonly accesses: readonly StackAccess[];
      readonly control: Control;
    }
  | { readonly known: false; readonly reason: string };

/** One implementation per ISA, behind `lookupIsa(target)`. */
export interface StackEffectIsa {
  /** SP depth at function entry: bytes the call pushed (x64: the return address). */
  readonly entrySp: number;
  /** Whether SP must be 16-byte aligned at every SP-based access (AArch64), not only at calls. */
  readonly alignedAtEveryAccess: boolean;
  effect(instruction: Instruction, state: StackState): StackEffect;
}

export function unknown(instruction: Instruction, why: string): StackEffect {
  return { known: false, reason: `${instruction.mnemonic} ${instruction.opStr}: ${why}` };
}

export function access(state: StackState, base: "sp" | "fp", disp: number): StackAccess {
  const baseDepth = base === "sp" ? state.sp : state.fp!;
  const depth = baseDepth - disp;
  return { depth, viaSp: base === "sp", spAtAccess: state.sp, aboveSp: state.sp - depth };
}
