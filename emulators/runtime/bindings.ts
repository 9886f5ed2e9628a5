/**
 * One instance's globals, memory, tables and segments as its engine holds them, kept consistent with
 * the host-side objects other instances share (extern.ts), and the exits through which its code
 * calls functions outside the instance.
 *
 * Synchronisation happens at host transitions only (`enter` before every run of the engine, `leave`
 * after it), which is enough because only the running engine can change shared state:
 * - globals imported or exported, if mutable: written into the VM context on enter, read back on leave;
 * - a memory or a table imported or exported: claimed on enter (its contents copied in when another
 *   instance or the host had them last), its size read back on leave; a memory or table nobody else
 *   can see lives in the engine only.
 *
 * References (src/compiler/README.md, "Values and registers"): a funcref in this engine is the
 * address of a record in the VM context, {code address, type id}: one per function of the module
 * (an import's calls its exit slot), and one for each function from outside the instance that
 * reaches it (through a table, a global, an argument or a result), which calls a foreign-exit slot
 * after the code. Raw funcrefs are translated to and from the functions themselves wherever a value
 * leaves or enters the engine. An externref (handle + 1) means the same everywhere.
 *
 * Instantiation follows WebAssembly 2.0: active element segments are written in order as
 * `table.init` would (one out of bounds traps, and the earlier ones stay written), then active data
 * segments likewise; both kinds, and declarative element segments, are dropped; passive ones are
 * placed in the VM context for `table.init` and `memory.init`.
 */

import {
  type Artifact,
  constArithmetic,
  DATA_FIELD,
  EXIT_SLOT_BYTES,
  FUNC_REF_BYTES,
  funcRefOffset,
  globalOffset,
  type InitialValue,
  REFERENCE_BYTES,
  TABLE_ENTRY,
  TABLE_ENTRY_BYTES,
  TABLE_FIELD,
  type TableImage,
  typeId,
  VMCTX,
  WASM_PAGE_BYTES,
} from "../../src/compiler/artifact.js";
import type { Module, RefType, ValType } from "../../src/wasm/ir.js";
import { TRAP_KINDS } from "../../src/wasm/outcome.js";
import { CapacityError, InvalidArgumentError } from "../errors.js";
import { type Engine, MAX_REGION_SIZE } from "../unicorn/engine.js";
import {
  type Extern,
  type Externs,
  type FuncRef,
  type FunctionOwner,
  type HostValue,
  type MemoryHolder,
  type TableHolder,
  WasmGlobal,
  WasmMemory,
  WasmTable,
} from "./extern.js";
import {
  CODE_BASE,
  FOREIGN_EXIT_BYTES,
  FOREIGN_FUNCTION_REFS,
  MEMORY_BASE,
  pageAlignUp,
  STACK_LIMIT_ADDRESS,
  TABLES_BASE,
  TABLES_LIMIT,
  tableRegionBytes,
  VMCTX_BASE,
  VMCTX_LIMIT,
} from "./layout.js";
import type { LinkedImports } from "./link.js";

/** Why instantiation stopped before the start function: a segment out of bounds, or a runner limit. */
export type InitialisationFailure =
  | { readonly outcome: "trap"; readonly trap: "out_of_bounds_table" | "out_of_bounds_memory" }
  | { readonly outcome: "error"; readonly message: string };

/** A table as this engine holds it. */
interface EngineTable {
  readonly elemType: RefType;
  /** Emulator address of its region; its call entries (funcref tables; else 0); its references. */
  readonly base: number;
  readonly entries: number;
  readonly references: number;
  /** VM-context offset of its descriptor. */
  readonly descriptor: number;
  /** The length it may grow to (mapped at that). */
  readonly limit: number;
  /** The shared object when other instances may see the table (imported or exported), else null. */
  readonly shared: WasmTable | null;
}

