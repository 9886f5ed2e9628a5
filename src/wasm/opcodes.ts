// Operator tables shared by the decoder, the encoder and the validator: opcode (and 0xFC
// sub-opcode) ↔ mnemonic, immediate encoding, the feature an operator needs, and the fixed stack
// signature of the operators that have one.
import type { Feature } from "./features.js";
import type { MemoryOp, NumericOp, Op, RefType, ValType } from "./ir.js";

/** Value type bytes of the binary format; the validator also uses them as operand-stack entries. */
export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export const FUNCREF = 0x70;
export const EXTERNREF = 0x6f;
/** Result byte of an operator without result, and of the empty block type. */
export const NONE = 0x40;

export const VALTYPE_CODE: Readonly<Record<ValType, number>> = {
  i32: I32,
  i64: I64,
  f32: F32,
  f64: F64,
  funcref: FUNCREF,
  externref: EXTERNREF,
};

/** The value type of a byte (SIMD's v128 is not one here), or undefined. */
export function valTypeOf(code: number): ValType | undefined {
  switch (code) {
    case I32:
      return "i32";
    case I64:
      return "i64";
    case F32:
      return "f32";
    case F64:
      return "f64";
    case FUNCREF:
      return "funcref";
    case EXTERNREF:
      return "externref";
    default:
      return undefined;
  }
}

/** The reference type of a byte, or undefined. */
export function refTypeOf(code: number): RefType | undefined {
  return code === FUNCREF ? "funcref" : code === EXTERNREF ? "externref" : undefined;
}

export function isRefType(type: ValType): type is RefType {
  return type === "funcref" || type === "externref";
}

/** How an operator's immediates are encoded. */
export enum Imm {
  None,
  BlockType,
  Label,
  LabelTable,
  Func,
  /** Type index, then the table index (one 0x00 byte in 1.0). */
  CallIndirect,
  /** `select t*`: a vector of value types. */
  SelectTypes,
  /** `ref.null`: a reference type byte. */
  HeapType,
  /** One table index. */
  Table,
  /** table.copy: destination and source table indices. */
  TableCopy,
  /** table.init: element segment index, then table index. */
  TableInit,
  /** elem.drop: element segment index. */
  Elem,
  /** memory.init: data segment index, then one reserved 0x00 byte. */
  MemoryInit,
  /** data.drop: data segment index. */
  Data,
  Local,
  Global,
  /** Alignment exponent and offset. */
  MemArg,
  /** memory.size, memory.grow, memory.fill: one reserved 0x00 byte. */
  ZeroByte,
  /** memory.copy: two reserved 0x00 bytes. */
  ZeroBytes2,
  I32,
  I64,
  F32,
  F64,
}

export interface OpInfo {
  readonly op: Op;
  /** PREFIX_FC for the 0xFC operators, else null. */
  readonly prefix: number | null;
  /** The opcode byte, or for 0xFC operators the sub-opcode. */
  readonly code: number;
  readonly imm: Imm;
  /** The post-1.0 feature the operator needs (the narrowest one), or null for 1.0 operators. */
  readonly feature: Feature | null;
  /**
   * Value types (bytes) popped, in the order they were pushed, and the result type byte (NONE for
   * none) for operators whose stack effect does not depend on context; null for the others
   * (control, calls, locals, globals, drop, select).
   */
  readonly params: readonly number[] | null;
  readonly result: number;
  /** Memory operators: log2 of the access width in bytes, the largest valid alignment exponent. */
  readonly naturalAlign: number;
}

/** The 0xFC prefix of post-1.0 operators. */
export const PREFIX_FC = 0xfc;
/** The 0xFD prefix of SIMD operators, which samestack does not support. */
export const PREFIX_SIMD = 0xfd;

/** A proposal samestack does not support (SIMD, or one past 2.0), and its name in LLVM. */
export interface UnsupportedProposal {
  readonly name: string;
  readonly llvm: string;
}

/** Fixed-width SIMD: the `v128` type and the 0xFD operators. */
export const SIMD: UnsupportedProposal = { name: "simd", llvm: "simd128" };

const TAIL_CALL: UnsupportedProposal = { name: "tail-call", llvm: "tail-call" };
const EXCEPTIONS: UnsupportedProposal = { name: "exception-handling", llvm: "exception-handling" };
const FUNCTION_REFERENCES: UnsupportedProposal = { name: "function-references", llvm: "reference-types" };
const GC: UnsupportedProposal = { name: "gc", llvm: "gc" };
const THREADS: UnsupportedProposal = { name: "threads", llvm: "atomics" };

/**
 * First opcode bytes that no 2.0 operator has and a later proposal gave an operator (or a prefix of
 * operators): a module using one is refused as needing that proposal, not as malformed.
 */
