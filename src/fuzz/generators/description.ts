// What the generators produce: a *description* of a program (functions as lists of statements and
// typed expression trees), small enough for fast-check to shrink by deleting functions, parameters,
// statements and subtrees. `lower.ts` maps any description — shrunk ones included — to a valid
// WebAssembly 1.0 module; references (locals, globals, callees) are picks resolved modulo what
// exists, so deleting one never invalidates another.
import type { MemoryOp, NumericOp, NumType } from "../../wasm/ir.js";
import { MEMORY_LOADS, MEMORY_STORES } from "../../wasm/opcodes.js";

export const VAL_TYPES: readonly NumType[] = ["i32", "i64", "f32", "f64"];

/** Every node of a given result type; `type` is what the node leaves on the operand stack. */
export type Expr =
  /** Raw bits (i32/f32 in the low 32). */
  | { readonly k: "const"; readonly type: NumType; readonly bits: bigint }
  /** The pick-th local of `type` (mod their count); a constant zero when there is none. */
  | { readonly k: "local"; readonly type: NumType; readonly pick: number }
  | { readonly k: "global"; readonly type: NumType; readonly pick: number }
  /** local.tee of the pick-th writable local of `type`. */
  | { readonly k: "tee"; readonly type: NumType; readonly pick: number; readonly value: Expr }
  | { readonly k: "unary"; readonly type: NumType; readonly op: NumericOp; readonly arg: Expr }
  | {
      readonly k: "binary";
      readonly type: NumType;
      readonly op: NumericOp;
      readonly left: Expr;
      readonly right: Expr;
    }
  /** Comparisons and conversions: `op` fixes the operand types, `args` match them. */
  | { readonly k: "test"; readonly type: NumType; readonly op: NumericOp; readonly args: readonly Expr[] }
  | { readonly k: "load"; readonly type: NumType; readonly op: MemoryOp; readonly address: Address }
  /** A direct call to the pick-th callable function; arguments and result are coerced to fit. */
  | { readonly k: "call"; readonly type: NumType; readonly pick: number; readonly args: readonly Expr[] }
  /** call_indirect with the type of the pick-th callable function, through `slot`. */
  | {
      readonly k: "call_indirect";
      readonly type: NumType;
      readonly pick: number;
      readonly slot: Slot;
      readonly args: readonly Expr[];
    }
  | {
      readonly k: "select";
      readonly type: NumType;
      readonly cond: Expr;
      readonly ifTrue: Expr;
      readonly ifFalse: Expr;
    }
  | {
      readonly k: "if";
      readonly type: NumType;
      readonly cond: Expr;
      readonly ifTrue: Expr;
      readonly ifFalse: Expr;
    }
  /** `block (result t) value cond br_if 0 drop otherwise end`: a branch out carrying a value. */
  | {
      readonly k: "exit";
      readonly type: NumType;
      readonly value: Expr;
      readonly cond: Expr;
      readonly otherwise: Expr;
    }
  /** Statements, then a value: `block (result t) … end`. */
  | { readonly k: "block"; readonly type: NumType; readonly body: readonly Stmt[]; readonly value: Expr }
  | { readonly k: "memory.size"; readonly type: "i32" }
  /** memory.grow by (delta & 1) pages. */
  | { readonly k: "memory.grow"; readonly type: "i32"; readonly delta: Expr };

export type Stmt =
  | { readonly k: "set"; readonly pick: number; readonly value: Expr }
  | { readonly k: "global.set"; readonly pick: number; readonly value: Expr }
  | { readonly k: "store"; readonly op: MemoryOp; readonly address: Address; readonly value: Expr }
  | { readonly k: "drop"; readonly value: Expr }
  | {
      readonly k: "if";
      readonly cond: Expr;
      readonly ifTrue: readonly Stmt[];
      readonly ifFalse: readonly Stmt[];
    }
  /** Runs `body` `count` times (a hidden i32 counter local; count ≤ 4). */
  | { readonly k: "loop"; readonly count: number; readonly body: readonly Stmt[] }
  /** br_table over nested blocks: case i runs `cases[i..]` (fall-through), the default skips all. */
  | { readonly k: "switch"; readonly index: Expr; readonly cases: readonly (readonly Stmt[])[] }
  /** `if cond: return value` (the function's default when it has no result). */
  | { readonly k: "return"; readonly cond: Expr; readonly value: Expr }
  | { readonly k: "trap"; readonly cond: Expr };

