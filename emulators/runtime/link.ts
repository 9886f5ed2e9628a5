/**
 * Linking: a module's imports resolved against what the host and earlier instances export, with
 * the 2.0 matching rules (the spec tests' "unknown import" and "incompatible import type"):
 * functions by signature, globals by value type and mutability, tables by element type, memories
 * and tables by limits (at least the import's minimum now, and a maximum no larger than the
 * import's, when it has one).
 */
import type { FuncType, Import, Limits, Module } from "../../src/wasm/ir.js";
import type { Extern, FuncRef, Imports, WasmGlobal, WasmMemory, WasmTable } from "./extern.js";

/** The externs bound to a module's imports, in the index spaces of the module. */
export interface LinkedImports {
  /** By function index (imported functions come first). */
  readonly funcs: readonly FuncRef[];
  /** By global index (imported globals come first). */
  readonly globals: readonly WasmGlobal[];
  /** The first imported memory (more are post-1.0: matched, but not bound). */
  readonly memory: WasmMemory | null;
  /** The imported tables, by table index. */
  readonly tables: readonly WasmTable[];
}

export const NO_IMPORTS: LinkedImports = { funcs: [], globals: [], memory: null, tables: [] };

export type Linking =
  | { readonly ok: true; readonly linked: LinkedImports }
  | { readonly ok: false; readonly message: string };

export function linkImports(module: Module, imports: Imports): Linking {
  const funcs: FuncRef[] = [];
  const globals: WasmGlobal[] = [];
  let memory: WasmMemory | null = null;
  const tables: WasmTable[] = [];
  for (const imported of module.imports) {
    const name = `${imported.module}.${imported.name}`;
    const extern = imports.get(imported.module)?.get(imported.name);
    if (extern === undefined) return { ok: false, message: `unknown import ${name}` };
    const mismatch = importMismatch(module, imported, extern);
    if (mismatch !== null) return { ok: false, message: `incompatible import type for ${name}: ${mismatch}` };
    if (extern.kind === "func") funcs.push(extern.func);
    else if (extern.kind === "global") globals.push(extern.global);
    else if (extern.kind === "memory") memory ??= extern.memory;
    else tables.push(extern.table);
  }
  return { ok: true, linked: { funcs, globals, memory, tables } };
}

/** Why `extern` cannot stand for `imported`, or null. */
function importMismatch(module: Module, imported: Import, extern: Extern): string | null {
  const { desc } = imported;
  if (desc.kind !== extern.kind) return `expected a ${desc.kind}, got a ${extern.kind}`;
  switch (extern.kind) {
    case "func": {
      const expected = module.types[desc.kind === "func" ? desc.typeIndex : -1];
      if (expected === undefined) return "an unknown function type";
      return sameSignature(expected, extern.func.type)
        ? null
        : `expected ${signature(expected)}, got ${signature(extern.func.type)}`;
    }
    case "global": {
      if (desc.kind !== "global") return null;
      const { global } = extern;
      const same = desc.type.valType === global.type && desc.type.mutable === global.mutable;
      return same
        ? null
        : `expected ${globalText(desc.type.valType, desc.type.mutable)}, got ${globalText(global.type, global.mutable)}`;
    }
    case "memory":
      return desc.kind === "memory"
        ? limitsMismatch(desc.limits, extern.memory.pages, extern.memory.declaredMax)
        : null;
    case "table": {
      if (desc.kind !== "table") return null;
      const { table } = extern;
      if (desc.limits.elemType !== table.elemType)
        return `expected a table of ${desc.limits.elemType}, got one of ${table.elemType}`;
      return limitsMismatch(desc.limits, table.length, table.declaredMax);
    }
  }
}

function limitsMismatch(expected: Limits, size: number, max: number | null): string | null {
  if (size < expected.min) return `expected at least ${expected.min}, got ${size}`;
  if (expected.max === undefined) return null;
  if (max === null) return `expected a maximum of at most ${expected.max}, got none`;
  return max <= expected.max ? null : `expected a maximum of at most ${expected.max}, got ${max}`;
}

function sameSignature(a: FuncType, b: FuncType): boolean {
  const same = (x: readonly string[], y: readonly string[]) =>
    x.length === y.length && x.every((type, i) => type === y[i]);
  return same(a.params, b.params) && same(a.results, b.results);
}

function signature(type: FuncType): string {
  return `(${type.params.join(" ")}) -> (${type.results.join(" ")})`;
}

function globalText(valType: string, mutable: boolean): string {
  return mutable ? `mut ${valType}` : valType;
}
