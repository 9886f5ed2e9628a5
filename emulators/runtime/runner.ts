/**
 * The runner: instantiates a compiled module (an Artifact) in a Unicorn engine and calls its exports,
 * reporting each call as an Outcome. The address space is in layout.ts; how a stopped machine
 * maps back to Wasm is in backtrace.ts.
 *
 * An Instance owns one engine (leased from its Runner) until it is closed; memory and globals persist
 * across its invocations, as in Wasm. Each invocation gets a fresh stack: the reference is placed
 * `stackLimit` bytes above the page-aligned limit address, with the guard right below the limit.
 *
 * Host calls. A call to an imported function (or, through a table, to any function outside the
 * instance) is made with the ordinary call sequence and stops at an exit. The runner reads the
 * arguments per ABI (abi.ts), calls the function, writes the result register, emulates the
 * return and resumes the run with the fuel left. The callee is deemed to use the entry sequence of
 * an empty Wasm function below its reference (return address + frame record, padded as the
 * strategy pads it): the runner checks that much against the limit (a `stack_overflow` at the call
 * otherwise) and records it, so under `intersect` and `frame` an import call consumes the same
 * stack on every target, as a call to Wasm does. Host functions cannot call back into Wasm; one may
 * end the whole invocation (InvocationEnd, e.g. WASI's proc_exit), whose outcome is then the invocation's.
 *
 * Instances calling each other. Every instance has its own engine, and all engines use the same
 * addresses: a call into another instance's function runs in that instance's engine from the
 * caller's reference, so one invocation's stack continues across engines and the limit holds for
 * the whole chain, calls back into a suspended instance included (they start below its live frames).
 * Shared globals, memories and tables are host-side objects (extern.ts) that each engine
 * caches and synchronises at every transition (bindings.ts); shared memories sit at the same
 * address in every engine and are copied in when another engine had them last. Traps and fuel
 * exhaustion end the whole chain; a trap's location and backtrace are those of the instance it
 * happened in. A recorded invocation samples its own instance's engine only: a call into another
 * instance is recorded like a host call.
 */

import { type Artifact, sourceAt, type TrapSite } from "../../src/compiler/artifact.js";
import { HOST_CALLEE, planFrame } from "../../src/compiler/frame.js";
import type { Strategy, Target } from "../../src/compiler/target.js";
import type { FuncType, Module } from "../../src/wasm/ir.js";
import { type Outcome, TRAP_KINDS, type TrapKind, type WasmValue } from "../../src/wasm/outcome.js";
import { locationText } from "../../src/wasm/outcome-text.js";
import { InvalidArgumentError, MemoryAccessError } from "../errors.js";
import { type Engine, type EngineOptions, PAGE_SIZE, type RegisterName } from "../unicorn/engine.js";
import { EnginePool } from "../unicorn/engine-pool.js";
import type { AlignmentViolation, StackRecords, StopReason } from "../unicorn/run-result.js";
import type { ProfileCode, ProfileRows } from "../unicorn/stack-profile.js";
import {
  entryCallAreaBytes,
  readEntryResults,
  readExitCall,
  writeEntryCall,
  writeExitReturn,
} from "./abi.js";
import { type Backtrace, wasmBacktrace } from "./backtrace.js";
import { InstanceBindings } from "./bindings.js";
import {
  type CallContext,
  type CallFailure,
  type CallResult,
  type Externs,
  type FuncRef,
  type FunctionOwner,
  type HostValue,
  type Imports,
  InvocationEnd,
} from "./extern.js";
import { fuelCharges } from "./fuel.js";
import {
  CODE_BASE,
  CODE_FILL,
  CODE_LIMIT,
  codeMappingBytes,
  codeRegionBytes,
  inGuard,
  MAX_STACK_LIMIT,
  MEMORY_BASE,
  pageAlignUp,
  RUNTIME_REGISTERS,
  STACK_LIMIT_ADDRESS,
  STACK_MAP_STEP,
  VMCTX_BASE,
} from "./layout.js";
import { type LinkedImports, type Linking, linkImports, NO_IMPORTS } from "./link.js";
import { memo } from "./memo.js";
import { RecordedRuns } from "./records.js";
import { argumentMismatch, hostValueOf, wasmValueOf } from "./values.js";

