/**
 * One Unicorn engine for one target. The implementation is shared by all targets: ISA knowledge lives
 * in the target's ISA facts (neutral register names: isa.ts) and in the native helper's architecture table.
 *
 * Invariants:
 * - every call into Unicorn is preceded by validation, so a Unicorn error means a harness bug
 *   (`UnicornError`), while bad input gets its own named error;
 * - code is translated once and cached by Unicorn, and uc_mem_write does not invalidate it: any host
 *   write that touches an executable region drops the translations of the written bytes (and the
 *   helper's per-address sp-write classification), and changing the exits drops the blocks that
 *   contain an old or a new exit;
 * - mapping, unmapping and closing are refused while a run is in progress (i.e. from a hook);
 * - `reset` retires regions instead of unmapping them (Unicorn's unmap has a fixed cost plus
 *   about 0.25 µs per page, more where code was translated): a retired region is invisible to every
 *   host API, is revived zeroed (and without translations) by a `map` of the same address, size and
 *   protection, and is unmapped for real before the next run, so guest code never sees it.
 */
import type { Target } from "../../src/compiler/target.js";
import {
  EmulatorError,
  EngineClosedError,
  InvalidArgumentError,
  InvalidEntryError,
  MappingError,
  MemoryAccessError,
  UnicornError,
  UnknownRegisterError,
} from "../errors.js";
import { helperArch } from "../native/arch.js";
import {
  FLAG,
  HANDOVER,
  PROFILE_CHANGE_WORDS,
  PROFILE_ERROR,
  PROFILE_NODE_WORDS,
  PROFILE_SUMMARY,
  RESULT,
  registerJsHook,
  type SsEnginePointer,
  STOP,
  ss,
  UC_ERR,
  UC_MEM,
  UC_PROT,
  uc,
  VIOLATION_WORDS,
} from "../native/bindings.js";
import { isaRegisterName, type NeutralRegister } from "./isa.js";
import {
  type AlignmentViolation,
  type MemoryAccess,
  type RunResult,
  StackRecords,
  type StopReason,
} from "./run-result.js";
import type { ProfileCode, ProfileRows } from "./stack-profile.js";

export const PAGE_SIZE = 0x1000;
/** Transfers up to this many bytes are copied through a buffer the engine keeps (see `smallScratch`). */
const SMALL_TRANSFER_BYTES = 64;
/** Addresses end below 2^47 (canonical x86-64 user space; within AArch64's 48-bit VA). */
export const ADDRESS_LIMIT = 2 ** 47;
/** One region is at most 4 GiB (a full wasm32 memory). */
export const MAX_REGION_SIZE = 2 ** 32;
/** The instrumented range needs one flag byte per code byte. */
export const MAX_INSTRUMENTED_SIZE = 2 ** 28;

export type Protection = "r" | "rw" | "rx" | "rwx";

export interface Region {
  address: number;
  size: number;
  protection: Protection;
}

export type Metering = "instruction" | "block";

export interface EngineOptions {
  /**
   * The code range covered by the C code hook, which meters the fuel, counts instructions, and keeps
   * watch points, alignment checks and address hooks. Fixed for the engine's lifetime; every executable
   * region must lie inside it, so no instruction escapes the hook.
   */
  instrument?: { address: number; size: number };
  /**
   * How the instrumented range meters the fuel. "instruction" (default): the code hook above on every
   * instruction (the precise machine alone). "block": a fast machine charges each translation block as
   * it starts, with no code hook and no memory hook (each would cost every instruction or every memory
   * access), and hands a run over to a precise twin over the same memory at a block start when the
   * fuel does not cover the block (so fuel stops stay exact) or when the warning zone was touched
   * (`setWarningZone`; so stack overflows below it keep exact pcs). Any other fault in the fast
   * machine is reported at its block's start (`RunResult.pcExact` false), and a run ending in such a
   * fault counts its last block whole. Runs with watch points, alignment checks or address hooks set run
   * on the precise machine from their start.
   */
  metering?: Metering;
  /** Stack records and alignment violations kept per run, each; past it they are counted as dropped. */
  recordCapacity?: number;
}