export class InstanceBindings implements MemoryHolder, TableHolder {
  /** Function index → the function a call or a reference reaches (imports: what they are bound to). */
  private readonly funcRefs: readonly FuncRef[];
  /** Exit address → the function a call reaching it calls. */
  private readonly callees = new Map<number, FuncRef>();
  private readonly exitOfRef = new Map<FuncRef, number>();
  private readonly exitAddresses: number[];
  private foreignExits = 0;
  /** Record address ⇄ function: the module's functions first, then foreign ones as they arrive. */
  private readonly refAt = new Map<number, FuncRef>();
  private readonly recordOf = new Map<FuncRef, number>();
  private foreignRecords = 0;
  /** Global index → its shared object (imported or exported globals only). */
  private readonly sharedGlobals = new Map<number, WasmGlobal>();
  /** The memory when other instances may see it (imported or exported), else null. */
  private readonly memory: WasmMemory | null;
  /** By table index. */
  private readonly tables: readonly EngineTable[];
  /** Bytes the tables take from TABLES_BASE. */
  private readonly tablesBytes: number;
  /** Where the passive segments' contents start, after the foreign records. */
  private readonly contentsOffset: number;
  readonly exports: Externs;
  /** Whether an element segment put the instance's functions into an imported table. */
  lentFunctions = false;
  /**
   * While `initialise` fills the VM context: its bytes up to the end of the passive segments'
   * contents, written to the engine at once (every engine write is a native call) before anything
   * reads them.
   */
  private staged: { readonly bytes: Uint8Array; readonly view: DataView } | null = null;

  /**
   * `module` gives the declaration the artifact does not keep: the declared maximum of the memory,
   * which importers are matched against (without it: the maximum the artifact maps).
   */
  constructor(
    private readonly owner: FunctionOwner,
    private readonly engine: Engine,
    private readonly artifact: Artifact,
    private readonly linked: LinkedImports,
    module: Module | null,
  ) {
    const imported = artifact.imports.length;
    this.funcRefs = artifact.funcTypes.map(
      (type, funcIndex): FuncRef =>
        funcIndex < imported ? linked.funcs[funcIndex]! : { kind: "wasm", instance: owner, funcIndex, type },
    );
    const { traps, hostReturn } = artifact.exits;
    this.exitAddresses = [...TRAP_KINDS.flatMap((kind) => traps[kind] ?? []), hostReturn].map(Number);
    for (const [i, fn] of artifact.imports.entries()) this.addExit(Number(fn.exit), this.funcRefs[i]!);
    this.funcRefs.forEach((ref, funcIndex) => {
      const address = VMCTX_BASE + funcRefOffset(artifact.vmContext, funcIndex);
      this.refAt.set(address, ref);
      if (!this.recordOf.has(ref)) this.recordOf.set(ref, address);
    });
    this.contentsOffset = artifact.vmContext.bytes + FOREIGN_FUNCTION_REFS * FUNC_REF_BYTES;

    const exported = (kind: Extern["kind"], index: number) =>
      artifact.exports.some((e) => e.kind === kind && e.index === index);
    for (const [index, global] of linked.globals.entries()) this.sharedGlobals.set(index, global);
    artifact.globals.forEach((global, index) => {
      if (index >= linked.globals.length && exported("global", index)) {
        const value = this.initialValue(global.type, global.init);
        this.sharedGlobals.set(index, new WasmGlobal(global.type, global.mutable, value));
      }
    });
    const memory = artifact.memory;
    const declaredMax = module ? (module.memories[0]?.max ?? null) : (memory?.maxPages ?? null);
    this.memory =
      linked.memory ??
      (memory && exported("memory", 0)
        ? new WasmMemory(memory.minPages, declaredMax, memory.maxPages, this)
        : null);
    this.tables = this.placeTables(artifact.tables, (index) => exported("table", index));
    const last = this.tables.at(-1);
    this.tablesBytes =
      last === undefined ? 0 : last.base + tableRegionBytes(last.elemType, last.limit) - TABLES_BASE;
    this.exports = new Map(artifact.exports.map((e) => [e.name, this.extern(e.kind, e.index)]));
  }

  /** The function that function index `funcIndex` calls. */
  funcRef(funcIndex: number): FuncRef | undefined {
    return this.funcRefs[funcIndex];
  }

  /** The function a call that reached exit `address` calls; undefined for the trap and host-return exits. */
  calleeAt(address: number): FuncRef | undefined {
    return this.callees.get(address);
  }

  /** Exported global `name`'s object. */
  exportedGlobal(name: string): WasmGlobal | undefined {
    const extern = this.exports.get(name);
    return extern?.kind === "global" ? extern.global : undefined;
  }

  /** A value of `type` as this engine holds it. */
  rawOf(type: ValType, value: HostValue): bigint {
    if (typeof value === "bigint") return value;
    if (value === null) return 0n;
    if (type !== "funcref") throw new InvalidArgumentError(`a function given as a ${type} value`);
    return BigInt(this.recordAddress(value));
  }

