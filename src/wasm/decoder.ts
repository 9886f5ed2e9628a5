// WebAssembly 2.0 binary format (all of it but fixed-width SIMD) → Module. Every construct that
// needs a post-1.0 feature is checked against the profile (FeatureOutsideProfile when outside it;
// SIMD is outside every profile) and its first use recorded in Module.features. The decoder throws
// only MalformedModule and UnsupportedFeature: validation rules are the validator's.
import { FeatureOutsideProfile, guarded, MalformedModule } from "./errors.js";
import { type Feature, type Features, featuresText, toolchainHint, WASM_2_0 } from "./features.js";
import type {
  BlockType,
  ConstExpr,
  CustomSection,
  DataSegment,
  ElemSegment,
  Export,
  ExternKind,
  FeatureUse,
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
  RefType,
  TableType,
  ValType,
} from "./ir.js";
import {
  EXTERNREF,
  FUNCREF,
  Imm,
  LATER_PROPOSAL_BY_CODE,
  OP_BY_CODE,
  OP_BY_FC_CODE,
  type OpInfo,
  PREFIX_FC,
  PREFIX_SIMD,
  refTypeOf,
  SIMD,
  type UnsupportedProposal,
  V128,
  valTypeOf,
} from "./opcodes.js";
import { Reader } from "./reader.js";

/**
 * Decodes a binary module under a feature profile (default: WebAssembly 2.0 without SIMD). Throws
 * only MalformedModule or UnsupportedFeature (FeatureOutsideProfile for a feature outside `features`).
 */
export function decodeModule(bytes: Uint8Array, features: Features = WASM_2_0): Module {
  return guarded(() => new ModuleDecoder(bytes, features).decode());
}

const MAGIC = 0x6d736100; // "\0asm" read as a little-endian u32
const VERSION = 1;

/**
 * More locals than engines accept (the JS API limit, V8's too). A body with more is kept as runs
 * (FunctionBody.localRuns), not expanded, and the validator refuses it once the rest of the module
 * is valid (ImplementationLimit): up to 2^32-1 locals are valid WebAssembly.
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

/** Where each known section must come: the data count section sits between elements and code. */
const SECTION_ORDER: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10];

const EMPTY_BLOCK = 0x40;
const IF = 0x04;
const ELSE = 0x05;
const END = 0x0b;

const EXTERN_KINDS: readonly ExternKind[] = ["func", "table", "memory", "global"];

/** A constant expression of this one instruction, if it is a constant one. */
/** A one-instruction constant expression as itself; null for any other instruction. */
export function constantOf(instr: Instr): ConstExpr | null {
  switch (instr.op) {
    case "i32.const":
    case "i64.const":
      return { op: instr.op, value: instr.value } as ConstExpr;
    case "f32.const":
    case "f64.const":
      return { op: instr.op, bits: instr.bits } as ConstExpr;
    case "global.get":
      return { op: "global.get", global: instr.global };
    case "ref.null":
      return { op: "ref.null", type: instr.type };
    case "ref.func":
      return { op: "ref.func", func: instr.func };
    default:
      return null;
  }
}

class ModuleDecoder {
  private readonly r: Reader;
  private readonly features: Features;
  private readonly types: FuncType[] = [];
  private readonly imports: Import[] = [];
  private readonly funcTypeIndices: number[] = [];
  private readonly tables: TableType[] = [];
  private readonly memories: Limits[] = [];
  private readonly globals: Global[] = [];
  private readonly exports: Export[] = [];
  private start: number | null = null;
  private readonly elems: ElemSegment[] = [];
  private dataCount: number | undefined;
  private readonly datas: DataSegment[] = [];
  private readonly bodies: FunctionBody[] = [];
  private names: NameSection = { functions: new Map(), locals: new Map() };
  private readonly customSections: CustomSection[] = [];
  private readonly uses = new Map<Feature, FeatureUse>();
  private tableCount = 0;
  /** The function whose body is being decoded (imports counted), for locations. */
  private funcIndex: number | undefined;

  constructor(bytes: Uint8Array, features: Features) {
    this.r = new Reader(bytes);
    this.features = features;
  }

