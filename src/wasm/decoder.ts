// WebAssembly 1.0 binary format → Module. Post-1.0 instructions stop the decoding of their function
// body (FunctionBody.unsupported); post-1.0 constructs elsewhere are either kept and listed in
// Module.postMvp when the IR can represent them, or thrown as UnsupportedFeature.
import { guarded, InvalidModule, MalformedModule, UnsupportedFeature } from "./errors.js";
import type {
  BlockType,
  ConstExpr,
  CustomSection,
  DataSegment,
  ElemSegment,
  Export,
  ExternKind,
  FuncType,
  FunctionBody,
  Global,
  GlobalType,
  Import,
  Instr,
  Limits,
  MemoryOp,
  Module,
  NameSection,
  PlainOp,
  UnsupportedUse,
  ValType,
} from "./ir.js";
import { Imm, OP_BY_CODE, PREFIX_FC, postMvpFeature, postMvpTypeFeature, valTypeOf } from "./opcodes.js";
import { Reader } from "./reader.js";

/** Decodes a binary module. Throws only MalformedModule, InvalidModule or UnsupportedFeature. */
export function decodeModule(bytes: Uint8Array): Module {
  return guarded(() => new ModuleDecoder(bytes).decode());
}

const MAGIC = 0x6d736100; // "\0asm" read as a little-endian u32
const VERSION = 1;

/**
 * More locals than engines accept (the JS API limit); such a function is marked unsupported with
 * feature "implementation-limit" instead of being expanded.
 */
export const MAX_LOCALS = 50_000;

const enum Section {
  Custom = 0,
  Type = 1,
  Import = 2,
  Function = 3,
  Table = 4,
  Memory = 5,
  Global = 6,
  Export = 7,
  Start = 8,
  Element = 9,
  Code = 10,
  Data = 11,
  DataCount = 12,
}

const FUNCREF = 0x70;
const EXTERNREF = 0x6f;
const EMPTY_BLOCK = 0x40;
const END = 0x0b;

const EXTERN_KINDS: readonly ExternKind[] = ["func", "table", "memory", "global"];

/** Stands for a const expr whose value is a reference (ref.null, ref.func). */
const REFERENCE = "reference";

/** Placeholder for IR fields of constructs that are invalid (the module is then rejected) or post-1.0. */
const PLACEHOLDER_EXPR: ConstExpr = { op: "i32.const", value: 0 };

class ModuleDecoder {
  private readonly r: Reader;
  private readonly types: FuncType[] = [];
  private readonly imports: Import[] = [];
  private readonly funcTypeIndices: number[] = [];
  private readonly tables: Limits[] = [];
  private readonly memories: Limits[] = [];
  private readonly globals: Global[] = [];
  private readonly exports: Export[] = [];
  private start: number | null = null;
  private readonly elems: ElemSegment[] = [];
  private readonly datas: DataSegment[] = [];
  private readonly bodies: FunctionBody[] = [];
  private names: NameSection = { functions: new Map(), locals: new Map() };
  private readonly customSections: CustomSection[] = [];
  private readonly postMvp: UnsupportedUse[] = [];
  private importedTables = 0;
  /** The first validation error seen while decoding; thrown once the whole module proved well formed. */
  private invalid: InvalidModule | null = null;

  constructor(bytes: Uint8Array) {
    this.r = new Reader(bytes);
  }