  /** A raw value of `type` from this engine as the host holds it. */
  hostValueOf(type: ValType, raw: bigint): HostValue {
    if (type !== "funcref") return raw;
    if (raw === 0n) return null;
    const ref = this.refAt.get(Number(raw));
    if (ref === undefined)
      throw new InvalidArgumentError(`0x${raw.toString(16)} is no function reference here`);
    return ref;
  }

  /**
   * Maps the regions and fills the VM context, then applies the element and data segments in order
   * (Wasm 2.0, as the spec tests expect: one out of bounds traps, and the earlier ones stay written).
   */
  initialise(): InitialisationFailure | null {
    const { engine } = this;
    const contents = this.passiveContents();
    const vmBytes = pageAlignUp(this.contentsOffset + contents.bytes);
    if (vmBytes > VMCTX_LIMIT) {
      return {
        outcome: "error",
        message: `a VM context of ${vmBytes} bytes (passive segments included) exceeds the runner's ${VMCTX_LIMIT}`,
      };
    }
    const largest = Math.max(0, ...this.tables.map((t) => tableRegionBytes(t.elemType, t.limit)));
    if (this.tablesBytes > TABLES_LIMIT || largest > MAX_REGION_SIZE) {
      return {
        outcome: "error",
        message: `tables of ${this.tablesBytes} bytes (the largest ${largest}) exceed the runner's ${TABLES_LIMIT} (${MAX_REGION_SIZE} each)`,
      };
    }
    engine.map(VMCTX_BASE, vmBytes, "rw");
    engine.setExits(this.exitAddresses);
    const image = new Uint8Array(this.contentsOffset + contents.bytes);
    this.staged = { bytes: image, view: new DataView(image.buffer) };
    try {
      this.fillVmContext();
      contents.write();
    } finally {
      this.staged = null;
    }
    engine.writeMemory(VMCTX_BASE, image);

    this.enter();
    try {
      return this.applyActiveSegments();
    } finally {
      this.leave();
    }
  }

  /** Stages the VM context's fields, globals and function records; maps the memory and the tables. */
  private fillVmContext(): void {
    const { engine, artifact } = this;
    const layout = artifact.vmContext;
    artifact.globals.forEach((global, index) => {
      const value = this.sharedGlobals.get(index)?.value ?? this.initialValue(global.type, global.init);
      this.writeWord(VMCTX_BASE + globalOffset(index), this.rawOf(global.type, value));
    });
    this.writeVmField(VMCTX.stackLimit, STACK_LIMIT_ADDRESS);
    this.funcRefs.forEach((ref, funcIndex) => {
      this.writeRecord(VMCTX_BASE + funcRefOffset(layout, funcIndex), ref);
    });

    const memory = artifact.memory;
    const limitPages = this.memory?.limitPages ?? memory?.maxPages ?? 0;
    if (limitPages > 0) engine.map(MEMORY_BASE, limitPages * WASM_PAGE_BYTES, "rw");
    this.writeVmField(VMCTX.maxPages, limitPages);
    this.writeMemorySize(this.memory?.pages ?? memory?.minPages ?? 0);

    this.tables.forEach((table, index) => {
      const bytes = tableRegionBytes(table.elemType, table.limit);
      const first = this.tables.findIndex((t) => t.base === table.base) === index;
      if (bytes > 0 && first) engine.map(table.base, bytes, "rw");
      this.writeVmField(table.descriptor + TABLE_FIELD.entries, table.entries);
      this.writeVmField(table.descriptor + TABLE_FIELD.references, table.references);
      this.writeVmField(table.descriptor + TABLE_FIELD.maximum, table.limit);
      if (table.shared === null)
        this.writeVmField(table.descriptor + TABLE_FIELD.length, artifact.tables[index]!.minEntries);
    });
  }

  /** Brings the engine up to date with the shared objects; before every run. */
  enter(): void {
    const { engine } = this;
    for (const [index, global] of this.sharedGlobals) {
      if (global.mutable)
        this.writeWord(VMCTX_BASE + globalOffset(index), this.rawOf(global.type, global.value));
    }
    const memory = this.memory;
    const bytes = memory?.claim(this);
    if (memory && bytes) {
      if (bytes.length > 0) engine.writeMemory(MEMORY_BASE, bytes);
      this.writeMemorySize(memory.pages);
    }
    for (const table of this.tables) {
      const elements = table.shared?.claim(this);
      if (!elements) continue;
      for (const alias of this.aliases(table.shared!))
        this.writeVmField(alias.descriptor + TABLE_FIELD.length, elements.length);
      this.writeElements(table, 0, elements);
    }
  }