/** A memory address: a constant (biased to edges), an expression masked into the first page, or raw. */
export type Address =
  | { readonly k: "const"; readonly value: number; readonly offset: number }
  | { readonly k: "masked"; readonly expr: Expr; readonly offset: number }
  | { readonly k: "raw"; readonly expr: Expr; readonly offset: number };

/**
 * A call_indirect target: the slot of the function whose type the call names (a direct call made
 * indirect), a dynamic index reduced into the slots the caller may reach (any type: mismatches
 * trap), the null slot, or an index past the table's end.
 */
export type Slot =
  | { readonly k: "callee" }
  | { readonly k: "dynamic"; readonly index: Expr }
  | { readonly k: "null" }
  | { readonly k: "outside"; readonly past: number };

export interface FunctionDesc {
  readonly params: readonly NumType[];
  readonly result: NumType | null;
  readonly locals: readonly NumType[];
  readonly body: readonly Stmt[];
  /** The result value (coerced to `result`); ignored without a result. */
  readonly value: Expr;
}

/** A host function the module imports (`env.h<i>`, host.ts says what it computes). */
export interface ImportDesc {
  readonly params: readonly NumType[];
  readonly result: NumType | null;
}

export interface GlobalDesc {
  readonly type: NumType;
  readonly mutable: boolean;
  readonly bits: bigint;
}

/**
 * A whole program. Functions are laid out imports first, then recursive ones: each of those takes
 * a leading i32 depth, returns its default at depth 0, and passes depth − 1 to every recursive
 * callee (any of them: self and mutual recursion; they may also call the imports). Plain functions
 * call only lower-indexed functions, passing a masked depth to recursive ones. So every program
 * terminates.
 */
export interface ProgramDesc {
  readonly imports: readonly ImportDesc[];
  readonly recursive: readonly FunctionDesc[];
  readonly plain: readonly FunctionDesc[];
  readonly globals: readonly GlobalDesc[];
  /** Initial bytes at `dataOffset` in the one-page memory (max two pages). */
  readonly data: Uint8Array;
  readonly dataOffset: number;
  /** The exported entry: the pick-th function (mod count). */
  readonly entry: number;
  /** Argument bits for the entry (coerced to its parameters; missing ones are 0). */
  readonly args: readonly bigint[];
  /**
   * Whether NaN bit patterns may become visible (float→int reinterpret, float stores, copysign of
   * a computed sign). Wasm leaves NaN payloads and signs nondeterministic, so such programs are
   * compared bit-exactly only between samestack's deterministic targets, never against V8.
   */
  readonly nanBitsVisible: boolean;
}

// Operator tables, by result type and operand types.
export const UNARY: Readonly<Record<NumType, readonly NumericOp[]>> = {
  i32: ["i32.clz", "i32.ctz", "i32.popcnt"],
  i64: ["i64.clz", "i64.ctz", "i64.popcnt"],
  f32: ["f32.abs", "f32.neg", "f32.ceil", "f32.floor", "f32.trunc", "f32.nearest", "f32.sqrt"],
  f64: ["f64.abs", "f64.neg", "f64.ceil", "f64.floor", "f64.trunc", "f64.nearest", "f64.sqrt"],
};

const INT_BINARY = ["add", "sub", "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor"] as const;
const SHIFTS = ["shl", "shr_s", "shr_u", "rotl", "rotr"] as const;
const FLOAT_BINARY = ["add", "sub", "mul", "div", "min", "max", "copysign"] as const;
const prefixed = (type: NumType, names: readonly string[]) => names.map((n) => `${type}.${n}` as NumericOp);

