// A program description → a WebAssembly 2.0 module (the front end's typed AST) and the invocation
// of its entry. Total: every description, however shrunk, lowers to a valid module, because every
// reference is resolved modulo what exists and every value is coerced to the type its context needs.
//
// Layout: functions [imported (host.ts)…, recursive…, plain…]; table 0 of funcref, whose slot k
// holds function k, then one null slot, which the program only calls through (never reads or
// writes); then the description's tables; element segments [table 0's, the description's…]; data segments [the active one, the
// passive ones…]; one memory of one page (max two); globals [the description's…, the call budget];
// every described global and the entry ("run") exported.
// Termination: recursive functions return at depth 0 and pass depth − 1 to every recursive callee;
// plain functions call only lower indices and pass a depth masked to `depthMask`; loops count down
// a hidden counter; a call_indirect through table 0 reaches only the slots its caller may call
// directly; one through another table (whose contents the program changes, so it may reach any
// function) runs only while the call budget lasts, and each decrements it.
// References name defined functions only: V8 and the emulated targets tell a reference to a host
// function apart differently when it leaves the module (V8 by its index, the targets by its name).

import { HOST_MODULE } from "../../../emulators/hosts/env.js";
import { NULL_REFERENCE } from "../../../emulators/runtime/values.js";
import type {
  BlockType,
  ConstExpr,
  DataSegment,
  ElemSegment,
  Export,
  FuncType,
  FunctionBody,
  Instr,
  MemoryOp,
  Module,
  NumericOp,
  NumType,
  PlainOp,
  RefType,
  TableType,
  ValType,
} from "../../wasm/ir.js";
import type { WasmValue } from "../../wasm/outcome.js";
import {
  type ElemDesc,
  type Expr,
  type FunctionDesc,
  isRefType,
  memoryAccess,
  type Position,
  type ProgramDesc,
  type Slot,
  type Stmt,
  TESTS,
} from "./description.js";

export const ENTRY_EXPORT = "run";
const PAGE = 0x1_0000;
/** Calls through tables other than table 0 one instance may make. */
export const CALL_BUDGET = 8;

export interface LoweredProgram {
  readonly module: Module;
  readonly entry: { readonly exportName: string; readonly args: readonly WasmValue[] };
  /** Export names of the globals, to compare their final values. */
  readonly globals: readonly string[];
  readonly nanBitsVisible: boolean;
  /** The largest depth a plain function passes to a recursive one. */
  readonly depthMask: number;
}

