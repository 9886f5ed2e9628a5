// A program description → a WebAssembly 1.0 module (the front end's typed AST) and the invocation
// of its entry. Total: every description, however shrunk, lowers to a valid module, because every
// reference is resolved modulo what exists and every value is coerced to the type its context needs.
//
// Layout: functions [imported (host.ts)…, recursive…, plain…]; one table whose slot k holds
// function k, then one null slot; one memory of one page (max two); every global and the entry
// ("run") exported.
// Termination: recursive functions return at depth 0 and pass depth − 1 to every recursive callee;
// plain functions call only lower indices and pass a depth masked to `depthMask`; loops count down
// a hidden counter; a call_indirect reaches only the slots its caller may call directly.

import { HOST_MODULE } from "../../../emulators/hosts/env.js";
import type {
  BlockType,
  Export,
  FuncType,
  FunctionBody,
  Instr,
  MemoryOp,
  Module,
  NumericOp,
  NumType,
  PlainOp,
} from "../../wasm/ir.js";
import type { WasmValue } from "../../wasm/outcome.js";
import {
  type Address,
  type Expr,
  type FunctionDesc,
  memoryAccess,
  type ProgramDesc,
  type Slot,
  type Stmt,
  TESTS,
} from "./description.js";

export const ENTRY_EXPORT = "run";
const PAGE = 0x1_0000;

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
  readonly params: readonly NumType[];
  readonly result: NumType | null;
}

/** The function a program without any gets, so that it has an entry. */
const EMPTY_FUNCTION: FunctionDesc = {
  params: [],
  result: null,
  locals: [],
  body: [],
  value: { k: "const", type: "i32", bits: 0n },
};

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
      result: fn.result,
    })),
  ];
  const types: FuncType[] = [];
  /** Type indices by signature key (`params>result`), in order of first use. */
  const typeIndexOf = new Map<string, number>();
  const typeIndex = (sig: Signature): number => {
    const key = `${sig.params.join()}>${sig.result}`;
    let index = typeIndexOf.get(key);
    if (index === undefined) {
      index = types.push({ params: sig.params, results: sig.result ? [sig.result] : [] }) - 1;
      typeIndexOf.set(key, index);
    }
    return index;
  };
  const typeIndices = signatures.map(typeIndex);
  const depthMask = depthMaskFor(desc.recursive);
  const program: ProgramContext = {
    desc,
    signatures,
    typeIndices,
    isRecursive,
    recursiveEnd,
    depthMask,
    globals: indicesByType(desc.globals.map((g) => g.type)),
    mutableGlobals: indicesByType(desc.globals.map((g) => (g.mutable ? g.type : null))),
  };
  const bodies = defined.map((fn, i) => lowerFunction(program, fn, importCount + i));
  const functions = signatures.length;

  const entryIndex = importCount + defined.length - 1 - (desc.entry % defined.length);
  const globals = desc.globals.map((g) => ({
    type: { valType: g.type, mutable: g.mutable },
    init: constExpr(g.type, g.bits),
  }));
  const exports: Export[] = [
    { name: ENTRY_EXPORT, kind: "func", index: entryIndex },
    ...globals.map((_, i) => ({ name: `g${i}`, kind: "global" as const, index: i })),
  ];
  const dataOffset = Math.min(desc.dataOffset, PAGE - desc.data.length);
  const module: Module = {
    types,
    imports: desc.imports.map((_, i) => ({
      module: HOST_MODULE,
      name: `h${i}`,
      desc: { kind: "func" as const, typeIndex: typeIndices[i]! },
    })),
    funcTypeIndices: typeIndices.slice(importCount),
    tables: [{ elemType: "funcref", min: functions + 1, max: functions + 1 }],
    memories: [{ min: 1, max: 2 }],
    globals,
    exports,
    start: null,
    elems: [
      {
        mode: "active",
        table: 0,
        offset: { op: "i32.const", value: 0 },
        type: "funcref",
        funcs: signatures.map((_, i) => i),
        exprs: null,
      },
    ],
    datas: [{ mode: "active", memory: 0, offset: { op: "i32.const", value: dataOffset }, bytes: desc.data }],
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
    const value = i === 0 && isRecursive(entryIndex) ? bits % BigInt(depthMask + 1) : truncated(type, bits);
    return { type, value: value.toString() };
  });
  return {
    module,
    entry: { exportName: ENTRY_EXPORT, args },
    globals: globals.map((_, i) => `g${i}`),
    nanBitsVisible: desc.nanBitsVisible,
    depthMask,
  };
}