  decode(): Module {
    const r: Reader = this.r;
    if (r.end < 4) r.fail("unexpected end");
    if (r.view.getUint32(0, true) !== MAGIC) r.fail("magic header not detected", 0);
    if (r.end < 8) r.fail("unexpected end", 4);
    if (r.view.getUint32(4, true) !== VERSION) r.fail("unknown binary version", 4);
    r.pos = 8;
    let lastId: number = Section.Custom;
    let sawCodeSection = false;
    while (!r.atEnd()) {
      const idOffset = r.pos;
      const id = r.u8();
      if (id > Section.DataCount) r.fail("malformed section id", idOffset);
      const size = r.u32();
      if (size > r.end - r.pos) r.fail("length out of bounds", idOffset + 1);
      const end = r.pos + size;
      r.end = end;
      if (id === Section.DataCount) throw new UnsupportedFeature("bulk-memory", idOffset);
      if (id !== Section.Custom) {
        if (id <= lastId) r.fail("unexpected content after last section", idOffset);
        lastId = id;
      }
      switch (id) {
        case Section.Custom:
          this.customSection(end);
          break;
        case Section.Type:
          this.typeSection();
          break;
        case Section.Import:
          this.importSection();
          break;
        case Section.Function:
          this.functionSection();
          break;
        case Section.Table:
          this.tableSection();
          break;
        case Section.Memory:
          this.memorySection();
          break;
        case Section.Global:
          this.globalSection();
          break;
        case Section.Export:
          this.exportSection();
          break;
        case Section.Start:
          this.start = r.u32();
          break;
        case Section.Element:
          this.elementSection();
          break;
        case Section.Code:
          sawCodeSection = true;
          this.codeSection();
          break;
        case Section.Data:
          this.dataSection();
          break;
      }
      if (r.pos !== end) r.fail("section size mismatch");
      r.end = r.bytes.length;
    }
    if (!sawCodeSection && this.funcTypeIndices.length > 0) {
      r.fail("function and code section have inconsistent lengths");
    }
    if (this.invalid) throw this.invalid;
    return {
      types: this.types,
      imports: this.imports,
      funcTypeIndices: this.funcTypeIndices,
      tables: this.tables,
      memories: this.memories,
      globals: this.globals,
      exports: this.exports,
      start: this.start,
      elems: this.elems,
      datas: this.datas,
      bodies: this.bodies,
      names: this.names,
      customSections: this.customSections,
      postMvp: this.postMvp,
    };
  }

  private customSection(end: number): void {
    const r: Reader = this.r;
    const name = r.name();
    const offset = r.pos;
    if (name === "name") {
      const names = this.nameSection();
      if (names) {
        this.names = names;
        return;
      }
      r.pos = offset; // a broken name section is ignored, as engines do, and kept opaque
    }
    this.customSections.push({ name, bytes: r.bytes.slice(offset, end), offset });
    r.pos = end;
  }

  /** The `name` section's subsections 0 (module), 1 (functions) and 2 (locals); null if malformed. */
  private nameSection(): NameSection | null {
    const r: Reader = this.r;
    const sectionEnd = r.end;
    let module: string | undefined;
    const functions = new Map<number, string>();
    const locals = new Map<number, Map<number, string>>();
    try {
      let lastId = -1;
      while (!r.atEnd()) {
        const id = r.u8();
        const size = r.u32();
        if (id <= lastId || size > r.end - r.pos) return null;
        lastId = id;
        const end = r.pos + size;
        r.end = end;
        if (id === 0) module = r.name();
        else if (id === 1) this.nameMap(functions);
        else if (id === 2) {
          for (let n = r.count(2); n > 0; n--) {
            const func = r.u32();
            const map = new Map<number, string>();
            this.nameMap(map);
            locals.set(func, map);
          }
        } else r.pos = end;
        if (r.pos !== end) return null;
        r.end = sectionEnd;
      }
    } catch (error) {
      if (error instanceof MalformedModule) return null;
      throw error;
    } finally {
      r.end = sectionEnd;
    }
    return module === undefined ? { functions, locals } : { module, functions, locals };
  }

  private nameMap(into: Map<number, string>): void {
    const r: Reader = this.r;
    for (let n = r.count(2); n > 0; n--) {
      const index = r.u32();
      into.set(index, r.name());
    }
  }

  private typeSection(): void {
    const r: Reader = this.r;
    for (let n = r.count(3); n > 0; n--) {
      const offset = r.pos;
      if (r.u8() !== 0x60) r.fail("malformed function type", offset);
      let unsupported: UnsupportedUse | undefined;
      const params: ValType[] = [];
      const results: ValType[] = [];
      for (const list of [params, results]) {
        for (let k = r.count(); k > 0; k--) {
          const at = r.pos;
          const type = this.valType();
          if (typeof type === "string") list.push(type);
          else unsupported ??= { feature: type.feature, offset: at };
        }
      }
      if (unsupported) {
        this.postMvp.push(unsupported);
        this.types.push({ params: [], results: [], unsupported });
      } else {
        if (results.length > 1) this.postMvp.push({ feature: "multi-value", offset });
        this.types.push({ params, results });
      }
    }
  }

  /** A value type, or the post-1.0 feature its byte belongs to. */
  private valType(): ValType | { readonly feature: string } {
    const r: Reader = this.r;
    const code = r.u8();
    const type = valTypeOf(code);
    if (type) return type;
    const feature = postMvpTypeFeature(code);
    if (feature === undefined) r.fail("malformed value type", r.pos - 1);
    return { feature };
  }

