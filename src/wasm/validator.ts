// WebAssembly 2.0 validation (the algorithm of the spec's appendix, without SIMD), computing per
// instruction the operand-stack heights, control depth, reachability and block arities.
//
// Height convention: heights count the values on the validator's operand stack, relative to the
// function's empty stack. In unreachable code this is the stack the validator actually holds: an
// instruction that makes the rest of its block unreachable (unreachable, br, br_table, return)
// leaves the height of its block's entry, and popping an operand that is not there (the
// polymorphic stack) leaves the height unchanged, while pushes still count. So in
// `block (result i32) unreachable i32.add end` the i32.add has heightBefore 0 and heightAfter 1.
// A branch's heightAfter is that of its block's entry too (br_if: the fall-through height). A block
// with params takes them from the stack and puts them back inside: its entry height is below them,
// and `block (param i32)` has the same height before and after.
//
// The other per-instruction facts:
//   controlDepth  frames open when the instruction starts, the function's included: a block and
//                 its end differ by one (`block` 1, its body and its `end` 2).
//   unreachable   1 when control cannot fall into the instruction: after unreachable, br,
//                 br_table or return in its block, or anywhere in a block opened in such code.
//                 For `else` and `end` it says only that: their label may still be branched to.
//   matchingEnd   for block, loop, if and else: the index of their end; matchingElse for if.
//   blockParams, blockResults   for block, loop and if: the arities of their block type.
// maxHeight covers unreachable code as well, so it bounds every height of the function;
// makesCalls is set by any call or call_indirect.
//
// A module that is valid but has a function with more than MAX_LOCALS locals is rejected last
// (ImplementationLimit), so that a malformed or invalid module is always reported as such.
import { MAX_LOCALS } from "./decoder.js";
import { FeatureOutsideProfile, guarded, ImplementationLimit, InvalidModule } from "./errors.js";
import { type Features, featuresText, toolchainHint, WASM_2_0 } from "./features.js";
import type {
  BlockType,
  ConstExpr,
  FeatureUse,
  FuncType,
  FunctionBody,
  FunctionInfo,
  GlobalType,
  Instr,
  Limits,
  Module,
  TableType,
  ValidatedModule,
} from "./ir.js";
import {
  EXTERNREF,
  F32,
  F64,
  FUNCREF,
  I32,
  I64,
  Imm,
  NONE,
  OP_BY_NAME,
  type OpInfo,
  VALTYPE_CODE,
} from "./opcodes.js";

/**
 * Validates a decoded module under a feature profile (default: WebAssembly 2.0 without SIMD; the
 * decoder has checked every feature it meets, the validator checks extended-const). Throws only
 * InvalidModule or UnsupportedFeature (ImplementationLimit for a valid module beyond MAX_LOCALS).
 */
export function validateModule(module: Module, features: Features = WASM_2_0): ValidatedModule {
  return guarded(() => {
    const validated = new ModuleValidator(module, features).validate();
    refuseBeyondLimits(validated);
    return validated;
  });
}

/** Throws ImplementationLimit for the first function with more than MAX_LOCALS locals. */
function refuseBeyondLimits({ module, funcTypes }: ValidatedModule): void {
  const imported = funcTypes.length - module.bodies.length;
  const index = module.bodies.findIndex((body) => body.localRuns !== undefined);
  if (index < 0) return;
  const body = module.bodies[index]!;
  const count = body.localRuns!.reduce((sum, [n]) => sum + n, 0);
  throw new ImplementationLimit(
    `${count} locals, more than the ${MAX_LOCALS} engines accept (V8 among them)`,
    body.offset,
    imported + index,
    "declare fewer locals in that function (split it, or build with optimisation so locals are reused)",
  );
}

/** Largest memory size: 65536 pages of 64 KiB (4 GiB). */
const MAX_PAGES = 65536;

/** Operand-stack entry of the polymorphic stack in unreachable code: matches any type. */
const UNKNOWN = 0;

const isNumber = (type: number) => type === I32 || type === I64 || type === F32 || type === F64;
const isReference = (type: number) => type === FUNCREF || type === EXTERNREF;