export interface RunOptions {
  /** Address of the first instruction; must lie in an executable region. */
  begin: number;
  /**
   * At most this much fuel is charged (never a wall-clock timeout): one unit per instruction of the
   * instrumented range, or per fuel point (`setFuelPoints`); Unicorn's instruction `count` on an
   * engine without an instrumented range. A run stops before an instruction whose charge does not fit.
   */
  fuel: number;
  /**
   * Run on the precise machine from the start, metered per instruction: what a block-metered engine
   * does then is what an engine metered per instruction does (engines metered per instruction always
   * run so; an engine without an instrumented range has no precise machine).
   */
  precise?: boolean;
}

/**
 * Runs before the instruction at `address` executes, and may read or write registers and memory.
 * "stop" ends the run before the instruction (a `hook-stop`); a throw ends it too and `run` rethrows it.
 */
export type AddressHook = (engine: Engine, address: number) => undefined | "stop";

export type RegisterName = NeutralRegister | (string & {});

export interface Engine {
  readonly target: Target;
  readonly closed: boolean;
  /** Completed runs, for pools that replace engines whose translation cache has grown. */
  readonly runCount: number;
  readonly regions: readonly Region[];

  map(address: number, size: number, protection: Protection): void;
  /**
   * Revives a region `reset` retired, exactly as it was (contents and translations kept), for a caller
   * that knows what it holds; false when no retired region has this address, size and protection.
   */
  reviveKept(address: number, size: number, protection: Protection): boolean;
  /** Unmaps every region and clears exits, watch points, alignment checks and address hooks. */
  reset(): void;

  writeMemory(address: number, bytes: Uint8Array): void;
  readMemory(address: number, length: number): Uint8Array;
  readU64(address: number): bigint;
  writeU64(address: number, value: bigint): void;

  /** Neutral names (`pc`, `sp`, `fp`, `lr`, `ret0`, `arg0`...) or ISA names ("r14", "x28", "xmm0", "d0"). */
  readRegister(name: RegisterName): bigint;
  writeRegister(name: RegisterName, value: bigint | number): void;

  /**
   * Addresses where a run stops before executing anything there. Replaces the previous set. Branch to
   * an exit: Unicorn re-translates, on every run, a block that falls through into one.
   */
  setExits(addresses: readonly number[]): void;
  /** Addresses where sp is recorded (see `StackRecords`); non-empty also turns min-sp tracking on. */
  setWatchPoints(addresses: readonly number[]): void;
  /** Addresses where sp must be 16-byte aligned; every violation is reported. */
  setAlignmentChecks(addresses: readonly number[]): void;
  hookAddress(address: number, hook: AddressHook): void;
  /**
   * Charges the fuel in points instead of instructions: one unit per occurrence of an address, when an
   * instruction starts there (an address may occur several times); null: per instruction again.
   */
  setFuelPoints(addresses: readonly number[] | null): void;
  /**
   * Block-metered engines: the fast machine maps [address, address + size) without access from the
   * next run on, and its first touch hands the run over to the precise machine at the next block
   * start (size 0: no zone). It must lie in one read-write region, and be at least as deep as the
   * stack drops within one block, so a fault below it is always met by the precise machine. Engines
   * metered per instruction are exact anyway and only remember it.
   */
  setWarningZone(address: number, size: number): void;
  /**
   * The stack profiler's tables for the code now in the instrumented range (stack-profile.ts); needed
   * before `startProfile`, again after the code changes.
   */
  setProfileCode(code: ProfileCode): void;
  /**
   * Starts a stack profile with reference SP `reference`: every run adds to it, per translation block,
   * until `finishProfile`. Runs stay block-metered; no watch points, alignment checks or hooks apply.
   */
  startProfile(reference: number): void;
  /** A call that left the engine for the host at SP `sp`, deemed to reach `deepestSp`. */
  profileHostCall(sp: number, deepestSp: number): void;
  /** Ends the profile begun by `startProfile` and returns it. */
  finishProfile(): ProfileRows;
  unhookAddress(address: number): void;

  run(options: RunOptions): RunResult;
  close(): void;
}

const PROTECTION_BITS: Record<Protection, number> = {
  r: UC_PROT.read,
  rw: UC_PROT.read | UC_PROT.write,
  rx: UC_PROT.read | UC_PROT.exec,
  rwx: UC_PROT.read | UC_PROT.write | UC_PROT.exec,
};

