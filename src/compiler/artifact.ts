// The Artifact: one module compiled for one target under one strategy — linked code, the side tables
// that map it back to Wasm (README.md, "Artifact side tables"), and what the runner needs to
// instantiate it (VM context contents, data segments, start function, exports, imports).
// Code offsets are relative to the start of `code`, which is loaded at `codeBase`.
import type { Export, FuncType, NumType, RefType, ValType } from "../wasm/ir.js";
import type { TrapKind } from "../wasm/outcome.js";
import { CompilerInvariantError } from "./errors.js";
import type { UnwindRecord } from "./masm.js";
import type { Strategy, Target } from "./target.js";

/**
 * Fixed field offsets of the VM context (README.md, "VM context"); every field is a little-endian
 * u64. Table 0's descriptor sits at `firstTable`, where 1.0 code has always read its base and
 * length; the other tables', the segments' and the function references follow the globals
 * (VmContextLayout).
 */
export const VMCTX = {
  memoryBytes: 0,
  memoryPages: 8,
  maxPages: 16,
  stackLimit: 24,
  firstTable: 32,
  globals: 64,
} as const;

/** VM-context offset of global `index` (imported globals first, as in the Wasm index space). */
export function globalOffset(index: number): number {
  return VMCTX.globals + 8 * index;
}

/**
 * A table's descriptor: the address of its call entries (funcref tables only, else 0), its length,
 * the address of its references (one raw slot each) and the length it may grow to. A passive element
 * segment has a descriptor of the same shape (maximum 0), so `table.init` copies like `table.copy`;
 * dropping a segment sets its length to 0.
 */
export const TABLE_FIELD = { entries: 0, length: 8, references: 16, maximum: 24 } as const;
export const TABLE_DESCRIPTOR_BYTES = 32;

/** A data segment's descriptor: the address of its bytes and their number (0 once dropped). */
export const DATA_FIELD = { address: 0, length: 8 } as const;
export const DATA_DESCRIPTOR_BYTES = 16;

/**
 * Where the module-dependent parts of the VM context are (README.md, "VM context"): descriptors of
 * tables 1…, of the element and data segments, and the function-reference records — a funcref
 * value is the address of one (0 is null). Function f's record is at `funcRefs + 16·f` (imports
 * first), shaped like a call entry (TABLE_ENTRY); the 16 zero bytes before function 0's are the
 * null record, what a null element's call entry copies. The runtime appends, from `bytes` on, the
 * records of functions from outside the instance and the contents of passive segments.
 */
export interface VmContextLayout {
  /** Offset of each table's descriptor, by table index (imports first). */
  readonly tables: readonly number[];
  readonly elemSegments: readonly number[];
  readonly dataSegments: readonly number[];
  /** Offset of function 0's record. */
  readonly funcRefs: number;
  /** Offset of the null record (zeros, never written). */
  readonly nullFuncRef: number;
  /** End of the records of the module's functions. */
  readonly bytes: number;
}

/** The VM context of a module with these numbers of globals, tables, segments and functions. */
export function vmContextLayout(counts: {
  readonly globals: number;
  readonly tables: number;
  readonly elemSegments: number;
  readonly dataSegments: number;
  readonly functions: number;
}): VmContextLayout {
  let next = globalOffset(counts.globals);
  const take = (bytes: number): number => {
    const at = next;
    next += bytes;
    return at;
  };
  const tables = Array.from({ length: counts.tables }, (_, i) =>
    i === 0 ? VMCTX.firstTable : take(TABLE_DESCRIPTOR_BYTES),
  );
  const elemSegments = Array.from({ length: counts.elemSegments }, () => take(TABLE_DESCRIPTOR_BYTES));
  const dataSegments = Array.from({ length: counts.dataSegments }, () => take(DATA_DESCRIPTOR_BYTES));
  next = Math.ceil(next / FUNC_REF_BYTES) * FUNC_REF_BYTES;
  const nullFuncRef = take(FUNC_REF_BYTES);
  const funcRefs = take(FUNC_REF_BYTES * counts.functions);
  return { tables, elemSegments, dataSegments, funcRefs, nullFuncRef, bytes: next };
}