export const LATER_PROPOSAL_BY_CODE: ReadonlyMap<number, UnsupportedProposal> = new Map([
  [0x06, EXCEPTIONS], // try (legacy)
  [0x07, EXCEPTIONS], // catch (legacy)
  [0x08, EXCEPTIONS], // throw
  [0x09, EXCEPTIONS], // rethrow (legacy)
  [0x0a, EXCEPTIONS], // throw_ref
  [0x12, TAIL_CALL], // return_call
  [0x13, TAIL_CALL], // return_call_indirect
  [0x14, FUNCTION_REFERENCES], // call_ref
  [0x15, FUNCTION_REFERENCES], // return_call_ref
  [0x18, EXCEPTIONS], // delegate (legacy)
  [0x19, EXCEPTIONS], // catch_all (legacy)
  [0x1f, EXCEPTIONS], // try_table
  [0xd3, GC], // ref.eq
  [0xd4, FUNCTION_REFERENCES], // ref.as_non_null
  [0xd5, FUNCTION_REFERENCES], // br_on_null
  [0xd6, FUNCTION_REFERENCES], // br_on_non_null
  [0xfb, GC], // the GC operators' prefix
  [0xfe, THREADS], // the atomic operators' prefix
]);

const byCode = new Array<OpInfo | undefined>(256).fill(undefined);
const byFcCode = new Array<OpInfo | undefined>(18).fill(undefined);
const byName = new Map<Op, OpInfo>();

/** Operator by opcode byte (the single-byte operators). */
export const OP_BY_CODE: readonly (OpInfo | undefined)[] = byCode;
/** 0xFC operator by sub-opcode. */
export const OP_BY_FC_CODE: readonly (OpInfo | undefined)[] = byFcCode;
export const OP_BY_NAME: ReadonlyMap<Op, OpInfo> = byName;

/** The feature that `define` gives the operators it defines (null while defining 1.0). */
let currentFeature: Feature | null = null;
let currentPrefix: number | null = null;

function define(
  code: number,
  op: Op,
  imm: Imm,
  params: readonly number[] | null,
  result = NONE,
  naturalAlign = 0,
) {
  const info: OpInfo = {
    op,
    prefix: currentPrefix,
    code,
    imm,
    feature: currentFeature,
    params,
    result,
    naturalAlign,
  };
  (currentPrefix === PREFIX_FC ? byFcCode : byCode)[code] = info;
  byName.set(op, info);
}

function defineRange(first: number, ops: readonly NumericOp[], params: readonly number[], result: number) {
  ops.forEach((op, i) => {
    define(first + i, op, Imm.None, params, result);
  });
}

/** Defines operators that need `feature` (with `prefix`, or as single bytes). */
function withFeature(feature: Feature, prefix: number | null, defineAll: () => void): void {
  currentFeature = feature;
  currentPrefix = prefix;
  defineAll();
  currentFeature = null;
  currentPrefix = null;
}

function load(code: number, op: MemoryOp, result: number, naturalAlign: number) {
  define(code, op, Imm.MemArg, [I32], result, naturalAlign);
}

function store(code: number, op: MemoryOp, value: number, naturalAlign: number) {
  define(code, op, Imm.MemArg, [I32, value], NONE, naturalAlign);
}

define(0x00, "unreachable", Imm.None, null);
define(0x01, "nop", Imm.None, []);
define(0x02, "block", Imm.BlockType, null);
define(0x03, "loop", Imm.BlockType, null);
define(0x04, "if", Imm.BlockType, null);
define(0x05, "else", Imm.None, null);
define(0x0b, "end", Imm.None, null);
define(0x0c, "br", Imm.Label, null);
define(0x0d, "br_if", Imm.Label, null);
define(0x0e, "br_table", Imm.LabelTable, null);
define(0x0f, "return", Imm.None, null);
define(0x10, "call", Imm.Func, null);
define(0x11, "call_indirect", Imm.CallIndirect, null);
define(0x1a, "drop", Imm.None, null);
define(0x1b, "select", Imm.None, null);
define(0x20, "local.get", Imm.Local, null);
define(0x21, "local.set", Imm.Local, null);
define(0x22, "local.tee", Imm.Local, null);
define(0x23, "global.get", Imm.Global, null);
define(0x24, "global.set", Imm.Global, null);

