// Whether an outcome is what a spec assertion expects. Each check returns null when it holds, or
// a message saying what happened instead.

import { NULL_REFERENCE } from "../../emulators/runtime/values.js";
import {
  type ExpectedValue,
  isNanBits,
  isNanPattern,
  type Outcome,
  type TrapKind,
  type WasmValue,
} from "../wasm/outcome.js";
import { outcomeText, valuesText } from "../wasm/outcome-text.js";
import { NON_NULL_REFERENCE } from "./commands.js";

/** The spec tests' trap messages (prefixes: e.g. "unreachable executed") → trap kind. */
const TRAP_TEXTS: readonly (readonly [string, TrapKind])[] = [
  ["unreachable", "unreachable"],
  ["integer divide by zero", "integer_divide_by_zero"],
  ["integer overflow", "integer_overflow"],
  ["invalid conversion to integer", "invalid_conversion_to_integer"],
  ["out of bounds memory access", "out_of_bounds_memory"],
  ["undefined element", "undefined_element"],
  ["uninitialized element", "uninitialized_element"],
  ["indirect call type mismatch", "indirect_call_type_mismatch"],
  ["out of bounds table access", "out_of_bounds_table"],
  ["call stack exhausted", "stack_overflow"],
];

export function trapKindOfText(text: string): TrapKind | undefined {
  return TRAP_TEXTS.find(([prefix]) => text.startsWith(prefix))?.[1];
}

export function checkReturn(outcome: Outcome, expected: readonly ExpectedValue[]): string | null {
  if (outcome.outcome !== "return") return `expected a return, got ${outcomeText(outcome)}`;
  const matches =
    outcome.values.length === expected.length &&
    expected.every((e, i) => valueMatches(outcome.values[i]!, e));
  return matches ? null : `expected ${formatValues(expected)}, got ${formatValues(outcome.values)}`;
}

/** `sameKind` decides whether the outcome's kind stands for the expected one (V8 merges two kinds). */
export function checkTrap(
  outcome: Outcome,
  expected: TrapKind,
  sameKind: (actual: TrapKind, expected: TrapKind) => boolean = (a, e) => a === e,
): string | null {
  if (outcome.outcome === "trap" && sameKind(outcome.trap, expected)) return null;
  return `expected trap ${expected}, got ${outcomeText(outcome)}`;
}

/**
 * Whether a return differs from the expected values only where both sides are NaNs (bits or
 * patterns): what `native` may show, since it keeps each target's hardware NaNs.
 */
export function differsInNanBitsOnly(outcome: Outcome, expected: readonly ExpectedValue[]): boolean {
  if (outcome.outcome !== "return" || outcome.values.length !== expected.length) return false;
  return expected.every((e, i) => {
    const actual = outcome.values[i]!;
    if (valueMatches(actual, e)) return true;
    const expectedNan = isNanPattern(e) || isNanBits(e.type, e.value);
    return actual.type === e.type && expectedNan && isNanBits(actual.type, actual.value);
  });
}

function valueMatches(actual: WasmValue, expected: ExpectedValue): boolean {
  if (actual.type !== expected.type) return false;
  if (expected.value === NON_NULL_REFERENCE) return actual.value !== NULL_REFERENCE;
  if (!isNanPattern(expected)) return actual.value === expected.value;
  // Canonical NaN: exponent all ones, only the quiet bit set in the payload (either sign).
  // Arithmetic NaN: exponent all ones and the quiet bit set, any other payload.
  const bits = BigInt(actual.value);
  const [sign, quietNan] =
    actual.type === "f32" ? [1n << 31n, 0x7fc0_0000n] : [1n << 63n, 0x7ff8_0000_0000_0000n];
  return expected.value === "nan:canonical" ? (bits & ~sign) === quietNan : (bits & quietNan) === quietNan;
}

function formatValues(values: readonly (WasmValue | ExpectedValue)[]): string {
  return `[${valuesText(values)}]`;
}
