/**
 * What instances import and export: functions, globals, memories and tables as host-side objects
 * that several instances (each in its own engine) and the host share.
 *
 * The objects are the truth between runs; an engine holds a cache of them, synchronised by the
 * runner at every host transition (runner.ts, "Shared state"):
 * - a global's value is written into the VM context before a run and read back after it;
 * - a memory's bytes, and a table's elements, live in exactly one place: the engine of the instance
 *   that ran with it last (its `holder`), or the object itself when no engine holds them. Another
 *   instance claims them before it runs; the size is read back after every run.
 *
 * Values cross engines as HostValues: numbers and externrefs as their raw slots, which mean the same
 * in every engine, and funcrefs as the functions themselves (a raw funcref is the address of a record
 * in one engine's VM context: src/compiler/README.md, "Values and registers").
 */
import { WASM_PAGE_BYTES } from "../../src/compiler/artifact.js";
import type { FuncType, RefType, ValType } from "../../src/wasm/ir.js";
import type { Outcome, WasmValue } from "../../src/wasm/outcome.js";

/**
 * A function the host provides: arguments and results as in the spec tests' JSON. It may end the
 * whole invocation instead of returning, by throwing InvocationEnd.
 */
export type HostFunction = (args: readonly WasmValue[]) => readonly WasmValue[];

/**
 * Thrown by a host function to end the whole invocation with `outcome` (WASI's `proc_exit`): no
 * frame of the invocation resumes, on any executor (the runner returns the outcome, V8 unwinds).
 */
export class InvocationEnd extends Error {
  constructor(readonly outcome: CallFailure) {
    super(`the host ended the invocation: ${outcome.outcome}`);
    this.name = "InvocationEnd";
  }
}

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
  /** Every engine runs the invocation on its precise machine from the start (`InvokeOptions.precise`). */
  readonly precise: boolean;
}

/**
 * A value as the host holds it between engines: a number or an externref as its raw slot (an
 * externref is the host's handle + 1, null 0), a funcref as the function itself (null: ref.null).
 */
export type HostValue = bigint | FuncRef | null;

/** An outcome other than a return: a trap, exhaustion or an error. */
export type CallFailure = Exclude<Outcome, { readonly outcome: "return" }>;

/** How a call that crossed to another instance or the host ended: its results, or why it did not return. */
export type CallResult = { readonly outcome: "return"; readonly values: readonly HostValue[] } | CallFailure;

/** What a function reference needs of the instance that defines the function (runner.ts's Instance). */
export interface FunctionOwner {
  /** Calls function `funcIndex` with `args` as part of the call in progress `context`. */
  callFunction(funcIndex: number, args: readonly HostValue[], context: CallContext): CallResult;
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
    public value: HostValue,
  ) {}
}

/** Where a memory's bytes are while an instance holds them. */
export interface MemoryHolder {
  /** `length` bytes at `address` of the linear memory in the holder's engine. */
  readLinearMemory(address: number, length: number): Uint8Array;
  writeLinearMemory(address: number, bytes: Uint8Array): void;
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
    const bytes = this.holder?.readLinearMemory(0, this.pages * WASM_PAGE_BYTES) ?? this.bytes;
    this.holder = holder;
    return bytes;
  }

  /** Takes the bytes back from `holder` (closing, its engine goes back to the pool). */
  release(holder: MemoryHolder): void {
    if (this.holder !== holder) return;
    this.bytes = holder.readLinearMemory(0, this.pages * WASM_PAGE_BYTES);
    this.holder = null;
  }

  /** `length` bytes at `address`, wherever the bytes are now (a host function's read; in bounds). */
  read(address: number, length: number): Uint8Array {
    return this.holder?.readLinearMemory(address, length) ?? this.bytes.slice(address, address + length);
  }

  /** Writes `bytes` at `address`, wherever the bytes are now (a host function's write; in bounds). */
  write(address: number, bytes: Uint8Array): void {
    if (this.holder) this.holder.writeLinearMemory(address, bytes);
    else this.bytes.set(bytes, address);
  }
}

/** Where a table's elements are while an instance holds them. */
export interface TableHolder {
  /** The current elements of `table` in the holder's engine. */
  readTableElements(table: WasmTable): HostValue[];
}

export class WasmTable {
  /** The elements while no engine holds them. */
  private elements: HostValue[];
  private holder: TableHolder | null = null;

  constructor(
    readonly elemType: RefType,
    /** Current length: kept up to date by the holder after every run. */
    public length: number,
    /** The declared maximum (null: none), which imports are matched against. */
    readonly declaredMax: number | null,
    /** The length it may grow to here: the declared maximum capped by the runner's table.grow cap. */
    readonly limit: number,
  ) {
    this.elements = Array<HostValue>(length).fill(null);
  }

  /**
   * Makes `holder` the place of the elements: returns those it must load into its engine, or null
   * when it holds them already.
   */
  claim(holder: TableHolder): readonly HostValue[] | null {
    if (this.holder === holder) return null;
    const elements = this.holder?.readTableElements(this) ?? this.elements;
    this.holder = holder;
    return elements;
  }

  /** Takes the elements back from `holder` (closing, its engine goes back to the pool). */
  release(holder: TableHolder): void {
    if (this.holder !== holder) return;
    this.elements = holder.readTableElements(this);
    this.holder = null;
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
