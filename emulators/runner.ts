/**
 * The runner: instantiates a compiled module (an Artifact) in a Unicorn engine and calls its exports,
 * reporting each call as an Outcome. The address space is in runner-layout.ts; how a stopped machine
 * maps back to Wasm is in runner-backtrace.ts.
 *
 * An Instance owns one engine (leased from its Runner) until it is closed; memory and globals persist
 * across its invocations, as in Wasm. Each invocation gets a fresh stack: the reference is placed
 * `stackLimit` bytes above the page-aligned limit address, with the guard right below the limit.
 */
import {
  type Artifact,
  globalOffset,
  type ImportName,
  type InitialValue,
  sourceAt,
  TABLE_ENTRY,
  TABLE_ENTRY_BYTES,
  type TrapSite,
  tableEntry,
  VMCTX,
  WASM_PAGE_BYTES,
} from "../src/compiler/artifact.js";
import { hostCallLayout } from "../src/compiler/frame.js";
import type { Target } from "../src/compiler/target.js";
import type { FuncType } from "../src/wasm/ir.js";
import { type Outcome, TRAP_KINDS, type TrapKind, type WasmValue } from "../src/wasm/outcome.js";
import type { Engine } from "./engine.js";
import { EnginePool } from "./engine-pool.js";
import { MemoryAccessError } from "./errors.js";
import type { AlignmentViolation, RunResult, StackRecords, StopReason } from "./run-result.js";
import { type Backtrace, wasmBacktrace } from "./runner-backtrace.js";
import {
  CODE_BASE,
  CODE_LIMIT,
  inGuard,
  MAX_STACK_LIMIT,
  MAX_TABLE_ENTRIES,
  MEMORY_BASE,
  pageAlignUp,
  RUNTIME_REGISTERS,
  STACK_LIMIT_ADDRESS,
  TABLE_BASE,
  VMCTX_BASE,
} from "./runner-layout.js";
import { argumentMismatch, rawSlot, valueOfSlot } from "./runner-values.js";

export const DEFAULT_STACK_LIMIT = 1024 * 1024;
export const DEFAULT_FUEL = 100_000_000;

/** Per-invocation settings; a Runner's options give the defaults. */
export interface InvokeOptions {
  /** Bytes of stack the invocation may use below its reference: a positive multiple of 16. */
  readonly stackLimit?: number;
  /** Machine instructions the invocation may execute. */
  readonly fuel?: number;
}

/** An invocation run with the stack recorder on (src/verify/trace.ts turns it into a stack profile). */
export interface RecordedInvocation {
  readonly outcome: Outcome;
  /** SP samples at the Artifact's record points, in execution order. */
  readonly records: StackRecords;
  /** Minimum SP after the last sample. */
  readonly tailMinSp: number;
  /** SP just before the host's call into the entry point: depths are measured from here. */
  readonly referenceSp: number;
  /** Wasm instruction starts where SP was not 16-byte aligned (never, if the static verifier is right). */
  readonly alignmentViolations: readonly AlignmentViolation[];
  /** Machine instructions executed. */
  readonly machineInstructions: number;
}

export type RunnerInstantiation =
  | { readonly ok: true; readonly instance: Instance }
  /** The module needs something the runner cannot give it (imports, for now). */
  | { readonly ok: false; readonly stage: "link"; readonly message: string }
  /** Instantiation ran and failed: a data segment out of bounds, or the start function's outcome. */
  | { readonly ok: false; readonly stage: "instantiate"; readonly outcome: Outcome };

/**
 * Instantiates artifacts compiled for one target, leasing one engine to each live instance. Engines
 * are kept per size of their instrumented code range (a power of two): resetting an engine costs
 * time in proportion to that range, so small modules get small ranges.
 */
export class Runner {
  private readonly idle = new Map<number, EnginePool[]>();

  constructor(
    readonly target: Target,
    readonly defaults: InvokeOptions = {},
  ) {}

