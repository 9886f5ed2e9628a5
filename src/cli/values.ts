// Wasm values as people type them on the command line (src/wasm/outcome-text.ts prints them).

import { InputError } from "../wasm/errors.js";
import type { NumType, ValType } from "../wasm/ir.js";
import type { WasmValue } from "../wasm/outcome.js";

const VAL_TYPES: readonly NumType[] = ["i32", "i64", "f32", "f64"];
const INTEGER = /^[+-]?(0x[0-9a-f]+|[0-9]+)$/i;

/**
 * Parses one argument for a parameter of type `expected`: `i32:5`, `i64:-1`, `f64:1.5`, or a plain
 * number typed by the parameter. Integers may be signed or unsigned (`i32:-1` = `i32:4294967295`),
 * decimal or `0x` hex; floats are decimal numbers, `inf`, `-inf` or `nan`.
 */
export function parseCliValue(text: string, expected: ValType): WasmValue {
  const colon = text.indexOf(":");
  const prefix = colon < 0 ? null : text.slice(0, colon);
  if (expected === "funcref" || expected === "externref")
    throw new InputError(`"${text}": ${expected} parameters cannot be given yet`);
  const type = prefix === null ? expected : VAL_TYPES.find((t) => t === prefix);
  if (!type)
    throw new InputError(`"${text}": unknown value type "${prefix}" (one of ${VAL_TYPES.join(", ")})`);
  if (type !== expected) throw new InputError(`"${text}": the parameter is ${expected}, not ${type}`);
  const literal = colon < 0 ? text : text.slice(colon + 1);
  const value = type === "i32" || type === "i64" ? integerBits(literal, type) : floatBits(literal, type);
  if (value === null) throw new InputError(`"${text}": not a valid ${type}`);
  return { type, value };
}

/** Checks a value given as in the spec tests' JSON (unsigned decimal bit pattern). */
export function checkJsonValue(value: unknown): WasmValue {
  const { type, value: bits } = (value ?? {}) as { type?: unknown; value?: unknown };
  const valType = VAL_TYPES.find((t) => t === type);
  if (!valType)
    throw new InputError(`value ${JSON.stringify(value)}: "type" must be one of ${VAL_TYPES.join(", ")}`);
  const width = valType === "i32" || valType === "f32" ? 32n : 64n;
  if (typeof bits !== "string" || !/^[0-9]+$/.test(bits) || BigInt(bits) >> width !== 0n) {
    throw new InputError(
      `value ${JSON.stringify(value)}: "value" must be the unsigned decimal of a ${width}-bit pattern`,
    );
  }
  return { type: valType, value: bits };
}

function integerBits(literal: string, type: "i32" | "i64"): string | null {
  if (!INTEGER.test(literal)) return null;
  const negative = literal.startsWith("-");
  const magnitude = BigInt(literal.replace(/^[+-]/, ""));
  const width = type === "i32" ? 32n : 64n;
  const fits = negative ? magnitude <= 1n << (width - 1n) : magnitude < 1n << width;
  return fits ? BigInt.asUintN(Number(width), negative ? -magnitude : magnitude).toString() : null;
}

function floatBits(literal: string, type: "f32" | "f64"): string | null {
  const number =
    { inf: Infinity, "+inf": Infinity, "-inf": -Infinity, nan: NaN }[literal.toLowerCase()] ??
    Number(literal);
  if (Number.isNaN(number) && literal.toLowerCase() !== "nan") return null;
  if (literal.trim() === "") return null;
  const view = new DataView(new ArrayBuffer(8));
  if (type === "f32") {
    view.setFloat32(0, number);
    return String(view.getUint32(0));
  }
  view.setFloat64(0, number);
  return view.getBigUint64(0).toString();
}