const FAULT_ACCESS: Record<number, MemoryAccess> = {
  [UC_MEM.readUnmapped]: "read",
  [UC_MEM.readProt]: "read",
  [UC_MEM.writeUnmapped]: "write",
  [UC_MEM.writeProt]: "write",
  [UC_MEM.fetchUnmapped]: "fetch",
  [UC_MEM.fetchProt]: "fetch",
};

/** Engines in a run, by token, so the shared JS hook trampoline can find them. */
const runningEngines = new Map<number, UnicornEngine>();
let jsHookTrampoline: unknown = null;
let nextToken = 1;

/** An address list as the helper takes it, with its bounds (for range checks in constant time). */
interface Words {
  readonly words: BigUint64Array;
  /** The least address and the greatest (0 and -1 for an empty list). */
  readonly min: number;
  readonly max: number;
}

const NO_WORDS: Words = { words: new BigUint64Array(0), min: 0, max: -1 };

/** Address lists converted, by the frozen array given (callers give one to many engines). */
const frozenWords = new WeakMap<readonly number[], Words>();

/**
 * `addresses` as 64-bit words, converted once per frozen array (the lists of recorded runs have
 * hundreds of addresses), each word written as two 32-bit halves: a BigInt per address costs tens
 * of nanoseconds. Throws an InvalidArgumentError naming `what` for an address outside [0, 2^47).
 */
function wordsOf(what: string, addresses: readonly number[]): Words {
  if (addresses.length === 0) return NO_WORDS;
  const known = frozenWords.get(addresses);
  if (known !== undefined) return known;
  const words = new BigUint64Array(addresses.length);
  const halves = new DataView(words.buffer);
  let min = Number.POSITIVE_INFINITY;
  let max = -1;
  for (let i = 0; i < addresses.length; i++) {
    const address = addresses[i]!;
    requireAddress(what, address);
    halves.setUint32(8 * i, address % 2 ** 32, true);
    halves.setUint32(8 * i + 4, Math.floor(address / 2 ** 32), true);
    if (address < min) min = address;
    if (address > max) max = address;
  }
  const converted = { words, min, max };
  if (Object.isFrozen(addresses)) frozenWords.set(addresses, converted);
  return converted;
}

/** Closes the native side of engines that were dropped without `close()`. */
const finalizer = new FinalizationRegistry<SsEnginePointer>((handle) => ss.close(handle));

export function createEngine(target: Target, options: EngineOptions = {}): Engine {
  return new UnicornEngine(target, options);
}

class UnicornEngine implements Engine {
  runCount = 0;
  private handle: SsEnginePointer | null;
  private readonly token = nextToken++;
  private readonly instrumented: { address: number; size: number } | null;
  private readonly blockMetered: boolean = false;
  private readonly regionList: Region[] = [];
  private readonly retired: Region[] = [];
  private exits = new Map<number, number>();
  /** Set by `reset`: Unicorn still has the old exits, to be replaced by the next `setExits` or run. */
  private exitsCleared = false;
  /** The exits as last given to the helper, in order (the same list again needs no native call). */
  private nativeExits: readonly number[] = [];
  private readonly hooks = new Map<number, AddressHook>();
  private readonly registerIds = new Map<string, number>();
  private readonly registerScratch = new BigUint64Array(1);
  /**
   * Small transfers go through this buffer: V8 keeps small typed arrays on its heap, and handing a
   * fresh one to native code first moves it off the heap (half a microsecond, several times the copy).
   */
  private readonly smallScratch = new Uint8Array(SMALL_TRANSFER_BYTES);
  private readonly smallView = new DataView(this.smallScratch.buffer);
  /** The point flags (FLAG) whose address sets are non-empty: clearing an empty one costs nothing. */
  private readonly pointFlagsSet = new Set<number>();
  private readonly result = new BigUint64Array(RESULT.length);
  /** Where ss_profile_finish writes a profile's summary (PROFILE_SUMMARY), read at once. */
  private readonly profileSummary = new Float64Array(PROFILE_SUMMARY.length);
  private profileCodeSet = false;
  /** Block-metered: whether the helper runs on the precise machine from the start. */
  private preciseOnly = false;
  private running = false;
  private hookFailure: { error: unknown } | null = null;

