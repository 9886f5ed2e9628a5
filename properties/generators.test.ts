// The generators: every generated program lowers to a module that our validator and wabt both
// accept as WebAssembly 2.0, whose WAT (as printed for counterexamples) reads back to the same
// module, and the programs have the shapes they are biased toward and use every 2.0 feature.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { programArbitrary } from "../src/fuzz/generators/arbitrary.js";
import { lowerProgram } from "../src/fuzz/generators/lower.js";
import { moduleShape } from "../src/fuzz/generators/shape.js";
import { moduleToWat } from "../src/fuzz/generators/wat.js";
import { propertyParameters } from "../src/fuzz/seed.js";
import { wabtFeatures } from "../src/wasm/features.js";
import { decodeModule, encodeModule, validateModule, WASM_2_0, watToBinary } from "../src/wasm/index.js";
import type { BlockType, FuncType, Instr, Module, ValType } from "../src/wasm/ir.js";
import { loadWabt } from "../src/wasm/text.js";
import { canonical } from "../test/wasm/canonical.js";

const TEST_FILE = "properties/generators.test.ts";
const RUNS = 1000;
const SAMPLES = 1000;

describe("generated programs", () => {
  it(`are valid WebAssembly 2.0 for our validator and for wabt, and survive WAT (${RUNS} runs)`, async () => {
    const wabt = await loadWabt();
    const features = wabtFeatures(WASM_2_0);
    await fc.assert(
      fc.asyncProperty(programArbitrary(), async (desc) => {
        const { module } = lowerProgram(desc);
        const bytes = encodeModule(module);
        validateModule(decodeModule(bytes));
        const read = wabt.readWasm(bytes, { readDebugNames: true, ...features });
        try {
          (read as unknown as { validate(flags: typeof features): void }).validate(features);
        } finally {
          read.destroy();
        }
        const again = decodeModule(await watToBinary(await moduleToWat(bytes)));
        expect(canonical({ ...again, names: module.names })).toBe(
          canonical({ ...decodeModule(bytes), names: module.names }),
        );
      }),
      propertyParameters(TEST_FILE, RUNS),
    );
  });

  const samples = fc.sample(programArbitrary(), { seed: 1, numRuns: SAMPLES }).map(lowerProgram);
  const share = (test: (module: Module) => boolean) =>
    samples.filter((p) => test(p.module)).length / samples.length;

  it(`are biased toward the register thresholds, recursion, many locals and every construct (${SAMPLES} programs)`, () => {
    const calls = (m: Module) => moduleShape(m).callParamCounts;
    const stats = {
      callAcross6: share((m) => calls(m).some((n) => n > 6)),
      callAcross8: share((m) => calls(m).some((n) => n > 8)),
      callOver16: share((m) => calls(m).some((n) => n > 16)),
      recursion: share((m) => [...m.names.functions.values()].some((n) => n.startsWith("rec"))),
      imports: share((m) => m.imports.length > 0),
      manyLocals: share((m) => m.bodies.some((b) => b.locals.length >= 16)),
      brTable: share((m) => uses(m, (i) => i.op === "br_table")),
      loop: share((m) => uses(m, (i) => i.op === "loop")),
      memory: share((m) => uses(m, (i) => i.op === "i32.store" || i.op === "i64.load")),
      grow: share((m) => uses(m, (i) => i.op === "memory.grow")),
      floats: share((m) => uses(m, (i) => i.op === "f64.add" || i.op === "f32.mul")),
      callIndirect: share((m) => uses(m, (i) => i.op === "call_indirect")),
    };
    console.log(`generator shape shares over ${SAMPLES} programs: ${JSON.stringify(stats)}`);
    for (const [name, value] of Object.entries(stats)) expect(value, name).toBeGreaterThan(0.05);
  });

  it(`use every WebAssembly 2.0 feature but SIMD (${SAMPLES} programs)`, () => {
    const counts = Object.fromEntries(
      Object.entries(FEATURE_USES).map(([name, test]) => [name, share(test)]),
    );
    console.log(`2.0 feature shares over ${SAMPLES} programs: ${JSON.stringify(counts)}`);
    for (const [name, value] of Object.entries(counts)) expect(value, name).toBeGreaterThan(0.01);
  });
});

/** Whether some instruction of some body passes `test`. */
function uses(module: Module, test: (instr: Instr, module: Module) => boolean): boolean {
  return module.bodies.some((body) => body.code.some((instr) => test(instr, module)));
}

function blockFunctionType(module: Module, blockType: BlockType): FuncType | null {
  return blockType !== null && typeof blockType === "object" ? module.types[blockType.typeIndex]! : null;
}

function calleeType(module: Module, instr: Instr): FuncType | null {
  if (instr.op === "call_indirect") return module.types[instr.typeIndex]!;
  if (instr.op !== "call") return null;
  const imported = module.imports.flatMap((i) => (i.desc.kind === "func" ? [i.desc.typeIndex] : []));
  return module.types[imported[instr.func] ?? module.funcTypeIndices[instr.func - imported.length]!]!;
}