/** VM-context offset of function `funcIndex`'s record. */
export function funcRefOffset(layout: VmContextLayout, funcIndex: number): number {
  return layout.funcRefs + FUNC_REF_BYTES * funcIndex;
}

export const WASM_PAGE_BYTES = 65536;

/** Bytes of one exit slot in the exit block at the start of the code. */
export const EXIT_SLOT_BYTES = 16;

/** The exit slot of trap kind `kind`; an invariant failure when the module has none for it. */
export function trapExit(exits: Exits, kind: TrapKind): bigint {
  const address = exits.traps[kind];
  if (address === undefined) throw new CompilerInvariantError(`no exit slot for trap kind ${kind}`);
  return address;
}

/** Addresses where generated code leaves to the host (README.md, "Exits"); never executed. */
export interface Exits {
  /** By trap kind: a slot for every 1.0 kind, and for each later one the module can raise. */
  readonly traps: Readonly<Partial<Record<TrapKind, bigint>>>;
  /** The return address the host gives an entry call. */
  readonly hostReturn: bigint;
  /** By import order: the exit slot of the i-th imported function (= function index i). */
  readonly imports: readonly bigint[];
}

/**
 * What a code range belongs to. A callee's prologue, like the call sequence around the call,
 * belongs to the caller's `call` instruction.
 */
export type SourceMapEntry = { readonly start: number; readonly end: number } & (
  | {
      readonly kind: "instr";
      readonly funcIndex: number;
      readonly instrIndex: number;
      /** Byte offset of the instruction in the module, for display. */
      readonly wasmOffset: number;
    }
  | { readonly kind: "prologue"; readonly funcIndex: number }
  | { readonly kind: "trap-stub"; readonly site: number }
  /** An exit slot: `exit` names it ("trap:unreachable", "host-return", "import:spectest.print"). */
  | { readonly kind: "exit"; readonly exit: string }
);

/** Stack use of one Wasm instruction, in bytes below its function's reference. */
export interface StackMapEntry {
  /** SP when the instruction's code starts. */
  readonly depthAtStart: number;
  /** Deepest SP within the instruction's own code (a call's callee excluded). */
  readonly deepestOwn: number;
}

export interface TrapSite {
  readonly kind: TrapKind;
  readonly funcIndex: number;
  /**
   * The trapping instruction, or null for a trap in the prologue (`stack_overflow` under `frame`),
   * which belongs to the caller's `call`, as a prologue does.
   */
  readonly instrIndex: number | null;
  /** Byte offset in the module of the instruction (of the function body for a prologue trap). */
  readonly wasmOffset: number;
  /** Code offset where the trap is raised: unwind the trapping frame with the unwind record in effect here. */
  readonly codeOffset: number;
}

/**
 * A global's, a segment offset's or an element's initial value: a constant (raw slot bits; a null
 * reference is 0), the value of an imported global, or a reference to function `funcIndex` (the
 * address of its record in the instance's VM context).
 */
export type InitialValue =
  | { readonly kind: "const"; readonly bits: bigint }
  | { readonly kind: "import"; readonly module: string; readonly name: string }
  | { readonly kind: "function"; readonly funcIndex: number }
  /** An extended constant expression's add, sub or mul that reads an imported global (else folded). */
  | {
      readonly kind: "arithmetic";
      readonly op: ConstArithmetic;
      readonly bits: 32 | 64;
      readonly left: InitialValue;
      readonly right: InitialValue;
    };

export type ConstArithmetic = "add" | "sub" | "mul";

/** `op` on two integers of `bits` bits, wrapping as Wasm does. */
export function constArithmetic(op: ConstArithmetic, bits: 32 | 64, left: bigint, right: bigint): bigint {
  const value = op === "add" ? left + right : op === "sub" ? left - right : left * right;
  return BigInt.asUintN(bits, value);
}

export interface GlobalSlot {
  readonly type: ValType;
  readonly mutable: boolean;
  readonly init: InitialValue;
}

/**
 * A data segment, by data index. An active one is written at instantiation and then dropped; a
 * passive one waits in the VM context for `memory.init`.
 */
export type DataSegmentImage = { readonly bytes: Uint8Array } & (
  | {
      readonly mode: "active";
      /** Byte offset in linear memory (an i32, to be read unsigned). */
      readonly offset: InitialValue;
    }
  | { readonly mode: "passive" }
);