const enum FrameKind {
  Function,
  Block,
  Loop,
  If,
  Else,
}

/** Control frame; frames are pooled and reused across functions. */
interface Frame {
  kind: FrameKind;
  /** Operand-stack height at entry, below the block's params. */
  height: number;
  /** Types the frame takes (its params): a loop's branches carry them. */
  startTypes: readonly number[];
  /** Types the frame leaves on the stack at its end (and takes at a branch, except loops). */
  endTypes: readonly number[];
  /** The spec's flag: the rest of this frame is unreachable (stack polymorphic). */
  unreachable: boolean;
  /** Opened inside unreachable code, so nothing in it ever runs. */
  dead: boolean;
  /** Index of the opening block/loop/if (-1 for the function). */
  start: number;
  /** Index of the `else` of an if (-1 if none yet). */
  elseIndex: number;
}

/** A function type as operand-stack entries. */
interface Signature {
  readonly params: readonly number[];
  readonly results: readonly number[];
}

const EMPTY: Signature = { params: [], results: [] };
const ONE_RESULT: ReadonlyMap<string, Signature> = new Map(
  Object.entries(VALTYPE_CODE).map(([type, code]) => [type, { params: [], results: [code] }]),
);

function signatureOf(type: FuncType): Signature {
  return {
    params: type.params.map((t) => VALTYPE_CODE[t]),
    results: type.results.map((t) => VALTYPE_CODE[t]),
  };
}

