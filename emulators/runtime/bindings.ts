/**
 * One instance's globals, memory and table as its engine holds them, kept consistent with the
 * host-side objects other instances share (extern.ts), and the exits through which its code
 * calls functions outside the instance.
 *
 * Synchronisation happens at host transitions only (`enter` before every run of the engine, `leave`
 * after it), which is enough because only the running engine can change shared state:
 * - globals imported or exported, if mutable: written into the VM context on enter, read back on leave;
 * - a memory imported or exported: claimed on enter (the bytes are copied in when another instance
 *   or the host had them last), its size read back on leave; a memory nobody else can see lives in
 *   the engine only;
 * - the table (imported or not): rewritten on enter when its version moved. An entry for one of the
 *   instance's own functions holds that function's code address; any other function is called
 *   through an exit: an import's own exit slot, else a slot of the foreign-exit page after the code.
 */
import {
  type Artifact,
  EXIT_SLOT_BYTES,
  globalOffset,
  type InitialValue,
  TABLE_ENTRY,
  TABLE_ENTRY_BYTES,
  typeId,
  VMCTX,
  WASM_PAGE_BYTES,
} from "../../src/compiler/artifact.js";
import type { Module } from "../../src/wasm/ir.js";
import { TRAP_KINDS } from "../../src/wasm/outcome.js";
import { CapacityError } from "../errors.js";
import type { Engine } from "../unicorn/engine.js";
import {
  type Extern,
  type Externs,
  type FuncRef,
  type FunctionOwner,
  type MemoryHolder,
  WasmGlobal,
  WasmMemory,
  WasmTable,
} from "./extern.js";
import {
  CODE_BASE,
  FOREIGN_EXIT_BYTES,
  MAX_TABLE_ENTRIES,
  MEMORY_BASE,
  pageAlignUp,
  STACK_LIMIT_ADDRESS,
  TABLE_BASE,
  VMCTX_BASE,
} from "./layout.js";
import type { LinkedImports } from "./link.js";

/** Why instantiation stopped before the start function: a segment out of bounds, or a runner limit. */
export type InitialisationFailure =
  | { readonly outcome: "trap"; readonly trap: "undefined_element" | "out_of_bounds_memory" }
  | { readonly outcome: "error"; readonly message: string };

export class InstanceBindings implements MemoryHolder {
  /** Function index → the function a call or a table entry reaches (imports: what they are bound to). */
  private readonly funcRefs: readonly FuncRef[];
  /** Exit address → the function a call reaching it calls. */
  private readonly callees = new Map<number, FuncRef>();
  private readonly exitOfRef = new Map<FuncRef, number>();
  private readonly exitAddresses: number[];
  private foreignExits = 0;
  /** Global index → its shared object (imported or exported globals only). */
  private readonly sharedGlobals = new Map<number, WasmGlobal>();
  /** The memory when other instances may see it (imported or exported), else null. */
  private readonly memory: WasmMemory | null;
  /** By table index; the engine holds table 0, the others (post-1.0) exist for export only. */
  private readonly tables: readonly WasmTable[];
  private readonly table: WasmTable | null;
  private tableVersion = -1;
  readonly exports: Externs;
  /** Whether an element segment put the instance's functions into an imported table. */
  lentFunctions = false;

