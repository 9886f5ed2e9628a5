/**
 * FFI declarations: libunicorn for ordinary calls, and samestack's helper (emulators/native) for the
 * per-instruction hooks and the one-call `ss_run`. Nothing here validates input; engine.ts does.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import koffi from "koffi";
import { NativeLibraryError } from "../errors.js";

const HELPER = "build/libsamestack_uc.so";
/** Debian trixie's Unicorn 2.1, extracted by scripts/fetch-unicorn.sh; the helper links it by rpath. */
const UNICORN = "vendor/unicorn/usr/lib/x86_64-linux-gnu/libunicorn.so.2";

/** `file` beside this file (sources) or in the sources' folder (dist/emulators/native). */
function nativePath(file: string, missing: string): string {
  for (const candidate of [`./${file}`, `../../../emulators/native/${file}`]) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new NativeLibraryError(`${file} is missing: ${missing}`);
}

/**
 * The Unicorn library samestack runs on. Loaded by path before the helper: a process holds one
 * library per soname, and the system's libunicorn.so.2 (Debian bookworm's 2.0.1) must not be it.
 */
export const UNICORN_LIBRARY = nativePath(UNICORN, "run `npm run setup` (scripts/fetch-unicorn.sh)");
const unicorn = koffi.load(UNICORN_LIBRARY);
const helper = koffi.load(nativePath(HELPER, "run `npm run build:native`"));

koffi.opaque("ss_engine");
koffi.opaque("ss_decoder");
const JsHook = koffi.proto("int ss_js_hook(uint64_t token, uint64_t address)");

/** Opaque native handles. */
export type SsEnginePointer = { readonly __brand: "ss_engine" };
export type SsDecoderPointer = { readonly __brand: "ss_decoder" };

/** Indices into the result array filled by `ss_run` (the `R_*` enum in samestack_uc.c). */
export const RESULT = {
  ucError: 0,
  stop: 1,
  stopPc: 2,
  faultType: 3,
  faultAddress: 4,
  interruptNumber: 5,
  steps: 6,
  records: 7,
  recordsDropped: 8,
  violations: 9,
  violationsDropped: 10,
  tailMinSp: 11,
  pcExact: 12,
  handover: 13,
  preciseSteps: 14,
  length: 15,
} as const;

/** `stop` values (STOP_* in samestack_uc.c). */
export const STOP = {
  none: 0,
  memoryFault: 1,
  interrupt: 2,
  jsHook: 3,
  invalidInstruction: 4,
  cpuException: 5,
  fuel: 6,
} as const;
/** `handover` values (HANDOVER_* in samestack_uc.c). */
export const HANDOVER = { none: 0, zone: 1, fuel: 2 } as const;
/** Flag bits of instrumented addresses (FLAG_* in samestack_uc.c). */
export const FLAG = { watch: 1, align: 2, jsHook: 4 } as const;
/** Numbers per alignment violation copied out by the helper (pc, sp). */
export const VIOLATION_WORDS = 2;

/** Indices into the summary written by `ss_profile_finish` (the `PS_*` enum in profile.h). */
export const PROFILE_SUMMARY = {
  steps: 0,
  entryDepth: 1,
  maxDepth: 2,
  lastDepth: 3,
  hashHigh: 4,
  hashLow: 5,
  changes: 6,
  nodes: 7,
  misaligned: 8,
  error: 9,
  errorOffset: 10,
  length: 11,
} as const;
/** `error` values of a profile summary (PROFILE_* in profile.h). */
export const PROFILE_ERROR = { ok: 0, returnWithoutCall: 1, noStackMap: 2, outOfMemory: 3 } as const;
/** Numbers per running-maximum change (step, depth, location, caller node) and per node (location, parent). */
export const PROFILE_CHANGE_WORDS = 4;
export const PROFILE_NODE_WORDS = 2;

/** uc_err values the harness interprets (unicorn.h). */
export const UC_ERR = { ok: 0, insnInvalid: 10 } as const;
/** uc_mem_type values of invalid accesses (unicorn.h). */
export const UC_MEM = {
  readUnmapped: 19,
  writeUnmapped: 20,
  fetchUnmapped: 21,
  writeProt: 22,
  readProt: 23,
  fetchProt: 24,
} as const;
/** uc_prot bits (unicorn.h). */
export const UC_PROT = { read: 1, write: 2, exec: 4 } as const;