function sameTypes(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/** The module-wide facts function bodies are validated against (the spec's context C). */
interface Context {
  readonly types: readonly FuncType[];
  readonly signatures: readonly Signature[];
  readonly funcTypes: readonly FuncType[];
  readonly funcSignatures: readonly Signature[];
  readonly tables: readonly TableType[];
  readonly hasMemory: boolean;
  readonly globals: readonly GlobalType[];
  readonly elems: Module["elems"];
  /** Data segments named by memory.init and data.drop: the data count section's value. */
  readonly dataCount: number;
  /** Functions `ref.func` may name: those referenced outside function bodies. */
  readonly refs: ReadonlySet<number>;
}

class ModuleValidator {
  private readonly module: Module;
  private readonly features: Features;
  private readonly funcTypes: FuncType[] = [];
  /** Type index of each function, imports included. */
  private readonly funcTypeIndices: number[] = [];
  private readonly tables: TableType[] = [];
  private readonly globalTypes: GlobalType[] = [];
  private readonly uses: FeatureUse[] = [];
  private importedGlobals = 0;
  private memoryCount = 0;

  constructor(module: Module, features: Features) {
    this.module = module;
    this.features = features;
  }

  validate(): ValidatedModule {
    const m = this.module;
    m.imports.forEach(({ desc }, i) => {
      const where = `import ${i}`;
      switch (desc.kind) {
        case "func":
          this.funcTypes.push(this.type(desc.typeIndex, where));
          this.funcTypeIndices.push(desc.typeIndex);
          break;
        case "table":
          this.checkTableLimits(desc.limits, where);
          this.tables.push(desc.limits);
          break;
        case "memory":
          this.checkMemoryLimits(desc.limits, where);
          this.memoryCount++;
          break;
        case "global":
          this.globalTypes.push(desc.type);
          this.importedGlobals++;
          break;
      }
    });
    const importedFuncs = this.funcTypes.length;
    m.funcTypeIndices.forEach((typeIndex, i) => {
      this.funcTypes.push(this.type(typeIndex, `function ${importedFuncs + i}`));
      this.funcTypeIndices.push(typeIndex);
    });
    if (m.bodies.length !== m.funcTypeIndices.length) {
      fail("function and code section have inconsistent lengths");
    }
    m.tables.forEach((table, i) => {
      this.checkTableLimits(table, `table ${this.tables.length + i}`);
    });
    this.tables.push(...m.tables);
    m.memories.forEach((limits, i) => {
      this.checkMemoryLimits(limits, `memory ${this.memoryCount + i}`);
    });
    this.memoryCount += m.memories.length;
    if (this.memoryCount > 1) fail("multiple memories");
    for (const global of m.globals) {
      const where = `global ${this.globalTypes.length}`;
      this.checkConstExpr(global.init, VALTYPE_CODE[global.type.valType], where);
      this.globalTypes.push(global.type);
    }
    this.checkExports();
    if (m.start !== null) {
      const type = this.funcTypes[m.start];
      if (type === undefined) fail(`start: unknown function ${m.start}`);
      if (type.params.length > 0 || type.results.length > 0) fail("start function must have type [] -> []");
    }
    m.elems.forEach((elem, i) => {
      const where = `element segment ${i}`;
      for (const func of elem.funcs) {
        if (func >= this.funcTypes.length) fail(`${where}: unknown function ${func}`);
      }
      for (const expr of elem.exprs ?? []) this.checkConstExpr(expr, VALTYPE_CODE[elem.type], where);
      if (elem.mode !== "active") return;
      const table = this.tables[elem.table];
      if (table === undefined) fail(`${where}: unknown table ${elem.table}`);
      this.checkConstExpr(elem.offset, I32, where);
      if (table.elemType !== elem.type) fail(`${where}: type mismatch with table ${elem.table}`);
    });
    m.datas.forEach((data, i) => {
      if (data.mode !== "active") return;
      const where = `data segment ${i}`;
      if (data.memory >= this.memoryCount) fail(`${where}: unknown memory ${data.memory}`);
      this.checkConstExpr(data.offset, I32, where);
    });
    const signatures = m.types.map(signatureOf);
    const context: Context = {
      types: m.types,
      signatures,
      funcTypes: this.funcTypes,
      funcSignatures: this.funcTypeIndices.map((typeIndex) => signatures[typeIndex]!),
      tables: this.tables,
      hasMemory: this.memoryCount > 0,
      globals: this.globalTypes,
      elems: m.elems,
      dataCount: m.dataCount ?? 0,
      refs: declaredReferences(m),
    };
    const validator = new FunctionValidator(context);
    const arrays = new InstrArrays(m.bodies.reduce((sum, body) => sum + body.code.length, 0));
    const functions = m.bodies.map((body, i) =>
      validator.validate(importedFuncs + i, this.funcTypes[importedFuncs + i]!, body, arrays),
    );
    return { module: m, functions, funcTypes: this.funcTypes, features: this.featureUses() };
  }

  /** The decoder's feature uses and the validator's, each feature once at its first use. */
  private featureUses(): readonly FeatureUse[] {
    const decoded = this.module.features ?? [];
    if (this.uses.length === 0) return decoded;
    const first = new Map<string, FeatureUse>();
    for (const use of [...(this.module.features ?? []), ...this.uses].sort((a, b) => a.offset - b.offset)) {
      if (!first.has(use.feature)) first.set(use.feature, use);
    }
    return [...first.values()];
  }

  private type(index: number, where: string): FuncType {
    const type = this.module.types[index];
    if (type === undefined) fail(`${where}: unknown type ${index}`);
    return type;
  }

  private checkTableLimits(limits: Limits, where: string): void {
    if (limits.max !== undefined && limits.max < limits.min) {
      fail(`${where}: size minimum must not be greater than maximum`);
    }
  }

  private checkMemoryLimits(limits: Limits, where: string): void {
    if (limits.min > MAX_PAGES || (limits.max !== undefined && limits.max > MAX_PAGES)) {
      fail(`${where}: memory size must be at most 65536 pages (4GiB)`);
    }
    this.checkTableLimits(limits, where);
  }

  /**
   * A constant expression of type `expected`: constants, ref.null, ref.func, global.get of an
   * imported immutable global, and with extended-const i32/i64 add, sub and mul.
   */
  private checkConstExpr(expr: ConstExpr, expected: number, where: string): void {
    if (expr.op !== "sequence") {
      if (this.constantType(expr, where) !== expected) fail(`${where}: type mismatch in constant expression`);
      return;
    }
    const stack: number[] = [];
    for (const instr of expr.code) {
      switch (instr.op) {
        case "i32.const":
        case "i64.const":
        case "f32.const":
        case "f64.const":
        case "ref.null":
        case "ref.func":
        case "global.get":
          stack.push(this.constantType(instr as SingleConstant, where));
          break;
        case "i32.add":
        case "i32.sub":
        case "i32.mul":
        case "i64.add":
        case "i64.sub":
        case "i64.mul": {
          const offset = "offset" in instr ? instr.offset : -1;
          if (!this.features.has("extended-const")) {
            throw new FeatureOutsideProfile(
              "extended-const",
              offset,
              undefined,
              featuresText(this.features),
              toolchainHint("extended-const"),
            );
          }
          this.uses.push({ feature: "extended-const", offset });
          const type = instr.op.startsWith("i32") ? I32 : I64;
          if (stack.pop() !== type || stack.pop() !== type)
            fail(`${where}: type mismatch in constant expression`);
          stack.push(type);
          break;
        }
        default:
          fail(`${where}: constant expression required`);
      }
    }
    if (stack.length !== 1 || stack[0] !== expected) fail(`${where}: type mismatch in constant expression`);
  }

  /** The type a constant instruction pushes (global.get: of an imported immutable global). */
  private constantType(instr: SingleConstant, where: string): number {
    switch (instr.op) {
      case "i32.const":
        return I32;
      case "i64.const":
        return I64;
      case "f32.const":
        return F32;
      case "f64.const":
        return F64;
      case "ref.null":
        return VALTYPE_CODE[instr.type];
      case "ref.func":
        if (instr.func >= this.funcTypes.length) fail(`${where}: unknown function ${instr.func}`);
        return FUNCREF;
      case "global.get": {
        if (instr.global >= this.importedGlobals) fail(`${where}: unknown global ${instr.global}`);
        const global = this.globalTypes[instr.global]!;
        if (global.mutable) fail(`${where}: constant expression required`);
        return VALTYPE_CODE[global.valType];
      }
    }
  }

  private checkExports(): void {
    const names = new Set<string>();
    for (const { name, kind, index } of this.module.exports) {
      if (names.has(name)) fail(`duplicate export name "${name}"`);
      names.add(name);
      const count =
        kind === "func"
          ? this.funcTypes.length
          : kind === "table"
            ? this.tables.length
            : kind === "memory"
              ? this.memoryCount
              : this.globalTypes.length;
      if (index >= count) fail(`export "${name}": unknown ${kind} ${index}`);
    }
  }
}

/** The functions referenced outside function bodies (and the start section): what ref.func may name. */
function declaredReferences(module: Module): Set<number> {
  const refs = new Set<number>();
  for (const global of module.globals) addReferences(refs, global.init);
  for (const elem of module.elems) {
    for (const func of elem.funcs) refs.add(func);
    for (const expr of elem.exprs ?? []) addReferences(refs, expr);
    if (elem.mode === "active") addReferences(refs, elem.offset);
  }
  for (const data of module.datas) if (data.mode === "active") addReferences(refs, data.offset);
  for (const exported of module.exports) if (exported.kind === "func") refs.add(exported.index);
  return refs;
}

function addReferences(refs: Set<number>, expr: ConstExpr): void {
  if (expr.op === "ref.func") refs.add(expr.func);
  else if (expr.op === "sequence")
    for (const instr of expr.code) if (instr.op === "ref.func") refs.add(instr.func);
}

/** A constant expression of one instruction. */
type SingleConstant = Exclude<ConstExpr, { op: "sequence" }>;

/** A module-level validation error; the IR keeps no byte offsets outside function bodies. */
function fail(reason: string): never {
  throw new InvalidModule(reason, -1);
}

/**
 * The per-instruction arrays of a module's functions, all in one buffer: creating a typed array of
 * more than 64 bytes with a buffer of its own costs more than validating a small function.
 */
class InstrArrays {
  private readonly memory: ArrayBuffer;
  private next = 0;

  /** For `total` instructions; the matching indices start at -1. */
  constructor(private readonly total: number) {
    this.memory = new ArrayBuffer(29 * total);
    new Int32Array(this.memory, 12 * total, 2 * total).fill(-1);
  }

  /** The arrays of the next function, of `n` instructions. */
  take(n: number) {
    const { memory, total } = this;
    const at = this.next;
    this.next += n;
    return {
      heightBefore: new Uint32Array(memory, 4 * at, n),
      heightAfter: new Uint32Array(memory, 4 * (total + at), n),
      controlDepth: new Uint32Array(memory, 4 * (2 * total + at), n),
      matchingEnd: new Int32Array(memory, 4 * (3 * total + at), n),
      matchingElse: new Int32Array(memory, 4 * (4 * total + at), n),
      blockParams: new Uint32Array(memory, 4 * (5 * total + at), n),
      blockResults: new Uint32Array(memory, 4 * (6 * total + at), n),
      unreachable: new Uint8Array(memory, 28 * total + at, n),
    };
  }
}

/** The local types of one function: expanded, or as runs beyond MAX_LOCALS. */
class Locals {
  private codes = new Uint8Array(64);
  private count = 0;
  /** For runs: the index one past each run, and each run's type. */
  private runEnds: number[] = [];
  private runCodes: number[] = [];

  reset(type: FuncType, body: FunctionBody): void {
    const runs = body.localRuns;
    this.runEnds = [];
    this.runCodes = [];
    if (runs !== undefined) {
      let end = 0;
      for (const t of type.params) {
        this.runEnds.push(++end);
        this.runCodes.push(VALTYPE_CODE[t]);
      }
      for (const [n, t] of runs) {
        end += n;
        this.runEnds.push(end);
        this.runCodes.push(VALTYPE_CODE[t]);
      }
      this.count = end;
      return;
    }
    const { params } = type;
    const { locals } = body;
    this.count = params.length + locals.length;
    if (this.codes.length < this.count) this.codes = new Uint8Array(this.count);
    for (let k = 0; k < params.length; k++) this.codes[k] = VALTYPE_CODE[params[k]!];
    for (let k = 0; k < locals.length; k++) this.codes[params.length + k] = VALTYPE_CODE[locals[k]!];
  }

  /** The type of local `index`, or undefined when there is none. */
  get(index: number): number | undefined {
    if (index >= this.count) return undefined;
    if (this.runEnds.length === 0) return this.codes[index];
    let low = 0;
    let high = this.runEnds.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.runEnds[mid]! > index) high = mid;
      else low = mid + 1;
    }
    return this.runCodes[low];
  }
}

