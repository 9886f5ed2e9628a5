// WebAssembly 1.0 validation (the algorithm of the spec's appendix, with the 2.0 typing of
// br_table and select in unreachable code that the spec test suite expects), computing per
// instruction the operand-stack heights, control depth and reachability.
//
// Height convention: heights count the values on the validator's operand stack, relative to the
// function's empty stack. In unreachable code this is the stack the validator actually holds: an
// instruction that makes the rest of its block unreachable (unreachable, br, br_table, return)
// leaves the height of its block's entry, and popping an operand that is not there (the
// polymorphic stack) leaves the height unchanged, while pushes still count. So in
// `block (result i32) unreachable i32.add end` the i32.add has heightBefore 0 and heightAfter 1.
// A branch's heightAfter is that of its block's entry too (br_if: the fall-through height).
//
// The other per-instruction facts:
//   controlDepth  frames open when the instruction starts, the function's included: a block and
//                 its end differ by one (`block` 1, its body and its `end` 2).
//   unreachable   1 when control cannot fall into the instruction: after unreachable, br,
//                 br_table or return in its block, or anywhere in a block opened in such code.
//                 For `else` and `end` it says only that: their label may still be branched to.
//   matchingEnd   for block, loop, if and else: the index of their end; matchingElse for if.
// maxHeight covers unreachable code as well, so it bounds every height of the function;
// makesCalls is set by any call or call_indirect. Where validation stops at a post-1.0 construct
// (a call of a multi-value or reference-typed signature, a reference-typed global, or the whole
// body of a function of such a signature) the arrays hold zeros, matching indices -1, from there.
import { guarded, InvalidModule } from "./errors.js";
import type {
  BlockType,
  ConstExpr,
  FuncType,
  FunctionBody,
  FunctionInfo,
  GlobalType,
  Instr,
  Limits,
  Module,
  UnsupportedUse,
  ValidatedModule,
} from "./ir.js";
import { F32, F64, I32, I64, Imm, NONE, OP_BY_NAME, type OpInfo, VALTYPE_CODE } from "./opcodes.js";

/** Validates a decoded module. Throws only InvalidModule or UnsupportedFeature. */
export function validateModule(module: Module): ValidatedModule {
  return guarded(() => new ModuleValidator(module).validate());
}

/** Every post-1.0 construct a validated module uses: outside function bodies first, then per function. */
export function postMvpUses({ module, functions }: ValidatedModule): UnsupportedUse[] {
  return [...(module.postMvp ?? []), ...functions.flatMap((f) => (f.unsupported ? [f.unsupported] : []))];
}

/** Largest memory size in 1.0: 65536 pages of 64 KiB (4 GiB). */
const MAX_PAGES = 65536;

/** Operand-stack entry of the polymorphic stack in unreachable code: matches any type. */
const UNKNOWN = 0;

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
  /** Operand-stack height at entry. */
  height: number;
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

const NO_TYPES: readonly number[] = [];
const BLOCK_TYPES: Readonly<Record<string, readonly number[]>> = {
  i32: [I32],
  i64: [I64],
  f32: [F32],
  f64: [F64],
};

function blockTypes(blockType: BlockType): readonly number[] {
  return blockType === null ? NO_TYPES : BLOCK_TYPES[blockType]!;
}

class ModuleValidator {
  private readonly module: Module;
  private readonly funcTypes: FuncType[] = [];
  private readonly globalTypes: GlobalType[] = [];
  private importedGlobals = 0;
  private tableCount = 0;
  private memoryCount = 0;

  constructor(module: Module) {
    this.module = module;
  }