type Fn<Args extends unknown[], R> = (...args: Args) => R;
type U64 = number | bigint;

export const uc = {
  strerror: unicorn.func("const char *uc_strerror(int code)") as Fn<[number], string>,
  version: unicorn.func("unsigned int uc_version(unsigned int *major, unsigned int *minor)") as Fn<
    [null, null],
    number
  >,
};

export const ss = {
  arch: helper.func("int ss_arch(const char *target)") as Fn<[string], number>,
  open: helper.func("ss_engine *ss_open(int arch, _Out_ int *error)") as Fn<
    [number, number[]],
    SsEnginePointer | null
  >,
  close: helper.func("void ss_close(ss_engine *e)") as Fn<[SsEnginePointer], void>,
  instrument: helper.func("int ss_instrument(ss_engine *e, uint64_t begin, uint64_t size)") as Fn<
    [SsEnginePointer, U64, U64],
    number
  >,
  meterBlocks: helper.func("int ss_meter_blocks(ss_engine *e, uint64_t begin, uint64_t size)") as Fn<
    [SsEnginePointer, U64, U64],
    number
  >,
  map: helper.func("int ss_map(ss_engine *e, uint64_t address, uint64_t size, uint32_t perms)") as Fn<
    [SsEnginePointer, U64, U64, number],
    number
  >,
  unmap: helper.func("int ss_unmap(ss_engine *e, uint64_t address, uint64_t size)") as Fn<
    [SsEnginePointer, U64, U64],
    number
  >,
  /** Guest memory through the helper's host memory, whatever the machines' protections. */
  memWrite: helper.func(
    "int ss_mem_write(ss_engine *e, uint64_t address, const uint8_t *bytes, uint64_t size)",
  ) as Fn<[SsEnginePointer, U64, Uint8Array, number], number>,
  memRead: helper.func(
    "int ss_mem_read(ss_engine *e, uint64_t address, uint8_t *bytes, uint64_t size)",
  ) as Fn<[SsEnginePointer, U64, Uint8Array, number], number>,
  zero: helper.func("int ss_zero(ss_engine *e, uint64_t address, uint64_t size)") as Fn<
    [SsEnginePointer, U64, U64],
    number
  >,
  setPoints: helper.func(
    "int ss_set_points(ss_engine *e, int flag, const uint64_t *addresses, uint64_t count)",
  ) as Fn<[SsEnginePointer, number, BigUint64Array, number], number>,
  setFuelPoints: helper.func(
    "int ss_set_fuel_points(ss_engine *e, int enabled, const uint64_t *addresses, uint64_t count)",
  ) as Fn<[SsEnginePointer, number, BigUint64Array, number], number>,
  setZone: helper.func("int ss_set_zone(ss_engine *e, uint64_t address, uint64_t size)") as Fn<
    [SsEnginePointer, U64, U64],
    number
  >,
  setPreciseOnly: helper.func("int ss_set_precise_only(ss_engine *e, int on)") as Fn<
    [SsEnginePointer, number],
    number
  >,
  setJsHook: helper.func("void ss_set_js_hook(ss_engine *e, ss_js_hook *hook, uint64_t token)") as Fn<
    [SsEnginePointer, unknown, number],
    void
  >,
  setCapacity: helper.func("void ss_set_capacity(ss_engine *e, uint64_t capacity)") as Fn<
    [SsEnginePointer, number],
    void
  >,
  setExits: helper.func("int ss_set_exits(ss_engine *e, const uint64_t *exits, uint64_t count)") as Fn<
    [SsEnginePointer, BigUint64Array, number],
    number
  >,
  invalidate: helper.func("int ss_invalidate(ss_engine *e, uint64_t begin, uint64_t end)") as Fn<
    [SsEnginePointer, U64, U64],
    number
  >,
  regRead: helper.func("int ss_reg_read(ss_engine *e, int reg, uint64_t *value)") as Fn<
    [SsEnginePointer, number, BigUint64Array],
    number
  >,
  regWrite: helper.func("int ss_reg_write(ss_engine *e, int reg, uint64_t value)") as Fn<
    [SsEnginePointer, number, bigint],
    number
  >,
  run: helper.func("void ss_run(ss_engine *e, uint64_t begin, uint64_t fuel, uint64_t *result)") as Fn<
    [SsEnginePointer, U64, U64, BigUint64Array],
    void
  >,
  copyRecords: helper.func("void ss_copy_records(ss_engine *e, double *out)") as Fn<
    [SsEnginePointer, Float64Array],
    void
  >,
  copyViolations: helper.func("void ss_copy_violations(ss_engine *e, double *out)") as Fn<
    [SsEnginePointer, Float64Array],
    void
  >,
  setProfileCode: helper.func(
    "int ss_set_profile_code(ss_engine *e, const int32_t *rel, const uint8_t *kinds, const int32_t *locs, const int32_t *checks, uint64_t size, const uint64_t *keys, uint64_t key_count, uint32_t return_address_bytes)",
  ) as Fn<
    [SsEnginePointer, Int32Array, Uint8Array, Int32Array, Int32Array, number, BigUint64Array, number, number],
    number
  >,
  profileStart: helper.func("int ss_profile_start(ss_engine *e, uint64_t reference)") as Fn<
    [SsEnginePointer, U64],
    number
  >,
  profileHostCall: helper.func(
    "void ss_profile_host_call(ss_engine *e, uint64_t sp, uint64_t deepest_sp)",
  ) as Fn<[SsEnginePointer, U64, U64], void>,
  profileFinish: helper.func("void ss_profile_finish(ss_engine *e, double *summary)") as Fn<
    [SsEnginePointer, Float64Array],
    void
  >,
  profileCopy: helper.func(
    "void ss_profile_copy(ss_engine *e, double *changes, double *nodes, double *misaligned)",
  ) as Fn<[SsEnginePointer, Float64Array, Float64Array, Float64Array], void>,
  regId: helper.func("int ss_reg_id(int arch, const char *name)") as Fn<[number, string], number>,
  decoderOpen: helper.func("ss_decoder *ss_decoder_open(int arch, _Out_ int *error)") as Fn<
    [number, number[]],
    SsDecoderPointer | null
  >,
  decoderRegName: helper.func("const char *ss_decoder_reg_name(ss_decoder *d, unsigned int reg)") as Fn<
    [SsDecoderPointer, number],
    string | null
  >,
  /** `out` is native memory (koffi.alloc) holding `capacity` ss_instruction records (disasm.h). */
  disassemble: helper.func(
    "int ss_disassemble(ss_decoder *d, const uint8_t *bytes, size_t size, uint64_t address, void *out, int capacity)",
  ) as Fn<[SsDecoderPointer, Uint8Array, number, bigint, unknown, number], number>,
};

