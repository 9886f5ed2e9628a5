// The vocabulary every part of samestack shares for what one invocation did: its values, its trap
// kinds and locations, and the outcome itself (as the CLI, the batch format and the reports write it).
import type { ValType } from "./ir.js";

/** A Wasm value as in the spec tests' JSON: the unsigned decimal of its bit pattern. */
export interface WasmValue {
  readonly type: ValType;
  readonly value: string;
}

/** An expected result (the spec tests' assertions): a value, or a NaN pattern where the bits are not fixed. */
export type ExpectedValue =
  | WasmValue
  | { readonly type: "f32" | "f64"; readonly value: "nan:canonical" | "nan:arithmetic" };

/** Whether an expected value is a NaN pattern rather than a bit pattern. */
export function isNanPattern(value: ExpectedValue): value is ExpectedValue & { value: `nan:${string}` } {
  return value.value.startsWith("nan:");
}

/** Whether a value's bits are a NaN (any payload). */
export function isNanBits(type: ValType, value: string): boolean {
  if (type === "f32") return (BigInt(value) & 0x7fff_ffffn) > 0x7f80_0000n;
  if (type === "f64") return (BigInt(value) & 0x7fff_ffff_ffff_ffffn) > 0x7ff0_0000_0000_0000n;
  return false;
}

export const TRAP_KINDS = [
  "unreachable",
  "integer_divide_by_zero",
  "integer_overflow",
  "invalid_conversion_to_integer",
  "out_of_bounds_memory",
  "undefined_element",
  "uninitialized_element",
  "indirect_call_type_mismatch",
  "stack_overflow",
] as const;
export type TrapKind = (typeof TRAP_KINDS)[number];

/**
 * What ran out when a `stack_overflow` trapped under the `logical` strategy: the logical limit (the
 * limiter's counter, at a call, the same on every target) or the machine stack itself.
 */
export const OVERFLOW_KINDS = ["logical", "native"] as const;
export type OverflowKind = (typeof OVERFLOW_KINDS)[number];

/** Where in the Wasm a machine instruction belongs: (funcIndex, instrIndex), plus the module byte offset. */
export interface WasmLocation {
  readonly funcIndex: number;
  readonly instrIndex: number;
  readonly offset: number;
}

export type Outcome =
  | { readonly outcome: "return"; readonly values: readonly WasmValue[] }
  | {
      readonly outcome: "trap";
      readonly trap: TrapKind;
      /** A `stack_overflow` under the `logical` strategy only: which limit it hit. */
      readonly overflow?: OverflowKind;
      /** Absent when the executor cannot tell (V8). */
      readonly location?: WasmLocation;
      /** Active frames, outermost first; the last entry is `location`. */
      readonly backtrace?: readonly WasmLocation[];
      /** From a recorded run: the trapping step's index in the stack profile (its dynamic Wasm
       *  instruction count); −1 for the host's call into the entry function. */
      readonly step?: number;
      /** From a recorded run: the depth (bytes below the reference SP) reached when it trapped. */
      readonly depth?: number;
    }
  | { readonly outcome: "exhausted"; readonly fuel?: number }
  | { readonly outcome: "error"; readonly message: string };
