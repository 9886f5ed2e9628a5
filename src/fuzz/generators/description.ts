// What the generators produce: a *description* of a program (functions as lists of statements and
// typed expression trees), small enough for fast-check to shrink by deleting functions, parameters,
// results, statements and subtrees. `lower.ts` maps any description — shrunk ones included — to a
// valid WebAssembly 2.0 module (without SIMD); references (locals, globals, callees, tables,
// segments) are picks resolved modulo what exists, so deleting one never invalidates another.
import type { MemoryOp, NumericOp, NumType, RefType, ValType } from "../../wasm/ir.js";
import { MEMORY_LOADS, MEMORY_STORES } from "../../wasm/opcodes.js";

export const NUM_TYPES: readonly NumType[] = ["i32", "i64", "f32", "f64"];
export const REF_TYPES: readonly RefType[] = ["funcref", "externref"];
export const VAL_TYPES: readonly ValType[] = [...NUM_TYPES, ...REF_TYPES];

export function isRefType(type: ValType): type is RefType {
  return type === "funcref" || type === "externref";
}

/** Every node of a given result type; `type` is what the node leaves on the operand stack. */
export type Expr =
  /** Raw bits (i32/f32 in the low 32). */
  | { readonly k: "const"; readonly type: NumType; readonly bits: bigint }
  | { readonly k: "ref.null"; readonly type: RefType }
  /** ref.func of the pick-th defined function (lower.ts says why not an import). */
  | { readonly k: "ref.func"; readonly type: "funcref"; readonly pick: number }
  | { readonly k: "ref.is_null"; readonly type: "i32"; readonly arg: Expr }
  /** The pick-th local of `type` (mod their count); a constant zero (or null) when there is none. */
  | { readonly k: "local"; readonly type: ValType; readonly pick: number }
  | { readonly k: "global"; readonly type: ValType; readonly pick: number }
  /** local.tee of the pick-th writable local of `type`. */
  | { readonly k: "tee"; readonly type: ValType; readonly pick: number; readonly value: Expr }
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
  /**
   * A direct call to the pick-th callable function; arguments are coerced to fit, and the callee's
   * results folded into one value of `type` (fold, lower.ts).
   */
  | { readonly k: "call"; readonly type: ValType; readonly pick: number; readonly args: readonly Expr[] }
  /** call_indirect with the type of the pick-th callable function, through `slot`. */
  | {
      readonly k: "call_indirect";
      readonly type: ValType;
      readonly pick: number;
      readonly slot: Slot;
      readonly args: readonly Expr[];
    }
  /** `select`, typed (`select t`) for references. */
  | {
      readonly k: "select";
      readonly type: ValType;
      readonly cond: Expr;
      readonly ifTrue: Expr;
      readonly ifFalse: Expr;
    }
  | {
      readonly k: "if";
      readonly type: ValType;
      readonly cond: Expr;
      readonly ifTrue: Expr;
      readonly ifFalse: Expr;
    }
  /** `block (result t) value cond br_if 0 drop otherwise end`: a branch out carrying a value. */
  | {
      readonly k: "exit";
      readonly type: ValType;
      readonly value: Expr;
      readonly cond: Expr;
      readonly otherwise: Expr;
    }
  /** Statements, then a value: `block (result t) … end`. */
  | { readonly k: "block"; readonly type: ValType; readonly body: readonly Stmt[]; readonly value: Expr }
  /**
   * A block, loop or if with parameters and results (a type-index block type): `params` are pushed
   * first (each of its own type) and stay on the operand stack under `body`; then each form
   * consumes them (into writable locals from the pick-th on, else dropped) and leaves `results`:
   *   block: body, consume, `values`, `cond` br_if 0 (a branch carrying every result), drop them,
   *          `otherwise`;
   *   loop:  body, consume, `values` as the next params, a countdown from `count` br_if 0 (a
   *          branch back carrying every param), consume, `otherwise`;
   *   if:    `cond` selects body, consume, `values` — or consume, `otherwise`.
   * The results are folded into one value of `type`.
   */
  | {
      readonly k: "multi";
      readonly type: ValType;
      readonly form: "block" | "loop" | "if";
      readonly params: readonly Expr[];
      readonly results: readonly ValType[];
      readonly body: readonly Stmt[];
      readonly pick: number;
      readonly values: readonly Expr[];
      readonly cond: Expr;
      readonly count: number;
      readonly otherwise: readonly Expr[];
    }
  | { readonly k: "memory.size"; readonly type: "i32" }
  /** memory.grow by (delta & 1) pages. */
  | { readonly k: "memory.grow"; readonly type: "i32"; readonly delta: Expr }
  /** table.get from the pick-th table holding `type`, table 0 aside. */
  | { readonly k: "table.get"; readonly type: RefType; readonly pick: number; readonly index: Expr }
  /** The pick-th table, table 0 included. */
  | { readonly k: "table.size"; readonly type: "i32"; readonly pick: number }
  /** table.grow of the pick-th table, by `delta` entries of `init` (coerced to its type). */
  | {
      readonly k: "table.grow";
      readonly type: "i32";
      readonly pick: number;
      readonly init: Expr;
      readonly delta: Expr;
    };

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
  /** `if cond: return values` (coerced to the function's results; missing ones are zero or null). */
  | { readonly k: "return"; readonly cond: Expr; readonly values: readonly Expr[] }
  | { readonly k: "trap"; readonly cond: Expr }
  /** memory.copy from `from` to `to`, or to `from` + `shift` (overlapping when |shift| < length). */
  | {
      readonly k: "memory.copy";
      readonly from: Position;
      readonly to: Position | { readonly k: "shift"; readonly by: number };
      readonly length: Expr;
    }
  | { readonly k: "memory.fill"; readonly to: Position; readonly value: Expr; readonly length: Expr }
  /** memory.init from the pick-th data segment (the active one included: dropped at instantiation). */
  | {
      readonly k: "memory.init";
      readonly pick: number;
      readonly to: Position;
      readonly from: Expr;
      readonly length: Expr;
    }
  | { readonly k: "data.drop"; readonly pick: number }
  /** table.set of the pick-th table other than table 0; `value` is coerced to its element type. */
  | { readonly k: "table.set"; readonly pick: number; readonly index: Expr; readonly value: Expr }
  | {
      readonly k: "table.fill";
      readonly pick: number;
      readonly index: Expr;
      readonly value: Expr;
      readonly length: Expr;
    }
  /** table.copy into the pick-th table other than 0 from the `source`-th such table of its type. */
  | {
      readonly k: "table.copy";
      readonly pick: number;
      readonly source: number;
      readonly to: Expr;
      readonly from: Expr;
      readonly length: Expr;
    }
  /** table.init of the pick-th table other than 0 from the `segment`-th element segment of its type. */
  | {
      readonly k: "table.init";
      readonly pick: number;
      readonly segment: number;
      readonly to: Expr;
      readonly from: Expr;
      readonly length: Expr;
    }
  | { readonly k: "elem.drop"; readonly pick: number };

