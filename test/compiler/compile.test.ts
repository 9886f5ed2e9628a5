// compileModule: the exit block, linking (read back with Capstone: every call and trap-stub jump
// must land where the side tables say), and what the runner needs to instantiate the module.
import { describe, expect, it } from "vitest";
import wabtInit from "wabt";
import { disassemble, type Instruction } from "../../emulators/disasm/capstone.js";
import { type Artifact, EXIT_SLOT_BYTES } from "../../src/compiler/artifact.js";
import { type CompileOptions, compileModule, DEFAULT_TABLE_GROW_CAP } from "../../src/compiler/compile.js";
import { STRATEGIES, TARGETS, type Target } from "../../src/compiler/target.js";
import { decodeModule, validateModule, watToBinary } from "../../src/wasm/index.js";
import { TRAP_KINDS } from "../../src/wasm/outcome.js";

const CODE_BASE = 0x2000_0000n;

async function compileWat(wat: string, options: Omit<CompileOptions, "layout"> & Partial<CompileOptions>) {
  const module = validateModule(decodeModule(await watToBinary(wat)));
  return compileModule(module, { layout: { codeBase: CODE_BASE }, ...options });
}

/** The instructions of a source-map range, at their loaded addresses. */
function instructionsIn(artifact: Artifact, start: number, end: number): Instruction[] {
  return disassemble(artifact.target, artifact.code.subarray(start, end), CODE_BASE + BigInt(start));
}

function immediate(instruction: Instruction | undefined): bigint | undefined {
  const operand = instruction?.operands.find((op) => op.kind === "imm");
  return operand?.kind === "imm" ? operand.value : undefined;
}

const CALLS = `
(module
  (import "env" "first" (func $first (param i32)))
  (import "env" "second" (func $second (result i32)))
  (func $leaf (param i32) (result i32) (i32.div_s (local.get 0) (i32.const 3)))
  (func (export "main") (result i32)
    (call $first (i32.const 1))
    (call $leaf (call $second))
    (call $leaf)
    (i32.add (unreachable))))
`;

/** The trap kinds of WebAssembly 1.0, whose exit slots come first; the later ones follow the imports'. */
const MVP_TRAP_KINDS = TRAP_KINDS.filter((kind) => kind !== "out_of_bounds_table");

describe("exit block", () => {
  it.each(TARGETS)(
    "%s: one zeroed 16-byte slot per 1.0 trap kind, the host return, then each import",
    async (target) => {
      const artifact = await compileWat(CALLS, { target, strategy: "intersect" });
      const slot = (i: number) => CODE_BASE + BigInt(i * EXIT_SLOT_BYTES);
      MVP_TRAP_KINDS.forEach((kind, i) => {
        expect(artifact.exits.traps[kind]).toBe(slot(i));
      });
      expect(artifact.exits.traps.out_of_bounds_table).toBeUndefined();
      expect(artifact.exits.hostReturn).toBe(slot(MVP_TRAP_KINDS.length));
      expect(artifact.exits.imports).toEqual([
        slot(MVP_TRAP_KINDS.length + 1),
        slot(MVP_TRAP_KINDS.length + 2),
      ]);
      const blockBytes = (MVP_TRAP_KINDS.length + 3) * EXIT_SLOT_BYTES;
      expect(artifact.code.subarray(0, blockBytes).every((byte) => byte === 0)).toBe(true);
      expect(artifact.entries.slice(0, 2)).toEqual(
        artifact.exits.imports.map((exit) => Number(exit - CODE_BASE)),
      );
      expect(artifact.entries[2]).toBe(blockBytes);
      expect(artifact.imports.map((fn) => [fn.funcIndex, `${fn.module}.${fn.name}`, fn.exit])).toEqual([
        [0, "env.first", artifact.exits.imports[0]],
        [1, "env.second", artifact.exits.imports[1]],
      ]);
    },
  );

  it.each(TARGETS)(
    "%s: with reference types, out_of_bounds_table's slot follows the imports' and is named in the source map",
    async (target) => {
      const wat = `(module (import "env" "f" (func)) (table 1 externref)
        (func (export "get") (result externref) (table.get 0 (i32.const 0))))`;
      const artifact = await compileWat(wat, { target, strategy: "frame" });
      const slot = (i: number) => CODE_BASE + BigInt(i * EXIT_SLOT_BYTES);
      expect(artifact.exits.imports).toEqual([slot(MVP_TRAP_KINDS.length + 1)]);
      expect(artifact.exits.traps.out_of_bounds_table).toBe(slot(MVP_TRAP_KINDS.length + 2));
      expect(artifact.entries[1]).toBe((MVP_TRAP_KINDS.length + 3) * EXIT_SLOT_BYTES);
      const exits = artifact.sourceMap.filter((entry) => entry.kind === "exit");
      expect(exits.at(-1)).toMatchObject({
        exit: "trap:out_of_bounds_table",
        start: (MVP_TRAP_KINDS.length + 2) * 16,
      });
    },
  );
});