  /** Loads `artifact` (compiled with `{ codeBase: BigInt(CODE_BASE) }`) and runs its start function. */
  instantiate(artifact: Artifact): RunnerInstantiation {
    if (artifact.target !== this.target) {
      throw new RangeError(`a ${artifact.target} artifact given to a ${this.target} runner`);
    }
    if (artifact.codeBase !== BigInt(CODE_BASE)) {
      throw new RangeError(`artifact compiled for code base ${artifact.codeBase}, not ${CODE_BASE}`);
    }
    const unlinkable = missingImports(artifact);
    if (unlinkable) return { ok: false, stage: "link", message: unlinkable };
    if (artifact.code.length > CODE_LIMIT) {
      const message = `code of ${artifact.code.length} bytes exceeds the runner's ${CODE_LIMIT}`;
      return { ok: false, stage: "instantiate", outcome: { outcome: "error", message } };
    }
    const size = instrumentedBytes(artifact.code.length);
    const idle = this.idle.get(size) ?? [];
    this.idle.set(size, idle);
    const pool =
      idle.pop() ?? new EnginePool(this.target, { engine: { instrument: { address: CODE_BASE, size } } });
    const instance = new Instance(artifact, pool.acquire(), this.defaults, () => idle.push(pool));
    const failure = instance.initialise();
    if (failure === null) return { ok: true, instance };
    instance.close();
    return { ok: false, stage: "instantiate", outcome: failure };
  }

  /** Closes the engines of closed instances; live instances keep theirs until they are closed. */
  close(): void {
    for (const pools of this.idle.values()) for (const pool of pools.splice(0)) pool.close();
  }
}

/** The instrumented range for `codeBytes` of code: a power of two from 64 KiB up to CODE_LIMIT. */
function instrumentedBytes(codeBytes: number): number {
  let size = 64 * 1024;
  while (size < codeBytes) size *= 2;
  return Math.min(size, CODE_LIMIT);
}

export class Instance {
  private stackEnd = STACK_LIMIT_ADDRESS;
  private closed = false;

  constructor(
    readonly artifact: Artifact,
    private readonly engine: Engine,
    private readonly defaults: InvokeOptions,
    private readonly release: () => void,
  ) {}

  /** Calls exported function `name`; `args` are bit patterns as in the spec tests' JSON. */
  invoke(name: string, args: readonly WasmValue[], options: InvokeOptions = {}): Outcome {
    const call = this.exportedCall(name, args);
    return "outcome" in call ? call : this.call(call.funcIndex, call.type, call.slots, options);
  }

  /**
   * Like `invoke`, with the stack recorder sampling SP at every record point and the alignment
   * checker at every Wasm instruction start (where SP is 16-byte aligned on every target).
   */
  invokeRecorded(
    name: string,
    args: readonly WasmValue[],
    options: InvokeOptions = {},
  ): RecordedInvocation | Outcome {
    const call = this.exportedCall(name, args);
    if ("outcome" in call) return call;
    const { engine, artifact } = this;
    engine.setWatchPoints(artifact.recordPoints.map((offset) => CODE_BASE + offset));
    engine.setAlignmentChecks(
      artifact.sourceMap.flatMap((entry) => (entry.kind === "instr" ? [CODE_BASE + entry.start] : [])),
    );
    try {
      let run: RunResult | undefined;
      const outcome = this.call(call.funcIndex, call.type, call.slots, options, (result) => {
        run = result;
      });
      if (run === undefined) return outcome;
      return {
        outcome,
        records: run.records,
        tailMinSp: run.tailMinSp ?? Number(engine.readRegister("sp")),
        referenceSp: STACK_LIMIT_ADDRESS + this.stackLimitOf(options),
        alignmentViolations: run.alignmentViolations,
        machineInstructions: run.steps,
      };
    } finally {
      engine.setWatchPoints([]);
      engine.setAlignmentChecks([]);
    }
  }