/** A position in memory: a constant (biased to edges), an expression masked into the first page, or raw. */
export type Position =
  | { readonly k: "const"; readonly value: number }
  | { readonly k: "masked"; readonly expr: Expr }
  | { readonly k: "raw"; readonly expr: Expr };

/** A load's or store's address: a position and the memory argument's static offset. */
export type Address = Position & { readonly offset: number };

/**
 * A call_indirect target: the slot of the function whose type the call names (a direct call made
 * indirect), a dynamic index reduced into the slots the caller may reach (any type: mismatches
 * trap), the null slot, or an index past the table's end — all in table 0, which the program never
 * writes; or any index into the pick-th other funcref table, whose contents the program changes
 * (such calls are metered: lower.ts).
 */
export type Slot =
  | { readonly k: "callee" }
  | { readonly k: "dynamic"; readonly index: Expr }
  | { readonly k: "null" }
  | { readonly k: "outside"; readonly past: number }
  | { readonly k: "table"; readonly pick: number; readonly index: Expr };

export interface FunctionDesc {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
  readonly locals: readonly ValType[];
  readonly body: readonly Stmt[];
  /** The result values (coerced to `results`; missing ones are zero or null). */
  readonly values: readonly Expr[];
}

/**
 * A host function the module imports (`env.h<i>`, emulators/hosts/env.ts says what it computes):
 * any value types in and out, several results included (a reference result is null).
 */
