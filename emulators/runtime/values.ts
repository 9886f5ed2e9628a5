/**
 * Wasm values at the host boundary: argument checks, values as the raw 64-bit slots of the machine
 * model, and as HostValues (extern.ts). References as the spec tests' JSON writes them: `"null"`, an
 * externref's host handle N (`ref.extern N`, whose slot is N + 1), and a funcref the host receives
 * as the index of the function in the module that defines it (a host function: its name). The host
 * passes no funcref but null: it has no way to name one.
 */
import type { FuncType, ValType } from "../../src/wasm/ir.js";
import type { WasmValue } from "../../src/wasm/outcome.js";
import type { HostValue } from "./extern.js";

/** The text of a null reference. */
export const NULL_REFERENCE = "null";

/** The largest host handle an externref can carry: its slot is the handle + 1. */
const MAX_EXTERN_HANDLE = (1n << 64n) - 2n;

/** Why `args` cannot be passed to a function of `type`, or null. */
export function argumentMismatch(type: FuncType, args: readonly WasmValue[]): string | null {
  if (args.length !== type.params.length)
    return `expects ${type.params.length} arguments, got ${args.length}`;
  const wrong = args.findIndex((arg, i) => arg.type !== type.params[i]);
  if (wrong >= 0) return `argument ${wrong} is ${args[wrong]?.type}, expected ${type.params[wrong]}`;
  const badReference = args.findIndex((arg) => referenceMismatch(arg) !== null);
  return badReference < 0 ? null : `argument ${badReference}: ${referenceMismatch(args[badReference]!)}`;
}

function referenceMismatch({ type, value }: WasmValue): string | null {
  if (value === NULL_REFERENCE || (type !== "funcref" && type !== "externref")) return null;
  if (type === "funcref") return "a funcref argument can only be null";
  return /^\d+$/.test(value) && BigInt(value) <= MAX_EXTERN_HANDLE
    ? null
    : `externref ${value} is neither null nor a host handle below 2^64 - 1`;
}

const is32Bit = (type: ValType): boolean => type === "i32" || type === "f32";

/**
 * A number or an externref as a raw slot: 32-bit values zero-extended, an externref its handle + 1
 * (null 0). A funcref's slot depends on the engine (bindings.ts): only null is 0 everywhere.
 */
export function rawSlot(value: WasmValue): bigint {
  if (value.type === "funcref" || value.type === "externref") {
    if (value.value === NULL_REFERENCE) return 0n;
    if (value.type === "funcref") throw new RangeError("a funcref other than null has no raw slot here");
    return BigInt(value.value) + 1n;
  }
  return BigInt.asUintN(is32Bit(value.type) ? 32 : 64, BigInt(value.value));
}

/** The value of type `type` held in a raw slot (the upper half of a 32-bit value's slot is ignored). */
export function valueOfSlot(type: ValType, bits: bigint): WasmValue {
  if (type === "funcref" || type === "externref") {
    if (bits === 0n) return { type, value: NULL_REFERENCE };
    if (type === "funcref") throw new RangeError("a raw funcref other than null needs its engine");
    return { type, value: (bits - 1n).toString() };
  }
  return { type, value: BigInt.asUintN(is32Bit(type) ? 32 : 64, bits).toString() };
}

/** A host-side value as the host (and the outcome) sees it. */
export function wasmValueOf(type: ValType, value: HostValue): WasmValue {
  if (typeof value === "bigint") return valueOfSlot(type, value);
  if (value === null) return { type, value: NULL_REFERENCE };
  return { type, value: value.kind === "wasm" ? String(value.funcIndex) : value.name };
}

/** A host's value as a HostValue (a funcref must be null: see argumentMismatch). */
export function hostValueOf(value: WasmValue): HostValue {
  if (value.type !== "funcref") return rawSlot(value);
  if (value.value === NULL_REFERENCE) return null;
  throw new RangeError("a funcref other than null cannot come from the host");
}