load(0x28, "i32.load", I32, 2);
load(0x29, "i64.load", I64, 3);
load(0x2a, "f32.load", F32, 2);
load(0x2b, "f64.load", F64, 3);
load(0x2c, "i32.load8_s", I32, 0);
load(0x2d, "i32.load8_u", I32, 0);
load(0x2e, "i32.load16_s", I32, 1);
load(0x2f, "i32.load16_u", I32, 1);
load(0x30, "i64.load8_s", I64, 0);
load(0x31, "i64.load8_u", I64, 0);
load(0x32, "i64.load16_s", I64, 1);
load(0x33, "i64.load16_u", I64, 1);
load(0x34, "i64.load32_s", I64, 2);
load(0x35, "i64.load32_u", I64, 2);
store(0x36, "i32.store", I32, 2);
store(0x37, "i64.store", I64, 3);
store(0x38, "f32.store", F32, 2);
store(0x39, "f64.store", F64, 3);
store(0x3a, "i32.store8", I32, 0);
store(0x3b, "i32.store16", I32, 1);
store(0x3c, "i64.store8", I64, 0);
store(0x3d, "i64.store16", I64, 1);
store(0x3e, "i64.store32", I64, 2);
define(0x3f, "memory.size", Imm.ZeroByte, [], I32);
define(0x40, "memory.grow", Imm.ZeroByte, [I32], I32);

define(0x41, "i32.const", Imm.I32, [], I32);
define(0x42, "i64.const", Imm.I64, [], I64);
define(0x43, "f32.const", Imm.F32, [], F32);
define(0x44, "f64.const", Imm.F64, [], F64);

define(0x45, "i32.eqz", Imm.None, [I32], I32);
defineRange(
  0x46,
  [
    "i32.eq",
    "i32.ne",
    "i32.lt_s",
    "i32.lt_u",
    "i32.gt_s",
    "i32.gt_u",
    "i32.le_s",
    "i32.le_u",
    "i32.ge_s",
    "i32.ge_u",
  ],
  [I32, I32],
  I32,
);
define(0x50, "i64.eqz", Imm.None, [I64], I32);
defineRange(
  0x51,
  [
    "i64.eq",
    "i64.ne",
    "i64.lt_s",
    "i64.lt_u",
    "i64.gt_s",
    "i64.gt_u",
    "i64.le_s",
    "i64.le_u",
    "i64.ge_s",
    "i64.ge_u",
  ],
  [I64, I64],
  I32,
);
defineRange(0x5b, ["f32.eq", "f32.ne", "f32.lt", "f32.gt", "f32.le", "f32.ge"], [F32, F32], I32);
defineRange(0x61, ["f64.eq", "f64.ne", "f64.lt", "f64.gt", "f64.le", "f64.ge"], [F64, F64], I32);

defineRange(0x67, ["i32.clz", "i32.ctz", "i32.popcnt"], [I32], I32);
defineRange(
  0x6a,
  [
    "i32.add",
    "i32.sub",
    "i32.mul",
    "i32.div_s",
    "i32.div_u",
    "i32.rem_s",
    "i32.rem_u",
    "i32.and",
    "i32.or",
    "i32.xor",
    "i32.shl",
    "i32.shr_s",
    "i32.shr_u",
    "i32.rotl",
    "i32.rotr",
  ],
  [I32, I32],
  I32,
);
defineRange(0x79, ["i64.clz", "i64.ctz", "i64.popcnt"], [I64], I64);
defineRange(
  0x7c,
  [
    "i64.add",
    "i64.sub",
    "i64.mul",
    "i64.div_s",
    "i64.div_u",
    "i64.rem_s",
    "i64.rem_u",
    "i64.and",
    "i64.or",
    "i64.xor",
    "i64.shl",
    "i64.shr_s",
    "i64.shr_u",
    "i64.rotl",
    "i64.rotr",
  ],
  [I64, I64],
  I64,
);
defineRange(
  0x8b,
  ["f32.abs", "f32.neg", "f32.ceil", "f32.floor", "f32.trunc", "f32.nearest", "f32.sqrt"],
  [F32],
  F32,
);
defineRange(
  0x92,
  ["f32.add", "f32.sub", "f32.mul", "f32.div", "f32.min", "f32.max", "f32.copysign"],
  [F32, F32],
  F32,
);
defineRange(
  0x99,
  ["f64.abs", "f64.neg", "f64.ceil", "f64.floor", "f64.trunc", "f64.nearest", "f64.sqrt"],
  [F64],
  F64,
);
defineRange(
  0xa0,
  ["f64.add", "f64.sub", "f64.mul", "f64.div", "f64.min", "f64.max", "f64.copysign"],
  [F64, F64],
  F64,
);