  /** The export's function and the arguments as slots, or an error outcome saying why not. */
  private exportedCall(
    name: string,
    args: readonly WasmValue[],
  ): { funcIndex: number; type: FuncType; slots: bigint[] } | Outcome {
    const exported = this.artifact.exports.find((e) => e.name === name && e.kind === "func");
    const type = exported && this.artifact.funcTypes[exported.index];
    if (!exported || !type) return { outcome: "error", message: `no exported function "${name}"` };
    const mismatch = argumentMismatch(type, args);
    if (mismatch) return { outcome: "error", message: `${name}: ${mismatch}` };
    return { funcIndex: exported.index, type, slots: args.map(rawSlot) };
  }

  private stackLimitOf(options: InvokeOptions): number {
    return options.stackLimit ?? this.defaults.stackLimit ?? DEFAULT_STACK_LIMIT;
  }

  /** Reads exported global `name` (the spec tests' `get` action). */
  getGlobal(name: string): Outcome {
    const exported = this.artifact.exports.find((e) => e.name === name && e.kind === "global");
    const global = exported && this.artifact.globals[exported.index];
    if (!exported || !global) return { outcome: "error", message: `no exported global "${name}"` };
    const bits = this.engine.readU64(VMCTX_BASE + globalOffset(exported.index));
    return { outcome: "return", values: [valueOfSlot(global.type, bits)] };
  }