  /** Brings the shared objects up to date with the engine; after every run. */
  leave(): void {
    const { engine } = this;
    for (const [index, global] of this.sharedGlobals) {
      if (global.mutable) {
        global.value = this.hostValueOf(global.type, engine.readU64(VMCTX_BASE + globalOffset(index)));
      }
    }
    if (this.memory) this.memory.pages = Number(engine.readU64(VMCTX_BASE + VMCTX.memoryPages));
    for (const table of this.tables) {
      if (table.shared) table.shared.length = this.sharedLength(table.shared);
    }
  }

  /** Hands the memory's bytes and the tables' elements back to the host: the engine is about to go. */
  release(): void {
    this.memory?.release(this);
    for (const table of this.tables) table.shared?.release(this);
  }

  readLinearMemory(address: number, length: number): Uint8Array {
    return this.engine.readMemory(MEMORY_BASE + address, length);
  }

  writeLinearMemory(address: number, bytes: Uint8Array): void {
    this.engine.writeMemory(MEMORY_BASE + address, bytes);
  }

  readTableElements(shared: WasmTable): HostValue[] {
    const [table] = this.aliases(shared);
    if (table === undefined) throw new InvalidArgumentError("the table is not one of this instance's");
    const length = this.sharedLength(shared);
    const bytes = this.engine.readMemory(table.references, length * REFERENCE_BYTES);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Array.from({ length }, (_, i) =>
      this.hostValueOf(table.elemType, view.getBigUint64(i * REFERENCE_BYTES, true)),
    );
  }

  /**
   * The tables one after the other from TABLES_BASE, each mapped at its maximum length. A table
   * imported under several indices is one region with a descriptor per index; their lengths agree
   * at every host transition (a table.grow through one index is seen through the others after it).
   */
  private placeTables(images: readonly TableImage[], exported: (index: number) => boolean): EngineTable[] {
    let next = TABLES_BASE;
    const placed: EngineTable[] = [];
    for (const [index, image] of images.entries()) {
      const shared =
        this.linked.tables[index] ??
        (exported(index)
          ? new WasmTable(image.elemType, image.minEntries, image.declaredMax, image.maxEntries)
          : null);
      const descriptor = this.artifact.vmContext.tables[index]!;
      const alias = shared === null ? undefined : placed.find((table) => table.shared === shared);
      if (alias !== undefined) {
        placed.push({ ...alias, descriptor });
        continue;
      }
      const limit = shared?.limit ?? image.maxEntries;
      const base = next;
      next += tableRegionBytes(image.elemType, limit);
      const entryBytes = image.elemType === "funcref" ? limit * TABLE_ENTRY_BYTES : 0;
      placed.push({
        elemType: image.elemType,
        base,
        entries: entryBytes > 0 ? base : 0,
        references: base + entryBytes,
        descriptor,
        limit,
        shared,
      });
    }
    return placed;
  }

  /** The indices under which this instance holds `shared`. */
  private aliases(shared: WasmTable): EngineTable[] {
    return this.tables.filter((table) => table.shared === shared);
  }

  /** A shared table's length: the largest of its indices' (only growing changes it). */
  private sharedLength(shared: WasmTable): number {
    return Math.max(...this.aliases(shared).map((table) => this.tableLength(table)));
  }

  private tableLength(table: EngineTable): number {
    return Number(this.engine.readU64(VMCTX_BASE + table.descriptor + TABLE_FIELD.length));
  }

  /** Writes `values` into `table` from index `start` on: references, and call entries for funcrefs. */
  private writeElements(table: EngineTable, start: number, values: readonly HostValue[]): void {
    if (values.length === 0) return;
    const references = new Uint8Array(values.length * REFERENCE_BYTES);
    const refView = new DataView(references.buffer);
    const entries = new Uint8Array(table.entries === 0 ? 0 : values.length * TABLE_ENTRY_BYTES);
    const entryView = new DataView(entries.buffer);
    values.forEach((value, i) => {
      refView.setBigUint64(i * REFERENCE_BYTES, this.rawOf(table.elemType, value), true);
      if (table.entries === 0 || value === null || typeof value === "bigint") return;
      const entry = this.callEntry(value);
      entryView.setBigUint64(i * TABLE_ENTRY_BYTES + TABLE_ENTRY.codeAddress, entry.codeAddress, true);
      entryView.setBigUint64(i * TABLE_ENTRY_BYTES + TABLE_ENTRY.typeId, entry.typeId, true);
    });
    this.writeBytes(table.references + start * REFERENCE_BYTES, references);
    if (entries.length > 0) this.writeBytes(table.entries + start * TABLE_ENTRY_BYTES, entries);
  }