interface Signature {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

/** The function a program without any gets, so that it has an entry. */
const EMPTY_FUNCTION: FunctionDesc = { params: [], results: [], locals: [], body: [], values: [] };

type ByType = Readonly<Record<ValType, readonly number[]>>;

export function lowerProgram(desc: ProgramDesc): LoweredProgram {
  const plain = desc.recursive.length + desc.plain.length === 0 ? [EMPTY_FUNCTION] : desc.plain;
  const defined = [...desc.recursive, ...plain];
  const importCount = desc.imports.length;
  const recursiveEnd = importCount + desc.recursive.length;
  const isRecursive = (funcIndex: number) => funcIndex >= importCount && funcIndex < recursiveEnd;
  const signatures: Signature[] = [
    ...desc.imports,
    ...defined.map((fn, i) => ({
      params: isRecursive(importCount + i) ? ["i32" as const, ...fn.params] : fn.params,
      results: fn.results,
    })),
  ];
  const functions = signatures.length;
  /** The function a reference pick names: a defined one. */
  const referenced = (pick: number) => importCount + (pick % defined.length);
  const types: FuncType[] = [];
  /** Type indices by signature key (`params>results`), in order of first use. */
  const typeIndexOf = new Map<string, number>();
  const typeIndex = (sig: Signature): number => {
    const key = `${sig.params.join()}>${sig.results.join()}`;
    let index = typeIndexOf.get(key);
    if (index === undefined) {
      index = types.push({ params: sig.params, results: sig.results }) - 1;
      typeIndexOf.set(key, index);
    }
    return index;
  };
  const typeIndices = signatures.map(typeIndex);
  const tables: TableType[] = [
    { elemType: "funcref", min: functions + 1, max: functions + 1 },
    // A maximum of at least 1: the runner leaves a table after one of at most 0 entries unmapped
    // (corpus/regressions/outcomes-native-461b91b55175 replays it).
    ...desc.tables.map((t) => ({ elemType: t.elemType, min: t.min, max: Math.max(1, t.min, t.max) })),
  ];
  const elems: ElemSegment[] = [
    {
      mode: "active",
      table: 0,
      offset: { op: "i32.const", value: 0 },
      type: "funcref",
      funcs: signatures.map((_, i) => i),
      exprs: null,
    },
    ...desc.elems.map((e) => elemSegment(e, tables, referenced)),
  ];
  const dataOffset = Math.min(desc.dataOffset, PAGE - desc.data.length);
  const datas: DataSegment[] = [
    { mode: "active", memory: 0, offset: { op: "i32.const", value: dataOffset }, bytes: desc.data },
    ...desc.passive.map((bytes) => ({ mode: "passive" as const, bytes })),
  ];
  const depthMask = depthMaskFor(desc.recursive);
  const program: ProgramContext = {
    desc,
    signatures,
    typeIndices,
    typeIndex,
    referenced,
    isRecursive,
    recursiveEnd,
    depthMask,
    globals: indicesByType(desc.globals.map((g) => g.type)),
    mutableGlobals: indicesByType(desc.globals.map((g) => (g.mutable ? g.type : null))),
    tables: indicesByType(tables.map((t, i) => (i === 0 ? null : t.elemType))),
    tableTypes: tables.map((t) => t.elemType),
    segments: indicesByType(elems.map((e) => e.type)),
    passiveSegments: indicesByType(elems.map((e) => (e.mode === "passive" ? e.type : null))),
    elemCount: elems.length,
    dataCount: datas.length,
    budget: desc.globals.length,
    uses: { budget: false, dataIndex: false },
  };
  const bodies = defined.map((fn, i) => lowerFunction(program, fn, importCount + i));

  const entryIndex = importCount + defined.length - 1 - (desc.entry % defined.length);
  const globals: Module["globals"] = desc.globals.map((g) => ({
    type: { valType: g.type, mutable: g.mutable },
    init:
      "bits" in g
        ? constExpr(g.type, g.bits)
        : g.func === null
          ? { op: "ref.null", type: g.type }
          : { op: "ref.func", func: referenced(g.func) },
  }));
  const exports: Export[] = [
    { name: ENTRY_EXPORT, kind: "func", index: entryIndex },
    ...globals.map((_, i) => ({ name: `g${i}`, kind: "global" as const, index: i })),
  ];
  const budget = program.uses.budget
    ? [{ type: { valType: "i32" as const, mutable: true }, init: constExpr("i32", BigInt(CALL_BUDGET)) }]
    : [];
  const module: Module = {
    types,
    imports: desc.imports.map((_, i) => ({
      module: HOST_MODULE,
      name: `h${i}`,
      desc: { kind: "func" as const, typeIndex: typeIndices[i]! },
    })),
    funcTypeIndices: typeIndices.slice(importCount),
    tables,
    memories: [{ min: 1, max: 2 }],
    globals: [...globals, ...budget],
    exports,
    start: null,
    elems,
    ...(program.uses.dataIndex ? { dataCount: datas.length } : {}),
    datas,
    bodies,
    names: {
      functions: new Map(
        signatures.map((_, i) => [i, i < importCount ? `h${i}` : isRecursive(i) ? `rec${i}` : `f${i}`]),
      ),
      locals: new Map(),
    },
    customSections: [],
  };
  const entryParams = signatures[entryIndex]!.params;
  const args = entryParams.map((type, i): WasmValue => {
    const bits = desc.args[i] ?? 0n;
    if (i === 0 && isRecursive(entryIndex)) return { type, value: (bits % BigInt(depthMask + 1)).toString() };
    return argument(type, bits);
  });
  return {
    module,
    entry: { exportName: ENTRY_EXPORT, args },
    globals: globals.map((_, i) => `g${i}`),
    nanBitsVisible: desc.nanBitsVisible,
    depthMask,
  };
}

/**
 * The entry's argument of `type` from `bits`: numbers truncated; an externref null or a host
 * handle below 1,000; a funcref null (the host can name no other).
 */
function argument(type: ValType, bits: bigint): WasmValue {
  switch (type) {
    case "funcref":
      return { type, value: NULL_REFERENCE };
    case "externref":
      return { type, value: bits % 4n === 0n ? NULL_REFERENCE : (bits % 1000n).toString() };
    default:
      return { type, value: truncated(type, bits).toString() };
  }
}

/**
 * An element segment: function picks resolved, nulls as expressions; an active one into a table
 * of its type other than table 0, at an offset where it fits, else passive.
 */
function elemSegment(
  e: ElemDesc,
  tables: readonly TableType[],
  referenced: (pick: number) => number,
): ElemSegment {
  const items = e.type === "funcref" ? e.funcs : e.funcs.map(() => null);
  const funcs = items.map((pick) => (pick === null ? null : referenced(pick)));
  const content =
    e.type === "funcref" && funcs.every((f) => f !== null)
      ? { type: e.type, funcs, exprs: null }
      : {
          type: e.type,
          funcs: [],
          exprs: funcs.map(
            (f): ConstExpr => (f === null ? { op: "ref.null", type: e.type } : { op: "ref.func", func: f }),
          ),
        };
  if (e.mode !== "active") return { mode: e.mode, ...content };
  const targets = tables.flatMap((t, i) =>
    i > 0 && t.elemType === e.type && t.min >= items.length ? [i] : [],
  );
  if (targets.length === 0) return { mode: "passive", ...content };
  const table = targets[e.table % targets.length]!;
  const offset = e.offset % (tables[table]!.min - items.length + 1);
  return { mode: "active", table, offset: { op: "i32.const", value: offset }, ...content };
}

/** The indices of each type in `types` (none for null entries), ascending. */
function indicesByType(types: readonly (ValType | null)[]): ByType {
  // A literal, not Object.fromEntries: V8 gives that a dictionary, slow to build and to read.
  const found: Record<ValType, number[]> = { i32: [], i64: [], f32: [], f64: [], funcref: [], externref: [] };
  types.forEach((type, i) => {
    if (type) found[type].push(i);
  });
  return found;
}

/**
 * The largest depth a fresh entry into recursion may start with: recursion makes up to B recursive
 * calls per activation (B = call sites, times enclosing loop counts), so a depth d costs up to B^d
 * activations; keep that within 256 (and d within 63).
 */
function depthMaskFor(recursive: readonly FunctionDesc[]): number {
  const branching = Math.max(1, ...recursive.map((fn) => callSites(fn.body) + sumCalls(fn.values)));
  let mask = 63;
  while (mask > 1 && branching ** mask > 256) mask = (mask >> 1) | 0;
  return mask;
}

/** Calls one execution of `stmts` may make, loops counted as often as they run. */
function callSites(stmts: readonly Stmt[]): number {
  let sum = 0;
  for (const s of stmts) {
    switch (s.k) {
      case "if":
        sum += exprCalls(s.cond) + callSites(s.ifTrue) + callSites(s.ifFalse);
        break;
      case "loop":
        sum += Math.max(1, s.count) * callSites(s.body);
        break;
      case "switch":
        sum += exprCalls(s.index) + s.cases.reduce((n, c) => n + callSites(c), 0);
        break;
      case "store":
        sum += positionCalls(s.address) + exprCalls(s.value);
        break;
      case "return":
        sum += exprCalls(s.cond) + sumCalls(s.values);
        break;
      case "trap":
        sum += exprCalls(s.cond);
        break;
      case "memory.copy":
        sum += positionCalls(s.from) + (s.to.k === "shift" ? 0 : positionCalls(s.to)) + exprCalls(s.length);
        break;
      case "memory.fill":
        sum += positionCalls(s.to) + exprCalls(s.value) + exprCalls(s.length);
        break;
      case "memory.init":
        sum += positionCalls(s.to) + exprCalls(s.from) + exprCalls(s.length);
        break;
      case "data.drop":
      case "elem.drop":
        break;
      case "table.set":
        sum += exprCalls(s.index) + exprCalls(s.value);
        break;
      case "table.fill":
        sum += exprCalls(s.index) + exprCalls(s.value) + exprCalls(s.length);
        break;
      case "table.copy":
      case "table.init":
        sum += exprCalls(s.to) + exprCalls(s.from) + exprCalls(s.length);
        break;
      default:
        sum += exprCalls(s.value);
    }
  }
  return sum;
}

function positionCalls(position: Position): number {
  return position.k === "const" ? 0 : exprCalls(position.expr);
}

function sumCalls(exprs: readonly Expr[]): number {
  return exprs.reduce((n, e) => n + exprCalls(e), 0);
}

function exprCalls(e: Expr): number {
  switch (e.k) {
    case "const":
    case "ref.null":
    case "ref.func":
    case "local":
    case "global":
    case "memory.size":
    case "table.size":
      return 0;
    case "ref.is_null":
      return exprCalls(e.arg);
    case "tee":
      return exprCalls(e.value);
    case "unary":
      return exprCalls(e.arg);
    case "binary":
      return exprCalls(e.left) + exprCalls(e.right);
    case "test":
      return sumCalls(e.args);
    case "load":
      return positionCalls(e.address);
    case "call":
    case "call_indirect":
      return (
        1 +
        sumCalls(e.args) +
        (e.k === "call_indirect" && (e.slot.k === "dynamic" || e.slot.k === "table")
          ? exprCalls(e.slot.index)
          : 0)
      );
    case "select":
    case "if":
      return exprCalls(e.cond) + exprCalls(e.ifTrue) + exprCalls(e.ifFalse);
    case "exit":
      return exprCalls(e.value) + exprCalls(e.cond) + exprCalls(e.otherwise);
    case "block":
      return callSites(e.body) + exprCalls(e.value);
    case "multi": {
      const runs = e.form === "loop" ? e.count + 1 : 1;
      return (
        sumCalls(e.params) +
        runs * (callSites(e.body) + sumCalls(e.values)) +
        exprCalls(e.cond) +
        sumCalls(e.otherwise)
      );
    }
    case "memory.grow":
      return exprCalls(e.delta);
    case "table.get":
      return exprCalls(e.index);
    case "table.grow":
      return exprCalls(e.init) + exprCalls(e.delta);
  }
}

function truncated(type: NumType, bits: bigint): bigint {
  return type === "i32" || type === "f32" ? BigInt.asUintN(32, bits) : BigInt.asUintN(64, bits);
}

/** What `use` makes of the `pick`th candidate (modulo their number), or `none` when there are none. */
function pickOr(
  candidates: readonly number[],
  pick: number,
  use: (index: number) => Instr,
  none: Instr,
): Instr {
  return candidates.length > 0 ? use(candidates[pick % candidates.length]!) : none;
}

function constOp(type: NumType, bits: bigint): Instr {
  switch (type) {
    case "i32":
      return { op: "i32.const", value: Number(BigInt.asIntN(32, bits)), offset: 0 };
    case "i64":
      return { op: "i64.const", value: BigInt.asIntN(64, bits), offset: 0 };
    case "f32":
      return { op: "f32.const", bits: Number(BigInt.asUintN(32, bits)), offset: 0 };
    case "f64":
      return { op: "f64.const", bits: BigInt.asUintN(64, bits), offset: 0 };
  }
}

/** Zero, or the null reference. */
function defaultOf(type: ValType): Instr {
  return isRefType(type) ? { op: "ref.null", type, offset: 0 } : constOp(type, 0n);
}

function constExpr(type: NumType, bits: bigint): ConstExpr {
  const { offset: _, ...expr } = constOp(type, bits);
  return expr as ConstExpr;
}

interface ProgramContext {
  readonly desc: ProgramDesc;
  readonly signatures: readonly Signature[];
  /** The type index of every function. */
  readonly typeIndices: readonly number[];
  /** The type index of a signature, added to the module's types when new. */
  readonly typeIndex: (sig: Signature) => number;
  /** The function a reference pick names. */
  readonly referenced: (pick: number) => number;
  readonly isRecursive: (funcIndex: number) => boolean;
  /** Functions below this index are imports or recursive: what recursive functions may call. */
  readonly recursiveEnd: number;
  readonly depthMask: number;
  /** Globals by type: all of them (readable), and the mutable ones (writable). */
  readonly globals: ByType;
  readonly mutableGlobals: ByType;
  /** Tables other than table 0 by element type: those the program reads and writes. */
  readonly tables: ByType;
  readonly tableTypes: readonly RefType[];
  /** Element segments by type: all of them, and the passive ones (which table.init prefers). */
  readonly segments: ByType;
  readonly passiveSegments: ByType;
  readonly elemCount: number;
  readonly dataCount: number;
  /** The index of the call budget's global. */
  readonly budget: number;
  /** Whether some body reads the budget, or names a data segment (which needs the data count section). */
  readonly uses: { budget: boolean; dataIndex: boolean };
}

function lowerFunction(program: ProgramContext, fn: FunctionDesc, index: number): FunctionBody {
  const lowering = new FunctionLowering(program, index, fn.locals);
  return lowering.lower(fn);
}

/** Emits one function body; tracks its locals (declared ones, then hidden counters and scratch). */
class FunctionLowering {
  private readonly code: Instr[] = [];
  private readonly localTypes: ValType[];
  private readonly paramCount: number;
  /** Params and declared locals by type: what expressions may read, statements write (not the depth). */
  private readonly readableLocals: ByType;
  private readonly writableLocals: ByType;
  private readonly recursive: boolean;
  private readonly signature: Signature;
  /**
   * One hidden local per type, live only between a producer's last value and the instruction that
   * consumes it (no expression is evaluated in between), so that nested uses never overlap.
   */
  private readonly scratchLocals = new Map<ValType, number>();