  private importSection(): void {
    const r: Reader = this.r;
    for (let n = r.count(4); n > 0; n--) {
      const module = r.name();
      const name = r.name();
      const kindOffset = r.pos;
      switch (r.u8()) {
        case 0:
          this.imports.push({ module, name, desc: { kind: "func", typeIndex: r.u32() } });
          break;
        case 1:
          this.imports.push({ module, name, desc: { kind: "table", limits: this.tableType() } });
          this.importedTables++;
          if (this.importedTables > 1) this.postMvp.push({ feature: "reference-types", offset: kindOffset });
          break;
        case 2:
          this.imports.push({ module, name, desc: { kind: "memory", limits: this.limits() } });
          break;
        case 3:
          this.imports.push({ module, name, desc: { kind: "global", type: this.globalType() } });
          break;
        default:
          r.fail("malformed import kind", kindOffset);
      }
    }
  }

  private functionSection(): void {
    const r: Reader = this.r;
    for (let n = r.count(); n > 0; n--) this.funcTypeIndices.push(r.u32());
  }

  private tableSection(): void {
    const r: Reader = this.r;
    for (let n = r.count(2); n > 0; n--) {
      const offset = r.pos;
      this.tables.push(this.tableType());
      if (this.importedTables + this.tables.length > 1)
        this.postMvp.push({ feature: "reference-types", offset });
    }
  }

  private tableType(): Limits {
    const r: Reader = this.r;
    const offset = r.pos;
    const elemType = r.u8();
    if (elemType === EXTERNREF) throw new UnsupportedFeature("reference-types", offset);
    if (elemType !== FUNCREF) r.fail("malformed reference type", offset);
    return this.limits();
  }

  private memorySection(): void {
    const r: Reader = this.r;
    for (let n = r.count(2); n > 0; n--) this.memories.push(this.limits());
  }

  private limits(): Limits {
    const r: Reader = this.r;
    const offset = r.pos;
    const flags = r.u8();
    if (flags === 0) return { min: r.u32() };
    if (flags === 1) {
      const min = r.u32();
      return { min, max: r.u32() };
    }
    return r.fail("malformed limits flags", offset);
  }

  private globalType(): GlobalType {
    const r: Reader = this.r;
    const offset = r.pos;
    const type = this.valType();
    const mutabilityOffset = r.pos;
    const mutability = r.u8();
    if (mutability > 1) r.fail("malformed mutability", mutabilityOffset);
    const mutable = mutability === 1;
    if (typeof type === "string") return { valType: type, mutable };
    const unsupported = { feature: type.feature, offset };
    this.postMvp.push(unsupported);
    return { valType: "i32", mutable, unsupported };
  }

  private globalSection(): void {
    const r: Reader = this.r;
    for (let n = r.count(3); n > 0; n--) {
      const type = this.globalType();
      const initOffset = r.pos;
      const init = this.constExpr();
      if (type.unsupported) {
        // a reference-typed global: its initial value is a reference or an imported global's
        if (init !== REFERENCE && init.op !== "global.get") this.invalidate("type mismatch", initOffset);
        this.globals.push({ type, init: PLACEHOLDER_EXPR });
      } else if (init === REFERENCE) {
        this.invalidate("type mismatch", initOffset);
        this.globals.push({ type, init: PLACEHOLDER_EXPR });
      } else this.globals.push({ type, init });
    }
  }

  private exportSection(): void {
    const r: Reader = this.r;
    for (let n = r.count(3); n > 0; n--) {
      const name = r.name();
      const kindOffset = r.pos;
      const kind = EXTERN_KINDS[r.u8()];
      if (kind === undefined) r.fail("malformed export kind", kindOffset);
      this.exports.push({ name, kind, index: r.u32() });
    }
  }

  private elementSection(): void {
    const r: Reader = this.r;
    for (let n = r.count(); n > 0; n--) {
      const offset = r.pos;
      const flags = r.u32();
      let table = 0;
      if (flags === 2) {
        table = r.u32();
        this.postMvp.push({ feature: "reference-types", offset });
      } else if (flags > 7) r.fail("malformed elements segment kind", offset);
      else if (flags !== 0)
        throw new UnsupportedFeature(flags === 1 || flags === 5 ? "bulk-memory" : "reference-types", offset);
      const start = this.offsetExpr();
      if (flags === 2) {
        const kindOffset = r.pos;
        if (r.u8() !== 0) r.fail("malformed elements segment kind", kindOffset);
      }
      const funcs: number[] = [];
      for (let k = r.count(); k > 0; k--) funcs.push(r.u32());
      this.elems.push({ table, offset: start, funcs });
    }
  }