/** Validates function bodies one after the other, reusing its stacks. */
class FunctionValidator {
  private readonly c: Context;
  private readonly locals = new Locals();

  private vals = new Uint8Array(64);
  private readonly scratch: number[] = [];
  private sp = 0;
  private readonly frames: Frame[] = [];
  private depth = 0;
  private frame!: Frame;
  private funcIndex = 0;
  private offset = 0;

  constructor(context: Context) {
    this.c = context;
  }

  validate(funcIndex: number, type: FuncType, body: FunctionBody, arrays: InstrArrays): FunctionInfo {
    const code = body.code;
    const n = code.length;
    const {
      heightBefore,
      heightAfter,
      controlDepth,
      matchingEnd,
      matchingElse,
      blockParams,
      blockResults,
      unreachable,
    } = arrays.take(n);
    this.funcIndex = funcIndex;
    this.locals.reset(type, body);
    this.sp = 0;
    this.depth = 0;
    this.pushFrame(FrameKind.Function, EMPTY.params, this.c.funcSignatures[funcIndex]!.results, -1);

    let maxHeight = 0;
    let makesCalls = false;
    for (let i = 0; i < n; i++) {
      const instr = code[i]!;
      this.offset = instr.offset;
      if (this.depth === 0) this.fail("instructions after the end of the function");
      const frame = this.frame;
      heightBefore[i] = this.sp;
      controlDepth[i] = this.depth;
      unreachable[i] = frame.unreachable || frame.dead ? 1 : 0;
      const op = OP_BY_NAME.get(instr.op);
      if (op === undefined) this.fail(`unknown operator ${instr.op}`);
      if (op.params !== null) {
        if (op.imm === Imm.MemArg || op.imm === Imm.ZeroByte || op.imm === Imm.ZeroBytes2)
          this.checkMemoryAccess(instr, op);
        const params = op.params;
        for (let k = params.length - 1; k >= 0; k--) this.popExpecting(params[k]!);
        if (op.result !== NONE) this.push(op.result);
      } else {
        const arity = this.control(instr, i, matchingEnd, matchingElse);
        if (arity !== null) {
          blockParams[i] = arity.params.length;
          blockResults[i] = arity.results.length;
        }
        if (instr.op === "call" || instr.op === "call_indirect") makesCalls = true;
      }
      heightAfter[i] = this.sp;
      if (this.sp > maxHeight) maxHeight = this.sp;
    }
    if (this.depth !== 0) this.fail("function body must end with end");
    return {
      funcIndex,
      type,
      heightBefore,
      heightAfter,
      controlDepth,
      unreachable,
      matchingEnd,
      matchingElse,
      blockParams,
      blockResults,
      maxHeight,
      makesCalls,
    };
  }