export interface ImportedFunction {
  readonly funcIndex: number;
  readonly module: string;
  readonly name: string;
  readonly type: FuncType;
  readonly exit: bigint;
}

/** Where an imported memory, table or global comes from. */
export interface ImportName {
  readonly module: string;
  readonly name: string;
}

export interface MemoryImage {
  readonly minPages: number;
  /** Declared maximum (65536 when absent), capped by the `memoryGrowCap` option: map this much. */
  readonly maxPages: number;
  /** Set when the memory is imported: the host provides it (its current size at least minPages). */
  readonly import: ImportName | null;
}

/**
 * A table (imported or defined), by table index. The runner maps it once at `maxEntries`, so its
 * addresses never move: for a funcref table the call entries (TABLE_ENTRY_BYTES each, what
 * `call_indirect` reads), then for every table its references (8 bytes each, what `table.get`
 * reads); its descriptor in the VM context says where (TABLE_FIELD). A zero entry is a null one.
 */
export interface TableImage {
  readonly elemType: RefType;
  readonly minEntries: number;
  /** The declared maximum (null: none), which imports are matched against. */
  readonly declaredMax: number | null;
  /** The length it may grow to here: the declared maximum (or 2³² − 1) capped by `tableGrowCap`. */
  readonly maxEntries: number;
  /** Set when the table is imported: the host provides it (its length at least minEntries). */
  readonly import: ImportName | null;
}

/**
 * An element segment, by element index. An active one is written into its table at instantiation
 * (as `table.init` would) and then dropped, like a declarative one; a passive one waits in the VM
 * context for `table.init`.
 */
export type ElementSegmentImage = {
  readonly type: RefType;
  /** The references, in order: functions of this module, null, or imported globals' values. */
  readonly elements: readonly InitialValue[];
} & (
  | {
      readonly mode: "active";
      readonly table: number;
      /** Index of the first entry written (an i32, to be read unsigned). */
      readonly offset: InitialValue;
    }
  | { readonly mode: "passive" | "declarative" }
);

/** One call entry of a funcref table (and a function-reference record): two little-endian u64. */
export const TABLE_ENTRY = { codeAddress: 0, typeId: 8 } as const;
export const TABLE_ENTRY_BYTES = 16;
/** Bytes of a function-reference record: a call entry. */
export const FUNC_REF_BYTES = TABLE_ENTRY_BYTES;
/** Bytes of a reference in a table or segment: its raw slot. */
export const REFERENCE_BYTES = 8;

export interface Artifact {
  readonly target: Target;
  readonly strategy: Strategy;
  readonly codeBase: bigint;
  /** Linked machine code: the exit block, then every defined function in index order. */
  readonly code: Uint8Array;
  readonly exits: Exits;
  /** Function index → code offset of its entry; an imported function's entry is its exit slot. */
  readonly entries: readonly number[];
  /** Function index → type (imports first). */
  readonly funcTypes: readonly FuncType[];
  /** Sorted, non-overlapping, covering every byte of `code` (empty instructions have no range). */
  readonly sourceMap: readonly SourceMapEntry[];
  /** [funcIndex][instrIndex]; null for an instruction that is unreachable or was not compiled. */
  readonly stackMap: readonly (readonly (StackMapEntry | null)[])[];
  /** [funcIndex]: deepest bytes below the reference during the prologue. */
  readonly prologueDepth: readonly number[];
  /**
   * [funcIndex]: under `frame`, the bytes below the reference the prologue's limit check demands
   * (the frame plus headroom for the next callee's entry): the depth that decides an overflow
   * there, though SP itself goes less deep. null without a check.
   */
  readonly limitCheckBytes: readonly (number | null)[];
  /** [funcIndex]: records sorted by offset, here absolute code offsets; the first is the entry. */
  readonly unwind: readonly (readonly UnwindRecord[])[];
  readonly trapSites: readonly TrapSite[];
  /** [funcIndex]: deepest bytes below the reference the function's own code uses. */
  readonly frameBytes: readonly number[];
  /** Sorted code offsets where the stack recorder samples: instruction starts, prologue starts, return addresses. */
  readonly recordPoints: readonly number[];
  /** Sorted code offsets just after each call instruction (where a callee returns to). */
  readonly returnAddresses: readonly number[];
  /**
   * Sorted code offsets of the heads of the inline loops of table and bulk-memory operations (one
   * pass per chunk or element, and a last one that leaves): as many passes on every target.
   */
  readonly loopHeads: readonly number[];
  readonly imports: readonly ImportedFunction[];
  readonly exports: readonly Export[];
  readonly start: number | null;
  readonly memory: MemoryImage | null;
  readonly tables: readonly TableImage[];
  /** Where the module-dependent parts of the VM context are. */
  readonly vmContext: VmContextLayout;
  /** The VM context's global slots, by global index (imports first). */
  readonly globals: readonly GlobalSlot[];
  readonly elemSegments: readonly ElementSegmentImage[];
  readonly dataSegments: readonly DataSegmentImage[];
}

