/**
 * The spec tests' `spectest` host module (as the reference interpreter defines it), for emulated
 * instances and for V8: `print*` functions that write to a log the caller keeps (never to stdout),
 * four constant globals of value 666 / 666.6, a memory of 1 page (at most 2) and a table of 10
 * entries (at most 20). Each call makes fresh ones: a memory or table written by one script stays
 * there.
 */
import type { FuncType, NumType, ValType } from "../../src/wasm/ir.js";
import type { WasmValue } from "../../src/wasm/outcome.js";
import { type Extern, type Externs, WasmGlobal, WasmMemory, WasmTable } from "../runtime/extern.js";

const PRINTS: Readonly<Record<string, readonly ValType[]>> = {
  print: [],
  print_i32: ["i32"],
  print_i64: ["i64"],
  print_f32: ["f32"],
  print_f64: ["f64"],
  print_i32_f32: ["i32", "f32"],
  print_f64_f64: ["f64", "f64"],
};

const GLOBALS: Readonly<Record<string, { type: NumType; value: number }>> = {
  global_i32: { type: "i32", value: 666 },
  global_i64: { type: "i64", value: 666 },
  global_f32: { type: "f32", value: 666.6 },
  global_f64: { type: "f64", value: 666.6 },
};

/** One log line per print call, e.g. "print_i32_f32(i32:1, f32:1065353216)" (values as bit patterns). */
function printLine(name: string, args: readonly WasmValue[]): string {
  return `${name}(${args.map((arg) => `${arg.type}:${arg.value}`).join(", ")})`;
}

/** `spectest`'s exports for emulated instances. */
export function spectestExterns(log: string[]): Externs {
  const externs = new Map<string, Extern>();
  for (const [name, params] of Object.entries(PRINTS)) {
    const type: FuncType = { params, results: [] };
    const call = (args: readonly WasmValue[]) => {
      log.push(printLine(name, args));
      return [];
    };
    externs.set(name, { kind: "func", func: { kind: "host", name: `spectest.${name}`, type, call } });
  }
  for (const [name, { type, value }] of Object.entries(GLOBALS)) {
    externs.set(name, { kind: "global", global: new WasmGlobal(type, false, rawBits(type, value)) });
  }
  externs.set("memory", { kind: "memory", memory: new WasmMemory(1, 2, 2) });
  externs.set("table", { kind: "table", table: new WasmTable("funcref", 10, 20, 20) });
  return externs;
}

/** `spectest`'s exports for V8 (print arguments arrive as JS values, and are logged as such). */
export function spectestForV8(log: string[]): WebAssembly.ModuleImports {
  const imports: WebAssembly.ModuleImports = {};
  for (const name of Object.keys(PRINTS)) {
    imports[name] = (...args: unknown[]) => {
      log.push(`${name}(${args.join(", ")})`);
    };
  }
  for (const [name, { type, value }] of Object.entries(GLOBALS)) {
    imports[name] = new WebAssembly.Global(
      { value: type, mutable: false },
      type === "i64" ? BigInt(value) : value,
    );
  }
  imports.memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
  imports.table = new WebAssembly.Table({ initial: 10, maximum: 20, element: "anyfunc" });
  return imports;
}

/** A number as the raw slot of a `type` value (src/compiler/README.md, "Values and registers"). */
function rawBits(type: ValType, value: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  if (type === "f32") view.setFloat32(4, value);
  else if (type === "f64") view.setFloat64(0, value);
  else return BigInt(value);
  return view.getBigUint64(0);
}