export const DEFAULT_STACK_LIMIT = 1024 * 1024;
/**
 * Wasm instructions an invocation may execute unless told otherwise: 2·10^10, enough for every
 * program V8 finishes within a second (V8 runs 6–15 × 10^9 Wasm instructions per second here on
 * the bench's programs), and a bound on runaway programs (emulated at 0.2–0.7 × 10^9 Wasm
 * instructions per second: under two minutes per target; a loop of 64 MiB memory.fills, charged
 * per 8-byte chunk, about four).
 */
export const DEFAULT_FUEL = 20_000_000_000;

/** Per-invocation settings; a Runner's options give the defaults. */
export interface InvokeOptions {
  /** Bytes of stack the invocation may use below its reference: a positive multiple of 16. */
  readonly stackLimit?: number;
  /**
   * Wasm instructions the invocation may execute (other instances included; a host call is its call
   * instruction; each pass of a table or bulk-memory operation's loop counts one more). Runs out at
   * the same point on every target (fuel.ts).
   */
  readonly fuel?: number;
  /**
   * Called between slices of a long invocation with the Wasm instructions executed so far, at least
   * every `PROGRESS_INTERVAL` of them.
   */
  readonly progress?: (executed: number) => void;
  /**
   * Run on the engines' precise machines from the start (engine.ts, `RunOptions.precise`), as if
   * every engine were metered per instruction; the outcome and fuel are the same either way
   * (metering-check.ts compares the two).
   */
  readonly precise?: boolean;
}

/** Wasm instructions between two calls of `InvokeOptions.progress`. */
export const PROGRESS_INTERVAL = 100_000_000;

/** What instantiating a module with imports needs: its declarations, and what to bind them to. */
export interface Link {
  readonly module: Module;
  readonly imports: Imports;
}

/** An invocation run with the stack recorder on (src/verify/trace.ts turns it into a stack profile). */
export interface RecordedInvocation {
  readonly outcome: Outcome;
  /** SP samples at the Artifact's record points (and at exits to the host), in execution order. */
  readonly records: StackRecords;
  /** Minimum SP after the last sample. */
  readonly tailMinSp: number;
  /** SP just before the host's call into the entry point: depths are measured from here. */
  readonly referenceSp: number;
  /** Wasm instruction starts where SP was not 16-byte aligned (never, if the static verifier is right). */
  readonly alignmentViolations: readonly AlignmentViolation[];
  /** Wasm instructions the invocation executed, on every instance it reached (its fuel used). */
  readonly wasmInstructions: number;
}

/** An invocation run with the native stack profiler on (src/verify/dynamic.ts reads its rows). */
export interface ProfiledInvocation {
  readonly outcome: Outcome;
  readonly profile: ProfileRows;
  /** Wasm instructions the invocation executed, on every instance it reached (its fuel used). */
  readonly wasmInstructions: number;
}

export type RunnerInstantiation =
  | { readonly ok: true; readonly instance: Instance }
  /** An import is missing or does not match. */
  | { readonly ok: false; readonly stage: "link"; readonly message: string }
  /** Instantiation ran and failed: a segment out of bounds, or the start function's outcome. */
  | { readonly ok: false; readonly stage: "instantiate"; readonly outcome: Outcome };

/**
 * Instantiates artifacts compiled for one target, leasing one engine to each live instance. Engines
 * are kept per size of their code mapping (layout.ts, codeMappingBytes), which is also their
 * instrumented range: small modules get small ones.
 */
export class Runner {
  private readonly idle = new Map<number, EnginePool[]>();

  /**
   * `engines` configures every engine (engine.ts): `metering: "block"` runs plain invocations at the
   * emulator's speed (fast machine, precise twin at stack overflows and fuel stops); recorded ones run
   * on the precise machine either way.
   */
  constructor(
    readonly target: Target,
    readonly defaults: InvokeOptions = {},
    private readonly engines: Pick<EngineOptions, "metering" | "recordCapacity"> = {},
  ) {}

