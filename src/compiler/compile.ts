// compileModule: a validated module → one Artifact for one target and strategy. Lays out the exit
// block and the functions, links relocations with the target's patcher, and assembles the side
// tables from what the code generator recorded.
//
//   codeBase ─▶ ┌──────────────────────────────┐
//               │ exit block: 16 bytes a slot   │  one per trap kind of WebAssembly 1.0, host
//               │ (zeros, never executed)       │  return, one per imported function, then one
//               │                               │  per later trap kind the module can raise
//               ├──────────────────────────────┤
//               │ function imports.length       │  prologue · instructions · trap stubs
//               │ function imports.length + 1   │
//               │ …                             │
//               └──────────────────────────────┘
import { constantOf } from "../wasm/decoder.js";
import type {
  ConstExpr,
  FunctionBody,
  Instr,
  Limits,
  Module,
  TableType,
  ValidatedModule,
} from "../wasm/ir.js";
import { TRAP_KINDS, type TrapKind } from "../wasm/outcome.js";
import type {
  Artifact,
  ConstArithmetic,
  DataSegmentImage,
  ElementSegmentImage,
  Exits,
  GlobalSlot,
  ImportedFunction,
  ImportName,
  InitialValue,
  MemoryImage,
  SourceMapEntry,
  StackMapEntry,
  TableImage,
  TrapSite,
  VmContextLayout,
} from "./artifact.js";
import { constArithmetic, EXIT_SLOT_BYTES, vmContextLayout } from "./artifact.js";
import { type CompiledFunction, compileFunction } from "./codegen.js";
import { CompilerInvariantError } from "./errors.js";
import { FramePlan, functionShape } from "./frame.js";
import type { MacroAssembler, UnwindRecord } from "./masm.js";
import type { Strategy, Target } from "./target.js";
import { lookup, type TargetBackend } from "./targets/index.js";

/** Where the code is loaded in the emulated address space; the exit block is at its start. */
export interface Layout {
  readonly codeBase: bigint;
}

export interface CompileOptions {
  readonly target: Target;
  readonly strategy: Strategy;
  readonly layout: Layout;
  /** Most pages memory.grow may reach (and the runner maps); default: Wasm's limit, 65536. */
  readonly memoryGrowCap?: number;
  /** Most entries table.grow may reach in a table (and the runner maps); default DEFAULT_TABLE_GROW_CAP. */
  readonly tableGrowCap?: number;
}

const MAX_PAGES = 65536;
/** Wasm's largest table length. */
const MAX_TABLE_ENTRIES = 0xffff_ffff;
/**
 * Entries a table may grow to unless told otherwise: a table is mapped at its maximum, and one of
 * 2¹⁶ entries (24 bytes each at most) keeps instantiation cheap. V8 allows 10,000,000.
 */
export const DEFAULT_TABLE_GROW_CAP = 65536;

/**
 * The trap kinds with an exit slot at the start of every exit block, in this order: WebAssembly
 * 1.0's. Later kinds get theirs after the imports' slots, in modules that can raise them, so code
 * compiled from a 1.0 module stays where it always was.
 */
const FIRST_TRAP_KINDS = TRAP_KINDS.filter((kind) => kind !== "out_of_bounds_table");
const HOST_RETURN_SLOT = FIRST_TRAP_KINDS.length;
const FIRST_IMPORT_SLOT = HOST_RETURN_SLOT + 1;
/** The source map names of the exit slots before the imports'. */
const FIXED_EXIT_NAMES = [...FIRST_TRAP_KINDS.map((kind) => `trap:${kind}`), "host-return"];

/** The later trap kinds a module can raise: out_of_bounds_table with reference types or bulk memory. */
function laterTrapKinds(validated: ValidatedModule): TrapKind[] {
  const tables = validated.features.some(
    (use) => use.feature === "reference-types" || use.feature === "bulk-memory",
  );
  return tables ? ["out_of_bounds_table"] : [];
}

