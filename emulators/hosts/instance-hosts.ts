// The hosts one instance imports from, on one executor, made fresh for each instance so that every
// run starts from the same world: `spectest`, `env`, the modules bound to the env host
// (`stubImports`), and WASI when the module imports it. Each executor gets the same host code
// through an adapter: bit patterns from the emulated targets' WasmValues, or from V8's JS values.
import { WASM_PAGE_BYTES } from "../../src/compiler/artifact.js";
import { InputError } from "../../src/wasm/errors.js";
import type { Module, ValType } from "../../src/wasm/ir.js";
import { type Outcome, withOutput } from "../../src/wasm/outcome.js";
import type { Extern, Externs, Imports } from "../runtime/extern.js";
import { HOST_MODULE, hostExterns, hostFunctionsForV8 } from "./env.js";
import { spectestExterns, spectestForV8 } from "./spectest.js";
import { type LinearMemory, WasiHost, type WasiWorld } from "./wasi.js";
import {
  isWasiFunction,
  WASI_MODULE,
  WASI_START,
  type WasiFunctionName,
  wasiFunctionType,
} from "./wasi-abi.js";

/** How the hosts are set up for a module: the same for every executor that runs it. */
export interface HostSettings {
  /** The world of a WASI program (unused unless the module imports WASI). */
  readonly wasi: WasiWorld;
  /** Import modules whose every function is bound to the env host (`--stub-imports`). */
  readonly stubImports: readonly string[];
}

/** Hosts for a module run without any WASI or stub settings: the program is called `name`. */
export function defaultHostSettings(name: string): HostSettings {
  return {
    wasi: { args: [name], env: [], preopens: [], stdin: new Uint8Array(0), seed: 0 },
    stubImports: [],
  };
}

/** The module imports something the hosts cannot bind: bad input. */
export class HostImportError extends InputError {}

/** One instance's hosts on one executor: what it imports, and what its program wrote. */
export interface InstanceHosts<ImportsOf, ExportsOf> {
  readonly imports: ImportsOf;
  /** After instantiation: the WASI host reaches linear memory through the export "memory". */
  attach(exports: ExportsOf): void;
  /**
   * The outcome of an invocation of export `exportName` with what the program wrote during it. A
   * WASI command's `_start` that returns (wasi-libc's does when main returns 0) ends as exit(0), as
   * in every WASI runtime.
   */
  finish(outcome: Outcome, exportName: string): Outcome;
}

/** The hosts of an instance on an emulated target; `log` collects spectest's prints. */
export function emulatedHosts(
  module: Module,
  settings: HostSettings,
  log: string[] = [],
): InstanceHosts<Imports, Externs> {
  const wasi = boundWasi(module, settings);
  const imports = new Map<string, Externs>([
    [HOST_MODULE, hostExterns(module, HOST_MODULE)],
    ["spectest", spectestExterns(log)],
    ...settings.stubImports.map((name): [string, Externs] => [name, hostExterns(module, name)]),
  ]);
  if (wasi) imports.set(WASI_MODULE, wasiExterns(wasi));
  return {
    imports,
    attach: (exports) => {
      const extern = exports.get("memory");
      if (wasi && extern?.kind === "memory") wasi.host.attach(emulatedMemory(extern));
    },
    finish: (outcome, exportName) => finished(wasi, outcome, exportName),
  };
}

/** The hosts of an instance on V8; `log` collects spectest's prints. */
export function v8Hosts(
  module: Module,
  settings: HostSettings,
  log: string[] = [],
): InstanceHosts<WebAssembly.Imports, Readonly<Record<string, unknown>>> {
  const wasi = boundWasi(module, settings);
  const imports: WebAssembly.Imports = {
    [HOST_MODULE]: hostFunctionsForV8(module, HOST_MODULE),
    spectest: spectestForV8(log),
    ...Object.fromEntries(settings.stubImports.map((name) => [name, hostFunctionsForV8(module, name)])),
  };
  if (wasi) imports[WASI_MODULE] = wasiForV8(wasi);
  return {
    imports,
    attach: (exports) => {
      const memory = exports.memory;
      if (wasi && memory instanceof WebAssembly.Memory) wasi.host.attach(v8Memory(memory));
    },
    finish: (outcome, exportName) => finished(wasi, outcome, exportName),
  };
}