  constructor(
    private readonly program: ProgramContext,
    private readonly index: number,
    locals: readonly ValType[],
  ) {
    this.signature = program.signatures[index]!;
    this.recursive = program.isRecursive(index);
    this.paramCount = this.signature.params.length;
    this.localTypes = [...this.signature.params, ...locals];
    this.readableLocals = indicesByType(this.localTypes);
    this.writableLocals = indicesByType(
      this.localTypes.map((t, i) => (i === 0 && this.recursive ? null : t)),
    );
  }

  lower(fn: FunctionDesc): FunctionBody {
    if (this.recursive) {
      this.emit({ op: "local.get", local: 0, offset: 0 }, plain("i32.eqz"), {
        op: "if",
        blockType: null,
        offset: 0,
      });
      this.returnDefault();
      this.emit(plain("end"));
    }
    this.statements(fn.body);
    this.values(fn.values, this.signature.results);
    this.emit(plain("end"));
    return {
      locals: this.localTypes.slice(this.paramCount),
      code: this.code,
      offset: 0,
    };
  }

  /** Appends `ops`: instructions with offset 0, as generated code has no byte offsets. */
  private emit(...ops: Instr[]): void {
    for (const op of ops) this.code.push(op);
  }

  private returnDefault(): void {
    for (const result of this.signature.results) this.emit(defaultOf(result));
    this.emit(plain("return"));
  }