  private checkMemoryAccess(instr: Instr, op: OpInfo): void {
    if (!this.c.hasMemory) this.fail("unknown memory 0");
    if (op.imm === Imm.MemArg && (instr as Extract<Instr, { align: number }>).align > op.naturalAlign) {
      this.fail("alignment must not be larger than natural");
    }
  }

  /** The operators without fixed signature. Returns a block's signature for block, loop and if. */
  private control(
    instr: Instr,
    index: number,
    matchingEnd: Int32Array,
    matchingElse: Int32Array,
  ): Signature | null {
    switch (instr.op) {
      case "unreachable":
        this.markUnreachable();
        break;
      case "block":
      case "loop":
      case "if": {
        const signature = this.blockSignature(instr.blockType);
        if (instr.op === "if") this.popExpecting(I32);
        this.popAll(signature.params);
        const kind =
          instr.op === "block" ? FrameKind.Block : instr.op === "loop" ? FrameKind.Loop : FrameKind.If;
        this.pushFrame(kind, signature.params, signature.results, index);
        this.pushAll(signature.params);
        return signature;
      }
      case "else": {
        const frame = this.frame;
        if (frame.kind !== FrameKind.If) this.fail("else without matching if");
        this.popFrameResults(frame);
        frame.kind = FrameKind.Else;
        frame.elseIndex = index;
        frame.unreachable = false;
        matchingElse[frame.start] = index;
        this.pushAll(frame.startTypes);
        break;
      }
      case "end": {
        const frame = this.frame;
        if (frame.kind === FrameKind.If && !sameTypes(frame.startTypes, frame.endTypes))
          this.fail("type mismatch: if without else");
        this.popFrameResults(frame);
        this.depth--;
        if (frame.start >= 0) matchingEnd[frame.start] = index;
        if (frame.elseIndex >= 0) matchingEnd[frame.elseIndex] = index;
        if (this.depth > 0) this.frame = this.frames[this.depth - 1]!;
        this.pushAll(frame.endTypes);
        break;
      }
      case "br":
        this.popAll(this.labelTypes(instr.depth));
        this.markUnreachable();
        break;
      case "br_if": {
        const types = this.labelTypes(instr.depth);
        this.popExpecting(I32);
        this.popAll(types);
        this.pushAll(types);
        break;
      }
      case "br_table": {
        this.popExpecting(I32);
        const arity = this.labelTypes(instr.defaultDepth).length;
        for (const depth of instr.depths) {
          const types = this.labelTypes(depth);
          if (types.length !== arity) this.fail("type mismatch: br_table targets differ in arity");
          this.checkTop(types);
        }
        this.popAll(this.labelTypes(instr.defaultDepth));
        this.markUnreachable();
        break;
      }
      case "return":
        this.popAll(this.frames[0]!.endTypes);
        this.markUnreachable();
        break;
      case "call": {
        const signature = this.c.funcSignatures[instr.func];
        if (signature === undefined) this.fail(`unknown function ${instr.func}`);
        this.call(signature);
        break;
      }
      case "call_indirect": {
        const table = this.table(instr.table);
        if (table.elemType !== "funcref") this.fail(`type mismatch: table ${instr.table} is not funcref`);
        const signature = this.c.signatures[instr.typeIndex];
        if (signature === undefined) this.fail(`unknown type ${instr.typeIndex}`);
        this.popExpecting(I32);
        this.call(signature);
        break;
      }
      case "drop":
        this.pop();
        break;
      case "select": {
        this.popExpecting(I32);
        const t1 = this.pop();
        const t2 = this.pop();
        if (!isNumber(t1) && t1 !== UNKNOWN) this.fail("type mismatch in select: not a number");
        if (!isNumber(t2) && t2 !== UNKNOWN) this.fail("type mismatch in select: not a number");
        if (t1 !== t2 && t1 !== UNKNOWN && t2 !== UNKNOWN) this.fail("type mismatch in select");
        this.push(t1 === UNKNOWN ? t2 : t1);
        break;
      }
      case "select_t": {
        if (instr.types.length !== 1) this.fail("invalid result arity in select");
        const type = VALTYPE_CODE[instr.types[0]!];
        this.popExpecting(I32);
        this.popExpecting(type);
        this.popExpecting(type);
        this.push(type);
        break;
      }
      case "local.get":
        this.push(this.local(instr.local));
        break;
      case "local.set":
        this.popExpecting(this.local(instr.local));
        break;
      case "local.tee": {
        const type = this.local(instr.local);
        this.popExpecting(type);
        this.push(type);
        break;
      }
      case "global.get":
        this.push(VALTYPE_CODE[this.global(instr.global).valType]);
        break;
      case "global.set": {
        const global = this.global(instr.global);
        if (!global.mutable) this.fail("global is immutable");
        this.popExpecting(VALTYPE_CODE[global.valType]);
        break;
      }
      case "ref.null":
        this.push(VALTYPE_CODE[instr.type]);
        break;
      case "ref.is_null": {
        const type = this.pop();
        if (type !== UNKNOWN && !isReference(type)) this.typeMismatch();
        this.push(I32);
        break;
      }
      case "ref.func":
        if (instr.func >= this.c.funcTypes.length) this.fail(`unknown function ${instr.func}`);
        if (!this.c.refs.has(instr.func)) this.fail(`undeclared function reference ${instr.func}`);
        this.push(FUNCREF);
        break;
      case "table.get":
        this.popExpecting(I32);
        this.push(this.tableElement(instr.table));
        break;
      case "table.set": {
        const element = this.tableElement(instr.table);
        this.popExpecting(element);
        this.popExpecting(I32);
        break;
      }
      case "table.size":
        this.table(instr.table);
        this.push(I32);
        break;
      case "table.grow": {
        const element = this.tableElement(instr.table);
        this.popExpecting(I32);
        this.popExpecting(element);
        this.push(I32);
        break;
      }
      case "table.fill": {
        const element = this.tableElement(instr.table);
        this.popExpecting(I32);
        this.popExpecting(element);
        this.popExpecting(I32);
        break;
      }
      case "table.copy":
        if (this.tableElement(instr.dstTable) !== this.tableElement(instr.srcTable)) this.typeMismatch();
        this.popAll([I32, I32, I32]);
        break;
      case "table.init":
        if (this.tableElement(instr.table) !== VALTYPE_CODE[this.elem(instr.elem).type]) this.typeMismatch();
        this.popAll([I32, I32, I32]);
        break;
      case "elem.drop":
        this.elem(instr.elem);
        break;
      case "memory.init":
        if (!this.c.hasMemory) this.fail("unknown memory 0");
        this.data(instr.data);
        this.popAll([I32, I32, I32]);
        break;
      case "data.drop":
        this.data(instr.data);
        break;
      default:
        this.fail(`unexpected operator ${instr.op}`);
    }
    return null;
  }