  constructor(
    readonly target: Target,
    options: EngineOptions,
  ) {
    const error = [0];
    const handle = ss.open(helperArch(target), error);
    if (handle === null) throw new UnicornError("uc_open", error[0]!, uc.strerror(error[0]!));
    this.handle = handle;
    finalizer.register(this, handle, this);
    jsHookTrampoline ??= registerJsHook(dispatchJsHook);
    ss.setJsHook(handle, jsHookTrampoline, this.token);
    if (options.recordCapacity !== undefined) {
      requireCount("recordCapacity", options.recordCapacity);
      ss.setCapacity(handle, options.recordCapacity);
    }
    this.instrumented = options.instrument ?? null;
    if (this.instrumented) {
      const { address, size } = this.instrumented;
      requireAddressRange("instrumented range", address, size, InvalidArgumentError);
      if (size > MAX_INSTRUMENTED_SIZE) {
        throw new InvalidArgumentError(
          `instrumented range of ${size} bytes exceeds ${MAX_INSTRUMENTED_SIZE}`,
        );
      }
      this.blockMetered = options.metering === "block";
      if (this.blockMetered) this.check("ss_meter_blocks", ss.meterBlocks(handle, address, size));
      else this.check("ss_instrument", ss.instrument(handle, address, size));
    }
  }

  get closed(): boolean {
    return this.handle === null;
  }

  get regions(): readonly Region[] {
    return this.regionList;
  }

  map(address: number, size: number, protection: Protection): void {
    const handle = this.open("map");
    requireAddressRange("region", address, size, MappingError);
    if (address % PAGE_SIZE !== 0 || size % PAGE_SIZE !== 0) {
      throw new MappingError(`region ${hex(address)}+${hex(size)} is not ${PAGE_SIZE}-byte aligned`);
    }
    if (size > MAX_REGION_SIZE) throw new MappingError(`region of ${size} bytes exceeds ${MAX_REGION_SIZE}`);
    if (!(protection in PROTECTION_BITS)) throw new MappingError(`unknown protection ${String(protection)}`);
    if (protection.includes("x") && this.instrumented && !this.inInstrumentedRange(address, size)) {
      throw new MappingError(
        `executable region ${hex(address)}+${hex(size)} is outside the instrumented range`,
      );
    }
    const overlapping = this.regionList.find(
      (r) => address < r.address + r.size && r.address < address + size,
    );
    if (overlapping) {
      throw new MappingError(
        `region ${hex(address)}+${hex(size)} overlaps ${hex(overlapping.address)}+${hex(overlapping.size)}`,
      );
    }
    const same = this.retired.findIndex(
      (r) => r.address === address && r.size === size && r.protection === protection,
    );
    if (same >= 0) {
      this.retired.splice(same, 1);
      this.check("ss_zero", ss.zero(handle, address, size));
      if (protection.includes("x"))
        this.check("uc_ctl_remove_cache", ss.invalidate(handle, address, address + size));
    } else {
      this.unmapRetired((r) => address < r.address + r.size && r.address < address + size);
      this.check("uc_mem_map_ptr", ss.map(handle, address, size, PROTECTION_BITS[protection]));
    }
    this.regionList.push({ address, size, protection });
    this.regionList.sort((a, b) => a.address - b.address);
  }

  reviveKept(address: number, size: number, protection: Protection): boolean {
    this.open("map");
    const same = this.retired.findIndex(
      (r) => r.address === address && r.size === size && r.protection === protection,
    );
    if (same < 0) return false;
    this.retired.splice(same, 1);
    this.regionList.push({ address, size, protection });
    this.regionList.sort((a, b) => a.address - b.address);
    return true;
  }

  reset(): void {
    this.open("reset");
    this.retired.push(...this.regionList.splice(0));
    this.exits = new Map();
    this.exitsCleared = true;
    this.hooks.clear();
    if (this.instrumented) {
      this.setWatchPoints([]);
      this.setAlignmentChecks([]);
      this.updateHookPoints();
    }
  }

  writeMemory(address: number, bytes: Uint8Array): void {
    const handle = this.requireMapped(address, bytes.length, "write");
    if (bytes.length === 0) return;
    const small = bytes.length <= SMALL_TRANSFER_BYTES;
    if (small) this.smallScratch.set(bytes);
    this.write(handle, address, small ? this.smallScratch : bytes, bytes.length);
  }