  private scratch(type: ValType): number {
    let local = this.scratchLocals.get(type);
    if (local === undefined) {
      local = this.localTypes.push(type) - 1;
      this.scratchLocals.set(type, local);
    }
    return local;
  }

  /** A fresh hidden i32 local holding `count`. */
  private counter(count: number): number {
    const counter = this.localTypes.push("i32") - 1;
    this.emit({ op: "i32.const", value: count, offset: 0 }, { op: "local.set", local: counter, offset: 0 });
    return counter;
  }

  /** The counter's value, then the counter decremented. */
  private countDown(counter: number): void {
    this.emit(
      { op: "local.get", local: counter, offset: 0 },
      { op: "local.get", local: counter, offset: 0 },
      { op: "i32.const", value: 1, offset: 0 },
      plain("i32.sub"),
      { op: "local.set", local: counter, offset: 0 },
    );
  }

  /** A block type for `params` → `results`: inline when it can be, else a type index. */
  private blockType(params: readonly ValType[], results: readonly ValType[]): BlockType {
    if (params.length === 0 && results.length <= 1) return results[0] ?? null;
    return { typeIndex: this.program.typeIndex({ params, results }) };
  }

  private statements(stmts: readonly Stmt[]): void {
    for (const s of stmts) this.statement(s);
  }