function finished(wasi: BoundWasi | null, outcome: Outcome, exportName: string): Outcome {
  if (wasi === null) return outcome;
  const { stdout, stderr } = wasi.host.takeWritten();
  const ended =
    exportName === WASI_START && outcome.outcome === "return" && outcome.values.length === 0
      ? { outcome: "exit" as const, code: 0 }
      : outcome;
  return withOutput(ended, stdout, stderr);
}

/** A WASI host, and the functions a module imports from it. */
interface BoundWasi {
  readonly host: WasiHost;
  readonly functions: readonly WasiFunctionName[];
}

/**
 * A WASI host for a module that imports WASI (unless it is stubbed), after checking that every WASI
 * import is a preview1 function of its type and that the module exports its memory as "memory".
 */
function boundWasi(module: Module, settings: HostSettings): BoundWasi | null {
  if (settings.stubImports.includes(WASI_MODULE)) return null;
  const functions = wasiImports(module);
  if (functions.length === 0) return null;
  if (!module.exports.some((e) => e.kind === "memory" && e.name === "memory")) {
    throw new HostImportError(`the module imports ${WASI_MODULE} but exports no memory named "memory"`);
  }
  return { host: new WasiHost(settings.wasi), functions };
}

/** The module's WASI imports, each checked against preview1. */
function wasiImports(module: Module): WasiFunctionName[] {
  return module.imports
    .filter((imported) => imported.module === WASI_MODULE)
    .map((imported) => {
      const name = `${WASI_MODULE}.${imported.name}`;
      if (imported.desc.kind !== "func" || !isWasiFunction(imported.name)) {
        throw new HostImportError(`${name} is not a function of ${WASI_MODULE}`);
      }
      const declared = module.types[imported.desc.typeIndex]!;
      const expected = wasiFunctionType(imported.name);
      if (signatureText(declared) !== signatureText(expected)) {
        throw new HostImportError(
          `${name} is imported as ${signatureText(declared)}; ${WASI_MODULE} declares ${signatureText(expected)}`,
        );
      }
      return imported.name;
    });
}

function signatureText(type: { params: readonly ValType[]; results: readonly ValType[] }): string {
  return `(${type.params.join(" ")}) -> (${type.results.join(" ")})`;
}

function wasiExterns({ host, functions }: BoundWasi): Externs {
  const externs = new Map<string, Extern>();
  for (const name of functions) {
    const type = wasiFunctionType(name);
    const call = (args: readonly { value: string }[]) => {
      const errno = host.call(
        name,
        args.map((arg) => BigInt(arg.value)),
      );
      return errno === null ? [] : [{ type: "i32" as const, value: String(errno) }];
    };
    externs.set(name, { kind: "func", func: { kind: "host", name: `${WASI_MODULE}.${name}`, type, call } });
  }
  return externs;
}

function wasiForV8({ host, functions }: BoundWasi): WebAssembly.ModuleImports {
  const imports: WebAssembly.ModuleImports = {};
  for (const name of functions) {
    const { params } = wasiFunctionType(name);
    imports[name] = (...args: unknown[]) => {
      const bits = params.map((type, i) =>
        type === "i64" ? BigInt.asUintN(64, args[i] as bigint) : BigInt(Number(args[i]) >>> 0),
      );
      return host.call(name, bits) ?? undefined;
    };
  }
  return imports;
}

function emulatedMemory(extern: Extract<Extern, { kind: "memory" }>): LinearMemory {
  const { memory } = extern;
  return {
    size: () => memory.pages * WASM_PAGE_BYTES,
    read: (address, length) => memory.read(address, length),
    write: (address, bytes) => memory.write(address, bytes),
  };
}

/** V8's memory: its buffer is replaced when it grows, so it is looked up at every access. */
function v8Memory(memory: WebAssembly.Memory): LinearMemory {
  return {
    size: () => memory.buffer.byteLength,
    read: (address, length) => new Uint8Array(memory.buffer, address, length).slice(),
    write: (address, bytes) => new Uint8Array(memory.buffer).set(bytes, address),
  };
}