  /** Active element segments (table.init, then drop), then active data segments (memory.init, then drop). */
  private applyActiveSegments(): InitialisationFailure | null {
    const { artifact } = this;
    for (const segment of artifact.elemSegments) {
      if (segment.mode !== "active") continue;
      const table = this.tables[segment.table]!;
      const offset = this.segmentOffset(segment.offset);
      if (offset + segment.elements.length > this.tableLength(table))
        return { outcome: "trap", trap: "out_of_bounds_table" };
      const values = segment.elements.map((element) => this.initialValue(segment.type, element));
      this.writeElements(table, offset, values);
      this.lentFunctions ||=
        table.shared !== null && this.linked.tables.includes(table.shared) && values.length > 0;
    }
    const memoryBytes = Number(this.engine.readU64(VMCTX_BASE + VMCTX.memoryBytes));
    for (const segment of artifact.dataSegments) {
      if (segment.mode !== "active") continue;
      const offset = this.segmentOffset(segment.offset);
      if (offset + segment.bytes.length > memoryBytes)
        return { outcome: "trap", trap: "out_of_bounds_memory" };
      if (segment.bytes.length > 0) this.engine.writeMemory(MEMORY_BASE + offset, segment.bytes);
    }
    return null;
  }

  /**
   * The passive segments' contents, placed after the foreign records, and their descriptors: an
   * element segment's references (and call entries, for funcrefs), a data segment's bytes. The
   * descriptors of the other segments stay zero: dropped.
   */
  private passiveContents(): { bytes: number; write: () => void } {
    const { artifact } = this;
    const writes: (() => void)[] = [];
    let next = this.contentsOffset;
    const take = (bytes: number) => {
      const at = VMCTX_BASE + next;
      next += Math.ceil(bytes / FUNC_REF_BYTES) * FUNC_REF_BYTES;
      return at;
    };
    artifact.elemSegments.forEach((segment, index) => {
      if (segment.mode !== "passive") return;
      const count = segment.elements.length;
      const entries = segment.type === "funcref" ? take(count * TABLE_ENTRY_BYTES) : 0;
      const references = take(count * REFERENCE_BYTES);
      const descriptor = artifact.vmContext.elemSegments[index]!;
      writes.push(() => {
        const table: EngineTable = {
          elemType: segment.type,
          base: entries || references,
          entries,
          references,
          descriptor,
          limit: count,
          shared: null,
        };
        this.writeElements(
          table,
          0,
          segment.elements.map((element) => this.initialValue(segment.type, element)),
        );
        this.writeVmField(descriptor + TABLE_FIELD.entries, entries);
        this.writeVmField(descriptor + TABLE_FIELD.length, count);
        this.writeVmField(descriptor + TABLE_FIELD.references, references);
      });
    });
    artifact.dataSegments.forEach((segment, index) => {
      if (segment.mode !== "passive") return;
      const address = take(segment.bytes.length);
      const descriptor = artifact.vmContext.dataSegments[index]!;
      writes.push(() => {
        if (segment.bytes.length > 0) this.writeBytes(address, segment.bytes);
        this.writeVmField(descriptor + DATA_FIELD.address, address);
        this.writeVmField(descriptor + DATA_FIELD.length, segment.bytes.length);
      });
    });
    return {
      bytes: next - this.contentsOffset,
      write: () => {
        for (const write of writes) write();
      },
    };
  }

  private extern(kind: Extern["kind"], index: number): Extern {
    switch (kind) {
      case "func":
        return { kind, func: this.funcRefs[index]! };
      case "global":
        return { kind, global: this.sharedGlobals.get(index)! };
      case "memory":
        return { kind, memory: this.memory! };
      case "table":
        return { kind, table: this.tables[index]!.shared! };
    }
  }