  /** Returns the engine to the runner; the instance cannot be used afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
  }

  /** Maps and fills the regions, applies the data segments and runs the start function. */
  initialise(): Outcome | null {
    const { engine, artifact } = this;
    engine.reset();
    engine.map(CODE_BASE, pageAlignUp(artifact.code.length), "rwx");
    engine.writeMemory(CODE_BASE, artifact.code);
    const { traps, hostReturn, imports } = artifact.exits;
    engine.setExits([...TRAP_KINDS.map((kind) => traps[kind]), hostReturn, ...imports].map(Number));

    engine.map(VMCTX_BASE, pageAlignUp(globalOffset(artifact.globals.length)), "rw");
    const memory = artifact.memory;
    if (memory && memory.maxPages > 0) engine.map(MEMORY_BASE, memory.maxPages * WASM_PAGE_BYTES, "rw");
    const pages = memory?.minPages ?? 0;
    this.writeVmField(VMCTX.memoryBytes, pages * WASM_PAGE_BYTES);
    this.writeVmField(VMCTX.memoryPages, pages);
    this.writeVmField(VMCTX.maxPages, memory?.maxPages ?? 0);
    this.writeVmField(VMCTX.stackLimit, STACK_LIMIT_ADDRESS);
    artifact.globals.forEach((global, index) => {
      if (global.init.kind === "const") engine.writeU64(VMCTX_BASE + globalOffset(index), global.init.bits);
    });

    // Segments are applied in order, elements before data (Wasm 2.0); one out of bounds traps,
    // leaving the earlier ones written. A fresh mapping is zero: every table entry uninitialised.
    const entries = artifact.table?.minEntries ?? 0;
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
      const offset = constantOffset(segment.offset);
      if (offset + segment.funcs.length > entries) return { outcome: "trap", trap: "undefined_element" };
      segment.funcs.forEach((funcIndex, i) => {
        const { codeAddress, typeId } = tableEntry(artifact, funcIndex);
        const at = TABLE_BASE + (offset + i) * TABLE_ENTRY_BYTES;
        engine.writeU64(at + TABLE_ENTRY.codeAddress, codeAddress);
        engine.writeU64(at + TABLE_ENTRY.typeId, typeId);
      });
    }
    for (const segment of artifact.dataSegments) {
      const offset = constantOffset(segment.offset);
      if (offset + segment.bytes.length > pages * WASM_PAGE_BYTES) {
        return { outcome: "trap", trap: "out_of_bounds_memory" };
      }
      if (segment.bytes.length > 0) engine.writeMemory(MEMORY_BASE + offset, segment.bytes);
    }
    if (artifact.start === null) return null;
    const outcome = this.call(artifact.start, artifact.funcTypes[artifact.start]!, [], {});
    return outcome.outcome === "return" ? null : outcome;
  }

  private call(
    funcIndex: number,
    type: FuncType,
    slots: readonly bigint[],
    options: InvokeOptions,
    onRun?: (result: RunResult) => void,
  ): Outcome {
    if (this.closed) throw new RangeError("invocation of a closed instance");
    const stackLimit = this.stackLimitOf(options);
    const fuel = options.fuel ?? this.defaults.fuel ?? DEFAULT_FUEL;
    checkStackLimit(stackLimit);
    if (funcIndex < this.artifact.imports.length) {
      return {
        outcome: "error",
        message: `function ${funcIndex} is imported: calling imports is not supported yet`,
      };
    }
    const { engine, artifact } = this;
    const registers = RUNTIME_REGISTERS[artifact.target];
    const layout = hostCallLayout(artifact.target, artifact.strategy, type.params);
    const reference = STACK_LIMIT_ADDRESS + stackLimit;
    this.mapStackUpTo(reference + layout.areaBytes);
    slots.forEach((slot, i) => {
      if (i < layout.registerArgs) engine.writeRegister(`arg${i}`, slot);
      else engine.writeU64(reference + 8 * (i - layout.registerArgs), slot);
    });
    engine.writeRegister(registers.vmctx, VMCTX_BASE);
    engine.writeRegister(registers.memoryBase, MEMORY_BASE);
    // The host's call: x64 pushes the return address, aarch64 passes it in the link register.
    const sp = reference - layout.returnAddressBytes;
    engine.writeRegister("sp", sp);
    if (layout.returnAddressBytes > 0) engine.writeU64(sp, artifact.exits.hostReturn);
    else engine.writeRegister("lr", artifact.exits.hostReturn);

    const result = engine.run({ begin: CODE_BASE + artifact.entries[funcIndex]!, fuel });
    onRun?.(result);
    return this.outcomeOf(result.stop, type, fuel);
  }

  private outcomeOf(stop: StopReason, type: FuncType, fuel: number): Outcome {
    const { engine, artifact } = this;
    switch (stop.kind) {
      case "exit": {
        if (stop.address === Number(artifact.exits.hostReturn)) {
          const bits = engine.readRegister("ret0");
          return { outcome: "return", values: type.results.map((result) => valueOfSlot(result, bits)) };
        }
        const kind = TRAP_KINDS.find((k) => Number(artifact.exits.traps[k]) === stop.address);
        if (kind) return this.trapOutcome(kind);
        return {
          outcome: "error",
          message: `call to an imported function (exit 0x${stop.address.toString(16)}): imports are not supported yet`,
        };
      }
      case "fuel":
        return { outcome: "exhausted", fuel };
      case "memory-fault":
        if (stop.access !== "fetch" && inGuard(stop.address)) return this.guardFaultOutcome(stop.pc);
        return this.machineError(
          `${stop.access} of unmapped address 0x${stop.address.toString(16)}`,
          stop.pc,
        );
      case "invalid-instruction":
        return this.machineError("invalid instruction", stop.pc);
      case "interrupt":
        return this.machineError(`interrupt ${stop.number}`, stop.pc);
      case "cpu-exception":
        return this.machineError(`CPU exception: ${stop.message}`, stop.pc);
      case "hook-stop":
        return this.machineError("stopped by an address hook", stop.pc);
    }
  }

  private trapOutcome(kind: TrapKind): Outcome {
    const siteIndex = Number(
      this.engine.readRegister(RUNTIME_REGISTERS[this.artifact.target].trapSite) & 0xffff_ffffn,
    );
    const site = this.artifact.trapSites[siteIndex];
    if (site === undefined || site.kind !== kind) {
      return {
        outcome: "error",
        message: `trap exit ${kind} with trap-site register ${siteIndex}, which is not a ${kind} site`,
      };
    }
    if (site.unsupported !== undefined) return { outcome: "error", message: site.unsupported };
    return this.trapWithBacktrace(kind, CODE_BASE + site.codeOffset, site);
  }

  /** A stack access below the limit: the overflow under push strategies, a samestack bug under `frame`. */
  private guardFaultOutcome(pc: number): Outcome {
    if (this.artifact.strategy === "frame") {
      return this.machineError(
        "stack access in the guard region under the frame strategy (its limit check missed it)",
        pc,
      );
    }
    return this.trapWithBacktrace("stack_overflow", pc);
  }

  private trapWithBacktrace(kind: TrapKind, pc: number, site?: TrapSite): Outcome {
    const backtrace = this.backtrace(pc, site);
    if (!backtrace.ok)
      return { outcome: "error", message: `${kind} trap, but no backtrace: ${backtrace.message}` };
    const location = backtrace.frames.at(-1);
    return location
      ? { outcome: "trap", trap: kind, location, backtrace: backtrace.frames }
      : { outcome: "trap", trap: kind, backtrace: [] };
  }

  private backtrace(pc: number, site?: TrapSite): Backtrace {
    const { engine } = this;
    try {
      return wasmBacktrace(
        this.artifact,
        {
          pc,
          sp: Number(engine.readRegister("sp")),
          linkRegister: () => Number(engine.readRegister("lr")),
          readU64: (address) => engine.readU64(address),
        },
        site,
      );
    } catch (error) {
      if (error instanceof MemoryAccessError) return { ok: false, message: error.message };
      throw error;
    }
  }

  /** Anything the generated code should never do: a bug in samestack, reported with where it happened. */
  private machineError(what: string, pc: number): Outcome {
    const source = sourceAt(this.artifact, pc - CODE_BASE);
    const where = source === undefined ? "outside the code" : describeSource(source);
    return {
      outcome: "error",
      message: `${this.artifact.target}: ${what} at pc 0x${pc.toString(16)} (${where})`,
    };
  }

  private mapStackUpTo(top: number): void {
    const end = pageAlignUp(top);
    if (end <= this.stackEnd) return;
    this.engine.map(this.stackEnd, end - this.stackEnd, "rw");
    this.stackEnd = end;
  }

  private writeVmField(offset: number, value: number): void {
    this.engine.writeU64(VMCTX_BASE + offset, BigInt(value));
  }
}