export function compileModule(validated: ValidatedModule, options: CompileOptions): Artifact {
  const { module } = validated;
  const backend = lookup(options.target);
  const codeBase = options.layout.codeBase;
  const importedFunctions = importedFunctionsOf(module, validated, codeBase);
  const laterTraps = laterTrapKinds(validated);
  const exits = exitsAt(codeBase, importedFunctions.length, laterTraps);
  const vmContext = vmContextLayout({
    globals: globalsOf(module).length,
    tables: module.imports.filter((imported) => imported.desc.kind === "table").length + module.tables.length,
    elemSegments: module.elems.length,
    dataSegments: module.datas.length,
    functions: validated.funcTypes.length,
  });

  const compiled: CompiledFunction[] = [];
  // One masm for all the module's functions: finish() leaves it ready for the next one.
  const masm = backend.createMasm();
  let sites = 0;
  module.bodies.forEach((_, definedIndex) => {
    const fn = compileOne(validated, definedIndex, masm, backend, options, exits, vmContext, sites);
    sites += fn.trapSites.length;
    compiled.push(fn);
  });

  const exitSlots = FIRST_IMPORT_SLOT + importedFunctions.length + laterTraps.length;
  const exitBlockBytes = exitSlots * EXIT_SLOT_BYTES;
  const starts: number[] = [];
  let size = exitBlockBytes;
  for (const fn of compiled) {
    starts.push(size);
    size += fn.assembled.code.length;
  }
  const code = new Uint8Array(size);
  compiled.forEach((fn, i) => {
    code.set(fn.assembled.code, starts[i]!);
  });
  // Arrays are joined by push and concat, not spread: an optimised spread deoptimises on every
  // new element kind (empty, small integers, objects), and this function is large once inlined.
  const entries: number[] = [];
  for (const fn of importedFunctions) entries.push(Number(fn.exit - codeBase));
  for (const start of starts) entries.push(start);
  link(code, compiled, starts, entries, codeBase, backend);

  const tables = sideTables(module, compiled, starts, importedFunctions.length);
  return {
    target: options.target,
    strategy: options.strategy,
    codeBase,
    code,
    exits,
    entries,
    funcTypes: validated.funcTypes,
    sourceMap: exitSourceMap(importedFunctions, laterTraps).concat(tables.sourceMap),
    stackMap: tables.stackMap,
    prologueDepth: tables.prologueDepth,
    limitCheckBytes: tables.limitCheckBytes,
    unwind: tables.unwind,
    trapSites: tables.trapSites,
    frameBytes: tables.frameBytes,
    recordPoints: tables.recordPoints,
    loopHeads: tables.loopHeads,
    returnAddresses: tables.returnAddresses,
    imports: importedFunctions,
    exports: module.exports,
    start: module.start,
    memory: memoryOf(module, options.memoryGrowCap ?? MAX_PAGES),
    tables: tablesOf(module, options.tableGrowCap ?? DEFAULT_TABLE_GROW_CAP),
    vmContext,
    globals: globalsOf(module),
    elemSegments: module.elems.map((elem) => elementSegmentOf(elem, module)),
    dataSegments: module.datas.map(
      (data): DataSegmentImage =>
        data.mode === "active"
          ? { mode: "active", offset: initialValue(data.offset, module), bytes: data.bytes }
          : { mode: "passive", bytes: data.bytes },
    ),
  };
}

function compileOne(
  validated: ValidatedModule,
  definedIndex: number,
  masm: MacroAssembler,
  backend: TargetBackend,
  options: CompileOptions,
  exits: Exits,
  vmContext: VmContextLayout,
  firstSite: number,
): CompiledFunction {
  return compileFunction({
    validated,
    definedIndex,
    masm,
    plan: new FramePlan(backend.abi, options.strategy, functionShape(validated, definedIndex)),
    exits,
    vmContext,
    firstSite,
  });
}

function exitSlot(codeBase: bigint, index: number): bigint {
  return codeBase + BigInt(index * EXIT_SLOT_BYTES);
}

function exitsAt(codeBase: bigint, importCount: number, laterTraps: readonly TrapKind[]): Exits {
  const traps: Partial<Record<TrapKind, bigint>> = {};
  FIRST_TRAP_KINDS.forEach((kind, i) => {
    traps[kind] = exitSlot(codeBase, i);
  });
  laterTraps.forEach((kind, i) => {
    traps[kind] = exitSlot(codeBase, FIRST_IMPORT_SLOT + importCount + i);
  });
  const imports: bigint[] = [];
  for (let i = 0; i < importCount; i++) imports.push(exitSlot(codeBase, FIRST_IMPORT_SLOT + i));
  return { traps, hostReturn: exitSlot(codeBase, HOST_RETURN_SLOT), imports };
}

