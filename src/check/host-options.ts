// The hosts' settings as a user gives them — on the command line (`--wasi-arg`, `--env`, `--dir`,
// `--stdin`, `--stub-imports`), in a check sidecar or in a batch line (`"wasi"`, `"stubImports"`) —
// and how they become one module's HostSettings. Paths are absolute once given here: the command
// line's relative to the working folder, a sidecar's or batch line's relative to its file's folder.
import { statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { HostSettings } from "../../emulators/hosts/instance-hosts.js";
import type { Preopen } from "../../emulators/hosts/wasi.js";
import { InputError } from "../wasm/errors.js";

export interface HostOptions {
  /** argv[0]; null: the module file's name without its extension. */
  readonly programName: string | null;
  /** argv after the program name. */
  readonly args: readonly string[];
  /** `NAME=value` each, in order. */
  readonly env: readonly string[];
  readonly dirs: readonly Preopen[];
  /** A file whose bytes are stdin; null: empty. */
  readonly stdin: string | null;
  /** Import modules bound to the env host. */
  readonly stubImports: readonly string[];
}

export const NO_HOST_OPTIONS: HostOptions = {
  programName: null,
  args: [],
  env: [],
  dirs: [],
  stdin: null,
  stubImports: [],
};

/** The settings of a sidecar or batch line: what they set replaces the command line's; stub modules add up. */
export function overriding(base: HostOptions, own: Partial<HostOptions>): HostOptions {
  return { ...base, ...own, stubImports: [...new Set([...base.stubImports, ...(own.stubImports ?? [])])] };
}

/** One module's host settings (stdin read now); `seed` seeds WASI's random_get. */
export async function hostSettings(
  options: HostOptions,
  modulePath: string,
  seed: number,
): Promise<HostSettings> {
  const programName = options.programName ?? path.basename(modulePath, path.extname(modulePath));
  let stdin = new Uint8Array(0);
  if (options.stdin !== null) {
    try {
      stdin = await readFile(options.stdin);
    } catch (error) {
      throw new InputError(`cannot read stdin file ${options.stdin}: ${(error as Error).message}`);
    }
  }
  return {
    wasi: { args: [programName, ...options.args], env: options.env, preopens: options.dirs, stdin, seed },
    stubImports: options.stubImports,
  };
}

/**
 * `HOST[::GUEST]` (wasmtime's spelling) as a preopen, HOST relative to `base`; GUEST defaults to
 * HOST as written. Returns why not when HOST is not a folder.
 */
export function parseDir(text: string, base: string): Preopen | string {
  const separator = text.indexOf("::");
  const host = separator < 0 ? text : text.slice(0, separator);
  const guest = separator < 0 ? text : text.slice(separator + 2);
  if (host === "" || guest === "") return `"${text}" is not HOST or HOST::GUEST`;
  const absolute = path.resolve(base, host);
  if (!statSync(absolute, { throwIfNoEntry: false })?.isDirectory()) {
    return `"${host}" is not a folder (${absolute})`;
  }
  return { host: absolute, guest };
}

/** A file for stdin, relative to `base`, or why it is not one. */
export function parseStdin(
  text: string,
  base: string,
): { ok: true; path: string } | { ok: false; problem: string } {
  const file = path.resolve(base, text);
  return statSync(file, { throwIfNoEntry: false })?.isFile()
    ? { ok: true, path: file }
    : { ok: false, problem: `"${text}" is not a file (${file})` };
}

/** `NAME=value`; returns why not when the name is empty. */
export function checkEnvEntry(text: string): string | null {
  const equals = text.indexOf("=");
  return equals <= 0 ? `"${text}" is not NAME=value` : null;
}

/**
 * The JSON form of a sidecar or batch line — `"wasi": {"args", "env", "dirs", "stdin"}` and
 * `"stubImports"` — as HostOptions, paths relative to `base`; `where` locates errors, thrown as
 * made by `fail`.
 */
export function hostOptionsOfJson(
  json: { readonly wasi?: unknown; readonly stubImports?: unknown },
  base: string,
  fail: (message: string) => Error,
): Partial<HostOptions> {
  const own: { -readonly [K in keyof HostOptions]?: HostOptions[K] } = {};
  if (json.stubImports !== undefined) own.stubImports = stringList(json.stubImports, '"stubImports"', fail);
  if (json.wasi === undefined) return own;
  if (!isObject(json.wasi)) throw fail('"wasi" must be an object');
  const wasi = json.wasi;
  const known = ["args", "env", "dirs", "stdin"];
  const unknown = Object.keys(wasi).find((key) => !known.includes(key));
  if (unknown !== undefined)
    throw fail(`"wasi.${unknown}" is not one of ${known.map((k) => `"${k}"`).join(", ")}`);
  if (wasi.args !== undefined) {
    const args = stringList(wasi.args, '"wasi.args"', fail);
    if (args.length === 0) throw fail('"wasi.args" must start with the program name');
    own.programName = args[0]!;
    own.args = args.slice(1);
  }
  if (wasi.env !== undefined) {
    if (!isObject(wasi.env)) throw fail('"wasi.env" must be an object of strings');
    own.env = Object.entries(wasi.env).map(([name, value]) => {
      if (typeof value !== "string") throw fail(`"wasi.env.${name}" must be a string`);
      const entry = `${name}=${value}`;
      const problem = checkEnvEntry(entry);
      if (problem !== null) throw fail(`"wasi.env": ${problem}`);
      return entry;
    });
  }
  if (wasi.dirs !== undefined) {
    const dirs: Preopen[] = [];
    for (const [i, text] of stringList(wasi.dirs, '"wasi.dirs"', fail).entries()) {
      const dir = parseDir(text, base);
      if (typeof dir === "string") throw fail(`"wasi.dirs"[${i}]: ${dir}`);
      dirs.push(dir);
    }
    own.dirs = dirs;
  }
  if (wasi.stdin !== undefined) {
    if (typeof wasi.stdin !== "string") throw fail('"wasi.stdin" must be a file name');
    const file = parseStdin(wasi.stdin, base);
    if (!file.ok) throw fail(`"wasi.stdin": ${file.problem}`);
    own.stdin = file.path;
  }
  return own;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, what: string, fail: (message: string) => Error): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
    throw fail(`${what} must be an array of strings`);
  }
  return value;
}