  private dataSection(): void {
    const r: Reader = this.r;
    for (let n = r.count(); n > 0; n--) {
      const offset = r.pos;
      const flags = r.u32();
      let memory = 0;
      if (flags === 2) {
        memory = r.u32();
        this.postMvp.push({ feature: "bulk-memory", offset });
      } else if (flags === 1) throw new UnsupportedFeature("bulk-memory", offset);
      else if (flags !== 0) r.fail("malformed data segment kind", offset);
      const start = this.offsetExpr();
      const length = r.u32();
      this.datas.push({ memory, offset: start, bytes: r.take(length).slice() });
    }
  }

  private offsetExpr(): ConstExpr {
    const at = this.r.pos;
    const expr = this.constExpr();
    if (expr !== REFERENCE) return expr;
    this.invalidate("type mismatch", at);
    return PLACEHOLDER_EXPR;
  }

  /**
   * A constant expression. The IR holds exactly one constant instruction; any other instruction
   * sequence that is well formed makes the module invalid (reported after decoding).
   */
  private constExpr(): ConstExpr | typeof REFERENCE {
    const r: Reader = this.r;
    const at = r.pos;
    let expr: ConstExpr | typeof REFERENCE;
    switch (r.u8()) {
      case 0x41:
        expr = { op: "i32.const", value: r.s32() };
        break;
      case 0x42:
        expr = { op: "i64.const", value: r.s64() };
        break;
      case 0x43:
        expr = { op: "f32.const", bits: r.f32Bits() };
        break;
      case 0x44:
        expr = { op: "f64.const", bits: r.f64Bits() };
        break;
      case 0x23:
        expr = { op: "global.get", global: r.u32() };
        break;
      case 0xd0: {
        const typeOffset = r.pos;
        const type = r.u8();
        if (type !== FUNCREF && type !== EXTERNREF) r.fail("malformed reference type", typeOffset);
        expr = REFERENCE;
        break;
      }
      case 0xd2:
        r.u32();
        expr = REFERENCE;
        break;
      case END:
        this.invalidate("type mismatch", at);
        return PLACEHOLDER_EXPR;
      default:
        r.pos = at;
        this.skipNonConstant(at);
        return PLACEHOLDER_EXPR;
    }
    if (r.u8() === END) return expr;
    r.pos = at;
    this.skipNonConstant(at);
    return PLACEHOLDER_EXPR;
  }

  /** Reads an instruction sequence that is not a single constant, up to its `end`. */
  private skipNonConstant(at: number): void {
    const code: Instr[] = [];
    const unsupported = this.instructions(code);
    if (unsupported) throw new UnsupportedFeature(unsupported.feature, unsupported.offset);
    const constant = code.every(
      (instr) => instr.op === "end" || instr.op.endsWith(".const") || instr.op === "global.get",
    );
    this.invalidate(constant ? "type mismatch" : "constant expression required", at);
  }

  private invalidate(reason: string, offset: number): void {
    this.invalid ??= new InvalidModule(reason, offset);
  }

  private codeSection(): void {
    const r: Reader = this.r;
    const count = r.count();
    if (count !== this.funcTypeIndices.length) {
      r.fail("function and code section have inconsistent lengths");
    }
    const importedFuncs = this.imports.filter((imp) => imp.desc.kind === "func").length;
    for (let i = 0; i < count; i++) {
      try {
        this.bodies.push(this.body());
      } catch (error) {
        if (!(error instanceof MalformedModule)) throw error;
        throw new MalformedModule(error.reason, error.offset, importedFuncs + i);
      }
    }
  }

