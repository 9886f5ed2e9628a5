/**
 * Wasm 1.0 float semantics, computed without machine code from JavaScript's IEEE-754 doubles, as the
 * independent expectation for the backends' float operations. Values are raw bit patterns in slots
 * (f32 in the low 32 bits), converted to numbers through a DataView.
 *
 * - f32 arithmetic is `Math.fround(exact double result)`: for +, −, ×, ÷ and sqrt a double carries
 *   more than 2·24 + 2 significand bits, so rounding to double first and then to f32 gives the
 *   correctly rounded f32 (no double-rounding error).
 * - `Math.min`/`Math.max` are Wasm's min/max: NaN if either operand is NaN, and −0 < +0.
 * - `Math.round` rounds halves up; Wasm's `nearest` rounds them to even (`nearest` below).
 * - Integer → float rounds the exact BigInt once; `Math.fround(Number(n))` would round twice.
 * NaN results are not compared bit for bit: Wasm only requires an arithmetic (quiet) NaN.
 */
import type { FloatBinop, FloatCond, FloatUnop, Width } from "../../src/compiler/masm.js";

const view = new DataView(new ArrayBuffer(8));

/** The float whose bits are the low `width` bits of `bits`. */
export function fromBits(bits: bigint, width: Width): number {
  if (width === 32) {
    view.setUint32(0, Number(BigInt.asUintN(32, bits)));
    return view.getFloat32(0);
  }
  view.setBigUint64(0, BigInt.asUintN(64, bits));
  return view.getFloat64(0);
}

/** The bits of `value` at `width` (rounded to f32 first when width is 32). */
export function toBits(value: number, width: Width): bigint {
  if (width === 32) {
    view.setFloat32(0, value);
    return BigInt(view.getUint32(0));
  }
  view.setFloat64(0, value);
  return view.getBigUint64(0);
}

/**
 * Exponent all ones and a non-zero fraction: any NaN, quiet or signalling, of either sign (upper bits
 * beyond `width` ignored). For tests that only require a NaN; `isQuietNaN` is the stricter check.
 */
export function isAnyNaN(bits: bigint, width: Width): boolean {
  const infinity = width === 32 ? 0x7f80_0000n : 0x7ff0_0000_0000_0000n;
  return BigInt.asUintN(width - 1, bits) > infinity;
}

/** Exponent all ones and the top fraction bit set: the only NaNs Wasm arithmetic may produce. */
export function isQuietNaN(bits: bigint, width: Width): boolean {
  const quiet = width === 32 ? 0x7fc0_0000n : 0x7ff8_0000_0000_0000n;
  return (BigInt.asUintN(width - 1, bits) & quiet) === quiet;
}

const round = (width: Width, value: number) => (width === 32 ? Math.fround(value) : value);

const BINOPS: Readonly<Record<FloatBinop, (a: number, b: number) => number>> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  min: Math.min,
  max: Math.max,
};

export function binop(op: FloatBinop, width: Width, a: number, b: number): number {
  return round(width, BINOPS[op](a, b));
}

/** Round half to even; zeros, infinities, NaN and values of 2^52 and more are already integral. */
export function nearest(x: number): number {
  if (!Number.isFinite(x) || x === 0 || Math.abs(x) >= 2 ** 52) return x;
  const magnitude = Math.abs(x);
  const floor = Math.floor(magnitude);
  const fraction = magnitude - floor; // exact: floor is 0 or at least half of magnitude
  const rounded = fraction > 0.5 || (fraction === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
  return x < 0 ? -rounded : rounded; // −0 for −0.5 ≤ x < 0, as Wasm requires
}

const UNOPS: Readonly<Record<FloatUnop, (a: number) => number>> = {
  sqrt: Math.sqrt,
  ceil: Math.ceil,
  floor: Math.floor,
  trunc: Math.trunc,
  nearest,
};

export function unop(op: FloatUnop, width: Width, a: number): number {
  return round(width, UNOPS[op](a));
}

const COMPARISONS: Readonly<Record<FloatCond, (a: number, b: number) => boolean>> = {
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  lt: (a, b) => a < b,
  gt: (a, b) => a > b,
  le: (a, b) => a <= b,
  ge: (a, b) => a >= b,
};

export function compare(cond: FloatCond, a: number, b: number): boolean {
  return COMPARISONS[cond](a, b);
}

/** The integer bits of trunc(value) at width `to`, or null where Wasm traps (NaN, out of range). */
export function truncate(value: number, to: Width, signed: boolean): bigint | null {
  if (!Number.isFinite(value)) return null;
  const integer = BigInt(Math.trunc(value));
  const min = signed ? -(1n << BigInt(to - 1)) : 0n;
  const max = signed ? (1n << BigInt(to - 1)) - 1n : (1n << BigInt(to)) - 1n;
  return integer < min || integer > max ? null : BigInt.asUintN(to, integer);
}

/** The integer in the low `from` bits of `bits` (signed or not), rounded once to the nearest even f`to`. */
export function intToFloat(bits: bigint, from: Width, to: Width, signed: boolean): number {
  const value = signed ? BigInt.asIntN(from, bits) : BigInt.asUintN(from, bits);
  const magnitude = roundToSignificand(value < 0n ? -value : value, to === 32 ? 24 : 53);
  return value < 0n ? -magnitude : magnitude;
}

/** `n` rounded to `bits` significant bits, ties to even; exact as a double since bits ≤ 53. */
function roundToSignificand(n: bigint, bits: number): number {
  const excess = n.toString(2).length - bits;
  if (excess <= 0) return Number(n);
  const shift = BigInt(excess);
  const rest = n & ((1n << shift) - 1n);
  const half = 1n << (shift - 1n);
  let kept = n >> shift;
  if (rest > half || (rest === half && (kept & 1n) === 1n)) kept += 1n;
  return Number(kept << shift);
}

/** promote (exact) or demote (rounded to nearest even). */
export function convertFloat(value: number, to: Width): number {
  return round(to, value);
}
