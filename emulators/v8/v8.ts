/**
 * The V8 oracle: runs a module in Node's own `WebAssembly` and reports the same `Outcome` as the
 * emulated targets, so any target can be compared against an engine nobody here wrote.
 *
 * What V8 cannot tell us, and so the outcome leaves out:
 * - trap locations and backtraces (V8's stack traces name byte offsets of the JS-visible frames
 *   only, and not for every trap kind), and the stack overflow point: V8 reports
 *   "Maximum call stack size exceeded" against its own stack, never at a samestack limit;
 * - fuel: V8 runs to completion, so callers must not hand it a non-terminating invocation;
 * - NaN payloads of f32/f64 *arguments and results*: values cross the JS boundary as JS numbers,
 *   and V8 may canonicalise a NaN on the way (the bit pattern of a NaN argument or result is not
 *   guaranteed). Integer values and non-NaN floats are exact: i64 crosses as a BigInt.
 * - V8 uses one message for a null table entry and an indirect call signature mismatch; the outcome
 *   says `indirect_call_type_mismatch` and `v8TrapMatches` accepts either kind for it. Likewise one
 *   message for an index outside the table in `call_indirect` and in the table instructions: the
 *   outcome says `out_of_bounds_table`, which stands for `undefined_element` too.
 *
 * References: an externref `N` (the spec tests' `ref.extern N`) crosses the JS boundary as one
 * object per N, the same for every instance, so a value stored by one module and read by another
 * comes back as N; null as null. A funcref the host receives is the index of the function in its
 * module (V8 names an exported Wasm function by its index); the host passes only null ones.
 */
import { setFlagsFromString } from "node:v8";
import type { FuncType, Module, ValType } from "../../src/wasm/ir.js";
import type { Outcome, TrapKind, WasmValue } from "../../src/wasm/outcome.js";
import { InvalidArgumentError } from "../errors.js";

// Extended constant expressions (lime1, WebAssembly 3.0) are behind a flag in Node 20's V8 (11.3)
// and shipped in later ones, which no longer know the flag. It applies to modules compiled after it
// is set, so it is set before this module compiles any.
const EXTENDED_CONST_GLOBAL = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // header
  0x06,
  0x09,
  0x01,
  0x7f,
  0x00,
  0x41,
  0x01,
  0x41,
  0x02,
  0x6a,
  0x0b, // (global i32 (i32.add (i32.const 1) (i32.const 2)))
]);
if (!WebAssembly.validate(EXTENDED_CONST_GLOBAL)) setFlagsFromString("--experimental-wasm-extended-const");

import { InvocationEnd } from "../runtime/extern.js";
import { argumentMismatch, NULL_REFERENCE } from "../runtime/values.js";

/** Why a module could not be instantiated in V8. */
export type V8InstantiationFailure =
  /** Decoding or validation failed (V8 does not distinguish malformed from invalid). */
  | { readonly ok: false; readonly stage: "compile"; readonly message: string }
  /** An import is missing or has the wrong type. */
  | { readonly ok: false; readonly stage: "link"; readonly message: string }
  /** Instantiation ran and trapped (data segment out of bounds, start function trap, ...). */
  | { readonly ok: false; readonly stage: "instantiate"; readonly outcome: Outcome };

export type V8Instantiation = { readonly ok: true; readonly instance: V8Instance } | V8InstantiationFailure;

/**
 * V8 RuntimeError messages → trap kind, matched at the message's start. The first of each pair of
 * wordings is V8 11 (Node 20); the others are other V8 versions' wordings of the same trap.
 */
const TRAP_MESSAGES: readonly (readonly [RegExp, TrapKind])[] = [
  [/^unreachable/, "unreachable"],
  [/^divide by zero/, "integer_divide_by_zero"],
  [/^remainder by zero/, "integer_divide_by_zero"],
  [/^divide result unrepresentable/, "integer_overflow"],
  [/^integer overflow/, "integer_overflow"],
  [/^float unrepresentable in integer range/, "invalid_conversion_to_integer"],
  [/^invalid conversion/, "invalid_conversion_to_integer"],
  [/^memory access out of bounds/, "out_of_bounds_memory"],
  [/^data segment (\d+ )?is out of bounds/, "out_of_bounds_memory"], // V8 12+ names the segment
  [/^table index is out of bounds/, "out_of_bounds_table"],
  [/^element segment out of bounds/, "out_of_bounds_table"],
  [/^undefined element/, "undefined_element"],
  [/^null function or function signature mismatch/, "indirect_call_type_mismatch"],
  [/^uninitialized element/, "uninitialized_element"],
  [/^function signature mismatch/, "indirect_call_type_mismatch"],
  [/^indirect call signature mismatch/, "indirect_call_type_mismatch"],
];