  readMemory(address: number, length: number): Uint8Array {
    if (length <= SMALL_TRANSFER_BYTES) return this.readSmall(address, length).slice(0, length);
    const handle = this.requireMapped(address, length, "read");
    const bytes = new Uint8Array(length);
    this.check("ss_mem_read", ss.memRead(handle, address, bytes, length));
    return bytes;
  }

  readU64(address: number): bigint {
    this.readSmall(address, 8);
    return this.smallView.getBigUint64(0, true);
  }

  writeU64(address: number, value: bigint): void {
    const handle = this.requireMapped(address, 8, "write");
    this.smallView.setBigUint64(0, BigInt.asUintN(64, value), true);
    this.write(handle, address, this.smallScratch, 8);
  }

  readRegister(name: RegisterName): bigint {
    const handle = this.open("readRegister");
    this.check("uc_reg_read", ss.regRead(handle, this.registerId(name), this.registerScratch));
    return this.registerScratch[0]!;
  }

  writeRegister(name: RegisterName, value: bigint | number): void {
    const handle = this.open("writeRegister");
    if (typeof value === "number" && !Number.isSafeInteger(value)) {
      throw new InvalidArgumentError(`register value ${value} is not a safe integer`);
    }
    this.check("uc_reg_write", ss.regWrite(handle, this.registerId(name), BigInt.asUintN(64, BigInt(value))));
  }

  setExits(addresses: readonly number[]): void {
    const handle = this.open("setExits");
    const native = this.nativeExits;
    if (addresses.length !== native.length || addresses.some((address, i) => address !== native[i])) {
      const { words } = wordsOf("exit", addresses);
      this.check("uc_ctl_set_exits", ss.setExits(handle, words, words.length));
      this.nativeExits = [...addresses];
    }
    this.exitsCleared = false;
    this.exits = new Map(addresses.map((address, index) => [address, index] as const).reverse());
  }

  setWatchPoints(addresses: readonly number[]): void {
    this.setPoints("watch points", FLAG.watch, addresses);
  }

  setAlignmentChecks(addresses: readonly number[]): void {
    this.setPoints("alignment checks", FLAG.align, addresses);
  }

  hookAddress(address: number, hook: AddressHook): void {
    this.open("hookAddress");
    this.instrumentedWords("address hooks", [address]);
    this.hooks.set(address, hook);
    this.updateHookPoints();
  }

  unhookAddress(address: number): void {
    this.open("unhookAddress");
    if (this.hooks.delete(address)) this.updateHookPoints();
  }

  setFuelPoints(addresses: readonly number[] | null): void {
    const handle = this.open("setFuelPoints");
    const { words } = this.instrumentedWords("fuel points", addresses ?? []);
    this.check("ss_set_fuel_points", ss.setFuelPoints(handle, addresses ? 1 : 0, words, words.length));
  }

  setWarningZone(address: number, size: number): void {
    const handle = this.open("setWarningZone");
    if (size !== 0) requireAddressRange("warning zone", address, size, InvalidArgumentError);
    if (address % PAGE_SIZE !== 0 || size % PAGE_SIZE !== 0) {
      throw new InvalidArgumentError(`warning zone ${hex(address)}+${hex(size)} is not page aligned`);
    }
    if (this.blockMetered) this.check("ss_set_zone", ss.setZone(handle, address, size));
  }

  setProfileCode(code: ProfileCode): void {
    const handle = this.open("setProfileCode");
    const size = code.rel.length;
    const consistent = [code.kinds, code.locs, code.checks].every((table) => table.length === size);
    if (this.instrumented === null || !consistent || size > this.instrumented.size) {
      throw new InvalidArgumentError(
        `profile tables need ${size} bytes of an instrumented range, one entry each`,
      );
    }
    const { rel, kinds, locs, checks, keys, returnAddressBytes } = code;
    this.check(
      "ss_set_profile_code",
      ss.setProfileCode(handle, rel, kinds, locs, checks, size, keys, keys.length, returnAddressBytes),
    );
    this.profileCodeSet = true;
  }

  startProfile(reference: number): void {
    const handle = this.open("startProfile");
    if (!this.profileCodeSet) throw new InvalidArgumentError("startProfile needs setProfileCode first");
    requireAddress("reference", reference);
    this.check("ss_profile_start", ss.profileStart(handle, reference));
  }

  profileHostCall(sp: number, deepestSp: number): void {
    ss.profileHostCall(this.open("profileHostCall"), sp, deepestSp);
  }