  private statement(s: Stmt): void {
    switch (s.k) {
      case "drop":
        this.expr(s.value);
        this.emit(plain("drop"));
        return;
      case "set": {
        const locals = this.writableLocals[s.value.type];
        this.expr(s.value);
        this.emit(pickOr(locals, s.pick, (local) => ({ op: "local.set", local, offset: 0 }), plain("drop")));
        return;
      }
      case "global.set": {
        const globals = this.program.mutableGlobals[s.value.type];
        this.expr(s.value);
        this.emit(
          pickOr(globals, s.pick, (global) => ({ op: "global.set", global, offset: 0 }), plain("drop")),
        );
        return;
      }
      case "store": {
        const op = this.program.desc.nanBitsVisible ? s.op : integerStore(s.op);
        this.position(s.address);
        this.value(s.value, memoryAccess(op).type);
        this.emit({ op, align: alignOf(op), memOffset: s.address.offset, offset: 0 });
        return;
      }
      case "if":
        this.value(s.cond, "i32");
        this.emit({ op: "if", blockType: null, offset: 0 });
        this.statements(s.ifTrue);
        if (s.ifFalse.length) {
          this.emit(plain("else"));
          this.statements(s.ifFalse);
        }
        this.emit(plain("end"));
        return;
      case "loop": {
        const counter = this.counter(s.count);
        this.emit(
          { op: "block", blockType: null, offset: 0 },
          { op: "loop", blockType: null, offset: 0 },
          { op: "local.get", local: counter, offset: 0 },
          plain("i32.eqz"),
          { op: "br_if", depth: 1, offset: 0 },
          { op: "local.get", local: counter, offset: 0 },
          { op: "i32.const", value: 1, offset: 0 },
          plain("i32.sub"),
          { op: "local.set", local: counter, offset: 0 },
        );
        this.statements(s.body);
        this.emit({ op: "br", depth: 0, offset: 0 }, plain("end"), plain("end"));
        return;
      }
      case "switch": {
        // block(exit) block(case k−1) … block(case 0) index br_table 0…k−1 k end case0 end … end
        const cases = s.cases.length;
        for (let i = 0; i <= cases; i++) this.emit({ op: "block", blockType: null, offset: 0 });
        this.value(s.index, "i32");
        this.emit({ op: "br_table", depths: s.cases.map((_, i) => i), defaultDepth: cases, offset: 0 });
        for (const body of s.cases) {
          this.emit(plain("end"));
          this.statements(body);
        }
        this.emit(plain("end"));
        return;
      }
      case "return":
        this.value(s.cond, "i32");
        this.emit({ op: "if", blockType: null, offset: 0 });
        this.values(s.values, this.signature.results);
        this.emit(plain("return"), plain("end"));
        return;
      case "trap":
        this.value(s.cond, "i32");
        this.emit({ op: "if", blockType: null, offset: 0 }, plain("unreachable"), plain("end"));
        return;
      case "memory.copy":
        if (s.to.k === "shift") {
          // to = from + shift: `from` evaluated once, through the scratch local.
          const from = this.scratch("i32");
          this.position(s.from);
          this.emit(
            { op: "local.tee", local: from, offset: 0 },
            { op: "i32.const", value: s.to.by, offset: 0 },
            plain("i32.add"),
            { op: "local.get", local: from, offset: 0 },
          );
        } else {
          this.position(s.to);
          this.position(s.from);
        }
        this.value(s.length, "i32");
        this.emit(plain("memory.copy"));
        return;
      case "memory.fill":
        this.position(s.to);
        this.value(s.value, "i32");
        this.value(s.length, "i32");
        this.emit(plain("memory.fill"));
        return;
      case "memory.init":
        this.position(s.to);
        this.value(s.from, "i32");
        this.value(s.length, "i32");
        this.emit({ op: "memory.init", data: this.dataIndex(s.pick, true), offset: 0 });
        return;
      case "data.drop":
        this.emit({ op: "data.drop", data: this.dataIndex(s.pick, false), offset: 0 });
        return;
      case "table.set":
      case "table.fill": {
        const table = this.writableTable(s.pick);
        const operands = s.k === "table.fill" ? [s.index, s.value, s.length] : [s.index, s.value];
        if (table === null) {
          this.dropAll(operands);
          return;
        }
        const type = this.program.tableTypes[table]!;
        this.value(s.index, "i32");
        this.value(s.value, type);
        if (s.k === "table.fill") this.value(s.length, "i32");
        this.emit({ op: s.k, table, offset: 0 });
        return;
      }
      case "table.copy":
      case "table.init": {
        const table = this.writableTable(s.pick);
        const type = table === null ? null : this.program.tableTypes[table]!;
        const sources =
          type === null ? [] : s.k === "table.copy" ? this.program.tables[type] : this.initSources(type);
        if (table === null || sources.length === 0) {
          this.dropAll([s.to, s.from, s.length]);
          return;
        }
        const source = sources[(s.k === "table.copy" ? s.source : s.segment) % sources.length]!;
        this.value(s.to, "i32");
        this.value(s.from, "i32");
        this.value(s.length, "i32");
        this.emit(
          s.k === "table.copy"
            ? { op: "table.copy", dstTable: table, srcTable: source, offset: 0 }
            : { op: "table.init", table, elem: source, offset: 0 },
        );
        return;
      }
      case "elem.drop":
        this.emit({ op: "elem.drop", elem: s.pick % this.program.elemCount, offset: 0 });
        return;
    }
  }

  /** Evaluates `exprs` for their effects only. */
  private dropAll(exprs: readonly Expr[]): void {
    for (const e of exprs) {
      this.expr(e);
      this.emit(plain("drop"));
    }
  }

  /** The pick-th table other than table 0, or null when there is none. */
  private writableTable(pick: number): number | null {
    const tables = this.program.tableTypes.length - 1;
    return tables === 0 ? null : 1 + (pick % tables);
  }

  /**
   * The data segment a pick names: among all of them, or (`passive`) among the passive ones when
   * there are some (the active one is dropped at instantiation, so memory.init from it traps).
   */
  private dataIndex(pick: number, passive: boolean): number {
    this.program.uses.dataIndex = true;
    const passives = this.program.dataCount - 1;
    return passive && passives > 0 ? 1 + (pick % passives) : pick % this.program.dataCount;
  }