function importedFunctionsOf(
  module: Module,
  validated: ValidatedModule,
  codeBase: bigint,
): ImportedFunction[] {
  const functions: ImportedFunction[] = [];
  for (const imported of module.imports) {
    if (imported.desc.kind !== "func") continue;
    const funcIndex = functions.length;
    functions.push({
      funcIndex,
      module: imported.module,
      name: imported.name,
      type: validated.funcTypes[funcIndex]!,
      exit: exitSlot(codeBase, FIRST_IMPORT_SLOT + funcIndex),
    });
  }
  return functions;
}

function exitSourceMap(
  imports: readonly ImportedFunction[],
  laterTraps: readonly TrapKind[],
): SourceMapEntry[] {
  const names = FIXED_EXIT_NAMES.concat(
    imports.map((fn) => `import:${fn.module}.${fn.name}`),
    laterTraps.map((kind) => `trap:${kind}`),
  );
  return names.map((exit, i) => ({
    kind: "exit",
    exit,
    start: i * EXIT_SLOT_BYTES,
    end: (i + 1) * EXIT_SLOT_BYTES,
  }));
}

/** Patches every call and trap-stub jump now that each function's place is known. */
function link(
  code: Uint8Array,
  compiled: readonly CompiledFunction[],
  starts: readonly number[],
  entries: readonly number[],
  codeBase: bigint,
  backend: TargetBackend,
): void {
  compiled.forEach((fn, i) => {
    const start = starts[i]!;
    for (const relocation of fn.assembled.relocations) {
      const at = start + relocation.offset;
      const target = relocation.target;
      const destination =
        target.kind === "function" ? entries[target.funcIndex] : Number(target.address - codeBase);
      if (destination === undefined) throw new CompilerInvariantError(`call to unknown function ${target}`);
      backend.patchRelocation(code, at, destination - at);
    }
  });
}

interface SideTables {
  sourceMap: SourceMapEntry[];
  stackMap: (readonly (StackMapEntry | null)[])[];
  prologueDepth: number[];
  limitCheckBytes: (number | null)[];
  unwind: UnwindRecord[][];
  trapSites: TrapSite[];
  frameBytes: number[];
  recordPoints: number[];
  returnAddresses: number[];
  loopHeads: number[];
}

/** The per-function records, moved from function-relative to code offsets and indexed by funcIndex. */
function sideTables(
  module: Module,
  compiled: readonly CompiledFunction[],
  starts: readonly number[],
  importCount: number,
): SideTables {
  const tables: SideTables = {
    sourceMap: [],
    stackMap: Array.from({ length: importCount }, () => []),
    prologueDepth: Array<number>(importCount).fill(0),
    limitCheckBytes: Array<null>(importCount).fill(null),
    unwind: Array.from({ length: importCount }, () => []),
    trapSites: [],
    frameBytes: Array<number>(importCount).fill(0),
    recordPoints: [],
    returnAddresses: [],
    loopHeads: [],
  };
  compiled.forEach((fn, i) => {
    const start = starts[i]!;
    const { funcIndex, assembled } = fn;
    const body = module.bodies[i]!;
    // Per function, in code order: prologue, instructions, trap stubs.
    addRange(tables.sourceMap, { kind: "prologue", funcIndex, start, end: start + fn.prologue.end });
    for (let instrIndex = 0; instrIndex < fn.ranges.length; instrIndex++) {
      const range = fn.ranges[instrIndex]!;
      if (range === null) continue;
      addRange(tables.sourceMap, {
        kind: "instr",
        funcIndex,
        instrIndex,
        wasmOffset: wasmOffset(body, instrIndex),
        start: start + range.start,
        end: start + range.end,
      });
    }
    for (const stub of assembled.trapStubs) {
      addRange(tables.sourceMap, {
        kind: "trap-stub",
        site: stub.site,
        start: start + stub.start,
        end: start + stub.end,
      });
    }
    addRecordPoints(tables.recordPoints, fn, start);
    for (const offset of fn.returnAddresses) tables.returnAddresses.push(start + offset);
    for (const offset of fn.loopHeads) tables.loopHeads.push(start + offset);
    tables.stackMap.push(fn.stackMap);
    tables.prologueDepth.push(fn.prologueDepth);
    tables.limitCheckBytes.push(fn.limitCheckBytes);
    // Objects are built field by field: a spread followed by more fields is many times slower in V8.
    tables.unwind.push(
      assembled.unwind.map((record) => ({
        offset: start + record.offset,
        spBelowReference: record.spBelowReference,
        returnAddress: record.returnAddress,
      })),
    );
    tables.frameBytes.push(assembled.deepestSp);
    for (const site of fn.trapSites) {
      const trapSite: TrapSite = {
        kind: site.kind,
        instrIndex: site.instrIndex,
        codeOffset: start + site.codeOffset,
        funcIndex,
        wasmOffset: wasmOffset(body, site.instrIndex),
      };
      tables.trapSites.push(trapSite);
    }
  });
  // Functions are laid out in order and each one's ranges are in code order: already sorted.
  for (let i = 1; i < tables.sourceMap.length; i++) {
    if (tables.sourceMap[i]!.start < tables.sourceMap[i - 1]!.end) {
      throw new CompilerInvariantError(
        `source map ranges overlap at code offset ${tables.sourceMap[i]!.start}`,
      );
    }
  }
  return tables;
}