  finishProfile(): ProfileRows {
    const handle = this.open("finishProfile");
    if (!this.profileCodeSet) throw new InvalidArgumentError("finishProfile needs setProfileCode first");
    const summary = this.profileSummary;
    ss.profileFinish(handle, summary);
    const changes = uninitializedFloat64s(summary[PROFILE_SUMMARY.changes]! * PROFILE_CHANGE_WORDS);
    const nodes = uninitializedFloat64s(summary[PROFILE_SUMMARY.nodes]! * PROFILE_NODE_WORDS);
    const misaligned = uninitializedFloat64s(summary[PROFILE_SUMMARY.misaligned]!);
    ss.profileCopy(handle, changes, nodes, misaligned);
    const errorKind = PROFILE_ERROR_KINDS[summary[PROFILE_SUMMARY.error]!];
    return {
      steps: summary[PROFILE_SUMMARY.steps]!,
      entryDepth: summary[PROFILE_SUMMARY.entryDepth]!,
      maxDepth: summary[PROFILE_SUMMARY.maxDepth]!,
      lastDepth: summary[PROFILE_SUMMARY.lastDepth]!,
      hash: hexWord(summary[PROFILE_SUMMARY.hashHigh]!) + hexWord(summary[PROFILE_SUMMARY.hashLow]!),
      changes,
      nodes,
      misaligned,
      error: errorKind ? { kind: errorKind, offset: summary[PROFILE_SUMMARY.errorOffset]! } : null,
    };
  }

  run({ begin, fuel, precise = false }: RunOptions): RunResult {
    const handle = this.open("run");
    if (!Number.isSafeInteger(fuel) || fuel <= 0) {
      throw new InvalidArgumentError(`fuel must be a positive integer, got ${fuel}`);
    }
    if (precise && this.instrumented === null) {
      throw new InvalidArgumentError("a precise run needs an engine with an instrumented range");
    }
    if (this.blockMetered && precise !== this.preciseOnly) {
      this.check("ss_set_precise_only", ss.setPreciseOnly(handle, precise ? 1 : 0));
      this.preciseOnly = precise;
    }
    requireAddress("entry", begin);
    const entryRegion = this.regionList.find((r) => r.address <= begin && begin < r.address + r.size);
    if (!entryRegion?.protection.includes("x")) {
      throw new InvalidEntryError(`entry ${hex(begin)} is not in an executable region`);
    }
    this.unmapRetired(() => true);
    if (this.exitsCleared) this.setExits([]);
    this.running = true;
    runningEngines.set(this.token, this);
    try {
      ss.run(handle, begin, fuel, this.result);
    } finally {
      runningEngines.delete(this.token);
      this.running = false;
      this.runCount++;
    }
    const failure = this.hookFailure;
    if (failure) {
      this.hookFailure = null;
      throw failure.error;
    }
    return this.readResult(handle);
  }

  close(): void {
    if (this.handle === null) return;
    if (this.running) throw new EmulatorError("close() during a run (from a hook)");
    finalizer.unregister(this);
    ss.close(this.handle);
    this.handle = null;
  }

  /** Called by the shared trampoline; returns 1 to stop emulation. Never throws into native code. */
  onAddressHook(address: number): number {
    const hook = this.hooks.get(address);
    if (hook === undefined) return 0;
    try {
      return hook(this, address) === "stop" ? 1 : 0;
    } catch (error) {
      this.hookFailure = { error };
      return 1;
    }
  }

  private readResult(handle: SsEnginePointer): RunResult {
    const r = this.result;
    const field = (index: number) => Number(r[index]);
    const recordWords = uninitializedFloat64s(field(RESULT.records) * StackRecords.WORDS);
    if (recordWords.length > 0) ss.copyRecords(handle, recordWords);
    const violationWords = uninitializedFloat64s(field(RESULT.violations) * VIOLATION_WORDS);
    if (violationWords.length > 0) ss.copyViolations(handle, violationWords);
    const alignmentViolations: AlignmentViolation[] = [];
    for (let i = 0; i < violationWords.length; i += VIOLATION_WORDS) {
      alignmentViolations.push({ pc: violationWords[i]!, sp: violationWords[i + 1]! });
    }
    const recording = r[RESULT.tailMinSp] !== 0xffff_ffff_ffff_ffffn;
    const handover = field(RESULT.handover);
    return {
      stop: this.stopReason(),
      steps: field(RESULT.steps),
      pcExact: field(RESULT.pcExact) === 1,
      handover: handover === HANDOVER.zone ? "zone" : handover === HANDOVER.fuel ? "fuel" : null,
      preciseSteps: field(RESULT.preciseSteps),
      records: new StackRecords(recordWords, field(RESULT.recordsDropped)),
      tailMinSp: recording ? field(RESULT.tailMinSp) : null,
      alignmentViolations,
      alignmentViolationsDropped: field(RESULT.violationsDropped),
    };
  }