  /** A constant, the value of the imported global it names (imported globals are the first), or a function. */
  private initialValue(type: ValType, init: InitialValue): HostValue {
    switch (init.kind) {
      case "const":
        return type === "funcref" ? null : init.bits;
      case "function":
        return this.funcRefs[init.funcIndex]!;
      case "import": {
        const index = this.artifact.globals.findIndex(
          (global) =>
            global.init.kind === "import" &&
            global.init.module === init.module &&
            global.init.name === init.name,
        );
        return this.sharedGlobals.get(index)!.value;
      }
      case "arithmetic": {
        const operand = (value: InitialValue) => this.initialValue(type, value) as bigint;
        return constArithmetic(init.op, init.bits, operand(init.left), operand(init.right));
      }
    }
  }

  /** A segment's offset: an i32, read unsigned. */
  private segmentOffset(offset: InitialValue): number {
    return Number(BigInt.asUintN(32, this.rawOf("i32", this.initialValue("i32", offset))));
  }

  /** The address of `ref`'s record in this engine, written on first use for a foreign function. */
  private recordAddress(ref: FuncRef): number {
    const known = this.recordOf.get(ref);
    if (known !== undefined) return known;
    if (this.foreignRecords >= FOREIGN_FUNCTION_REFS) {
      throw new CapacityError(`more than ${FOREIGN_FUNCTION_REFS} functions from outside the instance`);
    }
    const address = VMCTX_BASE + this.artifact.vmContext.bytes + this.foreignRecords++ * FUNC_REF_BYTES;
    this.writeRecord(address, ref);
    this.recordOf.set(ref, address);
    this.refAt.set(address, ref);
    return address;
  }

  private writeRecord(address: number, ref: FuncRef): void {
    const entry = this.callEntry(ref);
    this.writeWord(address + TABLE_ENTRY.codeAddress, entry.codeAddress);
    this.writeWord(address + TABLE_ENTRY.typeId, entry.typeId);
  }

  /** What calls `ref` from this engine: its code, an import's exit slot, or a foreign-exit slot. */
  private callEntry(ref: FuncRef): { codeAddress: bigint; typeId: bigint } {
    const own = ref.kind === "wasm" && ref.instance === this.owner;
    const address = own
      ? Number(this.artifact.codeBase) + this.artifact.entries[ref.funcIndex]!
      : this.exitOf(ref);
    return { codeAddress: BigInt(address), typeId: typeId(ref.type) };
  }

  /** The exit that calls `ref`: an import's slot, else a foreign-exit slot, allocated on first use. */
  private exitOf(ref: FuncRef): number {
    const known = this.exitOfRef.get(ref);
    if (known !== undefined) return known;
    if ((this.foreignExits + 1) * EXIT_SLOT_BYTES > FOREIGN_EXIT_BYTES) {
      throw new CapacityError(
        `more than ${FOREIGN_EXIT_BYTES / EXIT_SLOT_BYTES} foreign functions in a table`,
      );
    }
    const address =
      CODE_BASE + pageAlignUp(this.artifact.code.length) + this.foreignExits++ * EXIT_SLOT_BYTES;
    this.addExit(address, ref);
    this.engine.setExits(this.exitAddresses);
    return address;
  }

  private addExit(address: number, ref: FuncRef): void {
    this.callees.set(address, ref);
    if (!this.exitOfRef.has(ref)) this.exitOfRef.set(ref, address);
    this.exitAddresses.push(address);
  }

  private writeMemorySize(pages: number): void {
    this.writeVmField(VMCTX.memoryBytes, pages * WASM_PAGE_BYTES);
    this.writeVmField(VMCTX.memoryPages, pages);
  }

  private writeVmField(offset: number, value: number): void {
    this.writeWord(VMCTX_BASE + offset, BigInt(value));
  }

  /** Bytes of the engine's memory, written into the staged VM context while it holds them. */
  private writeBytes(address: number, bytes: Uint8Array): void {
    const offset = this.stagedOffset(address, bytes.length);
    if (offset >= 0) this.staged!.bytes.set(bytes, offset);
    else this.engine.writeMemory(address, bytes);
  }

  /** A 64-bit word of the engine's memory, written into the staged VM context while it holds the word. */
  private writeWord(address: number, value: bigint): void {
    const offset = this.stagedOffset(address, 8);
    if (offset >= 0) this.staged!.view.setBigUint64(offset, BigInt.asUintN(64, value), true);
    else this.engine.writeU64(address, value);
  }

  /** Where [address, address + length) lies in the staged VM context; -1 when it does not lie there. */
  private stagedOffset(address: number, length: number): number {
    const offset = address - VMCTX_BASE;
    return this.staged !== null && offset >= 0 && offset + length <= this.staged.bytes.length ? offset : -1;
  }
}