  /**
   * `module` gives the declarations the artifact does not keep: the declared maximum of the memory,
   * which importers are matched against (without it: the maximum the artifact maps), and tables
   * beyond the first.
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
    this.exitAddresses = [...TRAP_KINDS.map((kind) => traps[kind]), hostReturn].map(Number);
    for (const [i, fn] of artifact.imports.entries()) this.addExit(Number(fn.exit), this.funcRefs[i]!);

    const exported = (kind: Extern["kind"], index: number) =>
      artifact.exports.some((e) => e.kind === kind && e.index === index);
    for (const [index, global] of linked.globals.entries()) this.sharedGlobals.set(index, global);
    artifact.globals.forEach((global, index) => {
      if (index >= linked.globals.length && exported("global", index)) {
        this.sharedGlobals.set(
          index,
          new WasmGlobal(global.type, global.mutable, this.initialBits(global.init)),
        );
      }
    });
    const memory = artifact.memory;
    const declaredMax = module ? (module.memories[0]?.max ?? null) : (memory?.maxPages ?? null);
    this.memory =
      linked.memory ??
      (memory && exported("memory", 0)
        ? new WasmMemory(memory.minPages, declaredMax, memory.maxPages, this)
        : null);
    const table = artifact.table;
    const definedTables = module
      ? module.tables.map((limits) => new WasmTable(limits.min, limits.max ?? null))
      : table && !table.import
        ? [new WasmTable(table.minEntries, table.maxEntries)]
        : [];
    this.tables = [...linked.tables, ...definedTables];
    this.table = this.tables[0] ?? null;
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

  /**
   * Maps the regions and fills the VM context, then applies the element and data segments in order
   * (Wasm 2.0, as the spec tests expect: one out of bounds traps, and the earlier ones stay written).
   */
  initialise(): InitialisationFailure | null {
    const { engine, artifact } = this;
    engine.map(VMCTX_BASE, pageAlignUp(globalOffset(artifact.globals.length)), "rw");
    engine.setExits(this.exitAddresses);
    artifact.globals.forEach((global, index) => {
      const bits = this.sharedGlobals.get(index)?.bits ?? this.initialBits(global.init);
      engine.writeU64(VMCTX_BASE + globalOffset(index), bits);
    });
    this.writeVmField(VMCTX.stackLimit, STACK_LIMIT_ADDRESS);

    const memory = artifact.memory;
    const limitPages = this.memory?.limitPages ?? memory?.maxPages ?? 0;
    if (limitPages > 0) engine.map(MEMORY_BASE, limitPages * WASM_PAGE_BYTES, "rw");
    this.writeVmField(VMCTX.maxPages, limitPages);
    this.writeMemorySize(this.memory?.pages ?? memory?.minPages ?? 0);

    const entries = this.table?.entries.length ?? 0;
    if (entries > MAX_TABLE_ENTRIES) {
      return {
        outcome: "error",
        message: `a table of ${entries} entries exceeds the runner's ${MAX_TABLE_ENTRIES}`,
      };
    }
    if (entries > 0) engine.map(TABLE_BASE, pageAlignUp(entries * TABLE_ENTRY_BYTES), "rw");
    this.writeVmField(VMCTX.tableBase, TABLE_BASE);
    this.writeVmField(VMCTX.tableLength, entries);

    for (const segment of artifact.table?.elements ?? []) {
      const offset = this.segmentOffset(segment.offset);
      if (offset + segment.funcs.length > entries) return { outcome: "trap", trap: "undefined_element" };
      for (const [i, funcIndex] of segment.funcs.entries())
        this.table!.set(offset + i, this.funcRefs[funcIndex]!);
      this.lentFunctions ||= this.linked.tables.length > 0 && segment.funcs.length > 0;
    }
    this.enter();
    const memoryBytes = Number(engine.readU64(VMCTX_BASE + VMCTX.memoryBytes));
    for (const segment of artifact.dataSegments) {
      const offset = this.segmentOffset(segment.offset);
      if (offset + segment.bytes.length > memoryBytes)
        return { outcome: "trap", trap: "out_of_bounds_memory" };
      if (segment.bytes.length > 0) engine.writeMemory(MEMORY_BASE + offset, segment.bytes);
    }
    this.leave();
    return null;
  }

  /** Brings the engine up to date with the shared objects; before every run. */
  enter(): void {
    const { engine } = this;
    for (const [index, global] of this.sharedGlobals) {
      if (global.mutable) engine.writeU64(VMCTX_BASE + globalOffset(index), global.bits);
    }
    const memory = this.memory;
    const bytes = memory?.claim(this);
    if (memory && bytes) {
      if (bytes.length > 0) engine.writeMemory(MEMORY_BASE, bytes);
      this.writeMemorySize(memory.pages);
    }
    if (this.table && this.table.version !== this.tableVersion) this.writeTable(this.table);
  }

  /** Brings the shared objects up to date with the engine; after every run. */
  leave(): void {
    const { engine } = this;
    for (const [index, global] of this.sharedGlobals) {
      if (global.mutable) global.bits = engine.readU64(VMCTX_BASE + globalOffset(index));
    }
    if (this.memory) this.memory.pages = Number(engine.readU64(VMCTX_BASE + VMCTX.memoryPages));
  }

  /** Hands the memory's bytes back to the host: the engine is about to go. */
  release(): void {
    this.memory?.release(this);
  }

  readLinearMemory(address: number, length: number): Uint8Array {
    return this.engine.readMemory(MEMORY_BASE + address, length);
  }

  writeLinearMemory(address: number, bytes: Uint8Array): void {
    this.engine.writeMemory(MEMORY_BASE + address, bytes);
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
        return { kind, table: this.tables[index]! };
    }
  }

  /** A constant, or the value of the imported global it names (imported globals are the first). */
  private initialBits(init: InitialValue): bigint {
    if (init.kind === "const") return init.bits;
    const index = this.artifact.globals.findIndex(
      (global) =>
        global.init.kind === "import" && global.init.module === init.module && global.init.name === init.name,
    );
    return this.sharedGlobals.get(index)!.bits;
  }

  /** A segment's offset: an i32, read unsigned. */
  private segmentOffset(offset: InitialValue): number {
    return Number(BigInt.asUintN(32, this.initialBits(offset)));
  }

  private writeTable(table: WasmTable): void {
    const bytes = new Uint8Array(table.entries.length * TABLE_ENTRY_BYTES);
    const view = new DataView(bytes.buffer);
    table.entries.forEach((ref, i) => {
      if (ref === null) return;
      const own = ref.kind === "wasm" && ref.instance === this.owner;
      const address = own
        ? Number(this.artifact.codeBase) + this.artifact.entries[ref.funcIndex]!
        : this.exitOf(ref);
      view.setBigUint64(i * TABLE_ENTRY_BYTES + TABLE_ENTRY.codeAddress, BigInt(address), true);
      view.setBigUint64(i * TABLE_ENTRY_BYTES + TABLE_ENTRY.typeId, typeId(ref.type), true);
    });
    if (bytes.length > 0) this.engine.writeMemory(TABLE_BASE, bytes);
    this.tableVersion = table.version;
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
    this.engine.writeU64(VMCTX_BASE + offset, BigInt(value));
  }
}