  /**
   * Loads `artifact` (compiled with `{ codeBase: BigInt(CODE_BASE) }`), binds its imports and runs its
   * start function. A module with imports needs `link`, and so do exports that other modules import
   * (bindings.ts says what the module's declarations add).
   */
  instantiate(artifact: Artifact, link?: Link): RunnerInstantiation {
    if (artifact.target !== this.target) {
      throw new InvalidArgumentError(`a ${artifact.target} artifact given to a ${this.target} runner`);
    }
    if (artifact.codeBase !== BigInt(CODE_BASE)) {
      throw new InvalidArgumentError(
        `artifact compiled for code base ${artifact.codeBase}, not ${CODE_BASE}`,
      );
    }
    const linking = link ? linkImports(link.module, link.imports) : withoutImports(artifact);
    if (!linking.ok) return { ok: false, stage: "link", message: linking.message };
    if (codeRegionBytes(artifact.code.length) > CODE_LIMIT) {
      const message = `code of ${artifact.code.length} bytes exceeds the runner's ${CODE_LIMIT}`;
      return { ok: false, stage: "instantiate", outcome: { outcome: "error", message } };
    }
    const size = codeMappingBytes(artifact.code.length);
    const idle = this.idle.get(size) ?? [];
    this.idle.set(size, idle);
    const pool =
      idle.pop() ??
      new EnginePool(this.target, {
        engine: { ...this.engines, instrument: { address: CODE_BASE, size } },
      });
    const instance = new Instance(
      artifact,
      pool.acquire(),
      this.defaults,
      linking.linked,
      link?.module ?? null,
      () => idle.push(pool),
    );
    const failure = instance.initialise();
    if (failure === null) return { ok: true, instance };
    // Wasm 2.0: functions an element segment put into an imported table stay callable after a
    // failed instantiation, so such an instance stays open (its engine goes when it is collected).
    if (!instance.lentFunctions) instance.close();
    return { ok: false, stage: "instantiate", outcome: failure };
  }

  /** Closes the engines of closed instances; live instances keep theirs until they are closed. */
  close(): void {
    for (const pools of this.idle.values()) for (const pool of pools.splice(0)) pool.close();
  }
}

/** A module linked without imports: fine unless it has some. */
function withoutImports(artifact: Artifact): Linking {
  const name = (imported: { module: string; name: string }) => `${imported.module}.${imported.name}`;
  const imported = new Set([
    ...artifact.imports.map(name),
    ...artifact.globals.flatMap((global) => (global.init.kind === "import" ? [name(global.init)] : [])),
    ...[artifact.memory?.import, ...artifact.tables.map((table) => table.import)].flatMap((i) =>
      i ? [name(i)] : [],
    ),
  ]);
  if (imported.size === 0) return { ok: true, linked: NO_IMPORTS };
  return { ok: false, message: `no imports given for ${[...imported].join(", ")}` };
}

/**
 * The artifact whose code each engine's code region holds: instances of one module share it (they
 * write nothing there: the foreign exit slots past the code are exits, bindings.ts).
 */
const codeHeld = new WeakMap<Engine, Artifact>();

/**
 * Where the stack mapping each engine holds ends: one region from the limit, as large as the largest
 * stack an instance of the engine used. Every instance maps it whole, zeroed (reusing the region:
 * remapping one costs tens of microseconds), and uses the part up to its own `stackEnd`.
 */
const stackHeld = new WeakMap<Engine, number>();

/** By target and strategy: what a call leaving an instance is deemed to use (see the header). */
const hostFrames = new Map<string, number>();

function hostFrameBytes(target: Target, strategy: Strategy): number {
  return memo(hostFrames, `${target}/${strategy}`, () => planFrame(target, strategy, HOST_CALLEE).entryBytes);
}

/**
 * Puts `artifact`'s code into the engine's code region: the code, zeros up to the end of the
 * executable region, then the fill. An engine whose region still holds this artifact keeps it, and
 * Unicorn its translations; one holding another artifact's code in a region of the same size keeps
 * the region and rewrites only where the two may differ (past both executable regions, both hold the
 * fill), which drops the translations there.
 */
