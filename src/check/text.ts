// Short texts shared by the findings' messages and the renderers.
import type { Outcome, WasmLocation, WasmValue } from "../wasm/outcome.js";

/** `f2 #14`: function index and instruction index. */
export function locationText(location: WasmLocation | null): string {
  return location ? `f${location.funcIndex} #${location.instrIndex}` : "the entry call";
}

/** Limit ranges `[from, to)`, the first few, and how many more. */
export function limitRangesText(ranges: readonly { from: number; to: number | null }[], shown = 6): string {
  const text = ranges
    .slice(0, shown)
    .map(({ from, to }) => `[${from}, ${to ?? "∞"})`)
    .join(" ");
  const more = ranges.length > shown ? ` and ${ranges.length - shown} more ranges` : "";
  return (text || "(none)") + more;
}

/** A value as a reader writes it: integers signed, floats as numbers (a NaN with its bits). */
export function valueText(value: WasmValue): string {
  const bits = BigInt(value.value);
  switch (value.type) {
    case "i32":
      return String(BigInt.asIntN(32, bits));
    case "i64":
      return String(BigInt.asIntN(64, bits));
    case "f32": {
      const view = new DataView(new ArrayBuffer(4));
      view.setUint32(0, Number(bits));
      const number = view.getFloat32(0);
      return Number.isNaN(number) ? `nan(0x${bits.toString(16)})` : String(number);
    }
    case "f64": {
      const view = new DataView(new ArrayBuffer(8));
      view.setBigUint64(0, bits);
      const number = view.getFloat64(0);
      return Number.isNaN(number) ? `nan(0x${bits.toString(16)})` : String(number);
    }
    default:
      return `${value.type}:${value.value}`;
  }
}

/** The exact bit patterns, `i32:4294967295`, as in the spec tests' JSON. */
export function valuesText(values: readonly WasmValue[]): string {
  return values.map((v) => `${v.type}:${v.value}`).join(", ");
}

export function describeOutcome(outcome: Outcome): string {
  switch (outcome.outcome) {
    case "return":
      return `return [${valuesText(outcome.values)}]`;
    case "trap":
      return `trap ${outcome.trap}${outcome.location ? ` at ${locationText(outcome.location)}` : ""}${outcome.step === undefined ? "" : ` (step ${outcome.step})`}`;
    case "exhausted":
      return "out of fuel";
    case "error":
      return `error: ${outcome.message}`;
  }
}