/**
 * Kinds V8 (11) reports with one message, by the kind the outcome carries: a null table entry and
 * a signature mismatch share one message, and so do a NaN and an out-of-range float→int truncation,
 * and an index outside the table in call_indirect and in table.get (set, fill, copy, init).
 */
const ALSO_MEANS: Partial<Record<TrapKind, TrapKind>> = {
  indirect_call_type_mismatch: "uninitialized_element",
  invalid_conversion_to_integer: "integer_overflow",
  out_of_bounds_table: "undefined_element",
};

/** Whether a V8 trap outcome's kind is consistent with `expected` (V8 merges kinds, see above). */
export function v8TrapMatches(v8Kind: TrapKind, expected: TrapKind): boolean {
  return v8Kind === expected || ALSO_MEANS[v8Kind] === expected;
}

/**
 * Maps an exception thrown by Wasm code in V8 to an outcome; anything unrecognised is an error. A
 * host function that ended the invocation (InvocationEnd) unwinds to here with its outcome.
 */
export function outcomeOfV8Error(error: unknown): Outcome {
  if (error instanceof InvocationEnd) return error.outcome;
  if (error instanceof WebAssembly.RuntimeError) {
    // Traps during instantiation (segments) carry the API's name: "WebAssembly.Instance(): …".
    const message = error.message.replace(/^WebAssembly\.\w+\(\): /, "");
    const match = TRAP_MESSAGES.find(([pattern]) => pattern.test(message));
    if (match) return { outcome: "trap", trap: match[1] };
    return { outcome: "error", message: `V8: unrecognised trap message: ${error.message}` };
  }
  if (error instanceof RangeError && error.message.includes("Maximum call stack size exceeded")) {
    return { outcome: "trap", trap: "stack_overflow" };
  }
  return { outcome: "error", message: `V8: ${error instanceof Error ? error.message : String(error)}` };
}

/** One V8 instance of a module; memory and globals persist across invocations, as in Wasm. */
export class V8Instance {
  private constructor(
    private readonly module: Module,
    private readonly instance: WebAssembly.Instance,
  ) {}

  /** Compiles and instantiates `bytes` (whose decoded form is `module`), running its start function. */
  static instantiate(bytes: Uint8Array, module: Module, imports: WebAssembly.Imports = {}): V8Instantiation {
    let compiled: WebAssembly.Module;
    try {
      compiled = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
    } catch (error) {
      return { ok: false, stage: "compile", message: messageOf(error) };
    }
    try {
      return { ok: true, instance: new V8Instance(module, new WebAssembly.Instance(compiled, imports)) };
    } catch (error) {
      // A missing import module is a TypeError in V8, a missing or mistyped import a LinkError.
      if (error instanceof WebAssembly.LinkError || error instanceof TypeError) {
        return { ok: false, stage: "link", message: error.message };
      }
      return { ok: false, stage: "instantiate", outcome: outcomeOfV8Error(error) };
    }
  }

  /** The instance's exports, e.g. to register it for another module's imports. */
  get exports(): WebAssembly.Exports {
    return this.instance.exports;
  }

  /** Calls exported function `name` with `args` (bit patterns as in the spec tests' JSON). */
  invoke(name: string, args: readonly WasmValue[]): Outcome {
    const type = exportedFuncType(this.module, name);
    const func = this.instance.exports[name];
    if (!type || typeof func !== "function")
      return { outcome: "error", message: `no exported function "${name}"` };
    const mismatch = argumentMismatch(type, args);
    if (mismatch) return { outcome: "error", message: `${name}: ${mismatch}` };
    let result: unknown;
    try {
      result = func(...args.map(toJs));
    } catch (error) {
      return outcomeOfV8Error(error);
    }
    return { outcome: "return", values: resultsFromJs(type.results, result) };
  }