function loadCode(engine: Engine, artifact: Artifact): void {
  const mapped = codeMappingBytes(artifact.code.length);
  const held = codeHeld.get(engine);
  const kept = held !== undefined && engine.reviveKept(CODE_BASE, mapped, "rwx");
  if (kept && held === artifact) return;
  codeHeld.delete(engine);
  const executable = codeRegionBytes(artifact.code.length);
  const fill = CODE_FILL[artifact.target];
  let end: number;
  if (kept) {
    end = Math.max(executable, codeRegionBytes(held.code.length));
  } else {
    engine.map(CODE_BASE, mapped, "rwx"); // zeroed
    end = fill === 0 ? artifact.code.length : mapped;
  }
  const image = new Uint8Array(end);
  image.set(artifact.code);
  if (end > executable) image.fill(fill, executable);
  engine.writeMemory(CODE_BASE, image);
  engine.setFuelPoints(fuelAddresses(artifact));
  codeHeld.set(engine, artifact);
}

/** Where the fuel is charged in an artifact's code, as addresses: one frozen array, which engines convert once. */
function fuelAddresses(artifact: Artifact): readonly number[] {
  return memo(fuelAddressCache, artifact, () =>
    Object.freeze(fuelCharges(artifact).map((offset) => CODE_BASE + offset)),
  );
}

const fuelAddressCache = new WeakMap<Artifact, readonly number[]>();

/**
 * Where a recorded invocation samples SP (the artifact's record points) and checks its alignment
 * (Wasm instruction starts), as addresses: frozen arrays, which engines convert once.
 */
function recordedPoints(artifact: Artifact): { watch: readonly number[]; aligned: readonly number[] } {
  return memo(recordedPointCache, artifact, () => ({
    watch: Object.freeze(artifact.recordPoints.map((offset) => CODE_BASE + offset)),
    aligned: Object.freeze(
      artifact.sourceMap.flatMap((entry) => (entry.kind === "instr" ? [CODE_BASE + entry.start] : [])),
    ),
  }));
}

const recordedPointCache = new WeakMap<Artifact, { watch: readonly number[]; aligned: readonly number[] }>();

/** Host functions running now: they may not call back into Wasm. */
let hostFunctionsRunning = 0;

/** The profiler tables each engine holds. */
const profiledCode = new WeakMap<Engine, ProfileCode>();

export class Instance implements FunctionOwner {
  /**
   * The top of the stack this instance's invocations have used so far, as mapping it alone would map
   * it (the engine's mapping may reach higher): what `machineState` shows and the warning zone's bound.
   */
  private stackEnd = STACK_LIMIT_ADDRESS;
  /** Wasm instructions the last invocation from the host executed (its fuel used). */
  private lastFuelUsed = 0;
  /** How the last invocation from the host that ran ended (null: none ran yet). */
  private lastOutcomeSeen: Outcome | null = null;
  private closed = false;
  private readonly bindings: InstanceBindings;
  /** Bytes a call leaving the instance is deemed to use below its reference (see the header). */
  private readonly hostFrameBytes: number;
  /** Set while a recorded invocation runs: every run of this engine adds its records. */
  private recording: RecordedRuns | null = null;
  /** Set while a profiled invocation runs: the runs of this engine it took. */
  private profiling: { runs: number } | null = null;

  constructor(
    readonly artifact: Artifact,
    private readonly engine: Engine,
    private readonly defaults: InvokeOptions,
    linked: LinkedImports,
    module: Module | null,
    private readonly returnEngine: () => void,
  ) {
    this.bindings = new InstanceBindings(this, engine, artifact, linked, module);
    this.hostFrameBytes = hostFrameBytes(artifact.target, artifact.strategy);
  }

  /** The instance's exports, for other instances' imports. */
  get exports(): Externs {
    return this.bindings.exports;
  }

  /** Whether another instance's table holds functions of this one (bindings.ts). */
  get lentFunctions(): boolean {
    return this.bindings.lentFunctions;
  }

