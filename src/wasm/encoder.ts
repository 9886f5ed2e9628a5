// Module → WebAssembly binary, the inverse of the decoder: decoding what it writes gives the same
// module, up to byte offsets and the encodings the IR does not keep (LEB128 widths, which of two
// element segment encodings). Names go to a `name` section and other custom sections are appended
// after the data section.
import { InternalError } from "./errors.js";
import type {
  BlockType,
  ConstExpr,
  ElemSegment,
  ExternKind,
  FuncType,
  FunctionBody,
  GlobalType,
  ImportDesc,
  Instr,
  Limits,
  Module,
  NameSection,
  TableType,
  ValType,
} from "./ir.js";
import { Imm, OP_BY_NAME, PREFIX_FC, VALTYPE_CODE } from "./opcodes.js";

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const EMPTY_BLOCK = 0x40;
const END = 0x0b;
const EXTERN_KIND_CODE: Readonly<Record<ExternKind, number>> = { func: 0, table: 1, memory: 2, global: 3 };
const utf8 = new TextEncoder();

/** Encodes a module. */
export function encodeModule(module: Module): Uint8Array {
  const out = writer.restart();
  out.bytes(HEADER);
  section(out, 1, module.types, (w, type) => funcType(w, type));
  section(out, 2, module.imports, (w, imp) => {
    w.name(imp.module);
    w.name(imp.name);
    importDesc(w, imp.desc);
  });
  section(out, 3, module.funcTypeIndices, (w, index) => w.u32(index));
  section(out, 4, module.tables, (w, table) => tableType(w, table));
  section(out, 5, module.memories, (w, limits) => limitsOf(w, limits));
  section(out, 6, module.globals, (w, global) => {
    globalType(w, global.type);
    constExpr(w, global.init);
  });
  section(out, 7, module.exports, (w, exp) => {
    w.name(exp.name);
    w.u8(EXTERN_KIND_CODE[exp.kind]);
    w.u32(exp.index);
  });
  const start = module.start;
  if (start !== null) {
    out.u8(8);
    out.sized(() => out.u32(start));
  }
  section(out, 9, module.elems, (w, elem) => elemSegment(w, elem));
  const dataCount = module.dataCount;
  if (dataCount !== undefined) {
    out.u8(12);
    out.sized(() => out.u32(dataCount));
  }
  section(out, 10, module.bodies, (w, body) => {
    w.sized(() => {
      localGroups(w, localRuns(body));
      for (const instr of body.code) instruction(w, instr);
    });
  });
  section(out, 11, module.datas, (w, data) => {
    if (data.mode === "passive") w.u32(1);
    else {
      if (data.memory === 0) w.u32(0);
      else {
        w.u32(2); // active, explicit memory index
        w.u32(data.memory);
      }
      constExpr(w, data.offset);
    }
    w.u32(data.bytes.length);
    w.bytes(data.bytes);
  });
  if (hasNames(module.names)) customSection(out, "name", () => nameSection(out, module.names));
  for (const custom of module.customSections) customSection(out, custom.name, () => out.bytes(custom.bytes));
  // A copy of exactly the module's size: wabt.js, for one, reads a view's whole ArrayBuffer.
  return out.finish().slice();
}

/** A growable byte buffer with the binary format's integer encodings. */
class Writer {
  private buffer = new Uint8Array(4096);
  private view = new DataView(this.buffer.buffer);
  private length = 0;

  /** Empties the buffer for a new module (and keeps its memory). */
  restart(): this {
    this.length = 0;
    return this;
  }

  u8(byte: number): void {
    if (this.length === this.buffer.length) this.grow(1);
    this.buffer[this.length++] = byte;
  }

