// Thunks: the height is raised by the caller, so whatever calls a function without a guarded `call`
// — the host through an export or the start section, call_indirect through a table, anything
// holding a function reference — would enter it uncounted. The reference therefore gives every
// function named by an export, an element segment or the start section a thunk: a function of the
// same type, appended after all others, that makes one guarded call of it; those places then name
// the thunk. One thunk per function, in increasing order of the functions' indices; none for a
// function that costs 0 (an import), unless thunkZeroCost asks for one.
//
// WebAssembly 2.0 adds places that name functions: passive and declarative element segments,
// element expressions, `ref.func` in a global's initializer or in code. All of them are entry
// points here too and name the thunk (a function `ref.func` names in code is always declared by one
// of the others, so code creates no thunk of its own).
import type { ConstExpr, ElemSegment, FuncType, FunctionBody, Module } from "../wasm/ir.js";
import { ACTIVATION_FRAME_COST } from "./cost.js";
import { CodeBuilder, type Guard } from "./limiter.js";
import type { BodyOrigins, EntryPoint, Thunk } from "./origins.js";

/** Every place of `module` that names a function other than a `call`, by function index. */
export function entryPoints(module: Module, importedFunctions: number): Map<number, EntryPoint[]> {
  const entries = new Map<number, EntryPoint[]>();
  const add = (funcIndex: number, entry: EntryPoint) => {
    const list = entries.get(funcIndex);
    if (list) list.push(entry);
    else entries.set(funcIndex, [entry]);
  };
  module.globals.forEach(({ init }, defined) => {
    if (init.op === "ref.func")
      add(init.func, { kind: "global", global: importedGlobalCount(module) + defined });
  });
  for (const exported of module.exports) {
    if (exported.kind === "func") add(exported.index, { kind: "export", name: exported.name });
  }
  if (module.start !== null) add(module.start, { kind: "start" });
  module.elems.forEach((segment, index) => {
    segmentFunctions(segment).forEach((funcIndex, position) => {
      if (funcIndex !== null) add(funcIndex, { kind: "element", segment: index, position });
    });
  });
  module.bodies.forEach((body, defined) => {
    const funcIndex = importedFunctions + defined;
    body.code.forEach((instr, instrIndex) => {
      if (instr.op === "ref.func") {
        add(instr.func, { kind: "ref.func", at: { funcIndex, instrIndex, offset: instr.offset } });
      }
    });
  });
  return entries;
}

/** How many globals are imported: a defined global's index is this plus its position. */
export function importedGlobalCount(module: Module): number {
  return module.imports.filter((i) => i.desc.kind === "global").length;
}

/** The function each element of a segment names (null for `ref.null` or `global.get` elements). */
function segmentFunctions(segment: ElemSegment): (number | null)[] {
  if (segment.exprs === null) return [...segment.funcs];
  return segment.exprs.map((expr) => (expr.op === "ref.func" ? expr.func : null));
}

/** What the limiter needs to know to plan thunks. */
export interface ThunkPlanInput {
  readonly entries: ReadonlyMap<number, readonly EntryPoint[]>;
  readonly costs: readonly number[];
  readonly funcTypes: readonly FuncType[];
  readonly countParams: boolean;
  readonly thunkZeroCost: boolean;
}

/**
 * One thunk per entered function whose charge is above 0, numbered from `firstIndex` in increasing
 * order of the callees' indices. A function's charge is its cost; with thunkZeroCost, a function
 * costing 0 (an import) is charged what an empty defined function costs: the activation frame, plus
 * its parameters with countParams.
 */
export function planThunks(input: ThunkPlanInput, firstIndex: number): Thunk[] {
  const callees = [...input.entries.keys()].sort((a, b) => a - b);
  const thunks: Thunk[] = [];
  for (const callee of callees) {
    const charge = chargeOf(callee, input);
    if (charge === 0) continue;
    thunks.push({
      funcIndex: firstIndex + thunks.length,
      callee,
      charge,
      entries: input.entries.get(callee)!,
    });
  }
  return thunks;
}

function chargeOf(callee: number, input: ThunkPlanInput): number {
  const cost = input.costs[callee]!;
  if (cost > 0 || !input.thunkZeroCost) return cost;
  return ACTIVATION_FRAME_COST + (input.countParams ? input.funcTypes[callee]!.params.length : 0);
}

/** A thunk's body: push every parameter, make the guarded call, end. */
export function thunkBody(
  thunk: Thunk,
  type: FuncType,
  guard: Guard,
): { body: FunctionBody; origins: BodyOrigins } {
  const builder = new CodeBuilder();
  type.params.forEach((_, local) => {
    builder.add({ op: "local.get", local, offset: -1 }, "argument", -1);
  });
  builder.guardedCall(thunk.callee, thunk.charge, guard, -1, -1, "call");
  builder.add({ op: "end", offset: -1 }, "return", -1);
  return {
    body: { locals: [], code: builder.code, offset: -1 },
    origins: builder.origins(),
  };
}

/** The index of the first type of `types` equal to `type` (the reference reuses the first equal one). */
export function typeIndexOf(types: readonly FuncType[], type: FuncType): number {
  const same = (a: readonly string[], b: readonly string[]) =>
    a.length === b.length && a.every((t, i) => t === b[i]);
  return types.findIndex((t) => same(t.params, type.params) && same(t.results, type.results));
}

/**
 * The module's exports, start, element segments and global initialisers with every function
 * `redirect` maps named anew (code is rewritten with the bodies).
 */
export function redirectEntries(
  module: Module,
  redirect: (funcIndex: number) => number,
): Pick<Module, "exports" | "start" | "elems" | "globals"> {
  const expr = (e: ConstExpr): ConstExpr => (e.op === "ref.func" ? { ...e, func: redirect(e.func) } : e);
  return {
    exports: module.exports.map((e) => (e.kind === "func" ? { ...e, index: redirect(e.index) } : e)),
    start: module.start === null ? null : redirect(module.start),
    elems: module.elems.map((segment) => ({
      ...segment,
      funcs: segment.funcs.map(redirect),
      exprs: segment.exprs?.map(expr) ?? null,
    })),
    globals: module.globals.map((global) => ({ ...global, init: expr(global.init) })),
  };
}