  private blockSignature(blockType: BlockType): Signature {
    if (blockType === null) return EMPTY;
    if (typeof blockType === "object") {
      const signature = this.c.signatures[blockType.typeIndex];
      if (signature === undefined) this.fail(`unknown type ${blockType.typeIndex}`);
      return signature;
    }
    return ONE_RESULT.get(blockType)!;
  }

  private call(signature: Signature): void {
    this.popAll(signature.params);
    this.pushAll(signature.results);
  }

  private local(index: number): number {
    const type = this.locals.get(index);
    if (type === undefined) this.fail(`unknown local ${index}`);
    return type;
  }

  private global(index: number): GlobalType {
    const global = this.c.globals[index];
    if (global === undefined) this.fail(`unknown global ${index}`);
    return global;
  }

  private table(index: number): TableType {
    const table = this.c.tables[index];
    if (table === undefined) this.fail(`unknown table ${index}`);
    return table;
  }

  private tableElement(index: number): number {
    return VALTYPE_CODE[this.table(index).elemType];
  }

  private elem(index: number): Module["elems"][number] {
    const elem = this.c.elems[index];
    if (elem === undefined) this.fail(`unknown element segment ${index}`);
    return elem;
  }

  private data(index: number): void {
    if (index >= this.c.dataCount) this.fail(`unknown data segment ${index}`);
  }