  /** Calls exported function `name`; `args` are bit patterns as in the spec tests' JSON. */
  invoke(name: string, args: readonly WasmValue[], options: InvokeOptions = {}): Outcome {
    const call = this.exportedCall(name, args);
    return "outcome" in call ? call : this.invokeFunction(call.funcIndex, call.values, options);
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
    const points = recordedPoints(artifact);
    engine.setWatchPoints(points.watch);
    engine.setAlignmentChecks(points.aligned);
    const recording = new RecordedRuns();
    this.recording = recording;
    try {
      const outcome = this.invokeFunction(call.funcIndex, call.values, options);
      if (recording.empty) return outcome;
      const { records, tailMinSp, alignmentViolations } = recording.summary();
      return {
        outcome,
        records,
        tailMinSp,
        referenceSp: STACK_LIMIT_ADDRESS + this.stackLimitOf(options),
        alignmentViolations,
        wasmInstructions: this.lastFuelUsed,
      };
    } finally {
      this.recording = null;
      engine.setWatchPoints([]);
      engine.setAlignmentChecks([]);
    }
  }

  /**
   * Like `invoke`, with the native stack profiler building the profile as the code runs, at the
   * emulator's speed (block-metered engines stay on their fast machine). `code` holds the profiler's
   * tables for this instance's artifact (the same object every time, so an engine takes them once).
   */
  invokeProfiled(
    name: string,
    args: readonly WasmValue[],
    code: ProfileCode,
    options: InvokeOptions = {},
  ): ProfiledInvocation | Outcome {
    const call = this.exportedCall(name, args);
    if ("outcome" in call) return call;
    const { engine } = this;
    if (profiledCode.get(engine) !== code) {
      engine.setProfileCode(code);
      profiledCode.set(engine, code);
    }
    engine.startProfile(STACK_LIMIT_ADDRESS + this.stackLimitOf(options));
    const profiling = { runs: 0 };
    this.profiling = profiling;
    let outcome: Outcome;
    let profile: ProfileRows;
    try {
      outcome = this.invokeFunction(call.funcIndex, call.values, options);
    } finally {
      this.profiling = null;
      profile = engine.finishProfile();
    }
    if (profiling.runs === 0) return outcome;
    return { outcome, profile, wasmInstructions: this.lastFuelUsed };
  }

  /** Wasm instructions the last invocation from the host executed, on every instance it reached. */
  get wasmInstructionsUsed(): number {
    return this.lastFuelUsed;
  }

  /**
   * How the last invocation from the host that ran ended, as `invoke` reports it (recorded and
   * profiled invocations included); null before the first.
   */
  get lastOutcome(): Outcome | null {
    return this.lastOutcomeSeen;
  }

  /**
   * The machine after the last invocation: `registers` by name (neutral or ISA names), and the stack
   * bytes from the limit up to the mapped top. For comparing two engines that ran the same thing.
   */
  machineState(registers: readonly RegisterName[]): { registers: bigint[]; stack: Uint8Array } {
    const { engine } = this;
    return {
      registers: registers.map((name) => engine.readRegister(name)),
      stack: engine.readMemory(STACK_LIMIT_ADDRESS, this.stackEnd - STACK_LIMIT_ADDRESS),
    };
  }

  /** Reads exported global `name` (the spec tests' `get` action). */
  getGlobal(name: string): Outcome {
    const global = this.bindings.exportedGlobal(name);
    if (!global) return { outcome: "error", message: `no exported global "${name}"` };
    return { outcome: "return", values: [wasmValueOf(global.type, global.value)] };
  }

  /** Returns the engine to the runner; the instance cannot be used afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.bindings.release();
    this.returnEngine();
  }

  /** Maps and fills the regions, applies the segments and runs the start function. */
  initialise(): Outcome | null {
    const { engine, artifact } = this;
    engine.reset();
    loadCode(engine, artifact);
    const stackTop = stackHeld.get(engine);
    if (stackTop !== undefined) engine.map(STACK_LIMIT_ADDRESS, stackTop - STACK_LIMIT_ADDRESS, "rw");
    const failure = this.bindings.initialise();
    if (failure !== null) return failure;
    if (artifact.start === null) return null;
    const outcome = this.invokeFunction(artifact.start, [], {});
    return outcome.outcome === "return" ? null : outcome;
  }

