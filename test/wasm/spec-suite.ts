// Access to the WebAssembly spec test suite converted by wast2json, in two folders that sit beside
// the repository: spec-testsuite (75 files: the core suite, with some post-1.0 commands) and
// spec-testsuite-2.0 (the 15 bulk-memory and reference-types files of the same testsuite commit).
// Their command lists, module files and the first folder's README inventory of post-1.0 features.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { specSuiteDirectory } from "../../src/spec/runner.js";

/** The two folders; together they hold the WebAssembly 2.0 core suite without SIMD. */
export const SPEC_FOLDERS = ["spec-testsuite", "spec-testsuite-2.0"] as const;
export type SpecFolder = (typeof SPEC_FOLDERS)[number];

/**
 * A folder of the suite, beside the one the spec command reads (specSuiteDirectory); throws with a
 * clear message when it is missing.
 */
export function specSuiteDir(folder: SpecFolder = "spec-testsuite"): string {
  const dir = path.join(path.dirname(specSuiteDirectory()), folder);
  if (!existsSync(path.join(dir, "README.txt"))) {
    throw new Error(
      `spec test suite not found at ${dir}: its folders must sit beside ${specSuiteDirectory()}`,
    );
  }
  return dir;
}

export interface SpecCommand {
  readonly type: string;
  readonly line: number;
  /** `module` commands: the name later commands refer to it by. */
  readonly name?: string;
  readonly filename?: string;
  readonly text?: string;
  readonly module_type?: "binary" | "text";
  /** assert_return, assert_trap, assert_exhaustion, action: what they run. */
  readonly action?: { readonly type: "invoke" | "get"; readonly module?: string; readonly field: string };
}

export interface SpecFile {
  readonly folder: SpecFolder;
  /** The .wast name without extension, e.g. "br_table". */
  readonly name: string;
  readonly commands: readonly SpecCommand[];
}

export function specFiles(folder: SpecFolder = "spec-testsuite"): SpecFile[] {
  const dir = specSuiteDir(folder);
  return readdirSync(dir)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => ({
      folder,
      name: file.slice(0, -".json".length),
      commands: (JSON.parse(readFileSync(path.join(dir, file), "utf8")) as { commands: SpecCommand[] })
        .commands,
    }));
}

/** A file's bytes in an ArrayBuffer of their own (wabt.js reads a view's whole buffer, and small
 * Node Buffers share a pool). */
export function readSpecFile(filename: string, folder: SpecFolder = "spec-testsuite"): Uint8Array {
  return new Uint8Array(readFileSync(path.join(specSuiteDir(folder), filename)));
}

/** Every binary module file of both folders (modules, assert_invalid and binary assert_malformed ones). */
export function specModuleFiles(): Uint8Array[] {
  return SPEC_FOLDERS.flatMap((folder) =>
    readdirSync(specSuiteDir(folder))
      .filter((file) => file.endsWith(".wasm"))
      .sort()
      .map((file) => readSpecFile(file, folder)),
  );
}

/**
 * Per file, what README.txt lists: how many of its `module` commands use post-1.0 features, how
 * many of its invocations need them, and which features.
 */
export interface PostMvpEntry {
  readonly modules: number;
  readonly totalModules: number;
  readonly invocations: number;
  readonly totalInvocations: number;
  readonly features: ReadonlySet<string>;
}

export function readmePostMvp(): ReadonlyMap<string, PostMvpEntry> {
  const readme = readFileSync(path.join(specSuiteDir(), "README.txt"), "utf8");
  const entries = new Map<string, PostMvpEntry>();
  const line =
    /^\s+(\S+)\s+modules using post-1\.0 features: (\d+)\/(\d+); invocations needing them: (\d+)\/(\d+) \((.*)\)\s*$/gm;
  for (const [, file, modules, totalModules, invocations, totalInvocations, features] of readme.matchAll(
    line,
  )) {
    entries.set(file!, {
      modules: Number(modules),
      totalModules: Number(totalModules),
      invocations: Number(invocations),
      totalInvocations: Number(totalInvocations),
      features: new Set(features!.split(/[\s/]+/)),
    });
  }
  return entries;
}