/**
 * Registers one process-wide JS hook trampoline (koffi allows a limited number of registered
 * callbacks, so engines share it and are told apart by their token).
 */
export function registerJsHook(dispatch: (token: number, address: number) => number): unknown {
  return koffi.register(
    (token: bigint | number, address: bigint | number) => dispatch(Number(token), Number(address)),
    koffi.pointer(JsHook),
  );
}

koffi.opaque("ss_columns");

/** Opaque handle of a columns decoder (disasm_columns.h). */
export type SsColumnsPointer = { readonly __brand: "ss_columns" };

/** Capstone's decoding of code ranges as columns (disasm_columns.h), read by emulators/disasm/columns.ts. */
export const ssColumns = {
  open: helper.func("ss_columns *ss_columns_open(int arch, _Out_ int *error)") as Fn<
    [number, number[]],
    SsColumnsPointer | null
  >,
  decode: helper.func(
    "int ss_columns_decode(ss_columns *c, const uint8_t *bytes, size_t size, uint64_t address, const uint32_t *starts, int range_count)",
  ) as Fn<[SsColumnsPointer, Uint8Array, number, bigint, Uint32Array, number], number>,
  column: helper.func("void *ss_columns_column(ss_columns *c, int column)") as Fn<
    [SsColumnsPointer, number],
    unknown
  >,
  length: helper.func("int ss_columns_length(ss_columns *c, int column)") as Fn<
    [SsColumnsPointer, number],
    number
  >,
  generation: helper.func("unsigned int ss_columns_generation(ss_columns *c)") as Fn<
    [SsColumnsPointer],
    number
  >,
  mnemonic: helper.func("const char *ss_columns_mnemonic(ss_columns *c, unsigned int id)") as Fn<
    [SsColumnsPointer, number],
    string | null
  >,
  regName: helper.func("const char *ss_columns_reg_name(ss_columns *c, unsigned int reg)") as Fn<
    [SsColumnsPointer, number],
    string | null
  >,
};