  /**
   * Calls function `funcIndex` as part of a call in progress (from the host, or from another
   * instance's code), from `context.reference`. An imported function calls what it is bound to.
   */
  callFunction(funcIndex: number, args: readonly HostValue[], context: CallContext): CallResult {
    if (this.closed) return { outcome: "error", message: "call into a closed instance" };
    const { engine, artifact, bindings } = this;
    if (funcIndex < artifact.imports.length) return callRef(bindings.funcRef(funcIndex)!, args, context);
    const type = artifact.funcTypes[funcIndex]!;
    this.mapStackUpTo(context.reference + entryCallAreaBytes(engine, artifact.strategy, type));
    engine.setWarningZone(STACK_LIMIT_ADDRESS, warningZoneBytes(artifact, this.stackEnd));
    const registers = RUNTIME_REGISTERS[artifact.target];
    engine.writeRegister(registers.vmctx, VMCTX_BASE);
    engine.writeRegister(registers.memoryBase, MEMORY_BASE);
    // The entry's frame record saves fp: zero, not what an earlier run on this engine left there.
    engine.writeRegister("fp", 0);
    writeEntryCall(
      engine,
      artifact.strategy,
      type,
      args.map((arg, i) => bindings.rawOf(type.params[i]!, arg)),
      context.reference,
      artifact.exits.hostReturn,
    );
    return this.runFrom(CODE_BASE + artifact.entries[funcIndex]!, type, context);
  }

  /** The export's function and the arguments as host values, or an error outcome saying why not. */
  private exportedCall(
    name: string,
    args: readonly WasmValue[],
  ): { funcIndex: number; values: HostValue[] } | Outcome {
    const exported = this.artifact.exports.find((e) => e.name === name && e.kind === "func");
    const type = exported && this.artifact.funcTypes[exported.index];
    if (!exported || !type) return { outcome: "error", message: `no exported function "${name}"` };
    const mismatch = argumentMismatch(type, args);
    if (mismatch) return { outcome: "error", message: `${name}: ${mismatch}` };
    return { funcIndex: exported.index, values: args.map(hostValueOf) };
  }

  /** A call from the host: a fresh stack and the invocation's fuel; the results as the host sees them. */
  private invokeFunction(funcIndex: number, args: readonly HostValue[], options: InvokeOptions): Outcome {
    if (this.closed) throw new InvalidArgumentError("invocation of a closed instance");
    const stackLimit = this.stackLimitOf(options);
    const fuel = options.fuel ?? this.defaults.fuel ?? DEFAULT_FUEL;
    checkStackLimit(stackLimit);
    if (hostFunctionsRunning > 0) {
      return {
        outcome: "error",
        message: "a host function called back into Wasm, which the runner does not support",
      };
    }
    const reference = STACK_LIMIT_ADDRESS + stackLimit;
    const progress = options.progress ?? this.defaults.progress;
    const context = {
      reference,
      fuel: { total: fuel, remaining: fuel, ...(progress ? { progress } : {}) },
      precise: options.precise ?? this.defaults.precise ?? false,
    };
    let result: CallResult;
    try {
      result = this.callFunction(funcIndex, args, context);
    } finally {
      this.lastFuelUsed = fuel - context.fuel.remaining;
    }
    const { results } = this.artifact.funcTypes[funcIndex]!;
    const outcome: Outcome =
      result.outcome === "return"
        ? { outcome: "return", values: result.values.map((value, i) => wasmValueOf(results[i]!, value)) }
        : result;
    this.lastOutcomeSeen = outcome;
    return outcome;
  }

  private stackLimitOf(options: InvokeOptions): number {
    return options.stackLimit ?? this.defaults.stackLimit ?? DEFAULT_STACK_LIMIT;
  }

