/** Wasm values at the host boundary: argument checks, and values as the raw 64-bit slots of the machine model. */
import type { FuncType, ValType } from "../../src/wasm/ir.js";
import type { WasmValue } from "../../src/wasm/outcome.js";

/** Why `args` cannot be passed to a function of `type`, or null. */
export function argumentMismatch(type: FuncType, args: readonly WasmValue[]): string | null {
  if (args.length !== type.params.length)
    return `expects ${type.params.length} arguments, got ${args.length}`;
  const wrong = args.findIndex((arg, i) => arg.type !== type.params[i]);
  return wrong < 0 ? null : `argument ${wrong} is ${args[wrong]?.type}, expected ${type.params[wrong]}`;
}

const is32Bit = (type: ValType): boolean => type === "i32" || type === "f32";

/** A value as a raw slot: 32-bit values zero-extended (src/compiler/README.md, "Values and registers"). */
export function rawSlot(value: WasmValue): bigint {
  return BigInt.asUintN(is32Bit(value.type) ? 32 : 64, BigInt(value.value));
}

/** The value of type `type` held in a raw slot (the upper half of a 32-bit value's slot is ignored). */
export function valueOfSlot(type: ValType, bits: bigint): WasmValue {
  return { type, value: BigInt.asUintN(is32Bit(type) ? 32 : 64, bits).toString() };
}