  /** The element segments table.init of `type` picks from: the passive ones when there are some. */
  private initSources(type: RefType): readonly number[] {
    const passive = this.program.passiveSegments[type];
    return passive.length > 0 ? passive : this.program.segments[type];
  }

  private position(position: Position): void {
    switch (position.k) {
      case "const":
        this.emit({ op: "i32.const", value: position.value | 0, offset: 0 });
        return;
      case "masked":
        this.value(position.expr, "i32");
        this.emit({ op: "i32.const", value: PAGE - 1, offset: 0 }, plain("i32.and"));
        return;
      case "raw":
        this.value(position.expr, "i32");
        return;
    }
  }

  /** Emits `e` and converts its value to `type`. */
  private value(e: Expr, type: ValType): void {
    if (isRefType(type) && e.type !== type) {
      // Nothing converts to a reference but null: `e` is left out, as its value would be dropped.
      this.emit(defaultOf(type));
      return;
    }
    this.expr(e);
    this.coerce(e.type, type);
  }

  /** Emits `exprs` converted to `types`; missing ones are zero or null, extra ones are ignored. */
  private values(exprs: readonly Expr[], types: readonly ValType[]): void {
    types.forEach((type, i) => {
      const e = exprs[i];
      if (e) this.value(e, type);
      else this.emit(defaultOf(type));
    });
  }

  /**
   * Converts the top value from one type to another without trapping. Float → integer compares with
   * zero unless NaN bits may be visible (then it reinterprets), so a NaN's payload never leaks. A
   * reference becomes a number as ref.is_null; anything becomes a reference as null.
   */
  private coerce(from: ValType, to: ValType): void {
    if (from === to) return;
    if (isRefType(to)) {
      this.emit(plain("drop"), { op: "ref.null", type: to, offset: 0 });
      return;
    }
    if (isRefType(from)) {
      this.emit(plain("ref.is_null"));
      this.coerce("i32", to);
      return;
    }
    const ops =
      CONVERSIONS[from][to] ?? (this.program.desc.nanBitsVisible ? REINTERPRETATIONS[from][to] : undefined);
    if (ops === undefined) {
      // NaN-blind: (x >= 0) as an integer.
      this.emit(constOp(from, 0n), plain(`${from}.ge` as NumericOp));
      if (to === "i64") this.emit(plain("i64.extend_i32_u"));
      return;
    }
    for (const op of ops) this.emit(plain(op));
  }

  /** Pops the values of `types` (the last on top) into writable locals from the pick-th on, or drops them. */
  private consume(types: readonly ValType[], pick: number): void {
    for (let i = types.length - 1; i >= 0; i--) {
      const locals = this.writableLocals[types[i]!];
      this.emit(pickOr(locals, pick + i, (local) => ({ op: "local.set", local, offset: 0 }), plain("drop")));
    }
  }

  /**
   * Folds the values of `results` (the last on top) into one of `type`, each result weighing in
   * its position: numbers as x + 31·acc (integers) or x − acc (floats), references as the last
   * non-null one. A result of `type` combines on the stack; another is converted first, with the
   * accumulated value set aside in the scratch local.
   */
  private fold(results: readonly ValType[], type: ValType): void {
    const last = results.length - 1;
    if (last < 0) {
      this.emit(defaultOf(type));
      return;
    }
    this.coerce(results[last]!, type);
    const acc = last > 0 ? this.scratch(type) : -1;
    const get: Instr = { op: "local.get", local: acc, offset: 0 };
    for (let i = last - 1; i >= 0; i--) {
      if (isRefType(type)) {
        this.emit({ op: "local.set", local: acc, offset: 0 });
        this.coerce(results[i]!, type);
        this.emit(get, get, plain("ref.is_null"), { op: "select_t", types: [type], offset: 0 });
      } else if (results[i] === type) this.emit(...COMBINE[type]);
      else {
        this.emit({ op: "local.set", local: acc, offset: 0 });
        this.coerce(results[i]!, type);
        this.emit(get, ...COMBINE[type]);
      }
    }
  }