  /** Runs from `begin` until the call of a `type` function ends, serving the host calls on the way. */
  private runFrom(begin: number, type: FuncType, context: CallContext): CallResult {
    const { engine, bindings, artifact } = this;
    const { fuel } = context;
    for (let pc = begin; ; ) {
      if (fuel.remaining <= 0) return this.exhaustedAt(pc, fuel.total);
      // A long invocation runs in slices, each stopped exactly by the fuel, to report progress.
      const slice = fuel.progress ? Math.min(fuel.remaining, PROGRESS_INTERVAL) : fuel.remaining;
      bindings.enter();
      const result = engine.run({ begin: pc, fuel: slice, precise: context.precise });
      bindings.leave();
      fuel.remaining -= result.steps;
      this.recording?.addRun(result, Number(engine.readRegister("sp")));
      if (this.profiling) this.profiling.runs++;
      const { stop } = result;
      // A slice ends where its fuel runs out; the invocation's fuel, where the next charge does not fit.
      if (stop.kind === "fuel" && slice < fuel.remaining + result.steps && result.steps > 0) {
        fuel.progress?.(fuel.total - fuel.remaining);
        pc = stop.pc;
        continue;
      }
      if (stop.kind === "memory-fault" && !result.pcExact) {
        return this.machineError(
          `${stop.access} fault at 0x${stop.address.toString(16)} met by the fast engine outside its warning zone (pc unknown)`,
          stop.pc,
        );
      }
      const callee = stop.kind === "exit" ? bindings.calleeAt(stop.address) : undefined;
      if (stop.kind !== "exit" || callee === undefined) return this.outcomeOf(stop, type, context);

      const { params, results } = callee.type;
      const call = readExitCall(engine, artifact.strategy, callee.type);
      const deepest = call.reference - this.hostFrameBytes;
      const sp = Number(engine.readRegister("sp"));
      this.recording?.addHostCall(stop.address, sp, deepest);
      if (this.profiling) engine.profileHostCall(sp, deepest);
      if (deepest < STACK_LIMIT_ADDRESS) {
        // The overflow belongs to the call instruction: unwind from it, as if the call had not begun.
        engine.writeRegister("sp", call.reference);
        return this.trapWithBacktrace("stack_overflow", call.returnAddress - 1);
      }
      const args = call.args.map((raw, i) => bindings.hostValueOf(params[i]!, raw));
      const outcome = callRef(callee, args, { ...context, reference: call.reference });
      if (outcome.outcome !== "return") return outcome;
      writeExitReturn(
        engine,
        call,
        outcome.values.map((value, i) => bindings.rawOf(results[i]!, value)),
      );
      pc = call.returnAddress;
    }
  }