export const BINARY: Readonly<Record<NumType, readonly NumericOp[]>> = {
  i32: prefixed("i32", [...INT_BINARY, ...SHIFTS]),
  i64: prefixed("i64", [...INT_BINARY, ...SHIFTS]),
  f32: prefixed("f32", FLOAT_BINARY),
  f64: prefixed("f64", FLOAT_BINARY),
};

/** Operators whose result type is the key and whose operands are `from` (comparisons, conversions). */
export interface TestOp {
  readonly op: NumericOp;
  readonly from: readonly NumType[];
}

const INT_COMPARE = ["eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u"];
const FLOAT_COMPARE = ["eq", "ne", "lt", "gt", "le", "ge"];
const compare = (type: NumType, names: readonly string[]): TestOp[] =>
  prefixed(type, names).map((op) => ({ op, from: [type, type] }));
const convert = (pairs: readonly [string, NumType][]): TestOp[] =>
  pairs.map(([op, from]) => ({ op: op as NumericOp, from: [from] }));

export const TESTS: Readonly<Record<NumType, readonly TestOp[]>> = {
  i32: [
    ...compare("i32", INT_COMPARE),
    ...compare("i64", INT_COMPARE),
    ...compare("f32", FLOAT_COMPARE),
    ...compare("f64", FLOAT_COMPARE),
    ...convert([
      ["i32.eqz", "i32"],
      ["i64.eqz", "i64"],
      ["i32.wrap_i64", "i64"],
      ["i32.trunc_f32_s", "f32"],
      ["i32.trunc_f32_u", "f32"],
      ["i32.trunc_f64_s", "f64"],
      ["i32.trunc_f64_u", "f64"],
      ["i32.reinterpret_f32", "f32"],
    ]),
  ],
  i64: convert([
    ["i64.extend_i32_s", "i32"],
    ["i64.extend_i32_u", "i32"],
    ["i64.trunc_f32_s", "f32"],
    ["i64.trunc_f32_u", "f32"],
    ["i64.trunc_f64_s", "f64"],
    ["i64.trunc_f64_u", "f64"],
    ["i64.reinterpret_f64", "f64"],
  ]),
  f32: convert([
    ["f32.convert_i32_s", "i32"],
    ["f32.convert_i32_u", "i32"],
    ["f32.convert_i64_s", "i64"],
    ["f32.convert_i64_u", "i64"],
    ["f32.demote_f64", "f64"],
    ["f32.reinterpret_i32", "i32"],
  ]),
  f64: convert([
    ["f64.convert_i32_s", "i32"],
    ["f64.convert_i32_u", "i32"],
    ["f64.convert_i64_s", "i64"],
    ["f64.convert_i64_u", "i64"],
    ["f64.promote_f32", "f32"],
    ["f64.reinterpret_i64", "i64"],
  ]),
};

/** The loads producing each value type, and all the stores (from the front end's opcode table). */
export const LOADS: Readonly<Record<NumType, readonly MemoryOp[]>> = {
  i32: MEMORY_LOADS.filter((op) => op.startsWith("i32.")),
  i64: MEMORY_LOADS.filter((op) => op.startsWith("i64.")),
  f32: MEMORY_LOADS.filter((op) => op.startsWith("f32.")),
  f64: MEMORY_LOADS.filter((op) => op.startsWith("f64.")),
};

export const STORES: readonly MemoryOp[] = MEMORY_STORES;

interface MemoryAccess {
  readonly type: NumType;
  readonly bytes: number;
}

const ACCESS = new Map<MemoryOp, MemoryAccess>(
  [...MEMORY_LOADS, ...MEMORY_STORES].map((op) => {
    const type = op.slice(0, 3) as NumType;
    const width = /(8|16|32)(_[su])?$/.exec(op)?.[1];
    return [op, { type, bytes: width ? Number(width) / 8 : type === "i32" || type === "f32" ? 4 : 8 }];
  }),
);

/** Bytes a memory operator accesses, and the value type it loads or stores. */
export function memoryAccess(op: MemoryOp): MemoryAccess {
  return ACCESS.get(op)!;
}
