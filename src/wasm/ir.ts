// The decoded form of a WebAssembly 2.0 module (all of it but fixed-width SIMD), shared by the
// decoder, the validator, the encoder, the compiler and the reports. Indices are absolute (imports
// first), as in the spec.
import type { Feature } from "./features.js";

export type NumType = "i32" | "i64" | "f32" | "f64";
export type RefType = "funcref" | "externref";
export type ValType = NumType | RefType;

/**
 * A block type: no value, one result, or (multi-value) a function type by index, whose params the
 * block takes from the stack and whose results it leaves. FunctionInfo.blockParams/blockResults hold
 * the resolved arities per instruction.
 */
export type BlockType = ValType | null | { readonly typeIndex: number };

export interface FuncType {
  readonly params: readonly ValType[];
  /** Several results need multi-value. */
  readonly results: readonly ValType[];
}

export interface Limits {
  readonly min: number;
  readonly max?: number;
}

/** A table: its limits (in entries) and the type of its elements. */
export interface TableType extends Limits {
  readonly elemType: RefType;
}

export interface GlobalType {
  readonly valType: ValType;
  readonly mutable: boolean;
}

/**
 * A constant expression: one instruction (a constant, `ref.null`, `ref.func`, or `global.get` of
 * an imported immutable global), or any other instruction sequence (without its final `end`), which
 * is valid only as extended-const arithmetic (i32/i64 add, sub, mul) on such instructions.
 */
export type ConstExpr =
  | { readonly op: "i32.const"; readonly value: number }
  | { readonly op: "i64.const"; readonly value: bigint }
  | { readonly op: "f32.const"; readonly bits: number }
  | { readonly op: "f64.const"; readonly bits: bigint }
  | { readonly op: "global.get"; readonly global: number }
  | { readonly op: "ref.null"; readonly type: RefType }
  | { readonly op: "ref.func"; readonly func: number }
  | { readonly op: "sequence"; readonly code: readonly Instr[] };

export type ImportDesc =
  | { readonly kind: "func"; readonly typeIndex: number }
  | { readonly kind: "table"; readonly limits: TableType }
  | { readonly kind: "memory"; readonly limits: Limits }
  | { readonly kind: "global"; readonly type: GlobalType };

export interface Import {
  readonly module: string;
  readonly name: string;
  readonly desc: ImportDesc;
}

export type ExternKind = "func" | "table" | "memory" | "global";

export interface Export {
  readonly name: string;
  readonly kind: ExternKind;
  readonly index: number;
}

export interface Global {
  readonly type: GlobalType;
  readonly init: ConstExpr;
}

/**
 * An element segment. Active segments are copied into `table` at `offset` when the module is
 * instantiated; passive ones wait for `table.init`; declarative ones only declare the functions
 * that `ref.func` may name. The elements are function indices (`funcs`, the index encodings) or
 * constant expressions (`exprs`, the expression encodings; `funcs` is then empty).
 */
export type ElemSegment = {
  readonly type: RefType;
  readonly funcs: readonly number[];
  readonly exprs: readonly ConstExpr[] | null;
} & (
  | { readonly mode: "active"; readonly table: number; readonly offset: ConstExpr }
  | { readonly mode: "passive" | "declarative" }
);

/** A data segment: active ones are copied into `memory` at `offset`; passive ones wait for `memory.init`. */
export type DataSegment = { readonly bytes: Uint8Array } & (
  | { readonly mode: "active"; readonly memory: number; readonly offset: ConstExpr }
  | { readonly mode: "passive" }
);

export interface CustomSection {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Byte offset of the section's payload in the module. */
  readonly offset: number;
}

/** Names from the `name` custom section; absent entries have no name. */
export interface NameSection {
  readonly module?: string;
  readonly functions: ReadonlyMap<number, string>;
  /** funcIndex → localIndex → name */
  readonly locals: ReadonlyMap<number, ReadonlyMap<number, string>>;
}

/** The first use of a post-1.0 feature in a module. */
export interface FeatureUse {
  readonly feature: Feature;
  /** Byte offset in the module. */
  readonly offset: number;
  /** Function index (imports included) when the use is in a function body. */
  readonly funcIndex?: number;
}

export interface FunctionBody {
  /** Declared locals, expanded (params are not included); see `localRuns` beyond MAX_LOCALS. */
  readonly locals: readonly ValType[];
  /**
   * Set only when there are more than MAX_LOCALS locals (which the validator refuses once the
   * module is otherwise valid): all of them as (count, type) runs; `locals` is then empty.
   */
  readonly localRuns?: readonly (readonly [count: number, type: ValType])[];
  /** Instructions in order; the final `end` of the body is included as the last instruction. */
  readonly code: readonly Instr[];
  /** Byte offset of the body (its size field) in the module. */
  readonly offset: number;
}