  private body(): FunctionBody {
    const r: Reader = this.r;
    const offset = r.pos;
    const size = r.u32();
    if (size > r.end - r.pos) r.fail("length out of bounds", offset);
    const sectionEnd = r.end;
    const end = r.pos + size;
    r.end = end;
    const locals: ValType[] = [];
    let unsupported: UnsupportedUse | null = null;
    let total = 0;
    for (let groups = r.count(2); groups > 0; groups--) {
      const countOffset = r.pos;
      const n = r.u32();
      total += n;
      if (total > 0xffff_ffff) r.fail("too many locals", countOffset);
      const typeOffset = r.pos;
      const type = this.valType();
      if (unsupported) continue;
      if (typeof type !== "string") unsupported = { feature: type.feature, offset: typeOffset };
      else if (total > MAX_LOCALS) unsupported = { feature: "implementation-limit", offset: countOffset };
      else for (let k = 0; k < n; k++) locals.push(type);
    }
    const code: Instr[] = [];
    if (unsupported === null) unsupported = this.instructions(code);
    if (unsupported) r.pos = end;
    else if (r.pos !== end) r.fail("section size mismatch");
    r.end = sectionEnd;
    return { unsupported, locals, code, offset };
  }

  /**
   * Decodes instructions into `code` up to and including the `end` that closes the enclosing
   * body. Stops early, returning where, at the first post-1.0 instruction.
   */
  private instructions(code: Instr[]): UnsupportedUse | null {
    const r: Reader = this.r;
    const bytes = r.bytes;
    let depth = 1;
    for (;;) {
      const offset = r.pos;
      if (offset >= r.end) r.fail("END opcode expected");
      const byte = bytes[offset]!;
      r.pos = offset + 1;
      const info = OP_BY_CODE[byte];
      if (info === undefined) {
        const feature = postMvpFeature(byte, byte === PREFIX_FC ? r.u32() : 0);
        if (feature === undefined) r.fail("illegal opcode", offset);
        return { feature, offset };
      }
      switch (info.imm) {
        case Imm.None:
          code.push({ op: info.op as PlainOp, offset });
          if (byte === END && --depth === 0) return null;
          break;
        case Imm.BlockType: {
          const blockType = this.blockType();
          if (typeof blockType === "object" && blockType !== null) return blockType;
          code.push({ op: info.op as "block" | "loop" | "if", offset, blockType });
          depth++;
          break;
        }
        case Imm.Label:
          code.push({ op: info.op as "br" | "br_if", offset, depth: r.u32() });
          break;
        case Imm.LabelTable: {
          const depths: number[] = [];
          for (let n = r.count(); n > 0; n--) depths.push(r.u32());
          code.push({ op: "br_table", offset, depths, defaultDepth: r.u32() });
          break;
        }
        case Imm.Func:
          code.push({ op: "call", offset, func: r.u32() });
          break;
        case Imm.CallIndirect: {
          const typeIndex = r.u32();
          const tableOffset = r.pos;
          if (r.u32() !== 0 || r.pos !== tableOffset + 1)
            return { feature: "reference-types", offset: tableOffset };
          code.push({ op: "call_indirect", offset, typeIndex });
          break;
        }
        case Imm.Local:
          code.push({ op: info.op as "local.get" | "local.set" | "local.tee", offset, local: r.u32() });
          break;
        case Imm.Global:
          code.push({ op: info.op as "global.get" | "global.set", offset, global: r.u32() });
          break;
        case Imm.MemArg: {
          const align = r.u32();
          code.push({ op: info.op as MemoryOp, offset, align, memOffset: r.u32() });
          break;
        }
        case Imm.ZeroByte:
          if (r.u8() !== 0) r.fail("zero byte expected", r.pos - 1);
          code.push({ op: info.op as PlainOp, offset });
          break;
        case Imm.I32:
          code.push({ op: "i32.const", offset, value: r.s32() });
          break;
        case Imm.I64:
          code.push({ op: "i64.const", offset, value: r.s64() });
          break;
        case Imm.F32:
          code.push({ op: "f32.const", offset, bits: r.f32Bits() });
          break;
        case Imm.F64:
          code.push({ op: "f64.const", offset, bits: r.f64Bits() });
          break;
      }
    }
  }

  /** A 1.0 block type, or where a post-1.0 one (type index, reference or vector type) was met. */
  private blockType(): BlockType | UnsupportedUse {
    const r: Reader = this.r;
    const offset = r.pos;
    const code = r.u8();
    if (code === EMPTY_BLOCK) return null;
    const type = valTypeOf(code);
    if (type) return type;
    const feature = postMvpTypeFeature(code);
    if (feature) return { feature, offset };
    r.pos = offset;
    if (r.s33() < 0) r.fail("malformed block type", offset);
    return { feature: "multi-value", offset };
  }
}
