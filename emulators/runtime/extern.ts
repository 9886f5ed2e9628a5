/**
 * What instances import and export: functions, globals, memories and tables as host-side objects
 * that several instances (each in its own engine) and the host share.
 *
 * The objects are the truth between runs; an engine holds a cache of them, synchronised by the
 * runner at every host transition (runner.ts, "Shared state"):
 * - a global's value is written into the VM context before a run and read back after it;
 * - a memory's bytes live in exactly one place: the engine of the instance that ran with it last
 *   (its `holder`), or `bytes` when no engine holds them. Another instance claims them before it runs;
 * - a table's entries change only at instantiation (element segments; 1.0 has no table.set): every
 *   change bumps `version`, and an instance rewrites its engine's copy when the version moved.
 */
import { WASM_PAGE_BYTES } from "../../src/compiler/artifact.js";
import type { FuncType, ValType } from "../../src/wasm/ir.js";
import type { Outcome, WasmValue } from "../../src/wasm/outcome.js";

/** A function the host provides: arguments and results as in the spec tests' JSON. */
export type HostFunction = (args: readonly WasmValue[]) => readonly WasmValue[];

/** A call in progress, as it crosses instances: its stack position, and the fuel the invocation has left. */
export interface CallContext {
  /** The callee's reference: SP at the call. The invocation's stack continues below it in every engine. */
  readonly reference: number;
  /** The invocation's Wasm-instruction fuel, and whom to tell how much of it was used (runner.ts). */
  readonly fuel: {
    readonly total: number;
    remaining: number;
    readonly progress?: (executed: number) => void;
  };
}

/** What a function reference needs of the instance that defines the function (runner.ts's Instance). */
export interface FunctionOwner {
  /** Calls function `funcIndex` with raw-slot arguments as part of the call in progress `context`. */
  callFunction(funcIndex: number, args: readonly bigint[], context: CallContext): Outcome;
}

/** A function any instance may call: the host's, or a function of an instance (defined there). */
export type FuncRef =
  | { readonly kind: "host"; readonly name: string; readonly type: FuncType; readonly call: HostFunction }
  | {
      readonly kind: "wasm";
      readonly instance: FunctionOwner;
      readonly funcIndex: number;
      readonly type: FuncType;
    };

export class WasmGlobal {
  constructor(
    readonly type: ValType,
    readonly mutable: boolean,
    /** The raw 64-bit slot (src/compiler/README.md, "Values and registers"). */
    public bits: bigint,
  ) {}
}

/** Where a memory's bytes are while an instance holds them. */
export interface MemoryHolder {
  /** The first `length` bytes of the linear memory in the holder's engine. */
  readLinearMemory(length: number): Uint8Array;
}

export class WasmMemory {
  /** The bytes while no engine holds them. */
  private bytes: Uint8Array;

  constructor(
    /** Current size. */
    public pages: number,
    /** The declared maximum (null: none), which imports are matched against. */
    readonly declaredMax: number | null,
    /** Pages it may grow to here: the declared maximum capped by the runner's memory.grow cap. */
    readonly limitPages: number,
    /** The instance whose engine holds the (zero) bytes from the start; null: the host does. */
    private holder: MemoryHolder | null = null,
  ) {
    this.bytes = new Uint8Array(holder === null ? pages * WASM_PAGE_BYTES : 0);
  }

  /**
   * Makes `holder` the place of the bytes: returns the bytes it must load into its engine, or null
   * when it holds them already (it ran with this memory last).
   */
  claim(holder: MemoryHolder): Uint8Array | null {
    if (this.holder === holder) return null;
    const bytes = this.holder?.readLinearMemory(this.pages * WASM_PAGE_BYTES) ?? this.bytes;
    this.holder = holder;
    return bytes;
  }

  /** Takes the bytes back from `holder` (closing, its engine goes back to the pool). */
  release(holder: MemoryHolder): void {
    if (this.holder !== holder) return;
    this.bytes = holder.readLinearMemory(this.pages * WASM_PAGE_BYTES);
    this.holder = null;
  }
}

export class WasmTable {
  /** Bumped by every `set`. */
  version = 0;
  readonly entries: (FuncRef | null)[];

  constructor(
    length: number,
    /** The declared maximum (null: none), which imports are matched against. */
    readonly declaredMax: number | null,
  ) {
    this.entries = Array<FuncRef | null>(length).fill(null);
  }

  set(index: number, ref: FuncRef): void {
    this.entries[index] = ref;
    this.version++;
  }
}

export type Extern =
  | { readonly kind: "func"; readonly func: FuncRef }
  | { readonly kind: "global"; readonly global: WasmGlobal }
  | { readonly kind: "memory"; readonly memory: WasmMemory }
  | { readonly kind: "table"; readonly table: WasmTable };

/** One module's exports by name (Maps: export names may be anything, "__proto__" included). */
export type Externs = ReadonlyMap<string, Extern>;

/** What a module may import: module name → its exports. */
export type Imports = ReadonlyMap<string, Externs>;
