// What `check` runs: the module files under the given paths, and each module's invocations — from
// its sidecar `<name>.invocations.json`, or generated from a seed for every export whose parameters
// are all numbers (in 1.0, every function's are).
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { MAX_STACK_LIMIT } from "../../emulators/runtime/layout.js";
import type { Invocation } from "../verify/dynamic.js";
import { InputError } from "../wasm/errors.js";
import type { ValidatedModule, ValType } from "../wasm/ir.js";
import type { WasmValue } from "../wasm/outcome.js";
import { type HostOptions, hostOptionsOfJson } from "./host-options.js";

const MODULE_EXTENSIONS = [".wat", ".wasm"];
const SIDECAR_SUFFIX = ".invocations.json";

/**
 * A sidecar that is not `{ "invocations": [{ "export", "args" }], "limits"?: [...], "stackLimit"?: n,
 * "wasi"?: {...}, "stubImports"?: [...] }`, or names what the module or the file system lacks.
 */
export class SidecarError extends InputError {}

/** Every .wat/.wasm file under `paths` (folders recursively, in name order); a path that does not exist stays in, to be reported. */
export async function moduleFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const given of paths) {
    const info = await stat(given).catch(() => null);
    if (info?.isDirectory()) files.push(...(await filesUnder(given)));
    else files.push(given);
  }
  return [...new Set(files)];
}

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(full)));
    else if (MODULE_EXTENSIONS.includes(path.extname(entry.name))) files.push(full);
  }
  return files;
}

export function sidecarPath(modulePath: string): string {
  return modulePath.slice(0, modulePath.length - path.extname(modulePath).length) + SIDECAR_SUFFIX;
}

export interface Sidecar {
  readonly invocations: readonly Invocation[];
  readonly limits: readonly number[];
  /** The native stack the module's logical limit must trip within (the `logical` strategy's gate). */
  readonly stackLimit?: number;
  /** Its `wasi` and `stubImports`, paths resolved against its folder. */
  readonly hosts: Partial<HostOptions>;
}

/** The module's sidecar, checked against the module's exports; null when there is none. */
export async function readSidecar(modulePath: string, validated: ValidatedModule): Promise<Sidecar | null> {
  const file = sidecarPath(modulePath);
  const text = await readFile(file, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return null;
    throw new SidecarError(`${file}: ${error.message}`);
  });
  if (text === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SidecarError(`${file}: not JSON: ${(error as Error).message}`);
  }
  const fields = (json ?? {}) as {
    invocations?: unknown;
    limits?: unknown;
    stackLimit?: unknown;
    wasi?: unknown;
    stubImports?: unknown;
  };
  const { invocations, limits = [], stackLimit } = fields;
  // One profile per run, so that a report's verdicts all mean the same.
  if (typeof json === "object" && json !== null && "features" in json)
    throw new SidecarError(
      `${file}: "features" cannot be set per module: --features applies to the whole run`,
    );
  if (!Array.isArray(invocations)) throw new SidecarError(`${file}: "invocations" must be an array`);
  if (!Array.isArray(limits) || !limits.every(isLimit)) {
    throw new SidecarError(`${file}: "limits" must be an array of positive multiples of 16`);
  }
  if (stackLimit !== undefined && !(isLimit(stackLimit) && stackLimit <= MAX_STACK_LIMIT)) {
    throw new SidecarError(
      `${file}: "stackLimit" must be a positive multiple of 16 up to ${MAX_STACK_LIMIT}`,
    );
  }
  const hosts = hostOptionsOfJson(
    fields,
    path.dirname(file),
    (message) => new SidecarError(`${file}: ${message}`),
  );
  return {
    invocations: invocations.map((entry, i) => invocationOf(entry, validated, `${file}: invocation ${i}`)),
    limits,
    ...(stackLimit === undefined ? {} : { stackLimit }),
    hosts,
  };
}

function isLimit(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0 && value % 16 === 0;
}

function invocationOf(entry: unknown, validated: ValidatedModule, where: string): Invocation {
  const { export: exportName, args } = (entry ?? {}) as { export?: unknown; args?: unknown };
  if (typeof exportName !== "string") throw new SidecarError(`${where}: "export" must be a string`);
  const params = exportedParams(validated, exportName);
  if (params === null) throw new SidecarError(`${where}: the module exports no function "${exportName}"`);
  if (!Array.isArray(args) || args.length !== params.length) {
    throw new SidecarError(`${where}: "${exportName}" takes ${params.length} arguments`);
  }
  return {
    exportName,
    args: args.map((arg, i) => argumentValue(arg, params[i]!, `${where}: argument ${i}`)),
  };
}

function argumentValue(arg: unknown, type: ValType, where: string): WasmValue {
  const { type: given, value } = (arg ?? {}) as { type?: unknown; value?: unknown };
  const width = type === "i32" || type === "f32" ? 32n : 64n;
  if (given !== type) throw new SidecarError(`${where}: expected type ${type}`);
  if (typeof value !== "string" || !/^[0-9]+$/.test(value) || BigInt(value) >> width !== 0n) {
    throw new SidecarError(`${where}: "value" must be the unsigned decimal of a ${width}-bit pattern`);
  }
  return { type, value };
}

function exportedParams(validated: ValidatedModule, name: string): readonly ValType[] | null {
  const exported = validated.module.exports.find((e) => e.kind === "func" && e.name === name);
  return exported ? (validated.funcTypes[exported.index]?.params ?? null) : null;
}

/**
 * One invocation per exported function, with small arguments drawn from `seed` and the export's
 * name (so adding an export does not change the others'): integers in [0, 8), floats from a short
 * list of ordinary values. Small, because they often bound a recursion or a loop.
 */
export function generatedInvocations(validated: ValidatedModule, seed: number): Invocation[] {
  return validated.module.exports
    .filter((e) => e.kind === "func")
    .map((e) => {
      const next = random(seed ^ stringHash(e.name));
      const params = validated.funcTypes[e.index]?.params ?? [];
      return { exportName: e.name, args: params.map((type) => smallValue(type, next)) };
    });
}

const FLOATS = [0, 1, -1, 0.5, 2.5, 100];

function smallValue(type: ValType, next: () => number): WasmValue {
  const view = new DataView(new ArrayBuffer(8));
  switch (type) {
    case "i32":
    case "i64":
      return { type, value: String(Math.floor(next() * 8)) };
    case "f32":
      view.setFloat32(0, FLOATS[Math.floor(next() * FLOATS.length)]!);
      return { type, value: String(view.getUint32(0)) };
    case "f64":
      view.setFloat64(0, FLOATS[Math.floor(next() * FLOATS.length)]!);
      return { type, value: view.getBigUint64(0).toString() };
    default:
      throw new RangeError(`${type} values are not supported yet`);
  }
}

/** mulberry32: a small, well-mixed 32-bit generator; enough for reproducible test arguments. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** FNV-1a over the UTF-16 code units. */
function stringHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