  validate(): ValidatedModule {
    const m = this.module;
    m.imports.forEach(({ desc }, i) => {
      const where = `import ${i}`;
      switch (desc.kind) {
        case "func":
          this.funcTypes.push(this.type(desc.typeIndex, where));
          break;
        case "table":
          this.checkTableLimits(desc.limits, where);
          this.tableCount++;
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
    });
    if (m.bodies.length !== m.funcTypeIndices.length) {
      fail("function and code section have inconsistent lengths");
    }
    m.tables.forEach((limits, i) => {
      this.checkTableLimits(limits, `table ${this.tableCount + i}`);
    });
    this.tableCount += m.tables.length;
    m.memories.forEach((limits, i) => {
      this.checkMemoryLimits(limits, `memory ${this.memoryCount + i}`);
    });
    this.memoryCount += m.memories.length;
    if (this.memoryCount > 1) fail("multiple memories");
    for (const global of m.globals) {
      const where = `global ${this.globalTypes.length}`;
      if (!global.type.unsupported) {
        this.checkConstExpr(global.init, VALTYPE_CODE[global.type.valType], where);
      }
      this.globalTypes.push(global.type);
    }
    this.checkExports();
    if (m.start !== null) {
      const type = this.funcTypes[m.start];
      if (type === undefined) fail(`start: unknown function ${m.start}`);
      if (type.params.length > 0 || type.results.length > 0 || type.unsupported) {
        fail("start function must have type [] -> []");
      }
    }
    m.elems.forEach((elem, i) => {
      const where = `element segment ${i}`;
      if (elem.table >= this.tableCount) fail(`${where}: unknown table ${elem.table}`);
      this.checkConstExpr(elem.offset, I32, where);
      for (const func of elem.funcs) {
        if (func >= this.funcTypes.length) fail(`${where}: unknown function ${func}`);
      }
    });
    m.datas.forEach((data, i) => {
      const where = `data segment ${i}`;
      if (data.memory >= this.memoryCount) fail(`${where}: unknown memory ${data.memory}`);
      this.checkConstExpr(data.offset, I32, where);
    });
    const validator = new FunctionValidator(
      m.types,
      this.funcTypes,
      this.globalTypes,
      this.tableCount,
      this.memoryCount > 0,
    );
    const arrays = new InstrArrays(m.bodies.reduce((sum, body) => sum + body.code.length, 0));
    const functions = m.bodies.map((body, i) =>
      validator.validate(importedFuncs + i, this.funcTypes[importedFuncs + i]!, body, arrays),
    );
    return { module: m, functions, funcTypes: this.funcTypes };
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

  /** Constant expressions may read only imported, immutable globals. */
  private checkConstExpr(expr: ConstExpr, expected: number, where: string): void {
    let type: number;
    if (expr.op === "global.get") {
      if (expr.global >= this.importedGlobals) fail(`${where}: unknown global ${expr.global}`);
      const global = this.globalTypes[expr.global]!;
      if (global.mutable) fail(`${where}: constant expression required`);
      type = global.unsupported ? UNKNOWN : VALTYPE_CODE[global.valType];
    } else type = CONST_TYPES[expr.op];
    if (type !== expected) fail(`${where}: type mismatch in constant expression`);
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
            ? this.tableCount
            : kind === "memory"
              ? this.memoryCount
              : this.globalTypes.length;
      if (index >= count) fail(`export "${name}": unknown ${kind} ${index}`);
    }
  }
}

/** A module-level validation error; the IR keeps no byte offsets outside function bodies. */
function fail(reason: string): never {
  throw new InvalidModule(reason, -1);
}

const CONST_TYPES = { "i32.const": I32, "i64.const": I64, "f32.const": F32, "f64.const": F64 } as const;

/**
 * The per-instruction arrays of a module's functions, all in one buffer: creating a typed array of
 * more than 64 bytes with a buffer of its own costs more than validating a small function.
 */
class InstrArrays {
  private readonly memory: ArrayBuffer;
  private next = 0;

  /** For `total` instructions; the matching indices start at -1. */
  constructor(private readonly total: number) {
    this.memory = new ArrayBuffer(21 * total);
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
      unreachable: new Uint8Array(memory, 20 * total + at, n),
    };
  }
}

/** Validates function bodies one after the other, reusing its stacks. */
class FunctionValidator {
  private readonly types: readonly FuncType[];
  private readonly funcTypes: readonly FuncType[];
  private readonly globalTypes: readonly GlobalType[];
  private readonly tableCount: number;
  private readonly hasMemory: boolean;