  decode(): Module {
    const r: Reader = this.r;
    if (r.end < 4) r.fail("unexpected end");
    if (r.view.getUint32(0, true) !== MAGIC) r.fail("magic header not detected", 0);
    if (r.end < 8) r.fail("unexpected end", 4);
    if (r.view.getUint32(4, true) !== VERSION) r.fail("unknown binary version", 4);
    r.pos = 8;
    let lastOrder = 0;
    let sawCodeSection = false;
    let sawDataSection = false;
    while (!r.atEnd()) {
      const idOffset = r.pos;
      const id = r.u8();
      if (id > Section.DataCount) r.fail("malformed section id", idOffset);
      const size = r.u32();
      if (size > r.end - r.pos) r.fail("length out of bounds", idOffset + 1);
      const end = r.pos + size;
      r.end = end;
      if (id !== Section.Custom) {
        const order = SECTION_ORDER[id]!;
        if (order <= lastOrder) r.fail("unexpected content after last section", idOffset);
        lastOrder = order;
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
        case Section.DataCount:
          this.use("bulk-memory", idOffset);
          this.dataCount = r.u32();
          break;
        case Section.Code:
          sawCodeSection = true;
          this.codeSection();
          break;
        case Section.Data:
          sawDataSection = true;
          this.dataSection();
          break;
      }
      if (r.pos !== end) r.fail("section size mismatch");
      r.end = r.bytes.length;
    }
    if (!sawCodeSection && this.funcTypeIndices.length > 0) {
      r.fail("function and code section have inconsistent lengths");
    }
    if (!sawDataSection && (this.dataCount ?? 0) > 0) {
      r.fail("data count and data section have inconsistent lengths");
    }
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
      features: [...this.uses.values()],
      ...(this.dataCount === undefined ? {} : { dataCount: this.dataCount }),
    };
  }

  /** Records a use of `feature` at `offset`; throws when the profile lacks it. */
  private use(feature: Feature, offset: number): void {
    if (!this.features.has(feature)) {
      throw new FeatureOutsideProfile(
        feature,
        offset,
        this.funcIndex,
        featuresText(this.features),
        toolchainHint(feature),
      );
    }
    if (!this.uses.has(feature)) {
      this.uses.set(
        feature,
        this.funcIndex === undefined ? { feature, offset } : { feature, offset, funcIndex: this.funcIndex },
      );
    }
  }

  /** A construct of `proposal`, which no profile includes, at `offset`. */
  private unsupported(proposal: UnsupportedProposal, offset: number): never {
    throw new FeatureOutsideProfile(
      proposal.name,
      offset,
      this.funcIndex,
      featuresText(this.features),
      toolchainHint(proposal),
    );
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
      const params: ValType[] = [];
      const results: ValType[] = [];
      for (const list of [params, results]) for (let k = r.count(); k > 0; k--) list.push(this.valType());
      if (results.length > 1) this.use("multi-value", offset);
      this.types.push({ params, results });
    }
  }

  /** A value type; a reference type is a use of reference types, v128 is SIMD. */
  private valType(): ValType {
    const r: Reader = this.r;
    const offset = r.pos;
    const code = r.u8();
    const type = valTypeOf(code);
    if (type === undefined) {
      if (code === V128) this.unsupported(SIMD, offset);
      r.fail("malformed value type", offset);
    }
    if (type === "funcref" || type === "externref") this.use("reference-types", offset);
    return type;
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
          this.imports.push({ module, name, desc: { kind: "table", limits: this.tableType(kindOffset) } });
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
    for (let n = r.count(2); n > 0; n--) this.tables.push(this.tableType(r.pos));
  }

  /** A table type; `offset` locates the table (its import entry's kind, or the type) for a second table. */
  private tableType(offset: number): TableType {
    const r: Reader = this.r;
    const typeOffset = r.pos;
    const elemType = this.refType();
    if (elemType === "externref") this.use("reference-types", typeOffset);
    if (++this.tableCount > 1) this.use("reference-types", offset);
    return { elemType, ...this.limits() };
  }

  private refType(): RefType {
    const r: Reader = this.r;
    const offset = r.pos;
    const type = refTypeOf(r.u8());
    if (type === undefined) r.fail("malformed reference type", offset);
    return type;
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
    const valType = this.valType();
    const mutabilityOffset = r.pos;
    const mutability = r.u8();
    if (mutability > 1) r.fail("malformed mutability", mutabilityOffset);
    return { valType, mutable: mutability === 1 };
  }

  private globalSection(): void {
    const r: Reader = this.r;
    for (let n = r.count(3); n > 0; n--) {
      const type = this.globalType();
      this.globals.push({ type, init: this.constExpr() });
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

  /**
   * Segment flags: bit 0 passive or declarative (bit 1 then declarative), bit 1 for an active
   * segment an explicit table index, bit 2 expressions instead of function indices; flags with
   * bit 0 or 1 set carry an element kind (index encodings) or reference type (expression encodings).
   */
  private elementSection(): void {
    const r: Reader = this.r;
    for (let n = r.count(); n > 0; n--) {
      const offset = r.pos;
      const flags = r.u32();
      if (flags > 7) r.fail("malformed elements segment kind", offset);
      if (flags !== 0) this.use(flags === 1 || flags === 5 ? "bulk-memory" : "reference-types", offset);
      const active = (flags & 1) === 0;
      const table = active && (flags & 2) !== 0 ? r.u32() : 0;
      const start = active ? this.constExpr() : null;
      const expressions = (flags & 4) !== 0;
      let type: RefType = "funcref";
      if ((flags & 3) !== 0) {
        if (expressions) type = this.refType();
        else {
          const kindOffset = r.pos;
          if (r.u8() !== 0) r.fail("malformed elements segment kind", kindOffset);
        }
      }
      const funcs: number[] = [];
      let exprs: ConstExpr[] | null = null;
      if (expressions) {
        exprs = [];
        for (let k = r.count(); k > 0; k--) exprs.push(this.constExpr());
      } else for (let k = r.count(); k > 0; k--) funcs.push(r.u32());
      const elements = { type, funcs, exprs };
      if (start !== null) this.elems.push({ mode: "active", table, offset: start, ...elements });
      else this.elems.push({ mode: (flags & 2) === 0 ? "passive" : "declarative", ...elements });
    }
  }

  private dataSection(): void {
    const r: Reader = this.r;
    const countOffset = r.pos;
    const count = r.count();
    if (this.dataCount !== undefined && count !== this.dataCount) {
      r.fail("data count and data section have inconsistent lengths", countOffset);
    }
    for (let n = count; n > 0; n--) {
      const offset = r.pos;
      const flags = r.u32();
      if (flags > 2) r.fail("malformed data segment kind", offset);
      if (flags !== 0) this.use("bulk-memory", offset);
      if (flags === 1) {
        this.datas.push({ mode: "passive", bytes: r.take(r.u32()).slice() });
        continue;
      }
      const memory = flags === 2 ? r.u32() : 0;
      const start = this.constExpr();
      const length = r.u32();
      this.datas.push({ mode: "active", memory, offset: start, bytes: r.take(length).slice() });
    }
  }

  /** A constant expression: one instruction is kept as itself, anything else as the sequence the validator judges. */
  private constExpr(): ConstExpr {
    const code: Instr[] = [];
    this.instructions(code);
    code.pop(); // the final end
    return (code.length === 1 ? constantOf(code[0]!) : null) ?? { op: "sequence", code };
  }

  private codeSection(): void {
    const r: Reader = this.r;
    const count = r.count();
    if (count !== this.funcTypeIndices.length) {
      r.fail("function and code section have inconsistent lengths");
    }
    const importedFuncs = this.imports.filter((imp) => imp.desc.kind === "func").length;
    for (let i = 0; i < count; i++) {
      this.funcIndex = importedFuncs + i;
      try {
        this.bodies.push(this.body());
      } catch (error) {
        if (!(error instanceof MalformedModule)) throw error;
        throw new MalformedModule(error.reason, error.offset, importedFuncs + i, error.needs);
      }
    }
    this.funcIndex = undefined;
  }

  private body(): FunctionBody {
    const r: Reader = this.r;
    const offset = r.pos;
    const size = r.u32();
    if (size > r.end - r.pos) r.fail("length out of bounds", offset);
    const sectionEnd = r.end;
    const end = r.pos + size;
    r.end = end;
    const runs: [number, ValType][] = [];
    let total = 0;
    for (let groups = r.count(2); groups > 0; groups--) {
      const countOffset = r.pos;
      const n = r.u32();
      total += n;
      if (total > 0xffff_ffff) r.fail("too many locals", countOffset);
      runs.push([n, this.valType()]);
    }
    const locals: ValType[] = [];
    if (total <= MAX_LOCALS) for (const [n, type] of runs) for (let k = 0; k < n; k++) locals.push(type);
    const code: Instr[] = [];
    this.instructions(code);
    if (r.pos !== end) r.fail("section size mismatch");
    r.end = sectionEnd;
    return total > MAX_LOCALS ? { locals, localRuns: runs, code, offset } : { locals, code, offset };
  }

  /**
   * Decodes instructions into `code` up to and including the `end` that closes the enclosing body
   * or constant expression.
   */
  private instructions(code: Instr[]): void {
    const r: Reader = this.r;
    const bytes = r.bytes;
    let depth = 1;
    // per open block: whether it is an `if` still without `else`, the only place an `else` parses
    const openIf: boolean[] = [false];
    for (;;) {
      const offset = r.pos;
      if (offset >= r.end) r.fail("END opcode expected");
      const byte = bytes[offset]!;
      r.pos = offset + 1;
      let info: OpInfo | undefined;
      if (byte === PREFIX_FC) {
        const sub = r.u32();
        info = OP_BY_FC_CODE[sub];
        if (info === undefined) r.fail("illegal opcode", offset);
      } else {
        info = OP_BY_CODE[byte];
        if (info === undefined) {
          if (byte === PREFIX_SIMD) this.unsupported(SIMD, offset);
          const proposal = LATER_PROPOSAL_BY_CODE.get(byte);
          if (proposal !== undefined) this.unsupported(proposal, offset);
          r.fail("illegal opcode", offset);
        }
      }
      if (info.feature !== null) this.use(info.feature, offset);
      switch (info.imm) {
        case Imm.None:
          if (byte === ELSE) {
            if (!openIf[depth - 1]) r.fail("else without matching if", offset);
            openIf[depth - 1] = false;
          }
          code.push({ op: info.op as PlainOp, offset });
          if (byte === END && --depth === 0) return;
          break;
        case Imm.BlockType: {
          const blockType = this.blockType();
          code.push({ op: info.op as "block" | "loop" | "if", offset, blockType });
          openIf[depth++] = byte === IF;
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
          code.push({ op: info.op as "call" | "ref.func", offset, func: r.u32() });
          break;
        case Imm.CallIndirect: {
          const typeIndex = r.u32();
          const table = this.callIndirectTable();
          code.push({ op: "call_indirect", offset, typeIndex, table });
          break;
        }
        case Imm.SelectTypes: {
          const types: ValType[] = [];
          for (let n = r.count(); n > 0; n--) types.push(this.valType());
          code.push({ op: "select_t", offset, types });
          break;
        }
        case Imm.HeapType:
          code.push({ op: "ref.null", offset, type: this.refType() });
          break;
        case Imm.Local:
          code.push({ op: info.op as "local.get" | "local.set" | "local.tee", offset, local: r.u32() });
          break;
        case Imm.Global:
          code.push({ op: info.op as "global.get" | "global.set", offset, global: r.u32() });
          break;
        case Imm.Table:
          code.push({ op: info.op as "table.get", offset, table: r.u32() });
          break;
        case Imm.TableCopy: {
          const dstTable = r.u32();
          code.push({ op: "table.copy", offset, dstTable, srcTable: r.u32() });
          break;
        }
        case Imm.TableInit: {
          const elem = r.u32();
          code.push({ op: "table.init", offset, elem, table: r.u32() });
          break;
        }
        case Imm.Elem:
          code.push({ op: "elem.drop", offset, elem: r.u32() });
          break;
        case Imm.MemoryInit:
        case Imm.Data: {
          const data = r.u32();
          if (this.dataCount === undefined) r.fail("data count section required", offset);
          if (info.imm === Imm.MemoryInit) this.zeroByte();
          code.push({ op: info.op as "memory.init" | "data.drop", offset, data });
          break;
        }
        case Imm.MemArg: {
          const align = r.u32();
          code.push({ op: info.op as MemoryOp, offset, align, memOffset: r.u32() });
          break;
        }
        case Imm.ZeroBytes2:
          this.zeroByte();
          this.zeroByte();
          code.push({ op: info.op as PlainOp, offset });
          break;
        case Imm.ZeroByte:
          this.zeroByte();
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

  /** A reserved byte that must be 0x00 (a memory index before multi-memory). */
  private zeroByte(): void {
    const r: Reader = this.r;
    if (r.u8() !== 0) r.fail("zero byte expected", r.pos - 1);
  }

  /**
   * call_indirect's table: one 0x00 byte in 1.0; with reference types any table index as a LEB128
   * (an overlong 0 alone needs call-indirect-overlong). Without them another byte is malformed, as
   * in 1.0, and the error names the feature that would read it (clang emits the 5-byte 0 by default).
   */
  private callIndirectTable(): number {
    const r: Reader = this.r;
    const offset = r.pos;
    if (!this.features.has("call-indirect-overlong")) {
      if (r.u8() === 0) return 0;
      r.pos = offset;
      let feature: Feature | undefined;
      try {
        feature = r.u32() === 0 ? "call-indirect-overlong" : "reference-types";
      } catch (error) {
        if (!(error instanceof MalformedModule)) throw error;
      }
      const profile = featuresText(this.features);
      const needs = feature && {
        feature,
        profile,
        hint: `call_indirect's table index as written needs ${feature}, which profile ${profile} does not include; ${toolchainHint(feature)}`,
      };
      throw new MalformedModule("zero byte expected", offset, this.funcIndex, needs);
    }
    const table = r.u32();
    if (table !== 0) this.use("reference-types", offset);
    else if (r.pos !== offset + 1) this.use("call-indirect-overlong", offset);
    return table;
  }

  /** A block type: empty, one value type, or a type index (multi-value). */
  private blockType(): BlockType {
    const r: Reader = this.r;
    const offset = r.pos;
    const code = r.u8();
    if (code === EMPTY_BLOCK) return null;
    if (code === V128) this.unsupported(SIMD, offset);
    const type = valTypeOf(code);
    if (type) {
      if (code === FUNCREF || code === EXTERNREF) this.use("reference-types", offset);
      return type;
    }
    r.pos = offset;
    const index = r.s33();
    if (index < 0) r.fail("malformed block type", offset);
    this.use("multi-value", offset);
    return { typeIndex: index };
  }
}
