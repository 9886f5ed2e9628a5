// The `env` host module: for any imported function of module `env` (the fuzzer's `env.h0`, `env.h1`,
// …, and hand-written corpus cases), and of any module bound to it by `--stub-imports` (a benchmark
// harness's `bench.start`), one deterministic function per signature, implemented twice — for the
// emulated targets (arguments as bit patterns) and for V8 (arguments as JS values) — so that every
// executor computes the same results. It folds its arguments' bits; a NaN argument counts as one
// fixed value, since V8 may change a NaN's bits on the way, and a reference as 0 when null and 1
// otherwise (a funcref's bits are an address in an emulated target). Each result is derived from
// the fold and its position (the first is the fold itself); reference results are null.

import type { FuncType, Module, ValType } from "../../src/wasm/ir.js";
import type { WasmValue } from "../../src/wasm/outcome.js";
import type { Extern, Externs, Imports } from "../runtime/extern.js";
import { NULL_REFERENCE } from "../runtime/values.js";

export const HOST_MODULE = "env";
const NAN = 0x7ff8n;

function isNan(type: ValType, bits: bigint): boolean {
  if (type === "f32") return (bits & 0x7fff_ffffn) > 0x7f80_0000n;
  if (type === "f64") return (bits & 0x7fff_ffff_ffff_ffffn) > 0x7ff0_0000_0000_0000n;
  return false;
}

/**
 * The bits of every result of the host function of type `type` for argument bits `args` (a
 * reference argument as 0 or 1, see the header); a reference result's bits are 0 (null).
 */
export function hostResults(type: FuncType, args: readonly bigint[]): bigint[] {
  let acc = BigInt(type.params.length);
  type.params.forEach((param, i) => {
    const bits = isNan(param, args[i]!) ? NAN : args[i]!;
    acc = BigInt.asUintN(64, acc * 31n + bits);
  });
  return type.results.map((result, k) => {
    if (k > 0) acc = BigInt.asUintN(64, acc * 31n + BigInt(k));
    switch (result) {
      case "i32":
        return BigInt.asUintN(32, acc);
      case "i64":
        return acc;
      case "f32":
        return f32Bits(Number(acc % (1n << 20n)) / 8);
      case "f64":
        return f64Bits(Number(acc % (1n << 40n)) / 8);
      default: // funcref, externref
        return 0n;
    }
  });
}

const isReference = (type: ValType) => type === "funcref" || type === "externref";

const scratch = new DataView(new ArrayBuffer(8));
function f32Bits(value: number): bigint {
  scratch.setFloat32(0, value, true);
  return BigInt(scratch.getUint32(0, true));
}
function f64Bits(value: number): bigint {
  scratch.setFloat64(0, value, true);
  return scratch.getBigUint64(0, true);
}

/** The functions `module` imports from `moduleName`, with their types, in import order. */
function importedFunctions(module: Module, moduleName: string): { name: string; type: FuncType }[] {
  return module.imports.flatMap((imported) =>
    imported.module === moduleName && imported.desc.kind === "func"
      ? [{ name: imported.name, type: module.types[imported.desc.typeIndex]! }]
      : [],
  );
}

/** The host functions bound to what `module` imports from `moduleName`, for the emulated targets. */
export function hostExterns(module: Module, moduleName: string): Externs {
  const externs = new Map<string, Extern>();
  for (const { name, type } of importedFunctions(module, moduleName)) {
    const call = (args: readonly WasmValue[]): WasmValue[] => {
      const bits = hostResults(type, args.map(bitsOfValue));
      return type.results.map((result, k) => ({
        type: result,
        value: isReference(result) ? NULL_REFERENCE : bits[k]!.toString(),
      }));
    };
    externs.set(name, { kind: "func", func: { kind: "host", name: `${moduleName}.${name}`, type, call } });
  }
  return externs;
}

/** The `env` module for the emulated targets, as the imports of a module that uses only it. */
export function hostImports(module: Module): Imports {
  return new Map([[HOST_MODULE, hostExterns(module, HOST_MODULE)]]);
}

/** The `env` module for V8, as the imports of a module that uses only it. */
export function hostImportsForV8(module: Module): WebAssembly.Imports {
  return { [HOST_MODULE]: hostFunctionsForV8(module, HOST_MODULE) };
}

/** The same host functions as hostExterns, for V8 (JS values in and out). */
export function hostFunctionsForV8(module: Module, moduleName: string): WebAssembly.ModuleImports {
  const functions: WebAssembly.ModuleImports = {};
  for (const { name, type } of importedFunctions(module, moduleName)) {
    functions[name] = (...args: unknown[]) => {
      const bits = hostResults(
        type,
        type.params.map((param, i) => bitsOfJs(param, args[i])),
      );
      const results = type.results.map((result, k) => jsOfBits(result, bits[k]!));
      return results.length === 1 ? results[0] : results.length === 0 ? undefined : results;
    };
  }
  return functions;
}

/** An emulated target's argument as the bits hostResults folds. */
function bitsOfValue({ type, value }: WasmValue): bigint {
  if (isReference(type)) return value === NULL_REFERENCE ? 0n : 1n;
  return BigInt(value);
}

/** V8's argument (a JS value) as the bits hostResults folds. */
function bitsOfJs(type: ValType, value: unknown): bigint {
  switch (type) {
    case "i32":
      return BigInt(Number(value) >>> 0);
    case "i64":
      return BigInt.asUintN(64, value as bigint);
    case "f32":
      return f32Bits(Number(value));
    case "f64":
      return f64Bits(Number(value));
    case "funcref":
    case "externref":
      return value === null ? 0n : 1n;
  }
}

/** A result as V8 takes it from JS; a reference result is null. */
function jsOfBits(type: ValType, bits: bigint): number | bigint | null {
  switch (type) {
    case "i32":
      return Number(BigInt.asIntN(32, bits));
    case "i64":
      return BigInt.asIntN(64, bits);
    case "f32":
      scratch.setUint32(0, Number(bits), true);
      return scratch.getFloat32(0, true);
    case "f64":
      scratch.setBigUint64(0, bits, true);
      return scratch.getFloat64(0, true);
    case "funcref":
    case "externref":
      return null;
  }
}