/** The indices of each type in `types` (none for null entries), ascending. */
function indicesByType(types: readonly (NumType | null)[]): Readonly<Record<NumType, readonly number[]>> {
  const found: Record<NumType, number[]> = { i32: [], i64: [], f32: [], f64: [] };
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
  const branching = Math.max(1, ...recursive.map((fn) => callSites(fn.body) + exprCalls(fn.value)));
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
        sum += addressCalls(s.address) + exprCalls(s.value);
        break;
      case "return":
        sum += exprCalls(s.cond) + exprCalls(s.value);
        break;
      case "trap":
        sum += exprCalls(s.cond);
        break;
      default:
        sum += exprCalls(s.value);
    }
  }
  return sum;
}

function addressCalls(address: Address): number {
  return address.k === "const" ? 0 : exprCalls(address.expr);
}

function exprCalls(e: Expr): number {
  switch (e.k) {
    case "const":
    case "local":
    case "global":
    case "memory.size":
      return 0;
    case "tee":
      return exprCalls(e.value);
    case "unary":
      return exprCalls(e.arg);
    case "binary":
      return exprCalls(e.left) + exprCalls(e.right);
    case "test":
      return e.args.reduce((n, a) => n + exprCalls(a), 0);
    case "load":
      return addressCalls(e.address);
    case "call":
    case "call_indirect":
      return (
        1 +
        e.args.reduce((n, a) => n + exprCalls(a), 0) +
        (e.k === "call_indirect" && e.slot.k === "dynamic" ? exprCalls(e.slot.index) : 0)
      );
    case "select":
    case "if":
      return exprCalls(e.cond) + exprCalls(e.ifTrue) + exprCalls(e.ifFalse);
    case "exit":
      return exprCalls(e.value) + exprCalls(e.cond) + exprCalls(e.otherwise);
    case "block":
      return callSites(e.body) + exprCalls(e.value);
    case "memory.grow":
      return exprCalls(e.delta);
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

function constExpr(type: NumType, bits: bigint): Module["globals"][number]["init"] {
  const { offset: _, ...expr } = constOp(type, bits);
  return expr as Module["globals"][number]["init"];
}

interface ProgramContext {
  readonly desc: ProgramDesc;
  readonly signatures: readonly Signature[];
  /** The type index of every function. */
  readonly typeIndices: readonly number[];
  readonly isRecursive: (funcIndex: number) => boolean;
  /** Functions below this index are imports or recursive: what recursive functions may call. */
  readonly recursiveEnd: number;
  readonly depthMask: number;
  /** Globals by type: all of them (readable), and the mutable ones (writable). */
  readonly globals: Readonly<Record<NumType, readonly number[]>>;
  readonly mutableGlobals: Readonly<Record<NumType, readonly number[]>>;
}

function lowerFunction(program: ProgramContext, fn: FunctionDesc, index: number): FunctionBody {
  const lowering = new FunctionLowering(program, index, fn.locals);
  return lowering.lower(fn);
}

/** Emits one function body; tracks its locals (declared ones, then hidden loop counters). */
class FunctionLowering {
  private readonly code: Instr[] = [];
  private readonly localTypes: NumType[];
  private readonly paramCount: number;
  /** Params and declared locals by type: what expressions may read, statements write (not the depth). */
  private readonly readableLocals: Readonly<Record<NumType, readonly number[]>>;
  private readonly writableLocals: Readonly<Record<NumType, readonly number[]>>;
  private readonly recursive: boolean;
  private readonly signature: Signature;

  constructor(
    private readonly program: ProgramContext,
    private readonly index: number,
    locals: readonly NumType[],
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
    const result = this.signature.result;
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
    if (result) this.value(fn.value, result);
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
    const result = this.signature.result;
    if (result) this.emit(constOp(result, 0n));
    this.emit(plain("return"));
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
        this.address(s.address);
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
        const counter = this.localTypes.push("i32") - 1;
        this.emit(
          { op: "i32.const", value: s.count, offset: 0 },
          { op: "local.set", local: counter, offset: 0 },
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
        if (this.signature.result) this.value(s.value, this.signature.result);
        this.emit(plain("return"), plain("end"));
        return;
      case "trap":
        this.value(s.cond, "i32");
        this.emit({ op: "if", blockType: null, offset: 0 }, plain("unreachable"), plain("end"));
        return;
    }
  }

  private address(address: Address): void {
    switch (address.k) {
      case "const":
        this.emit({ op: "i32.const", value: address.value | 0, offset: 0 });
        return;
      case "masked":
        this.value(address.expr, "i32");
        this.emit({ op: "i32.const", value: PAGE - 1, offset: 0 }, plain("i32.and"));
        return;
      case "raw":
        this.value(address.expr, "i32");
        return;
    }
  }

  /** Emits `e` and converts its value to `type`. */
  private value(e: Expr, type: NumType): void {
    this.expr(e);
    this.coerce(e.type, type);
  }

  /**
   * Converts the top value from one type to another without trapping. Float → integer compares with
   * zero unless NaN bits may be visible (then it reinterprets), so a NaN's payload never leaks.
   */
  private coerce(from: NumType, to: NumType): void {
    if (from === to) return;
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

  private expr(e: Expr): void {
    switch (e.k) {
      case "const":
        this.emit(constOp(e.type, e.bits));
        return;
      case "local": {
        const locals = this.readableLocals[e.type];
        this.emit(
          pickOr(locals, e.pick, (local) => ({ op: "local.get", local, offset: 0 }), constOp(e.type, 0n)),
        );
        return;
      }
      case "global": {
        const globals = this.program.globals[e.type];
        this.emit(
          pickOr(globals, e.pick, (global) => ({ op: "global.get", global, offset: 0 }), constOp(e.type, 0n)),
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
        this.address(e.address);
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
        this.emit(plain("select"));
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
        this.emit({ op: "block", blockType: e.type as BlockType, offset: 0 });
        this.statements(e.body);
        this.value(e.value, e.type);
        this.emit(plain("end"));
        return;
      case "memory.size":
        this.emit(plain("memory.size"));
        return;
      case "memory.grow":
        this.value(e.delta, "i32");
        this.emit({ op: "i32.const", value: 1, offset: 0 }, plain("i32.and"), plain("memory.grow"));
        return;
    }
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
  private arguments(params: readonly NumType[], args: readonly Expr[], depthFirst: boolean): void {
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
      else this.emit(constOp(type, 0n));
      if (i === 0 && depthFirst)
        this.emit({ op: "i32.const", value: this.program.depthMask, offset: 0 }, plain("i32.and"));
    });
  }

  private afterCall(result: NumType | null, type: NumType): void {
    if (result) this.coerce(result, type);
    else this.emit(constOp(type, 0n));
  }

  private call(e: Extract<Expr, { k: "call" }>): void {
    const callees = this.callees();
    if (callees === 0) {
      this.emit(constOp(e.type, 0n));
      return;
    }
    const callee = e.pick % callees;
    const sig = this.program.signatures[callee]!;
    this.arguments(sig.params, e.args, this.program.isRecursive(callee));
    this.emit({ op: "call", func: callee, offset: 0 });
    this.afterCall(sig.result, e.type);
  }

  private callIndirect(e: Extract<Expr, { k: "call_indirect" }>): void {
    const callees = this.callees();
    const functions = this.program.signatures.length;
    /** The function whose type the call names: a callee, else this one. */
    const typed = callees ? e.pick % callees : this.index;
    const sig = this.program.signatures[typed]!;
    const slot: Slot =
      callees === 0 && (e.slot.k === "callee" || e.slot.k === "dynamic") ? { k: "null" } : e.slot;
    const depthFirst = this.program.desc.recursive.length > 0 && sig.params[0] === "i32";
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
    this.emit({ op: "call_indirect", typeIndex: this.program.typeIndices[typed]!, table: 0, offset: 0 });
    this.afterCall(sig.result, e.type);
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

function alignOf(op: MemoryOp): number {
  return Math.log2(memoryAccess(op).bytes);
}

function integerStore(op: MemoryOp): MemoryOp {
  return op === "f32.store" ? "i32.store" : op === "f64.store" ? "i64.store" : op;
}