  /** Reads exported global `name` (the spec tests' `get` action). */
  getGlobal(name: string): Outcome {
    const exported = this.module.exports.find((e) => e.name === name && e.kind === "global");
    const global = this.instance.exports[name];
    if (!exported || !(global instanceof WebAssembly.Global)) {
      return { outcome: "error", message: `no exported global "${name}"` };
    }
    return { outcome: "return", values: [fromJs(globalType(this.module, exported.index), global.value)] };
  }
}

/** The type of exported function `name`, or undefined when there is no such export. */
export function exportedFuncType(module: Module, name: string): FuncType | undefined {
  const exported = module.exports.find((e) => e.name === name && e.kind === "func");
  if (!exported) return undefined;
  const imported = module.imports.filter((i) => i.desc.kind === "func");
  const importedType = imported[exported.index]?.desc;
  const typeIndex =
    importedType?.kind === "func"
      ? importedType.typeIndex
      : module.funcTypeIndices[exported.index - imported.length];
  return typeIndex === undefined ? undefined : module.types[typeIndex];
}

function globalType(module: Module, index: number): ValType {
  const imported = module.imports.flatMap((i) => (i.desc.kind === "global" ? [i.desc.type] : []));
  const type = imported[index] ?? module.globals[index - imported.length]?.type;
  if (!type) throw new InvalidArgumentError(`global ${index} does not exist`);
  return type.valType;
}

// Bit-pattern conversions through one 8-byte buffer.
const scratch = new DataView(new ArrayBuffer(8));

/** The JS object that stands for host handle N, one per N for the life of the process. */
const externObjects = new Map<bigint, object>();
const externHandles = new WeakMap<object, bigint>();

function externObject(handle: bigint): object {
  let object = externObjects.get(handle);
  if (object === undefined) {
    object = Object.freeze({ externref: handle });
    externObjects.set(handle, object);
    externHandles.set(object, handle);
  }
  return object;
}

function toJs(value: WasmValue): unknown {
  if (value.type === "funcref" || value.type === "externref") {
    if (value.value === NULL_REFERENCE) return null;
    if (value.type === "funcref") throw new RangeError("a funcref other than null cannot come from the host");
    return externObject(BigInt(value.value));
  }
  const bits = BigInt(value.value);
  switch (value.type) {
    case "i32":
      return Number(BigInt.asIntN(32, bits));
    case "i64":
      return BigInt.asIntN(64, bits);
    case "f32":
      scratch.setUint32(0, Number(BigInt.asUintN(32, bits)), true);
      return scratch.getFloat32(0, true);
    case "f64":
      scratch.setBigUint64(0, BigInt.asUintN(64, bits), true);
      return scratch.getFloat64(0, true);
  }
}

function fromJs(type: ValType, value: unknown): WasmValue {
  switch (type) {
    case "i32":
      return { type, value: String(Number(value) >>> 0) };
    case "i64":
      return { type, value: BigInt.asUintN(64, BigInt(value as bigint)).toString() };
    case "f32":
      scratch.setFloat32(0, Number(value), true);
      return { type, value: String(scratch.getUint32(0, true)) };
    case "f64":
      scratch.setFloat64(0, Number(value), true);
      return { type, value: scratch.getBigUint64(0, true).toString() };
    case "externref": {
      if (value === null) return { type, value: NULL_REFERENCE };
      const handle = typeof value === "object" ? externHandles.get(value) : undefined;
      if (handle === undefined) throw new RangeError(`externref ${String(value)} is no host handle`);
      return { type, value: handle.toString() };
    }
    case "funcref":
      if (value === null) return { type, value: NULL_REFERENCE };
      if (typeof value !== "function") throw new RangeError(`funcref ${String(value)} is no function`);
      return { type, value: value.name };
  }
}

/** A call's results from JS: nothing, the one value, or an array of several (multi-value). */
function resultsFromJs(types: readonly ValType[], result: unknown): WasmValue[] {
  if (types.length <= 1) return types.map((type) => fromJs(type, result));
  const values = result as readonly unknown[];
  return types.map((type, i) => fromJs(type, values[i]));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