  private vals = new Uint8Array(64);
  private readonly scratch: number[] = [];
  private sp = 0;
  private readonly frames: Frame[] = [];
  private depth = 0;
  private frame!: Frame;
  private funcIndex = 0;
  private offset = 0;

  constructor(
    types: readonly FuncType[],
    funcTypes: readonly FuncType[],
    globalTypes: readonly GlobalType[],
    tableCount: number,
    hasMemory: boolean,
  ) {
    this.types = types;
    this.funcTypes = funcTypes;
    this.globalTypes = globalTypes;
    this.tableCount = tableCount;
    this.hasMemory = hasMemory;
  }

  validate(funcIndex: number, type: FuncType, body: FunctionBody, arrays: InstrArrays): FunctionInfo {
    const code = body.code;
    const n = code.length;
    const { heightBefore, heightAfter, controlDepth, matchingEnd, matchingElse, unreachable } =
      arrays.take(n);
    const info = {
      funcIndex,
      type,
      heightBefore,
      heightAfter,
      controlDepth,
      unreachable,
      matchingEnd,
      matchingElse,
      maxHeight: 0,
      makesCalls: false,
      unsupported: type.unsupported ?? null,
    };
    if (type.unsupported) return info;

    this.funcIndex = funcIndex;
    const locals = new Uint8Array(type.params.length + body.locals.length);
    type.params.forEach((t, k) => {
      locals[k] = VALTYPE_CODE[t];
    });
    body.locals.forEach((t, k) => {
      locals[type.params.length + k] = VALTYPE_CODE[t];
    });
    this.sp = 0;
    this.depth = 0;
    this.pushFrame(
      FrameKind.Function,
      type.results.map((t) => VALTYPE_CODE[t]),
      -1,
    );

    let maxHeight = 0;
    let makesCalls = false;
    let stoppedAt: UnsupportedUse | null = null;
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
        if (op.imm === Imm.MemArg || op.imm === Imm.ZeroByte) this.checkMemoryAccess(instr, op);
        const params = op.params;
        for (let k = params.length - 1; k >= 0; k--) this.popExpecting(params[k]!);
        if (op.result !== NONE) this.push(op.result);
      } else {
        const stop = this.control(instr, i, locals, matchingEnd, matchingElse);
        if (stop !== null) {
          stoppedAt = stop;
          break;
        }
        if (instr.op === "call" || instr.op === "call_indirect") makesCalls = true;
      }
      heightAfter[i] = this.sp;
      if (this.sp > maxHeight) maxHeight = this.sp;
    }
    if (stoppedAt === null && body.unsupported === null && this.depth !== 0) {
      this.fail("function body must end with end");
    }
    info.maxHeight = maxHeight;
    info.makesCalls = makesCalls;
    info.unsupported =
      stoppedAt ??
      body.unsupported ??
      (type.results.length > 1 ? { feature: "multi-value", offset: body.offset } : null);
    return info;
  }

  private checkMemoryAccess(instr: Instr, op: OpInfo): void {
    if (!this.hasMemory) this.fail("unknown memory 0");
    if (op.imm === Imm.MemArg && (instr as Extract<Instr, { align: number }>).align > op.naturalAlign) {
      this.fail("alignment must not be larger than natural");
    }
  }

  /** The operators without fixed signature. Returns where validation must stop for a post-1.0 feature. */
  private control(
    instr: Instr,
    index: number,
    locals: Uint8Array,
    matchingEnd: Int32Array,
    matchingElse: Int32Array,
  ): UnsupportedUse | null {
    switch (instr.op) {
      case "unreachable":
        this.markUnreachable();
        break;
      case "block":
        this.pushFrame(FrameKind.Block, blockTypes(instr.blockType), index);
        break;
      case "loop":
        this.pushFrame(FrameKind.Loop, blockTypes(instr.blockType), index);
        break;
      case "if":
        this.popExpecting(I32);
        this.pushFrame(FrameKind.If, blockTypes(instr.blockType), index);
        break;
      case "else": {
        const frame = this.frame;
        if (frame.kind !== FrameKind.If) this.fail("else without matching if");
        this.popFrameResults(frame);
        frame.kind = FrameKind.Else;
        frame.elseIndex = index;
        frame.unreachable = false;
        matchingElse[frame.start] = index;
        break;
      }
      case "end": {
        const frame = this.frame;
        if (frame.kind === FrameKind.If && frame.endTypes.length > 0)
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
        const type = this.funcTypes[instr.func];
        if (type === undefined) this.fail(`unknown function ${instr.func}`);
        const unsupported = postMvpSignature(type, instr.offset);
        if (unsupported) return unsupported;
        this.call(type);
        break;
      }
      case "call_indirect": {
        if (this.tableCount === 0) this.fail("unknown table 0");
        const type = this.types[instr.typeIndex];
        if (type === undefined) this.fail(`unknown type ${instr.typeIndex}`);
        const unsupported = postMvpSignature(type, instr.offset);
        if (unsupported) return unsupported;
        this.popExpecting(I32);
        this.call(type);
        break;
      }
      case "drop":
        this.pop();
        break;
      case "select": {
        this.popExpecting(I32);
        const t1 = this.pop();
        const t2 = this.pop();
        if (t1 !== t2 && t1 !== UNKNOWN && t2 !== UNKNOWN) this.fail("type mismatch in select");
        this.push(t1 === UNKNOWN ? t2 : t1);
        break;
      }
      case "local.get":
        this.push(this.local(locals, instr.local));
        break;
      case "local.set":
        this.popExpecting(this.local(locals, instr.local));
        break;
      case "local.tee": {
        const type = this.local(locals, instr.local);
        this.popExpecting(type);
        this.push(type);
        break;
      }
      case "global.get": {
        const global = this.global(instr.global);
        if (global.unsupported) return { feature: global.unsupported.feature, offset: instr.offset };
        this.push(VALTYPE_CODE[global.valType]);
        break;
      }
      case "global.set": {
        const global = this.global(instr.global);
        if (!global.mutable) this.fail("global is immutable");
        if (global.unsupported) return { feature: global.unsupported.feature, offset: instr.offset };
        this.popExpecting(VALTYPE_CODE[global.valType]);
        break;
      }
      default:
        this.fail(`unexpected operator ${instr.op}`);
    }
    return null;
  }

  private call(type: FuncType): void {
    const params = type.params;
    for (let k = params.length - 1; k >= 0; k--) this.popExpecting(VALTYPE_CODE[params[k]!]);
    for (const t of type.results) this.push(VALTYPE_CODE[t]);
  }

  private local(locals: Uint8Array, index: number): number {
    if (index >= locals.length) this.fail(`unknown local ${index}`);
    return locals[index]!;
  }

  private global(index: number): GlobalType {
    const global = this.globalTypes[index];
    if (global === undefined) this.fail(`unknown global ${index}`);
    return global;
  }

  /** Types a branch to the label `depth` frames out carries. */
  private labelTypes(depth: number): readonly number[] {
    if (depth >= this.depth) this.fail(`unknown label ${depth}`);
    const frame = this.frames[this.depth - 1 - depth]!;
    return frame.kind === FrameKind.Loop ? NO_TYPES : frame.endTypes;
  }

  private pushFrame(kind: FrameKind, endTypes: readonly number[], start: number): void {
    const parent = this.depth > 0 ? this.frame : null;
    let frame = this.frames[this.depth];
    if (frame === undefined) {
      frame = { kind, height: 0, endTypes, unreachable: false, dead: false, start, elseIndex: -1 };
      this.frames.push(frame);
    }
    frame.kind = kind;
    frame.height = this.sp;
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
    if (actual !== expected && actual !== UNKNOWN) this.fail("type mismatch");
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

  private fail(reason: string): never {
    throw new InvalidModule(reason, this.offset, this.funcIndex);
  }
}

/** A callee signature beyond 1.0 (post-1.0 value types, several results) stops validation there. */
function postMvpSignature(type: FuncType, offset: number): UnsupportedUse | null {
  if (type.unsupported) return { feature: type.unsupported.feature, offset };
  if (type.results.length > 1) return { feature: "multi-value", offset };
  return null;
}