  private expr(e: Expr): void {
    switch (e.k) {
      case "const":
        this.emit(constOp(e.type, e.bits));
        return;
      case "ref.null":
        this.emit({ op: "ref.null", type: e.type, offset: 0 });
        return;
      case "ref.func":
        this.emit({ op: "ref.func", func: this.program.referenced(e.pick), offset: 0 });
        return;
      case "ref.is_null":
        this.value(e.arg, isRefType(e.arg.type) ? e.arg.type : "externref");
        this.emit(plain("ref.is_null"));
        return;
      case "local": {
        const locals = this.readableLocals[e.type];
        this.emit(
          pickOr(locals, e.pick, (local) => ({ op: "local.get", local, offset: 0 }), defaultOf(e.type)),
        );
        return;
      }
      case "global": {
        const globals = this.program.globals[e.type];
        this.emit(
          pickOr(globals, e.pick, (global) => ({ op: "global.get", global, offset: 0 }), defaultOf(e.type)),
        );
        return;
      }
      case "tee": {
        const locals = this.writableLocals[e.type];
        this.value(e.value, e.type);
        if (locals.length) this.emit({ op: "local.tee", local: locals[e.pick % locals.length]!, offset: 0 });
        return;
      }
      case "unary":
        this.value(e.arg, e.type);
        this.emit(plain(e.op));
        return;
      case "binary":
        this.value(e.left, e.type);
        this.value(e.right, e.type);
        if (e.op.endsWith("copysign") && !this.program.desc.nanBitsVisible) {
          // The sign of a computed NaN is nondeterministic: copy a cleared one.
          this.emit(plain(`${e.type}.abs` as NumericOp));
        }
        this.emit(plain(e.op));
        return;
      case "test":
        this.test(e);
        return;
      case "load":
        this.position(e.address);
        this.emit({ op: e.op, align: alignOf(e.op), memOffset: e.address.offset, offset: 0 });
        this.coerce(memoryAccess(e.op).type, e.type);
        return;
      case "call":
        this.call(e);
        return;
      case "call_indirect":
        this.callIndirect(e);
        return;
      case "select":
        this.value(e.ifTrue, e.type);
        this.value(e.ifFalse, e.type);
        this.value(e.cond, "i32");
        this.emit(isRefType(e.type) ? { op: "select_t", types: [e.type], offset: 0 } : plain("select"));
        return;
      case "if":
        this.value(e.cond, "i32");
        this.emit({ op: "if", blockType: e.type, offset: 0 });
        this.value(e.ifTrue, e.type);
        this.emit(plain("else"));
        this.value(e.ifFalse, e.type);
        this.emit(plain("end"));
        return;
      case "exit":
        this.emit({ op: "block", blockType: e.type, offset: 0 });
        this.value(e.value, e.type);
        this.value(e.cond, "i32");
        this.emit({ op: "br_if", depth: 0, offset: 0 }, plain("drop"));
        this.value(e.otherwise, e.type);
        this.emit(plain("end"));
        return;
      case "block":
        this.emit({ op: "block", blockType: e.type, offset: 0 });
        this.statements(e.body);
        this.value(e.value, e.type);
        this.emit(plain("end"));
        return;
      case "multi":
        this.multi(e);
        return;
      case "memory.size":
        this.emit(plain("memory.size"));
        return;
      case "memory.grow":
        this.value(e.delta, "i32");
        this.emit({ op: "i32.const", value: 1, offset: 0 }, plain("i32.and"), plain("memory.grow"));
        return;
      case "table.get": {
        const tables = this.program.tables[e.type];
        if (tables.length === 0) {
          this.dropAll([e.index]);
          this.emit(defaultOf(e.type));
          return;
        }
        this.value(e.index, "i32");
        this.emit({ op: "table.get", table: tables[e.pick % tables.length]!, offset: 0 });
        return;
      }
      case "table.size":
        this.emit({ op: "table.size", table: e.pick % this.program.tableTypes.length, offset: 0 });
        return;
      case "table.grow": {
        // Any table: table 0 is at its maximum, so growing it writes nothing.
        const table = e.pick % this.program.tableTypes.length;
        this.value(e.init, this.program.tableTypes[table]!);
        this.value(e.delta, "i32");
        this.emit({ op: "table.grow", table, offset: 0 });
        return;
      }
    }
  }

  private multi(e: Extract<Expr, { k: "multi" }>): void {
    const params = e.params.map((p) => p.type);
    const blockType = this.blockType(params, e.results);
    const counter = e.form === "loop" ? this.counter(e.count) : -1;
    for (const p of e.params) this.expr(p);
    if (e.form === "if") this.value(e.cond, "i32");
    this.emit({ op: e.form, blockType, offset: 0 });
    this.statements(e.body);
    this.consume(params, e.pick);
    switch (e.form) {
      case "block":
        this.values(e.values, e.results);
        this.value(e.cond, "i32");
        this.emit({ op: "br_if", depth: 0, offset: 0 });
        for (const _ of e.results) this.emit(plain("drop"));
        break;
      case "loop":
        this.values(e.values, params);
        this.countDown(counter);
        this.emit({ op: "br_if", depth: 0, offset: 0 });
        this.consume(params, e.pick);
        break;
      case "if":
        this.values(e.values, e.results);
        // An empty else is left out (as the text format prints it).
        if (params.length + e.results.length > 0) this.emit(plain("else"));
        this.consume(params, e.pick);
        break;
    }
    this.values(e.otherwise, e.results);
    this.emit(plain("end"));
    this.fold(e.results, e.type);
  }

  private test(e: Extract<Expr, { k: "test" }>): void {
    const reinterpret = e.op === "i32.reinterpret_f32" || e.op === "i64.reinterpret_f64";
    if (reinterpret && !this.program.desc.nanBitsVisible) {
      const from = e.op === "i32.reinterpret_f32" ? "f32" : "f64";
      this.value(e.args[0]!, from);
      this.coerce(from, e.type);
      return;
    }
    OPERANDS.get(e.op)!.forEach((type, i) => {
      const arg = e.args[i];
      if (arg) this.value(arg, type);
      else this.emit(constOp(type, 0n));
    });
    this.emit(plain(e.op));
  }

  /**
   * How many functions this one may call, the indices below: imports and every recursive one
   * (recursion), else all lower indices.
   */
  private callees(): number {
    return this.recursive ? this.program.recursiveEnd : this.index;
  }

  /**
   * Pushes the arguments for `params`: argument 0 of a possibly recursive callee is its depth —
   * depth − 1 from a recursive caller, masked from a plain one; the rest coerced, or zero.
   */
  private arguments(params: readonly ValType[], args: readonly Expr[], depthFirst: boolean): void {
    params.forEach((type, i) => {
      if (i === 0 && depthFirst && this.recursive) {
        this.emit(
          { op: "local.get", local: 0, offset: 0 },
          { op: "i32.const", value: 1, offset: 0 },
          plain("i32.sub"),
        );
        return;
      }
      const arg = args[i];
      if (arg) this.value(arg, type);
      else this.emit(defaultOf(type));
      if (i === 0 && depthFirst)
        this.emit({ op: "i32.const", value: this.program.depthMask, offset: 0 }, plain("i32.and"));
    });
  }