/**
 * Appends a function's record points (its start, every instruction start, every return address)
 * in code order, without duplicates: instruction starts and return addresses are each in code
 * order, so merging them keeps the whole list sorted, function after function.
 */
function addRecordPoints(points: number[], fn: CompiledFunction, start: number): void {
  const returns = fn.returnAddresses;
  let next = 0;
  addPoint(points, start);
  for (const range of fn.ranges) {
    if (range === null) continue;
    while (next < returns.length && returns[next]! < range.start) addPoint(points, start + returns[next++]!);
    addPoint(points, start + range.start);
  }
  while (next < returns.length) addPoint(points, start + returns[next++]!);
}

/** Appends `offset` to points appended in code order, unless it is already the last one. */
function addPoint(points: number[], offset: number): void {
  if (points[points.length - 1] !== offset) points.push(offset);
}

/** Appends a source map range unless it is empty. */
function addRange(sourceMap: SourceMapEntry[], entry: SourceMapEntry): void {
  if (entry.end > entry.start) sourceMap.push(entry);
}

/** Byte offset in the module of an instruction, or of the function body for null (its prologue). */
function wasmOffset(body: FunctionBody, instrIndex: number | null): number {
  return instrIndex === null ? body.offset : body.code[instrIndex]!.offset;
}

/** The imported globals, in global index order: their slots are filled by the host. */
function importedGlobals(module: Module): GlobalSlot[] {
  return module.imports.flatMap((imported): GlobalSlot[] =>
    imported.desc.kind === "global"
      ? [
          {
            type: imported.desc.type.valType,
            mutable: imported.desc.type.mutable,
            init: { kind: "import", module: imported.module, name: imported.name },
          },
        ]
      : [],
  );
}

function globalsOf(module: Module): GlobalSlot[] {
  const imported = importedGlobals(module);
  const defined = module.globals.map(
    (global): GlobalSlot => ({
      type: global.type.valType,
      mutable: global.type.mutable,
      init: initialValue(global.init, module),
    }),
  );
  return imported.concat(defined);
}

/** A constant expression as raw slot bits, the imported global it reads, or the function it references. */
function initialValue(expr: ConstExpr, module: Module): InitialValue {
  switch (expr.op) {
    case "i32.const":
      return { kind: "const", bits: BigInt.asUintN(32, BigInt(expr.value)) };
    case "i64.const":
      return { kind: "const", bits: BigInt.asUintN(64, expr.value) };
    case "f32.const":
      return { kind: "const", bits: BigInt(expr.bits >>> 0) };
    case "f64.const":
      return { kind: "const", bits: BigInt.asUintN(64, expr.bits) };
    case "global.get": {
      const global = importedGlobals(module)[expr.global];
      if (global === undefined)
        throw new CompilerInvariantError(`constant reads global ${expr.global}, not an import`);
      return global.init;
    }
    case "ref.null":
      return NULL_REFERENCE;
    case "ref.func":
      return { kind: "function", funcIndex: expr.func };
    case "sequence":
      return extendedConstant(expr.code, module);
  }
}