export interface Module {
  readonly types: readonly FuncType[];
  readonly imports: readonly Import[];
  /** Type index of each function defined in this module (not imported), in order. */
  readonly funcTypeIndices: readonly number[];
  readonly tables: readonly TableType[];
  readonly memories: readonly Limits[];
  readonly globals: readonly Global[];
  readonly exports: readonly Export[];
  readonly start: number | null;
  readonly elems: readonly ElemSegment[];
  /** The data count section's value; absent when the module has none (then memory.init and data.drop are malformed). */
  readonly dataCount?: number;
  readonly datas: readonly DataSegment[];
  /** One body per defined function, same order as funcTypeIndices. */
  readonly bodies: readonly FunctionBody[];
  readonly names: NameSection;
  /** Custom sections other than `name`, kept opaque. */
  readonly customSections: readonly CustomSection[];
  /** Added by the decoder: the first use of each post-1.0 feature the decoder met. */
  readonly features?: readonly FeatureUse[];
}

/** Operators without immediates (or with only reserved 0x00 bytes), by mnemonic. */
export type PlainOp =
  | "unreachable"
  | "nop"
  | "else"
  | "end"
  | "return"
  | "drop"
  | "select"
  | "memory.size"
  | "memory.grow"
  | "memory.copy"
  | "memory.fill"
  | "ref.is_null"
  | NumericOp;

export type MemoryOp =
  | "i32.load"
  | "i64.load"
  | "f32.load"
  | "f64.load"
  | "i32.load8_s"
  | "i32.load8_u"
  | "i32.load16_s"
  | "i32.load16_u"
  | "i64.load8_s"
  | "i64.load8_u"
  | "i64.load16_s"
  | "i64.load16_u"
  | "i64.load32_s"
  | "i64.load32_u"
  | "i32.store"
  | "i64.store"
  | "f32.store"
  | "f64.store"
  | "i32.store8"
  | "i32.store16"
  | "i64.store8"
  | "i64.store16"
  | "i64.store32";

export type NumericOp =
  | "i32.eqz"
  | "i32.eq"
  | "i32.ne"
  | "i32.lt_s"
  | "i32.lt_u"
  | "i32.gt_s"
  | "i32.gt_u"
  | "i32.le_s"
  | "i32.le_u"
  | "i32.ge_s"
  | "i32.ge_u"
  | "i64.eqz"
  | "i64.eq"
  | "i64.ne"
  | "i64.lt_s"
  | "i64.lt_u"
  | "i64.gt_s"
  | "i64.gt_u"
  | "i64.le_s"
  | "i64.le_u"
  | "i64.ge_s"
  | "i64.ge_u"
  | "f32.eq"
  | "f32.ne"
  | "f32.lt"
  | "f32.gt"
  | "f32.le"
  | "f32.ge"
  | "f64.eq"
  | "f64.ne"
  | "f64.lt"
  | "f64.gt"
  | "f64.le"
  | "f64.ge"
  | "i32.clz"
  | "i32.ctz"
  | "i32.popcnt"
  | "i32.add"
  | "i32.sub"
  | "i32.mul"
  | "i32.div_s"
  | "i32.div_u"
  | "i32.rem_s"
  | "i32.rem_u"
  | "i32.and"
  | "i32.or"
  | "i32.xor"
  | "i32.shl"
  | "i32.shr_s"
  | "i32.shr_u"
  | "i32.rotl"
  | "i32.rotr"
  | "i64.clz"
  | "i64.ctz"
  | "i64.popcnt"
  | "i64.add"
  | "i64.sub"
  | "i64.mul"
  | "i64.div_s"
  | "i64.div_u"
  | "i64.rem_s"
  | "i64.rem_u"
  | "i64.and"
  | "i64.or"
  | "i64.xor"
  | "i64.shl"
  | "i64.shr_s"
  | "i64.shr_u"
  | "i64.rotl"
  | "i64.rotr"
  | "f32.abs"
  | "f32.neg"
  | "f32.ceil"
  | "f32.floor"
  | "f32.trunc"
  | "f32.nearest"
  | "f32.sqrt"
  | "f32.add"
  | "f32.sub"
  | "f32.mul"
  | "f32.div"
  | "f32.min"
  | "f32.max"
  | "f32.copysign"
  | "f64.abs"
  | "f64.neg"
  | "f64.ceil"
  | "f64.floor"
  | "f64.trunc"
  | "f64.nearest"
  | "f64.sqrt"
  | "f64.add"
  | "f64.sub"
  | "f64.mul"
  | "f64.div"
  | "f64.min"
  | "f64.max"
  | "f64.copysign"
  | "i32.wrap_i64"
  | "i32.trunc_f32_s"
  | "i32.trunc_f32_u"
  | "i32.trunc_f64_s"
  | "i32.trunc_f64_u"
  | "i64.extend_i32_s"
  | "i64.extend_i32_u"
  | "i64.trunc_f32_s"
  | "i64.trunc_f32_u"
  | "i64.trunc_f64_s"
  | "i64.trunc_f64_u"
  | "f32.convert_i32_s"
  | "f32.convert_i32_u"
  | "f32.convert_i64_s"
  | "f32.convert_i64_u"
  | "f32.demote_f64"
  | "f64.convert_i32_s"
  | "f64.convert_i32_u"
  | "f64.convert_i64_s"
  | "f64.convert_i64_u"
  | "f64.promote_f32"
  | "i32.reinterpret_f32"
  | "i64.reinterpret_f64"
  | "f32.reinterpret_i32"
  | "f64.reinterpret_i64"
  | "i32.extend8_s"
  | "i32.extend16_s"
  | "i64.extend8_s"
  | "i64.extend16_s"
  | "i64.extend32_s"
  | "i32.trunc_sat_f32_s"
  | "i32.trunc_sat_f32_u"
  | "i32.trunc_sat_f64_s"
  | "i32.trunc_sat_f64_u"
  | "i64.trunc_sat_f32_s"
  | "i64.trunc_sat_f32_u"
  | "i64.trunc_sat_f64_s"
  | "i64.trunc_sat_f64_u";

