// P1's runs on V8: in this process, or in a child process of their own (v8-process.ts). A fuzz
// worker hands its cases' V8 runs to a child, which runs them while the worker compiles the batch.
// Under V8 11 (Node 20) the child is replaced every MODULES_PER_PROCESS modules: V8 11 keeps every
// Wasm function type it has seen and looks each new one up in time proportional to their number, so
// compiling a generated module costs 0.4 ms in a fresh process and 2.7 ms after 3,000 modules
// (`npm run bench` prints it; V8 13 takes 0.04 ms throughout, and keeps its child). A child starts
// in a fraction of a second; replacing the worker instead would cost it seconds of re-optimising.
import { hostImportsForV8 } from "../../emulators/hosts/env.js";
import { V8Instance } from "../../emulators/v8/v8.js";
import type { Module, NameSection } from "../wasm/ir.js";
import type { Outcome, WasmValue } from "../wasm/outcome.js";
import { Child, type CloseRequest } from "./child.js";
import type { TestCase } from "./test-case.js";

/** Modules a V8 child compiles before a fresh one replaces it: V8 11 only (see above). */
export const MODULES_PER_PROCESS = process.versions.v8.startsWith("11.") ? 1000 : Number.POSITIVE_INFINITY;

/**
 * The V8 child's options: no background threads. On a machine whose cores the workers keep busy, its
 * concurrent compilers and collectors only compete with them, and every wasm memory it frees is
 * unmapped on each CPU its threads ran on; single-threaded, P1 ran 4% more cases per CPU second.
 */
const V8_CHILD_FLAGS = ["--single-threaded"];

/** What P1 compares of a run: the entry's outcome, then the exported globals read afterwards. */
export interface EntryRun {
  readonly outcome: Outcome;
  readonly globals: readonly Outcome[];
}

export interface V8Request {
  readonly bytes: Uint8Array;
  readonly exportName: string;
  readonly args: readonly WasmValue[];
  readonly globals: readonly string[];
}

/** A request with what a V8 run reads of its module (v8Interface), which the V8 child needs beside its bytes. */
export interface OracleRun {
  readonly request: V8Request;
  readonly module: Module;
}

export type OracleRequest = { readonly kind: "run"; readonly runs: readonly OracleRun[] } | CloseRequest;

export function requestOf(c: TestCase): V8Request {
  return { bytes: c.bytes, exportName: c.entry.exportName, args: c.entry.args, globals: c.globals };
}

/** One object for every interface: a message to the child carries it once. */
const NO_NAMES: NameSection = { functions: new Map(), locals: new Map() };

/**
 * What a V8 run of `request` reads of `module` besides the bytes V8 compiles (emulators/v8/v8.ts,
 * hosts/env.ts): its types, imports, functions' types and globals, and the exports the request
 * names; nothing else (no code, segments, tables, memories, names or features). The V8 child gets
 * this instead of decoding the bytes again, which costs a fresh process (its decoder not yet
 * optimised) about a seventh of its time per module; the rest of the module would only be
 * serialised by the worker and deserialised by the child.
 */
export function v8Interface(module: Module, request: V8Request): Module {
  const named = new Set([request.exportName, ...request.globals]);
  const { types, imports, funcTypeIndices, globals } = module;
  return {
    types,
    imports,
    funcTypeIndices,
    tables: [],
    memories: [],
    globals,
    exports: module.exports.filter((e) => named.has(e.name)),
    start: null,
    elems: [],
    datas: [],
    bodies: [],
    names: NO_NAMES,
    customSections: [],
  };
}

/** Runs the request on V8 here; `module` is the request's module (its interface suffices). */
export function runOnV8(request: V8Request, module: Module): EntryRun {
  const instantiated = V8Instance.instantiate(request.bytes, module, hostImportsForV8(module));
  if (!instantiated.ok) {
    const message =
      instantiated.stage === "instantiate" ? JSON.stringify(instantiated.outcome) : instantiated.message;
    return { outcome: { outcome: "error", message: `V8 ${instantiated.stage}: ${message}` }, globals: [] };
  }
  return runEntry(instantiated.instance, request);
}

/** The request's entry run on an instance (emulated or V8), then its globals read. */
export function runEntry(
  instance: { invoke(name: string, args: readonly WasmValue[]): Outcome; getGlobal(name: string): Outcome },
  request: V8Request,
): EntryRun {
  const outcome = instance.invoke(request.exportName, request.args);
  return { outcome, globals: request.globals.map((name) => instance.getGlobal(name)) };
}

/** Runs cases on V8 in a child process ahead of their checks, which then `take` their runs. */
export class V8Oracle {
  private child: Child<OracleRequest, EntryRun[]> | null = null;
  private compiled = 0;
  private readonly runs = new WeakMap<TestCase, EntryRun>();

  constructor(private readonly modulesPerProcess = MODULES_PER_PROCESS) {}

  async prefetch(cases: readonly TestCase[]): Promise<void> {
    if (cases.length === 0) return;
    if (this.child === null || this.compiled >= this.modulesPerProcess) {
      await this.child?.close();
      this.child = new Child("v8-process", null, V8_CHILD_FLAGS);
      this.compiled = 0;
    }
    const runs = await this.child.request({
      kind: "run",
      runs: cases.map((c) => {
        const request = requestOf(c);
        return { request, module: v8Interface(c.validated.module, request) };
      }),
    });
    this.compiled += cases.length;
    for (const [i, c] of cases.entries()) this.runs.set(c, runs[i]!);
  }

  /** The case's prefetched run, once. */
  take(c: TestCase): EntryRun | undefined {
    const run = this.runs.get(c);
    this.runs.delete(c);
    return run;
  }

  async close(): Promise<void> {
    await this.child?.close();
    this.child = null;
  }
}