describe("linking", () => {
  const callMnemonic: Record<Target, string> = { x64: "call", aarch64: "bl" };
  const cases = TARGETS.flatMap((target) => STRATEGIES.map((strategy) => [target, strategy] as const));

  it.each(cases)("%s %s: calls reach the callee's entry or the import's exit", async (target, strategy) => {
    const artifact = await compileWat(CALLS, { target, strategy });
    const main = 3;
    const callTargets = artifact.sourceMap
      .filter((entry) => entry.kind === "instr" && entry.funcIndex === main)
      .flatMap((entry) => instructionsIn(artifact, entry.start, entry.end))
      .filter((instruction) => instruction.mnemonic === callMnemonic[target])
      .map(immediate);
    const leaf = CODE_BASE + BigInt(artifact.entries[2]!);
    expect(callTargets).toEqual([artifact.exits.imports[0], artifact.exits.imports[1], leaf, leaf]);
    // Each call's return address is recorded.
    expect(artifact.returnAddresses).toHaveLength(4);
  });

  it.each(cases)(
    "%s %s: each trap stub loads its site and jumps to its kind's exit",
    async (target, strategy) => {
      const artifact = await compileWat(CALLS, { target, strategy });
      const stubs = artifact.sourceMap.filter((entry) => entry.kind === "trap-stub");
      expect(stubs.map((stub) => stub.site)).toEqual(artifact.trapSites.map((_, site) => site));
      for (const stub of stubs) {
        const [setSite, ...rest] = instructionsIn(artifact, stub.start, stub.end);
        const jump = rest.at(-1);
        expect(immediate(setSite)).toBe(BigInt(stub.site));
        expect(jump?.groups).toContain("jump");
        expect(immediate(jump)).toBe(artifact.exits.traps[artifact.trapSites[stub.site]!.kind]);
      }
    },
  );

  it("places the functions one after another, in index order", async () => {
    const artifact = await compileWat(CALLS, { target: "x64", strategy: "native" });
    const prologues = artifact.sourceMap.filter((entry) => entry.kind === "prologue");
    expect(prologues.map((entry) => entry.start)).toEqual(artifact.entries.slice(2));
    expect(prologues.map((entry) => entry.kind === "prologue" && entry.funcIndex)).toEqual([2, 3]);
  });
});