const ARITHMETIC: Readonly<Record<string, { op: ConstArithmetic; bits: 32 | 64 }>> = {
  "i32.add": { op: "add", bits: 32 },
  "i32.sub": { op: "sub", bits: 32 },
  "i32.mul": { op: "mul", bits: 32 },
  "i64.add": { op: "add", bits: 64 },
  "i64.sub": { op: "sub", bits: 64 },
  "i64.mul": { op: "mul", bits: 64 },
};

/**
 * An extended constant expression (the validator admits constants, imported globals, and integer
 * add, sub and mul): folded to a constant unless it reads an imported global, whose value is known
 * at instantiation only.
 */
function extendedConstant(code: readonly Instr[], module: Module): InitialValue {
  const stack: InitialValue[] = [];
  for (const instr of code) {
    const arithmetic = ARITHMETIC[instr.op];
    if (arithmetic === undefined) {
      const constant = constantOf(instr);
      if (constant === null) throw new CompilerInvariantError(`${instr.op} in a constant expression`);
      stack.push(initialValue(constant, module));
      continue;
    }
    const right = stack.pop();
    const left = stack.pop();
    if (left === undefined || right === undefined)
      throw new CompilerInvariantError("a constant expression pops an empty stack");
    stack.push(
      left.kind === "const" && right.kind === "const"
        ? { kind: "const", bits: constArithmetic(arithmetic.op, arithmetic.bits, left.bits, right.bits) }
        : { kind: "arithmetic", ...arithmetic, left, right },
    );
  }
  if (stack.length !== 1) throw new CompilerInvariantError("a constant expression leaves no single value");
  return stack[0]!;
}

const NULL_REFERENCE: InitialValue = { kind: "const", bits: 0n };

/** An element segment's references: function indices, or constant expressions. */
function elementSegmentOf(elem: Module["elems"][number], module: Module): ElementSegmentImage {
  const elements =
    elem.exprs === null
      ? elem.funcs.map((funcIndex): InitialValue => ({ kind: "function", funcIndex }))
      : elem.exprs.map((expr) => initialValue(expr, module));
  return elem.mode === "active"
    ? {
        mode: "active",
        type: elem.type,
        table: elem.table,
        offset: initialValue(elem.offset, module),
        elements,
      }
    : { mode: elem.mode, type: elem.type, elements };
}

/** The limits of the module's memory (imported or defined; there is at most one). */
function memoryLimitsOf(module: Module): { limits: Limits; import: ImportName | null } | null {
  for (const imported of module.imports) {
    if (imported.desc.kind !== "memory") continue;
    return { limits: imported.desc.limits, import: { module: imported.module, name: imported.name } };
  }
  const limits = module.memories[0];
  return limits === undefined ? null : { limits, import: null };
}

function memoryOf(module: Module, growCap: number): MemoryImage | null {
  const memory = memoryLimitsOf(module);
  if (memory === null) return null;
  const { min, max = MAX_PAGES } = memory.limits;
  return { minPages: min, maxPages: Math.max(min, Math.min(max, growCap)), import: memory.import };
}

/** Every table by table index, imported ones first; each mapped at its maximum capped by `growCap`. */
function tablesOf(module: Module, growCap: number): TableImage[] {
  const image = (type: TableType, from: ImportName | null): TableImage => ({
    elemType: type.elemType,
    minEntries: type.min,
    declaredMax: type.max ?? null,
    maxEntries: Math.max(type.min, Math.min(type.max ?? MAX_TABLE_ENTRIES, growCap)),
    import: from,
  });
  return module.imports
    .flatMap((imported) =>
      imported.desc.kind === "table"
        ? [image(imported.desc.limits, { module: imported.module, name: imported.name })]
        : [],
    )
    .concat(module.tables.map((table) => image(table, null)));
}