  /** Types a branch to the label `depth` frames out carries. */
  private labelTypes(depth: number): readonly number[] {
    if (depth >= this.depth) this.fail(`unknown label ${depth}`);
    const frame = this.frames[this.depth - 1 - depth]!;
    return frame.kind === FrameKind.Loop ? frame.startTypes : frame.endTypes;
  }

  private pushFrame(
    kind: FrameKind,
    startTypes: readonly number[],
    endTypes: readonly number[],
    start: number,
  ): void {
    const parent = this.depth > 0 ? this.frame : null;
    let frame = this.frames[this.depth];
    if (frame === undefined) {
      frame = {
        kind,
        height: 0,
        startTypes,
        endTypes,
        unreachable: false,
        dead: false,
        start,
        elseIndex: -1,
      };
      this.frames.push(frame);
    }
    frame.kind = kind;
    frame.height = this.sp;
    frame.startTypes = startTypes;
    frame.endTypes = endTypes;
    frame.unreachable = false;
    frame.dead = parent !== null && (parent.unreachable || parent.dead);
    frame.start = start;
    frame.elseIndex = -1;
    this.frame = frame;
    this.depth++;
  }

  /** Pops a frame's results, which must be all that is left above its entry height. */
  private popFrameResults(frame: Frame): void {
    this.popAll(frame.endTypes);
    if (this.sp !== frame.height)
      this.fail("type mismatch: values remain on the stack at the end of a block");
  }