define(0xa7, "i32.wrap_i64", Imm.None, [I64], I32);
define(0xa8, "i32.trunc_f32_s", Imm.None, [F32], I32);
define(0xa9, "i32.trunc_f32_u", Imm.None, [F32], I32);
define(0xaa, "i32.trunc_f64_s", Imm.None, [F64], I32);
define(0xab, "i32.trunc_f64_u", Imm.None, [F64], I32);
define(0xac, "i64.extend_i32_s", Imm.None, [I32], I64);
define(0xad, "i64.extend_i32_u", Imm.None, [I32], I64);
define(0xae, "i64.trunc_f32_s", Imm.None, [F32], I64);
define(0xaf, "i64.trunc_f32_u", Imm.None, [F32], I64);
define(0xb0, "i64.trunc_f64_s", Imm.None, [F64], I64);
define(0xb1, "i64.trunc_f64_u", Imm.None, [F64], I64);
define(0xb2, "f32.convert_i32_s", Imm.None, [I32], F32);
define(0xb3, "f32.convert_i32_u", Imm.None, [I32], F32);
define(0xb4, "f32.convert_i64_s", Imm.None, [I64], F32);
define(0xb5, "f32.convert_i64_u", Imm.None, [I64], F32);
define(0xb6, "f32.demote_f64", Imm.None, [F64], F32);
define(0xb7, "f64.convert_i32_s", Imm.None, [I32], F64);
define(0xb8, "f64.convert_i32_u", Imm.None, [I32], F64);
define(0xb9, "f64.convert_i64_s", Imm.None, [I64], F64);
define(0xba, "f64.convert_i64_u", Imm.None, [I64], F64);
define(0xbb, "f64.promote_f32", Imm.None, [F32], F64);
define(0xbc, "i32.reinterpret_f32", Imm.None, [F32], I32);
define(0xbd, "i64.reinterpret_f64", Imm.None, [F64], I64);
define(0xbe, "f32.reinterpret_i32", Imm.None, [I32], F32);
define(0xbf, "f64.reinterpret_i64", Imm.None, [I64], F64);

withFeature("sign-extension", null, () => {
  defineRange(0xc0, ["i32.extend8_s", "i32.extend16_s"], [I32], I32);
  defineRange(0xc2, ["i64.extend8_s", "i64.extend16_s", "i64.extend32_s"], [I64], I64);
});
withFeature("saturating-float-to-int", PREFIX_FC, () => {
  define(0, "i32.trunc_sat_f32_s", Imm.None, [F32], I32);
  define(1, "i32.trunc_sat_f32_u", Imm.None, [F32], I32);
  define(2, "i32.trunc_sat_f64_s", Imm.None, [F64], I32);
  define(3, "i32.trunc_sat_f64_u", Imm.None, [F64], I32);
  define(4, "i64.trunc_sat_f32_s", Imm.None, [F32], I64);
  define(5, "i64.trunc_sat_f32_u", Imm.None, [F32], I64);
  define(6, "i64.trunc_sat_f64_s", Imm.None, [F64], I64);
  define(7, "i64.trunc_sat_f64_u", Imm.None, [F64], I64);
});
withFeature("bulk-memory", PREFIX_FC, () => {
  define(8, "memory.init", Imm.MemoryInit, null);
  define(9, "data.drop", Imm.Data, null);
  define(12, "table.init", Imm.TableInit, null);
  define(13, "elem.drop", Imm.Elem, null);
  define(14, "table.copy", Imm.TableCopy, null);
});
withFeature("bulk-memory-opt", PREFIX_FC, () => {
  define(10, "memory.copy", Imm.ZeroBytes2, [I32, I32, I32]);
  define(11, "memory.fill", Imm.ZeroByte, [I32, I32, I32]);
});
withFeature("reference-types", PREFIX_FC, () => {
  define(15, "table.grow", Imm.Table, null);
  define(16, "table.size", Imm.Table, null);
  define(17, "table.fill", Imm.Table, null);
});
withFeature("reference-types", null, () => {
  define(0x1c, "select_t", Imm.SelectTypes, null);
  define(0x25, "table.get", Imm.Table, null);
  define(0x26, "table.set", Imm.Table, null);
  define(0xd0, "ref.null", Imm.HeapType, null);
  define(0xd1, "ref.is_null", Imm.None, null);
  define(0xd2, "ref.func", Imm.Func, null);
});

const memoryOps = byCode.filter((info): info is OpInfo => info?.imm === Imm.MemArg);
/** The 1.0 memory operators in opcode order: the loads (they push a value) and the stores. */
export const MEMORY_LOADS: readonly MemoryOp[] = memoryOps
  .filter((i) => i.result !== NONE)
  .map((i) => i.op as MemoryOp);
export const MEMORY_STORES: readonly MemoryOp[] = memoryOps
  .filter((i) => i.result === NONE)
  .map((i) => i.op as MemoryOp);