  private outcomeOf(stop: StopReason, type: FuncType, context: CallContext): CallResult {
    const { engine, artifact } = this;
    switch (stop.kind) {
      case "exit": {
        if (stop.address === Number(artifact.exits.hostReturn)) {
          const slots = readEntryResults(engine, artifact.strategy, type, context.reference);
          return {
            outcome: "return",
            values: type.results.map((result, i) => this.bindings.hostValueOf(result, slots[i]!)),
          };
        }
        const kind = TRAP_KINDS.find((k) => Number(artifact.exits.traps[k]) === stop.address);
        if (kind) return this.trapOutcome(kind);
        return { outcome: "error", message: `stopped at unknown exit 0x${stop.address.toString(16)}` };
      }
      case "fuel":
        return this.exhaustedAt(stop.pc, context.fuel.total);
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

  private trapOutcome(kind: TrapKind): CallFailure {
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
    return this.trapWithBacktrace(kind, CODE_BASE + site.codeOffset, site);
  }

  /**
   * Out of fuel before the Wasm instruction at `pc` (a fuel point: fuel.ts), whose location is the one
   * emitting code there, which any empty ones starting there precede; or at a loop head inside a
   * table or bulk-memory operation, whose location is that operation's.
   */
  private exhaustedAt(pc: number, fuel: number): CallFailure {
    const backtrace = this.backtrace(pc);
    const location = backtrace.ok ? backtrace.frames.at(-1) : undefined;
    if (!backtrace.ok || !location) return { outcome: "exhausted", fuel };
    return { outcome: "exhausted", fuel, location, backtrace: backtrace.frames };
  }

  /** A stack access below the limit: the overflow under push strategies, a samestack bug under `frame`. */
  private guardFaultOutcome(pc: number): CallFailure {
    if (this.artifact.strategy === "frame") {
      return this.machineError(
        "stack access in the guard region under the frame strategy (its limit check missed it)",
        pc,
      );
    }
    return this.trapWithBacktrace("stack_overflow", pc);
  }

  private trapWithBacktrace(kind: TrapKind, pc: number, site?: TrapSite): CallFailure {
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
  private machineError(what: string, pc: number): CallFailure {
    const source = sourceAt(this.artifact, pc - CODE_BASE);
    const where = source === undefined ? "outside the code" : describeSource(source);
    return {
      outcome: "error",
      message: `${this.artifact.target}: ${what} at pc 0x${pc.toString(16)} (${where})`,
    };
  }

  private mapStackUpTo(top: number): void {
    const end = (Math.floor(top / STACK_MAP_STEP) + 1) * STACK_MAP_STEP;
    if (end <= this.stackEnd) return;
    this.stackEnd = end;
    const mapped = stackHeld.get(this.engine) ?? STACK_LIMIT_ADDRESS;
    if (end <= mapped) return;
    this.engine.map(mapped, end - mapped, "rw");
    stackHeld.set(this.engine, end);
  }
}

/**
 * The warning zone of block-metered engines (engine.ts): at least the deepest stack drop within one
 * translation block, which is within one function's frame or a callee's entry (blocks end at calls),
 * twice over, and within the stack mapped so far above the limit.
 */
function warningZoneBytes(artifact: Artifact, stackEnd: number): number {
  const deepest = Math.max(0, ...artifact.frameBytes, ...artifact.prologueDepth);
  return Math.min(pageAlignUp(2 * deepest + PAGE_SIZE), stackEnd - STACK_LIMIT_ADDRESS);
}

/** Calls `ref` with `args` as part of the call in progress `context`. */
function callRef(ref: FuncRef, args: readonly HostValue[], context: CallContext): CallResult {
  if (ref.kind === "wasm") return ref.instance.callFunction(ref.funcIndex, args, context);
  const values = ref.type.params.map((type, i) => wasmValueOf(type, args[i]!));
  let results: readonly WasmValue[];
  hostFunctionsRunning++;
  try {
    results = ref.call(values);
  } catch (error) {
    if (error instanceof InvocationEnd) return error.outcome;
    return { outcome: "error", message: `host function ${ref.name} failed: ${(error as Error).message}` };
  } finally {
    hostFunctionsRunning--;
  }
  const expected = ref.type.results;
  if (results.length !== expected.length || results.some((value, i) => value.type !== expected[i])) {
    const got = results.map((value) => value.type).join(", ");
    return {
      outcome: "error",
      message: `host function ${ref.name} returned [${got}], not [${expected.join(", ")}]`,
    };
  }
  const mismatch = argumentMismatch({ params: expected, results: [] }, results);
  if (mismatch !== null)
    return { outcome: "error", message: `host function ${ref.name} returned ${mismatch}` };
  return { outcome: "return", values: results.map(hostValueOf) };
}

function describeSource(source: NonNullable<ReturnType<typeof sourceAt>>): string {
  switch (source.kind) {
    case "instr":
      return locationText(source);
    case "prologue":
      return locationText({ funcIndex: source.funcIndex, instrIndex: "prologue" });
    case "trap-stub":
      return `trap stub of site ${source.site}`;
    case "exit":
      return `exit ${source.exit}`;
  }
}

function checkStackLimit(bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes % 16 !== 0 || bytes > MAX_STACK_LIMIT) {
    throw new InvalidArgumentError(
      `stack limit must be a positive multiple of 16 up to ${MAX_STACK_LIMIT}, got ${bytes}`,
    );
  }
}