  private markUnreachable(): void {
    this.sp = this.frame.height;
    this.frame.unreachable = true;
  }

  private push(type: number): void {
    if (this.sp === this.vals.length) {
      const grown = new Uint8Array(this.vals.length * 2);
      grown.set(this.vals);
      this.vals = grown;
    }
    this.vals[this.sp++] = type;
  }

  private pushAll(types: readonly number[]): void {
    for (const type of types) this.push(type);
  }

  /** Pops one operand; below the frame's entry height only the polymorphic stack yields UNKNOWN. */
  private pop(): number {
    const frame = this.frame;
    if (this.sp === frame.height) {
      if (frame.unreachable) return UNKNOWN;
      this.fail("type mismatch: operand stack underflow");
    }
    return this.vals[--this.sp]!;
  }

  private popExpecting(expected: number): number {
    const actual = this.pop();
    if (actual !== expected && actual !== UNKNOWN) this.typeMismatch();
    return actual;
  }

  /** Checks the top of the stack against `types`, putting back what was there (UNKNOWN stays UNKNOWN). */
  private checkTop(types: readonly number[]): void {
    const popped = this.scratch;
    for (let k = types.length - 1; k >= 0; k--) popped[k] = this.popExpecting(types[k]!);
    for (let k = 0; k < types.length; k++) this.push(popped[k]!);
  }

  private popAll(types: readonly number[]): void {
    for (let k = types.length - 1; k >= 0; k--) this.popExpecting(types[k]!);
  }

  private typeMismatch(): never {
    this.fail("type mismatch");
  }

  private fail(reason: string): never {
    throw new InvalidModule(reason, this.offset, this.funcIndex);
  }
}