/** The source-map entry covering `codeOffset`, if any. For a return address, look up `ra − 1`. */
export function sourceAt(
  artifact: Pick<Artifact, "sourceMap">,
  codeOffset: number,
): SourceMapEntry | undefined {
  const entry = artifact.sourceMap[countAtOrBefore(artifact.sourceMap, (e) => e.end <= codeOffset)];
  return entry !== undefined && entry.start <= codeOffset ? entry : undefined;
}

/** The stack state of function `funcIndex` at `codeOffset`: the last unwind record at or before it. */
export function unwindAt(
  artifact: Artifact,
  funcIndex: number,
  codeOffset: number,
): UnwindRecord | undefined {
  return unwindRecordAt(artifact.unwind[funcIndex] ?? [], codeOffset);
}

/** The last of `records` (sorted by offset) at or before `offset`: the stack state in effect there. */
export function unwindRecordAt(records: readonly UnwindRecord[], offset: number): UnwindRecord | undefined {
  return records[countAtOrBefore(records, (r) => r.offset <= offset) - 1];
}

/** Binary search: how many leading items of `sorted` satisfy `before` (true for a prefix only). */
function countAtOrBefore<T>(sorted: readonly T[], before: (item: T) => boolean): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (before(sorted[mid]!)) low = mid + 1;
    else high = mid;
  }
  return low;
}

const VALTYPE_CODES: Readonly<Record<NumType, bigint>> = { i32: 0n, i64: 1n, f32: 2n, f64: 3n };
/** Params a packed type id holds: 1 marker bit + 2 bits a param + 3 result bits ≤ 63 bits. */
const MAX_PACKED_PARAMS = 29;
const HASHED = 1n << 63n;

/**
 * The type id `call_indirect` compares with a table entry's: a function of the signature only (same
 * params and results → same id in every module, target and process), never 0, which marks an
 * uninitialised entry. Signatures of number types, up to 29 params and at most one result, are
 * packed injectively: a marker bit 1, two bits per param, then three bits for the result (0 none,
 * 1 + its code). Other ones get a 63-bit FNV-1a hash of their text with bit 63 set, so the two kinds
 * never meet; two such signatures collide with probability 2⁻⁶³.
 */
export function typeId(type: FuncType): bigint {
  let id = typeIds.get(type);
  if (id === undefined) {
    id = computeTypeId(type);
    typeIds.set(type, id);
  }
  return id;
}

/** Type ids by type object: a module's call_indirects share its types, compiled for every target. */
const typeIds = new WeakMap<FuncType, bigint>();

function computeTypeId(type: FuncType): bigint {
  const [result, ...more] = type.results;
  const numbers = [...type.params, ...type.results].every((t) => t in VALTYPE_CODES);
  if (numbers && type.params.length <= MAX_PACKED_PARAMS && more.length === 0) {
    let id = 1n;
    for (const param of type.params) id = (id << 2n) | VALTYPE_CODES[param as NumType];
    return (id << 3n) | (result === undefined ? 0n : 1n + VALTYPE_CODES[result as NumType]);
  }
  return HASHED | (fnv1a64(`${type.params.join(" ")} -> ${type.results.join(" ")}`) & (HASHED - 1n));
}

function fnv1a64(text: string): bigint {
  let hash = 0xcbf2_9ce4_8422_2325n;
  for (const char of text)
    hash = BigInt.asUintN(64, (hash ^ BigInt(char.codePointAt(0)!)) * 0x100_0000_01b3n);
  return hash;
}
