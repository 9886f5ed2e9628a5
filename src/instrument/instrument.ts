// The stack-height limiter pass: a validated module in, the same module with a logical stack limit
// out, as paritytech/wasm-instrument's `inject_stack_limiter` makes it (README.md in this folder),
// plus what is needed to report runs of the result in the original module's terms.
import { InternalError } from "../wasm/errors.js";
import type { FunctionBody, Global, Module, ValidatedModule } from "../wasm/ir.js";
import { stackCosts } from "./cost.js";
import { BadLogicalLimit, MAX_LOGICAL_LIMIT } from "./errors.js";
import { type Guard, guardBody } from "./limiter.js";
import { type BodyOrigins, OriginMap, type Thunk } from "./origins.js";
import {
  entryPoints,
  importedGlobalCount,
  planThunks,
  redirectEntries,
  thunkBody,
  typeIndexOf,
} from "./thunks.js";

/** Polkadot's logical stack limit (its executor parameters' default). */
export const POLKADOT_LOGICAL_LIMIT = 65_536;

export interface LimiterOptions {
  /** The logical stack limit: the height may reach it; a call that would exceed it traps. */
  readonly limit: number;
  /** Count a function's parameters in its cost (the reference does not). Default false. */
  readonly countParams?: boolean;
  /**
   * Give functions that cost 0 (imports) named by an export, element or the start section a thunk
   * charging an empty function's cost (the reference gives them none). Default false.
   */
  readonly thunkZeroCost?: boolean;
}

/** An instrumented module and what it was made of. */
export interface Instrumentation {
  /** The instrumented module. Byte offsets in it are the original module's (-1 in thunks): encode it for real ones. */
  readonly module: Module;
  readonly options: Required<LimiterOptions>;
  /** The index of the logical stack height global (a mutable i32 starting at 0, the last global). */
  readonly heightGlobal: number;
  /** Each original function's logical cost, by function index (imports: 0). */
  readonly costs: readonly number[];
  /** The appended thunks, in index order. */
  readonly thunks: readonly Thunk[];
  /** Direct calls guarded in the original functions. */
  readonly guardedCalls: number;
  /** Where each instruction comes from, and which ones are the overflow traps. */
  readonly origins: OriginMap;
}

/** Instruments `validated` (which must be valid) with a logical stack limit. */
export function instrument(validated: ValidatedModule, options: LimiterOptions): Instrumentation {
  const resolved: Required<LimiterOptions> = {
    limit: options.limit,
    countParams: options.countParams ?? false,
    thunkZeroCost: options.thunkZeroCost ?? false,
  };
  if (!Number.isInteger(resolved.limit) || resolved.limit < 0 || resolved.limit > MAX_LOGICAL_LIMIT) {
    throw new BadLogicalLimit(resolved.limit);
  }
  const { module, funcTypes } = validated;
  const importedFunctions = funcTypes.length - module.bodies.length;
  const costs = stackCosts(validated, resolved.countParams);
  // The reference indexes its global among the defined ones only, wrong beside imported globals.
  const guard: Guard = {
    heightGlobal: importedGlobalCount(module) + module.globals.length,
    limit: resolved.limit,
  };

  const thunks = planThunks(
    {
      entries: entryPoints(module, importedFunctions),
      costs,
      funcTypes,
      countParams: resolved.countParams,
      thunkZeroCost: resolved.thunkZeroCost,
    },
    funcTypes.length,
  );
  const thunkOf = new Map(thunks.map((thunk) => [thunk.callee, thunk.funcIndex]));
  const redirect = (funcIndex: number) => thunkOf.get(funcIndex) ?? funcIndex;

  const bodies: FunctionBody[] = [];
  const origins: BodyOrigins[] = [];
  let guardedCalls = 0;
  for (const body of module.bodies) {
    const guarded = guardBody(body, costs, guard, redirect);
    guardedCalls += guarded.guardedCalls;
    bodies.push(guarded.body);
    origins.push(guarded.origins);
  }
  const thunkTypes: number[] = [];
  for (const thunk of thunks) {
    const type = funcTypes[thunk.callee]!;
    const made = thunkBody(thunk, type, guard);
    bodies.push(made.body);
    origins.push(made.origins);
    thunkTypes.push(typeIndexOf(module.types, type));
  }
  if (thunkTypes.includes(-1))
    throw new InternalError("a thunk's callee has a type outside the type section");

  const heightGlobal: Global = {
    type: { valType: "i32", mutable: true },
    init: { op: "i32.const", value: 0 },
  };
  const entries = redirectEntries(module, redirect);
  const instrumented: Module = {
    types: module.types,
    imports: module.imports,
    funcTypeIndices: [...module.funcTypeIndices, ...thunkTypes],
    tables: module.tables,
    memories: module.memories,
    globals: [...entries.globals, heightGlobal],
    exports: entries.exports,
    start: entries.start,
    elems: entries.elems,
    ...(module.dataCount === undefined ? {} : { dataCount: module.dataCount }),
    datas: module.datas,
    bodies,
    names: module.names,
    customSections: module.customSections,
  };
  return {
    module: instrumented,
    options: resolved,
    heightGlobal: guard.heightGlobal,
    costs,
    thunks,
    guardedCalls,
    origins: new OriginMap(module, origins, thunks),
  };
}