/** Whether a body branches with at least two values (to a block's results or a loop's params). */
function branchesWithSeveral(module: Module): boolean {
  return module.bodies.some((body) => {
    const carried: number[] = [];
    return body.code.some((instr) => {
      if (instr.op === "block" || instr.op === "loop" || instr.op === "if") {
        const type = blockFunctionType(module, instr.blockType);
        const arity = type === null ? 0 : instr.op === "loop" ? type.params.length : type.results.length;
        carried.push(arity);
      } else if (instr.op === "end") carried.pop();
      else if (instr.op === "br" || instr.op === "br_if") return (carried.at(-1 - instr.depth) ?? 0) >= 2;
      return false;
    });
  });
}

const isReference = (type: ValType) => type === "funcref" || type === "externref";

const op =
  (...names: string[]) =>
  (module: Module) =>
    uses(module, (i) => names.includes(i.op));

/** One feature use per entry, as module predicates. */
const FEATURE_USES: Readonly<Record<string, (module: Module) => boolean>> = {
  "function with 2 results": (m) => m.funcTypeIndices.some((t) => m.types[t]!.results.length === 2),
  "function with 3+ results": (m) => m.funcTypeIndices.some((t) => m.types[t]!.results.length >= 3),
  "call with 2+ results": (m) => uses(m, (i) => i.op === "call" && calleeType(m, i)!.results.length >= 2),
  "call_indirect with 3+ results": (m) =>
    uses(m, (i) => i.op === "call_indirect" && calleeType(m, i)!.results.length >= 3),
  "host call with 2+ results": (m) =>
    uses(m, (i) => i.op === "call" && i.func < m.imports.length && calleeType(m, i)!.results.length >= 2),
  "host import with references": (m) =>
    m.imports.some((i) => {
      const type = i.desc.kind === "func" ? m.types[i.desc.typeIndex]! : null;
      return [...(type?.params ?? []), ...(type?.results ?? [])].some(isReference);
    }),
  "block with params": (m) =>
    uses(m, (i) => i.op === "block" && (blockFunctionType(m, i.blockType)?.params.length ?? 0) > 0),
  "loop with params": (m) =>
    uses(m, (i) => i.op === "loop" && (blockFunctionType(m, i.blockType)?.params.length ?? 0) > 0),
  "if with params": (m) =>
    uses(m, (i) => i.op === "if" && (blockFunctionType(m, i.blockType)?.params.length ?? 0) > 0),
  "block with 2+ results": (m) =>
    uses(m, (i) => i.op === "block" && (blockFunctionType(m, i.blockType)?.results.length ?? 0) >= 2),
  "branch carrying 2+ values": branchesWithSeveral,
  "sign extension": op(
    "i32.extend8_s",
    "i32.extend16_s",
    "i64.extend8_s",
    "i64.extend16_s",
    "i64.extend32_s",
  ),
  "i32.trunc_sat_f32_s": op("i32.trunc_sat_f32_s"),
  "i32.trunc_sat_f32_u": op("i32.trunc_sat_f32_u"),
  "i32.trunc_sat_f64_s": op("i32.trunc_sat_f64_s"),
  "i32.trunc_sat_f64_u": op("i32.trunc_sat_f64_u"),
  "i64.trunc_sat_f32_s": op("i64.trunc_sat_f32_s"),
  "i64.trunc_sat_f32_u": op("i64.trunc_sat_f32_u"),
  "i64.trunc_sat_f64_s": op("i64.trunc_sat_f64_s"),
  "i64.trunc_sat_f64_u": op("i64.trunc_sat_f64_u"),
  "memory.copy": op("memory.copy"),
  "memory.fill": op("memory.fill"),
  "memory.init": op("memory.init"),
  "data.drop": op("data.drop"),
  "passive data": (m) => m.datas.some((d) => d.mode === "passive"),
  "reference params": (m) => m.funcTypeIndices.some((t) => m.types[t]!.params.some(isReference)),
  "reference results": (m) => m.funcTypeIndices.some((t) => m.types[t]!.results.some(isReference)),
  "funcref locals": (m) => m.bodies.some((b) => b.locals.includes("funcref")),
  "externref locals": (m) => m.bodies.some((b) => b.locals.includes("externref")),
  "reference globals": (m) => m.globals.some((g) => isReference(g.type.valType)),
  "ref.null": op("ref.null"),
  "ref.is_null": op("ref.is_null"),
  "ref.func": op("ref.func"),
  "typed select": op("select_t"),
  "several tables": (m) => m.tables.length >= 2,
  "externref table": (m) => m.tables.some((t) => t.elemType === "externref"),
  "table.get": op("table.get"),
  "table.set": op("table.set"),
  "table.size": op("table.size"),
  "table.grow": op("table.grow"),
  "table.fill": op("table.fill"),
  "table.copy": op("table.copy"),
  "table.init": op("table.init"),
  "elem.drop": op("elem.drop"),
  "passive elements": (m) => m.elems.some((e) => e.mode === "passive"),
  "declarative elements": (m) => m.elems.some((e) => e.mode === "declarative"),
  "active elements in another table": (m) => m.elems.some((e) => e.mode === "active" && e.table > 0),
  "call_indirect on another table": (m) => uses(m, (i) => i.op === "call_indirect" && i.table > 0),
};