describe("instance data for the runner", () => {
  const INSTANCE = `
  (module
    (import "env" "base" (global $base i32))
    (import "env" "f" (func))
    (memory 1 8)
    (global $counter (mut i64) (i64.const -2))
    (global $copy i32 (global.get $base))
    (data (i32.const 4) "ab")
    (data (global.get $base) "\\ff")
    (func $init)
    (start $init)
    (export "counter" (global $counter))
    (export "init" (func $init)))
  `;

  it("lists globals by index with their initial values, imports first", async () => {
    const artifact = await compileWat(INSTANCE, { target: "aarch64", strategy: "frame" });
    const base = { kind: "import", module: "env", name: "base" };
    expect(artifact.globals).toEqual([
      { type: "i32", mutable: false, init: base },
      { type: "i64", mutable: true, init: { kind: "const", bits: 0xffff_ffff_ffff_fffen } },
      { type: "i32", mutable: false, init: base },
    ]);
  });

  it("carries data segments, the start function and the exports", async () => {
    const artifact = await compileWat(INSTANCE, { target: "x64", strategy: "native" });
    expect(artifact.dataSegments).toEqual([
      { mode: "active", offset: { kind: "const", bits: 4n }, bytes: new TextEncoder().encode("ab") },
      { mode: "active", offset: { kind: "import", module: "env", name: "base" }, bytes: Uint8Array.of(0xff) },
    ]);
    expect(artifact.start).toBe(1);
    expect(artifact.exports).toEqual([
      { name: "counter", kind: "global", index: 1 },
      { name: "init", kind: "func", index: 1 },
    ]);
  });

  it("carries the tables and the element segments, and where an imported memory or table comes from", async () => {
    const wat = `(module
      (import "env" "g" (global $g i32))
      (import "env" "f" (func $f (param i32)))
      (import "env" "table" (table 3 9 funcref))
      (import "env" "memory" (memory 2))
      (func $own (result i32) (i32.const 1))
      (elem (i32.const 1) $own $f)
      (elem (global.get $g) $own))`;
    const artifact = await compileWat(wat, { target: "aarch64", strategy: "intersect" });
    expect(artifact.memory).toEqual({
      minPages: 2,
      maxPages: 65536,
      import: { module: "env", name: "memory" },
    });
    const fn = (funcIndex: number) => ({ kind: "function", funcIndex });
    expect(artifact.tables).toEqual([
      {
        elemType: "funcref",
        minEntries: 3,
        declaredMax: 9,
        maxEntries: 9,
        import: { module: "env", name: "table" },
      },
    ]);
    expect(artifact.elemSegments).toEqual([
      {
        mode: "active",
        type: "funcref",
        table: 0,
        offset: { kind: "const", bits: 1n },
        elements: [fn(1), fn(0)],
      },
      {
        mode: "active",
        type: "funcref",
        table: 0,
        offset: { kind: "import", module: "env", name: "g" },
        elements: [fn(1)],
      },
    ]);
    const defined = await compileWat("(module (table 4 funcref))", { target: "x64", strategy: "frame" });
    expect(defined.tables).toEqual([
      {
        elemType: "funcref",
        minEntries: 4,
        declaredMax: null,
        maxEntries: DEFAULT_TABLE_GROW_CAP,
        import: null,
      },
    ]);
    expect((await compileWat("(module)", { target: "x64", strategy: "frame" })).tables).toEqual([]);
  });

  it("represents every table, and segments of every mode with functions, nulls and globals", async () => {
    const wabt = await wabtInit();
    const text = `(module
      (import "env" "r" (global $r funcref))
      (table $a 2 funcref) (table $b 3 5 externref)
      (func $f)
      (elem (table $a) (i32.const 1) func $f)
      (elem funcref (ref.null func) (ref.func $f) (global.get $r))
      (elem declare func $f)
      (data "xy"))`;
    const bytes = wabt
      .parseWat("tables.wat", text, { reference_types: true, bulk_memory: true })
      .toBinary({}).buffer;
    const module = validateModule(decodeModule(bytes));
    const artifact = compileModule(module, {
      target: "x64",
      strategy: "native",
      layout: { codeBase: CODE_BASE },
    });
    expect(artifact.tables.map((table) => [table.elemType, table.minEntries, table.maxEntries])).toEqual([
      ["funcref", 2, DEFAULT_TABLE_GROW_CAP],
      ["externref", 3, 5],
    ]);
    expect(artifact.elemSegments).toEqual([
      {
        mode: "active",
        type: "funcref",
        table: 0,
        offset: { kind: "const", bits: 1n },
        elements: [{ kind: "function", funcIndex: 0 }],
      },
      {
        mode: "passive",
        type: "funcref",
        elements: [
          { kind: "const", bits: 0n },
          { kind: "function", funcIndex: 0 },
          { kind: "import", module: "env", name: "r" },
        ],
      },
      { mode: "declarative", type: "funcref", elements: [{ kind: "function", funcIndex: 0 }] },
    ]);
    expect(artifact.dataSegments).toEqual([{ mode: "passive", bytes: new TextEncoder().encode("xy") }]);
    // Table 0's descriptor where 1.0 code reads it; table 1's, the segments' and the records after the globals.
    expect(artifact.vmContext).toEqual({
      tables: [32, 72],
      elemSegments: [104, 136, 168],
      dataSegments: [200],
      nullFuncRef: 224,
      funcRefs: 240,
      bytes: 256,
    });
  });

  it("caps a table's maximum at tableGrowCap, never below its minimum", async () => {
    const table = async (limits: string, tableGrowCap?: number) =>
      (
        await compileWat(`(module (table ${limits} funcref))`, {
          target: "x64",
          strategy: "intersect",
          tableGrowCap,
        })
      ).tables[0]?.maxEntries;
    expect(await table("1 8")).toBe(8);
    expect(await table("1 8", 4)).toBe(4);
    expect(await table("2", 0xffff_ffff)).toBe(0xffff_ffff);
    expect(await table("3", 1)).toBe(3);
  });

  it("caps the memory's maximum at memoryGrowCap, never below its minimum", async () => {
    const memory = async (limits: string, memoryGrowCap?: number) =>
      (
        await compileWat(`(module (memory ${limits}))`, {
          target: "x64",
          strategy: "intersect",
          memoryGrowCap,
        })
      ).memory;
    expect(await memory("1 8")).toEqual({ minPages: 1, maxPages: 8, import: null });
    expect(await memory("1 8", 4)).toEqual({ minPages: 1, maxPages: 4, import: null });
    expect(await memory("2")).toEqual({ minPages: 2, maxPages: 65536, import: null });
    expect(await memory("3", 1)).toEqual({ minPages: 3, maxPages: 3, import: null });
    expect((await compileWat("(module)", { target: "x64", strategy: "native" })).memory).toBeNull();
  });
});