  private stopReason(): StopReason {
    const r = this.result;
    const ucError = Number(r[RESULT.ucError]);
    const pc = Number(r[RESULT.stopPc]);
    switch (Number(r[RESULT.stop])) {
      case STOP.memoryFault: {
        const access = FAULT_ACCESS[Number(r[RESULT.faultType])] ?? "read";
        const address = Number(r[RESULT.faultAddress]);
        return { kind: "memory-fault", access, address, pc: access === "fetch" ? address : pc };
      }
      case STOP.interrupt:
        return { kind: "interrupt", number: Number(r[RESULT.interruptNumber]), pc };
      case STOP.jsHook:
        return { kind: "hook-stop", pc };
      case STOP.invalidInstruction:
        return { kind: "invalid-instruction", pc };
      case STOP.fuel:
        return { kind: "fuel", pc };
      case STOP.cpuException:
        return { kind: "cpu-exception", message: `exception ${r[RESULT.interruptNumber]}`, pc };
    }
    if (ucError === UC_ERR.insnInvalid) return { kind: "invalid-instruction", pc };
    if (ucError !== UC_ERR.ok) return { kind: "cpu-exception", message: uc.strerror(ucError), pc };
    const exitIndex = this.exits.get(pc);
    return exitIndex === undefined ? { kind: "fuel", pc } : { kind: "exit", address: pc, exitIndex };
  }

  /** Writes the first `length` bytes of `source` (a mapped range), dropping translations of code written over. */
  private write(handle: SsEnginePointer, address: number, source: Uint8Array, length: number): void {
    this.check("ss_mem_write", ss.memWrite(handle, address, source, length));
    const end = address + length;
    const touchesCode = this.regionList.some(
      (r) => r.protection.includes("x") && address < r.address + r.size && r.address < end,
    );
    if (touchesCode) this.check("uc_ctl_remove_cache", ss.invalidate(handle, address, end));
  }

  /** Reads `length` ≤ SMALL_TRANSFER_BYTES bytes into the small scratch buffer, which it returns. */
  private readSmall(address: number, length: number): Uint8Array {
    const handle = this.requireMapped(address, length, "read");
    if (length > 0) this.check("ss_mem_read", ss.memRead(handle, address, this.smallScratch, length));
    return this.smallScratch;
  }

  private unmapRetired(which: (region: Region) => boolean): void {
    const handle = this.open("map");
    for (let i = this.retired.length - 1; i >= 0; i--) {
      const region = this.retired[i]!;
      if (!which(region)) continue;
      this.check("uc_mem_unmap", ss.unmap(handle, region.address, region.size));
      this.retired.splice(i, 1);
    }
  }

  private setPoints(what: string, flag: number, addresses: readonly number[]): void {
    const handle = this.open(what);
    const { words } = this.instrumentedWords(what, addresses);
    if (addresses.length === 0 && !this.pointFlagsSet.has(flag)) return;
    this.check("ss_set_points", ss.setPoints(handle, flag, words, words.length));
    if (addresses.length > 0) this.pointFlagsSet.add(flag);
    else this.pointFlagsSet.delete(flag);
  }

  private updateHookPoints(): void {
    this.setPoints("address hooks", FLAG.jsHook, [...this.hooks.keys()]);
  }

  /** `addresses` as the helper takes them, all in the instrumented range (else an InvalidArgumentError). */
  private instrumentedWords(what: string, addresses: readonly number[]): Words {
    if (this.instrumented === null) {
      throw new InvalidArgumentError(`${what} need an engine with an instrumented range`);
    }
    const converted = wordsOf(what, addresses);
    const { min, max } = converted;
    if (addresses.length > 0 && !(this.inInstrumentedRange(min) && this.inInstrumentedRange(max))) {
      const outside = addresses.find((a) => !this.inInstrumentedRange(a))!;
      throw new InvalidArgumentError(`${what}: ${hex(outside)} is outside the instrumented range`);
    }
    return converted;
  }