/**
 * One decoded instruction. `offset` is the byte offset of its opcode (for 0xFC operators: of the
 * prefix) in the module; its index in `FunctionBody.code` is the `instrIndex` of a Wasm location.
 */
export type Instr = { readonly offset: number } & (
  | { readonly op: PlainOp }
  | { readonly op: "block" | "loop" | "if"; readonly blockType: BlockType }
  | { readonly op: "br" | "br_if"; readonly depth: number }
  | { readonly op: "br_table"; readonly depths: readonly number[]; readonly defaultDepth: number }
  | { readonly op: "call"; readonly func: number }
  /** `table` is 0x00 in 1.0; any table index (a LEB128, possibly overlong) with reference types. */
  | { readonly op: "call_indirect"; readonly typeIndex: number; readonly table: number }
  /** `select t*`: the vector must hold exactly one type to be valid. */
  | { readonly op: "select_t"; readonly types: readonly ValType[] }
  | { readonly op: "local.get" | "local.set" | "local.tee"; readonly local: number }
  | { readonly op: "global.get" | "global.set"; readonly global: number }
  /** `align` is the alignment exponent as encoded (log2 of bytes). */
  | { readonly op: MemoryOp; readonly align: number; readonly memOffset: number }
  /** Constants as decoded: i32 as a signed number, i64 as a signed bigint, floats as raw bits. */
  | { readonly op: "i32.const"; readonly value: number }
  | { readonly op: "i64.const"; readonly value: bigint }
  | { readonly op: "f32.const"; readonly bits: number }
  | { readonly op: "f64.const"; readonly bits: bigint }
  | { readonly op: "ref.null"; readonly type: RefType }
  | { readonly op: "ref.func"; readonly func: number }
  | {
      readonly op: "table.get" | "table.set" | "table.size" | "table.grow" | "table.fill";
      readonly table: number;
    }
  | { readonly op: "table.copy"; readonly dstTable: number; readonly srcTable: number }
  | { readonly op: "table.init"; readonly table: number; readonly elem: number }
  | { readonly op: "elem.drop"; readonly elem: number }
  | { readonly op: "memory.init" | "data.drop"; readonly data: number }
);

export type Op = Instr["op"];

/**
 * What the validator computes for one defined function; arrays are indexed by instrIndex.
 * Heights count operand-stack values relative to the function's empty operand stack.
 */
export interface FunctionInfo {
  readonly funcIndex: number;
  readonly type: FuncType;
  /** Operand-stack height before each instruction executes. */
  readonly heightBefore: Uint32Array;
  /** Operand-stack height after each instruction (for branches: as if it fell through). */
  readonly heightAfter: Uint32Array;
  /** Number of enclosing control frames (the function body's frame counts as 1). */
  readonly controlDepth: Uint32Array;
  /** 1 when the instruction is in unreachable code (after br/return/unreachable in its block). */
  readonly unreachable: Uint8Array;
  /** For block/loop/if: index of the matching `end`; for `if`: also its `else` (or -1). */
  readonly matchingEnd: Int32Array;
  readonly matchingElse: Int32Array;
  /**
   * For block/loop/if: how many values the block takes from the stack (its type's params) and
   * leaves (its results); 0 for every other instruction.
   */
  readonly blockParams: Uint32Array;
  readonly blockResults: Uint32Array;
  readonly maxHeight: number;
  readonly makesCalls: boolean;
}

export interface ValidatedModule {
  readonly module: Module;
  /** One per defined function, same order as Module.bodies. */
  readonly functions: readonly FunctionInfo[];
  /** Function index → its type (imports included). */
  readonly funcTypes: readonly FuncType[];
  /** The post-1.0 features the module uses, each once with its first use, in module order. */
  readonly features: readonly FeatureUse[];
}