  private call(e: Extract<Expr, { k: "call" }>): void {
    const callees = this.callees();
    if (callees === 0) {
      this.emit(defaultOf(e.type));
      return;
    }
    const callee = e.pick % callees;
    const sig = this.program.signatures[callee]!;
    this.arguments(sig.params, e.args, this.program.isRecursive(callee));
    this.emit({ op: "call", func: callee, offset: 0 });
    this.fold(sig.results, e.type);
  }

  private callIndirect(e: Extract<Expr, { k: "call_indirect" }>): void {
    const callees = this.callees();
    const functions = this.program.signatures.length;
    /** The function whose type the call names: a callee, else this one. */
    const typed = callees ? e.pick % callees : this.index;
    const sig = this.program.signatures[typed]!;
    const typeIndex = this.program.typeIndices[typed]!;
    const depthFirst = this.program.desc.recursive.length > 0 && sig.params[0] === "i32";
    const tables = this.program.tables.funcref;
    const slot: Slot =
      (callees === 0 && (e.slot.k === "callee" || e.slot.k === "dynamic")) ||
      (e.slot.k === "table" && tables.length === 0)
        ? { k: "null" }
        : e.slot;
    if (slot.k === "table") {
      // `if budget == 0 { defaults } else { budget -= 1; call_indirect }`
      this.program.uses.budget = true;
      const budget = this.program.budget;
      this.emit(
        { op: "global.get", global: budget, offset: 0 },
        plain("i32.eqz"),
        { op: "if", blockType: this.blockType([], sig.results), offset: 0 },
        ...sig.results.map(defaultOf),
        plain("else"),
        { op: "global.get", global: budget, offset: 0 },
        { op: "i32.const", value: 1, offset: 0 },
        plain("i32.sub"),
        { op: "global.set", global: budget, offset: 0 },
      );
      this.arguments(sig.params, e.args, depthFirst);
      this.value(slot.index, "i32");
      this.emit(
        { op: "call_indirect", typeIndex, table: tables[slot.pick % tables.length]!, offset: 0 },
        plain("end"),
      );
      this.fold(sig.results, e.type);
      return;
    }
    this.arguments(sig.params, e.args, depthFirst);
    switch (slot.k) {
      case "callee":
        this.emit({ op: "i32.const", value: typed, offset: 0 });
        break;
      case "dynamic":
        this.value(slot.index, "i32");
        this.emit({ op: "i32.const", value: callees, offset: 0 }, plain("i32.rem_u"));
        break;
      case "null":
        this.emit({ op: "i32.const", value: functions, offset: 0 });
        break;
      case "outside":
        this.emit({ op: "i32.const", value: (functions + 1 + slot.past) | 0, offset: 0 });
        break;
    }
    this.emit({ op: "call_indirect", typeIndex, table: 0, offset: 0 });
    this.fold(sig.results, e.type);
  }
}

/** Conversions that never trap, by source and target type. */
const CONVERSIONS: Readonly<Record<NumType, Partial<Record<NumType, readonly NumericOp[]>>>> = {
  i32: { i64: ["i64.extend_i32_u"], f32: ["f32.convert_i32_s"], f64: ["f64.convert_i32_s"] },
  i64: { i32: ["i32.wrap_i64"], f32: ["f32.convert_i64_s"], f64: ["f64.convert_i64_s"] },
  f32: { f64: ["f64.promote_f32"] },
  f64: { f32: ["f32.demote_f64"] },
};

/** Float → integer by the bits, for programs whose NaN bits may be visible. */
const REINTERPRETATIONS: Readonly<Record<NumType, Partial<Record<NumType, readonly NumericOp[]>>>> = {
  i32: {},
  i64: {},
  f32: { i32: ["i32.reinterpret_f32"], i64: ["i32.reinterpret_f32", "i64.extend_i32_u"] },
  f64: { i64: ["i64.reinterpret_f64"], i32: ["i64.reinterpret_f64", "i32.wrap_i64"] },
};

/** The operand types of every comparison and conversion. */
const OPERANDS = new Map(Object.values(TESTS).flatMap((tests) => tests.map((t) => [t.op, t.from] as const)));

/** Instructions without immediates, one object per operator: they are immutable, so bodies share them. */
const plainInstrs = new Map<PlainOp, Instr>();

function plain(op: PlainOp): Instr {
  let instr = plainInstrs.get(op);
  if (instr === undefined) {
    instr = { op, offset: 0 };
    plainInstrs.set(op, instr);
  }
  return instr;
}

/** fold's step for numbers: [x, acc] → x + 31·acc, or x − acc. */
const COMBINE: Readonly<Record<NumType, readonly Instr[]>> = {
  i32: [{ op: "i32.const", value: 31, offset: 0 }, plain("i32.mul"), plain("i32.add")],
  i64: [{ op: "i64.const", value: 31n, offset: 0 }, plain("i64.mul"), plain("i64.add")],
  f32: [plain("f32.sub")],
  f64: [plain("f64.sub")],
};

function alignOf(op: MemoryOp): number {
  return Math.log2(memoryAccess(op).bytes);
}

function integerStore(op: MemoryOp): MemoryOp {
  return op === "f32.store" ? "i32.store" : op === "f64.store" ? "i64.store" : op;
}