  private inInstrumentedRange(address: number, size = 1): boolean {
    const range = this.instrumented;
    return range !== null && range.address <= address && address + size <= range.address + range.size;
  }

  private requireMapped(address: number, length: number, access: "read" | "write"): SsEnginePointer {
    const handle = this.open(`${access}Memory`);
    if (!Number.isSafeInteger(address) || !Number.isSafeInteger(length) || length < 0) {
      throw new InvalidArgumentError(`bad memory ${access} ${address}+${length}`);
    }
    let cursor = address;
    const end = address + length;
    while (cursor < end) {
      const region = this.regionList.find((r) => r.address <= cursor && cursor < r.address + r.size);
      if (!region)
        throw new MemoryAccessError(
          `${access} of ${hex(address)}+${hex(length)}: ${hex(cursor)} is unmapped`,
        );
      cursor = region.address + region.size;
    }
    return handle;
  }

  private registerId(name: RegisterName): number {
    let id = this.registerIds.get(name);
    if (id === undefined) {
      const isaName = isaRegisterName(this.target, name);
      id = isaName === undefined ? -1 : ss.regId(helperArch(this.target), isaName);
      if (id < 0) throw new UnknownRegisterError(`${this.target} has no register "${name}"`);
      this.registerIds.set(name, id);
    }
    return id;
  }

  private open(operation: string): SsEnginePointer {
    if (this.handle === null) throw new EngineClosedError(`${operation} on a closed ${this.target} engine`);
    const mutating = operation === "map" || operation === "reset" || operation === "run";
    if (mutating && this.running) throw new EmulatorError(`${operation} during a run (from a hook)`);
    return this.handle;
  }

  private check(operation: string, code: number): void {
    if (code !== UC_ERR.ok) throw new UnicornError(operation, code, uc.strerror(code));
  }
}

const PROFILE_ERROR_KINDS: Record<number, NonNullable<ProfileRows["error"]>["kind"]> = {
  [PROFILE_ERROR.returnWithoutCall]: "return-without-call",
  [PROFILE_ERROR.noStackMap]: "no-stack-map",
  [PROFILE_ERROR.outOfMemory]: "out-of-memory",
};

/** No numbers: what most runs read back, shared (an empty array cannot be written). */
const NO_FLOAT64S = new Float64Array(0);

/**
 * A Float64Array the caller overwrites entirely: skips zero-filling, which costs as much as the copy.
 * Empty ones are NO_FLOAT64S: allocating even an empty Buffer costs a run microseconds.
 */
function uninitializedFloat64s(length: number): Float64Array {
  if (length === 0) return NO_FLOAT64S;
  const bytes = Buffer.allocUnsafeSlow(length * Float64Array.BYTES_PER_ELEMENT);
  return new Float64Array(bytes.buffer, bytes.byteOffset, length);
}

/** A 32-bit word as 8 hex digits. */
function hexWord(word: number): string {
  return word.toString(16).padStart(8, "0");
}

function dispatchJsHook(token: number, address: number): number {
  return runningEngines.get(token)?.onAddressHook(address) ?? 0;
}

function requireCount(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new InvalidArgumentError(`${what} must be a count, got ${value}`);
}

function requireAddress(what: string, address: number): void {
  if (!Number.isSafeInteger(address) || address < 0 || address >= ADDRESS_LIMIT) {
    throw new InvalidArgumentError(`${what} address ${address} is outside [0, 2^47)`);
  }
}

function requireAddressRange(
  what: string,
  address: number,
  size: number,
  ErrorClass: typeof MappingError | typeof InvalidArgumentError,
): void {
  const valid =
    Number.isSafeInteger(address) &&
    Number.isSafeInteger(size) &&
    address >= 0 &&
    size > 0 &&
    address + size <= ADDRESS_LIMIT;
  if (!valid) throw new ErrorClass(`${what} ${address}+${size} is empty or outside [0, 2^47)`);
}

function hex(value: number): string {
  return `0x${value.toString(16)}`;
}