function describeSource(source: NonNullable<ReturnType<typeof sourceAt>>): string {
  switch (source.kind) {
    case "instr":
      return `function ${source.funcIndex}, instruction ${source.instrIndex}`;
    case "prologue":
      return `prologue of function ${source.funcIndex}`;
    case "trap-stub":
      return `trap stub of site ${source.site}`;
    case "exit":
      return `exit ${source.exit}`;
  }
}

/** A segment offset; imported globals are refused at link time, so it is a constant here. */
function constantOffset(offset: InitialValue): number {
  if (offset.kind !== "const") throw new RangeError("segment offset from an imported global");
  return Number(offset.bits);
}

/** Why the runner cannot link `artifact` yet, or null. */
function missingImports(artifact: Artifact): string | null {
  const name = (imported: ImportName) => `${imported.module}.${imported.name}`;
  const imported = [
    ...artifact.imports.map(name),
    ...artifact.globals.flatMap((g) => (g.init.kind === "import" ? [name(g.init)] : [])),
    ...[artifact.memory?.import, artifact.table?.import].flatMap((i) => (i ? [name(i)] : [])),
  ];
  return imported.length === 0 ? null : `imports are not supported yet: ${imported.join(", ")}`;
}

function checkStackLimit(bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes % 16 !== 0 || bytes > MAX_STACK_LIMIT) {
    throw new RangeError(
      `stack limit must be a positive multiple of 16 up to ${MAX_STACK_LIMIT}, got ${bytes}`,
    );
  }
}