  u32(value: number): void {
    let v = value >>> 0;
    while (v >= 0x80) {
      this.u8((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    this.u8(v);
  }

  s32(value: number): void {
    let v = value | 0;
    for (;;) {
      const byte = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
        this.u8(byte);
        return;
      }
      this.u8(byte | 0x80);
    }
  }

  s64(value: bigint): void {
    let v = BigInt.asIntN(64, value);
    // Within the i32 range, the same bytes as s32 writes, without BigInt arithmetic.
    if (v >= -0x8000_0000n && v <= 0x7fff_ffffn) {
      this.s32(Number(v));
      return;
    }
    for (;;) {
      const byte = Number(v & 0x7fn);
      v >>= 7n;
      if ((v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0)) {
        this.u8(byte);
        return;
      }
      this.u8(byte | 0x80);
    }
  }

  f32Bits(bits: number): void {
    for (let i = 0; i < 4; i++) this.u8((bits >>> (8 * i)) & 0xff);
  }

  f64Bits(bits: bigint): void {
    if (this.length + 8 > this.buffer.length) this.grow(8);
    this.view.setBigUint64(this.length, BigInt.asUintN(64, bits), true);
    this.length += 8;
  }

  bytes(bytes: ArrayLike<number>): void {
    if (this.length + bytes.length > this.buffer.length) this.grow(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  name(text: string): void {
    // ASCII, as most names are, is its own UTF-8: written without TextEncoder's cost per call.
    if (/^[\0-\x7f]*$/.test(text)) {
      this.u32(text.length);
      for (let i = 0; i < text.length; i++) this.u8(text.charCodeAt(i));
      return;
    }
    const bytes = utf8.encode(text);
    this.u32(bytes.length);
    this.bytes(bytes);
  }

  /** Runs `write`, then puts the size of what it wrote (u32) before it. */
  sized(write: () => void): void {
    const start = this.length;
    write();
    const size = this.length - start;
    let width = 1;
    for (let v = size >>> 7; v !== 0; v >>>= 7) width++;
    if (this.length + width > this.buffer.length) this.grow(width);
    this.buffer.copyWithin(start + width, start, this.length);
    const end = this.length + width;
    this.length = start;
    this.u32(size);
    this.length = end;
  }

  finish(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  private grow(needed: number): void {
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + needed));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }
}

/** The writer of every module: encodeModule returns a copy of what it wrote. */
const writer = new Writer();

/** Writes a vector section, or nothing when `items` is empty. */
function section<T>(out: Writer, id: number, items: readonly T[], item: (w: Writer, value: T) => void): void {
  if (items.length === 0) return;
  out.u8(id);
  out.sized(() => {
    out.u32(items.length);
    for (const value of items) item(out, value);
  });
}

function customSection(out: Writer, name: string, payload: () => void): void {
  out.u8(0);
  out.sized(() => {
    out.name(name);
    payload();
  });
}

function valTypes(w: Writer, types: readonly ValType[]): void {
  w.u32(types.length);
  for (const type of types) w.u8(VALTYPE_CODE[type]);
}

function funcType(w: Writer, type: FuncType): void {
  w.u8(0x60);
  valTypes(w, type.params);
  valTypes(w, type.results);
}

function limitsOf(w: Writer, limits: Limits): void {
  w.u8(limits.max === undefined ? 0 : 1);
  w.u32(limits.min);
  if (limits.max !== undefined) w.u32(limits.max);
}

function tableType(w: Writer, table: TableType): void {
  w.u8(VALTYPE_CODE[table.elemType]);
  limitsOf(w, table);
}

function globalType(w: Writer, type: GlobalType): void {
  w.u8(VALTYPE_CODE[type.valType]);
  w.u8(type.mutable ? 1 : 0);
}

function importDesc(w: Writer, desc: ImportDesc): void {
  w.u8(EXTERN_KIND_CODE[desc.kind]);
  switch (desc.kind) {
    case "func":
      w.u32(desc.typeIndex);
      break;
    case "table":
      tableType(w, desc.limits);
      break;
    case "memory":
      limitsOf(w, desc.limits);
      break;
    case "global":
      globalType(w, desc.type);
      break;
  }
}

function constExpr(w: Writer, expr: ConstExpr): void {
  if (expr.op === "sequence") for (const instr of expr.code) instruction(w, instr);
  else instruction(w, { ...expr, offset: 0 });
  w.u8(END);
}

/**
 * Element segment flags: 0 (table 0, function indices) or 2 (explicit table) for active ones, 1 for
 * passive and 3 for declarative ones; plus 4 for expressions, whose flags 4 stands for table 0 of
 * funcref.
 */
function elemSegment(w: Writer, elem: ElemSegment): void {
  const expressions = elem.exprs !== null;
  const implicit = elem.mode === "active" && elem.table === 0 && elem.type === "funcref";
  const base = elem.mode === "active" ? (implicit ? 0 : 2) : elem.mode === "passive" ? 1 : 3;
  w.u32(base | (expressions ? 4 : 0));
  if (elem.mode === "active") {
    if (!implicit) w.u32(elem.table);
    constExpr(w, elem.offset);
  }
  if (!implicit) {
    if (expressions) w.u8(VALTYPE_CODE[elem.type]);
    else w.u8(0x00); // element kind: function references
  }
  if (elem.exprs !== null) {
    w.u32(elem.exprs.length);
    for (const expr of elem.exprs) constExpr(w, expr);
  } else {
    w.u32(elem.funcs.length);
    for (const func of elem.funcs) w.u32(func);
  }
}

/** A body's locals as runs of equal types. */
function localRuns(body: FunctionBody): (readonly [number, ValType])[] {
  if (body.localRuns !== undefined) return [...body.localRuns];
  const runs: [number, ValType][] = [];
  for (const type of body.locals) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[1] === type) last[0]++;
    else runs.push([1, type]);
  }
  return runs;
}

function localGroups(w: Writer, runs: readonly (readonly [number, ValType])[]): void {
  w.u32(runs.length);
  for (const [count, type] of runs) {
    w.u32(count);
    w.u8(VALTYPE_CODE[type]);
  }
}

function blockType(w: Writer, type: BlockType): void {
  if (type === null) w.u8(EMPTY_BLOCK);
  else if (typeof type === "object") w.s64(BigInt(type.typeIndex));
  else w.u8(VALTYPE_CODE[type]);
}

function instruction(w: Writer, instr: Instr): void {
  const info = OP_BY_NAME.get(instr.op);
  if (info === undefined) throw new InternalError(`no opcode for ${instr.op}`, instr.offset);
  if (info.prefix === PREFIX_FC) {
    w.u8(PREFIX_FC);
    w.u32(info.code);
  } else w.u8(info.code);
  switch (info.imm) {
    case Imm.None:
      break;
    case Imm.BlockType:
      blockType(w, (instr as Extract<Instr, { blockType: unknown }>).blockType);
      break;
    case Imm.Label:
      w.u32((instr as Extract<Instr, { depth: number }>).depth);
      break;
    case Imm.LabelTable: {
      const { depths, defaultDepth } = instr as Extract<Instr, { op: "br_table" }>;
      w.u32(depths.length);
      for (const depth of depths) w.u32(depth);
      w.u32(defaultDepth);
      break;
    }
    case Imm.Func:
      w.u32((instr as Extract<Instr, { op: "call" | "ref.func" }>).func);
      break;
    case Imm.CallIndirect: {
      const { typeIndex, table } = instr as Extract<Instr, { op: "call_indirect" }>;
      w.u32(typeIndex);
      w.u32(table);
      break;
    }
    case Imm.SelectTypes: {
      const { types } = instr as Extract<Instr, { op: "select_t" }>;
      w.u32(types.length);
      for (const type of types) w.u8(VALTYPE_CODE[type]);
      break;
    }
    case Imm.HeapType:
      w.u8(VALTYPE_CODE[(instr as Extract<Instr, { op: "ref.null" }>).type]);
      break;
    case Imm.Table:
      w.u32((instr as Extract<Instr, { table: number }>).table);
      break;
    case Imm.TableCopy: {
      const { dstTable, srcTable } = instr as Extract<Instr, { op: "table.copy" }>;
      w.u32(dstTable);
      w.u32(srcTable);
      break;
    }
    case Imm.TableInit: {
      const { elem, table } = instr as Extract<Instr, { op: "table.init" }>;
      w.u32(elem);
      w.u32(table);
      break;
    }
    case Imm.Elem:
      w.u32((instr as Extract<Instr, { op: "elem.drop" }>).elem);
      break;
    case Imm.MemoryInit:
      w.u32((instr as Extract<Instr, { data: number }>).data);
      w.u8(0);
      break;
    case Imm.Data:
      w.u32((instr as Extract<Instr, { data: number }>).data);
      break;
    case Imm.ZeroBytes2:
      w.u8(0);
      w.u8(0);
      break;
    case Imm.Local:
      w.u32((instr as Extract<Instr, { local: number }>).local);
      break;
    case Imm.Global:
      w.u32((instr as Extract<Instr, { global: number }>).global);
      break;
    case Imm.MemArg: {
      const { align, memOffset } = instr as Extract<Instr, { op: "i32.load" }>;
      w.u32(align);
      w.u32(memOffset);
      break;
    }
    case Imm.ZeroByte:
      w.u8(0);
      break;
    case Imm.I32:
      w.s32((instr as Extract<Instr, { op: "i32.const" }>).value);
      break;
    case Imm.I64:
      w.s64((instr as Extract<Instr, { op: "i64.const" }>).value);
      break;
    case Imm.F32:
      w.f32Bits((instr as Extract<Instr, { op: "f32.const" }>).bits);
      break;
    case Imm.F64:
      w.f64Bits((instr as Extract<Instr, { op: "f64.const" }>).bits);
      break;
  }
}

function hasNames(names: NameSection): boolean {
  return names.module !== undefined || names.functions.size > 0 || names.locals.size > 0;
}

function nameSection(out: Writer, names: NameSection): void {
  const { module, functions, locals } = names;
  if (module !== undefined) {
    out.u8(0);
    out.sized(() => out.name(module));
  }
  if (functions.size > 0) {
    out.u8(1);
    out.sized(() => nameMap(out, functions));
  }
  if (locals.size > 0) {
    out.u8(2);
    out.sized(() => {
      const funcs = [...locals.keys()].sort((a, b) => a - b);
      out.u32(funcs.length);
      for (const func of funcs) {
        out.u32(func);
        nameMap(out, locals.get(func)!);
      }
    });
  }
}

function nameMap(w: Writer, map: ReadonlyMap<number, string>): void {
  const indices = [...map.keys()].sort((a, b) => a - b);
  w.u32(indices.length);
  for (const index of indices) {
    w.u32(index);
    w.name(map.get(index)!);
  }
}