export interface ImportDesc {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

export type GlobalDesc =
  | { readonly type: NumType; readonly mutable: boolean; readonly bits: bigint }
  /** A reference global: null, or (funcref) ref.func of the `func`-th defined function. */
  | { readonly type: RefType; readonly mutable: boolean; readonly func: number | null };

/** A table besides table 0, empty at first; `max` ≥ `min` and ≥ 1 (lower.ts makes it so). */
export interface TableDesc {
  readonly elemType: RefType;
  readonly min: number;
  readonly max: number;
}

/**
 * An element segment: passive (for table.init), declarative (declares its functions for ref.func,
 * and is dropped at instantiation), or active into the `table`-th other table of its type at
 * `offset` (reduced so that it fits; passive when it cannot). `funcs` are defined-function picks,
 * null for ref.null (externref segments hold nulls only).
 */
export interface ElemDesc {
  readonly mode: "passive" | "declarative" | "active";
  readonly type: RefType;
  readonly table: number;
  readonly offset: number;
  readonly funcs: readonly (number | null)[];
}

/**
 * A whole program. Functions are laid out imports first, then recursive ones: each of those takes
 * a leading i32 depth, returns its default at depth 0, and passes depth − 1 to every recursive
 * callee (any of them: self and mutual recursion; they may also call the imports). Plain functions
 * call only lower-indexed functions, passing a masked depth to recursive ones. Calls through
 * tables other than 0 may reach any function, and are counted by a budget. So every program
 * terminates.
 */
export interface ProgramDesc {
  readonly imports: readonly ImportDesc[];
  readonly recursive: readonly FunctionDesc[];
  readonly plain: readonly FunctionDesc[];
  readonly globals: readonly GlobalDesc[];
  /** Tables besides table 0 (which holds every function, then a null slot). */
  readonly tables: readonly TableDesc[];
  readonly elems: readonly ElemDesc[];
  /** Initial bytes at `dataOffset` in the one-page memory (max two pages). */
  readonly data: Uint8Array;
  readonly dataOffset: number;
  /** Passive data segments, for memory.init. */
  readonly passive: readonly Uint8Array[];
  /** The exported entry: the pick-th function (mod count). */
  readonly entry: number;
  /**
   * Argument bits for the entry (coerced to its parameters; missing ones are 0): an externref
   * argument is null or a host handle, a funcref argument null (the host can name no other).
   */
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
  i32: ["i32.clz", "i32.ctz", "i32.popcnt", "i32.extend8_s", "i32.extend16_s"],
  i64: ["i64.clz", "i64.ctz", "i64.popcnt", "i64.extend8_s", "i64.extend16_s", "i64.extend32_s"],
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
      ["i32.trunc_sat_f32_s", "f32"],
      ["i32.trunc_sat_f32_u", "f32"],
      ["i32.trunc_sat_f64_s", "f64"],
      ["i32.trunc_sat_f64_u", "f64"],
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
    ["i64.trunc_sat_f32_s", "f32"],
    ["i64.trunc_sat_f32_u", "f32"],
    ["i64.trunc_sat_f64_s", "f64"],
    ["i64.trunc_sat_f64_u", "f64"],
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
