// Per-instruction operand-stack heights, control depth and reachability against hand-computed
// tables. Convention (validator.ts): heights count values relative to the function's empty stack;
// an instruction ending a block's reachable code leaves the block's entry height; in unreachable
// code, pops of missing operands do not lower the height and pushes raise it. A block's params stay
// on the stack inside it; its entry height is below them.
import { describe, expect, it } from "vitest";
import { decodeModule } from "../../src/wasm/decoder.js";
import type { FunctionInfo, Op } from "../../src/wasm/ir.js";
import { watToBinary } from "../../src/wasm/text.js";
import { validateModule } from "../../src/wasm/validator.js";

/** [operator, heightBefore, heightAfter, controlDepth, unreachable] */
type Row = readonly [Op, number, number, number, 0 | 1];

interface Case {
  readonly name: string;
  /** The function under test is the module's last one. */
  readonly wat: string;
  readonly rows: readonly Row[];
  readonly maxHeight: number;
  readonly makesCalls?: boolean;
  /** instrIndex → index of its matching end / else; every other entry must be -1. */
  readonly matchingEnd?: Readonly<Record<number, number>>;
  readonly matchingElse?: Readonly<Record<number, number>>;
  /** instrIndex of a block, loop or if → [params, results]; every other entry must be [0, 0]. */
  readonly blocks?: Readonly<Record<number, readonly [number, number]>>;
}

const CASES: readonly Case[] = [
  {
    name: "straight-line code",
    wat: `(func (result i32) i32.const 1 i32.const 2 i32.const 3 i32.mul i32.add)`,
    rows: [
      ["i32.const", 0, 1, 1, 0],
      ["i32.const", 1, 2, 1, 0],
      ["i32.const", 2, 3, 1, 0],
      ["i32.mul", 3, 2, 1, 0],
      ["i32.add", 2, 1, 1, 0],
      ["end", 1, 1, 1, 0],
    ],
    maxHeight: 3,
  },
  {
    name: "unreachable code: missing operands do not lower the height",
    wat: `(func (result i32) unreachable i32.const 1 i32.add select)`,
    rows: [
      ["unreachable", 0, 0, 1, 0],
      ["i32.const", 0, 1, 1, 1],
      ["i32.add", 1, 1, 1, 1],
      ["select", 1, 1, 1, 1],
      ["end", 1, 1, 1, 1],
    ],
    maxHeight: 1,
  },
  {
    name: "br_table leaves the height of its block's entry; the code after the inner end is reachable",
    wat: `(func (param i32) (result i32)
      block (result i32)
        block (result i32)
          i32.const 10
          local.get 0
          br_table 0 1 0
        end
        i32.const 1
        i32.add
      end)`,
    rows: [
      ["block", 0, 0, 1, 0],
      ["block", 0, 0, 2, 0],
      ["i32.const", 0, 1, 3, 0],
      ["local.get", 1, 2, 3, 0],
      ["br_table", 2, 0, 3, 0],
      ["end", 0, 1, 3, 1],
      ["i32.const", 1, 2, 2, 0],
      ["i32.add", 2, 1, 2, 0],
      ["end", 1, 1, 2, 0],
      ["end", 1, 1, 1, 0],
    ],
    maxHeight: 2,
    matchingEnd: { 0: 8, 1: 5 },
    blocks: { 0: [0, 1], 1: [0, 1] },
  },
  {
    name: "br_table in unreachable code whose targets differ in type (2.0 typing)",
    wat: `(func
      block (result f64)
        block (result f32)
          unreachable
          i32.const 1
          br_table 0 1 1
        end
        drop
        f64.const 0
      end
      drop)`,
    rows: [
      ["block", 0, 0, 1, 0],
      ["block", 0, 0, 2, 0],
      ["unreachable", 0, 0, 3, 0],
      ["i32.const", 0, 1, 3, 1],
      ["br_table", 1, 0, 3, 1],
      ["end", 0, 1, 3, 1],
      ["drop", 1, 0, 2, 0],
      ["f64.const", 0, 1, 2, 0],
      ["end", 1, 1, 2, 0],
      ["drop", 1, 0, 1, 0],
      ["end", 0, 0, 1, 0],
    ],
    maxHeight: 1,
    matchingEnd: { 0: 8, 1: 5 },
    blocks: { 0: [0, 1], 1: [0, 1] },
  },
  {
    name: "if without else keeps the values below it",
    wat: `(func (param i32) (result i32)
      i32.const 5
      local.get 0
      if
        i32.const 1
        drop
      end)`,
    rows: [
      ["i32.const", 0, 1, 1, 0],
      ["local.get", 1, 2, 1, 0],
      ["if", 2, 1, 1, 0],
      ["i32.const", 1, 2, 2, 0],
      ["drop", 2, 1, 2, 0],
      ["end", 1, 1, 2, 0],
      ["end", 1, 1, 1, 0],
    ],
    maxHeight: 2,
    matchingEnd: { 2: 5 },
  },
  {
    name: "if/else with a result, the then-branch ending in br",
    wat: `(func (param i32) (result i32)
      local.get 0
      if (result i32)
        i32.const 1
        br 0
        i32.const 99
      else
        i32.const 2
      end)`,
    rows: [
      ["local.get", 0, 1, 1, 0],
      ["if", 1, 0, 1, 0],
      ["i32.const", 0, 1, 2, 0],
      ["br", 1, 0, 2, 0],
      ["i32.const", 0, 1, 2, 1],
      ["else", 1, 0, 2, 1],
      ["i32.const", 0, 1, 2, 0],
      ["end", 1, 1, 2, 0],
      ["end", 1, 1, 1, 0],
    ],
    maxHeight: 1,
    matchingEnd: { 1: 7, 5: 7 },
    matchingElse: { 1: 5 },
    blocks: { 1: [0, 1] },
  },
  {
    name: "loop with br_if back to its start",
    wat: `(func (param i32) (result i32) (local i32)
      loop
        local.get 1
        i32.const 1
        i32.add
        local.tee 1
        local.get 0
        i32.lt_s
        br_if 0
      end
      local.get 1)`,
    rows: [
      ["loop", 0, 0, 1, 0],
      ["local.get", 0, 1, 2, 0],
      ["i32.const", 1, 2, 2, 0],
      ["i32.add", 2, 1, 2, 0],
      ["local.tee", 1, 1, 2, 0],
      ["local.get", 1, 2, 2, 0],
      ["i32.lt_s", 2, 1, 2, 0],
      ["br_if", 1, 0, 2, 0],
      ["end", 0, 0, 2, 0],
      ["local.get", 0, 1, 1, 0],
      ["end", 1, 1, 1, 0],
    ],
    maxHeight: 2,
    matchingEnd: { 0: 8 },
  },
  {
    name: "nested blocks with results above values of the outer block",
    wat: `(func (result i64)
      i64.const 1
      block (result i64)
        i64.const 2
        block (result i64)
          i64.const 3
          br 1
        end
        drop
      end
      i64.add)`,
    rows: [
      ["i64.const", 0, 1, 1, 0],
      ["block", 1, 1, 1, 0],
      ["i64.const", 1, 2, 2, 0],
      ["block", 2, 2, 2, 0],
      ["i64.const", 2, 3, 3, 0],
      ["br", 3, 2, 3, 0],
      ["end", 2, 3, 3, 1],
      ["drop", 3, 2, 2, 0],
      ["end", 2, 2, 2, 0],
      ["i64.add", 2, 1, 1, 0],
      ["end", 1, 1, 1, 0],
    ],
    maxHeight: 3,
    matchingEnd: { 1: 8, 3: 6 },
    blocks: { 1: [0, 1], 3: [0, 1] },
  },
  {
    name: "a block opened in unreachable code is unreachable throughout",
    wat: `(func return block i32.const 1 drop end)`,
    rows: [
      ["return", 0, 0, 1, 0],
      ["block", 0, 0, 1, 1],
      ["i32.const", 0, 1, 2, 1],
      ["drop", 1, 0, 2, 1],
      ["end", 0, 0, 2, 1],
      ["end", 0, 0, 1, 1],
    ],
    maxHeight: 1,
    matchingEnd: { 1: 4 },
  },
  {
    name: "a block with params keeps them on the stack inside it",
    wat: `(func (result i32) i32.const 1 block (param i32) (result i32) i32.const 2 i32.add end)`,
    rows: [
      ["i32.const", 0, 1, 1, 0],
      ["block", 1, 1, 1, 0],
      ["i32.const", 1, 2, 2, 0],
      ["i32.add", 2, 1, 2, 0],
      ["end", 1, 1, 2, 0],
      ["end", 1, 1, 1, 0],
    ],
    maxHeight: 2,
    matchingEnd: { 1: 4 },
    blocks: { 1: [1, 1] },
  },
  {
    name: "an if with params: the condition goes, the params stay, and else starts again from them",
    wat: `(func (param i32) (result i64)
      i64.const 1
      local.get 0
      if (param i64) (result i64 i64)
        i64.const 2
      else
        i64.const 3
      end
      i64.add)`,
    rows: [
      ["i64.const", 0, 1, 1, 0],
      ["local.get", 1, 2, 1, 0],
      ["if", 2, 1, 1, 0],
      ["i64.const", 1, 2, 2, 0],
      ["else", 2, 1, 2, 0],
      ["i64.const", 1, 2, 2, 0],
      ["end", 2, 2, 2, 0],
      ["i64.add", 2, 1, 1, 0],
      ["end", 1, 1, 1, 0],
    ],
    maxHeight: 2,
    matchingEnd: { 2: 6, 4: 6 },
    matchingElse: { 2: 4 },
    blocks: { 2: [1, 2] },
  },
  {
    name: "a branch back to a loop carries its params",
    wat: `(func (param i32) (result i32) local.get 0 loop (param i32) (result i32) local.get 0 br_if 0 end)`,
    rows: [
      ["local.get", 0, 1, 1, 0],
      ["loop", 1, 1, 1, 0],
      ["local.get", 1, 2, 2, 0],
      ["br_if", 2, 1, 2, 0],
      ["end", 1, 1, 2, 0],
      ["end", 1, 1, 1, 0],
    ],
    maxHeight: 2,
    matchingEnd: { 1: 4 },
    blocks: { 1: [1, 1] },
  },
  {
    name: "a branch out of a block with params leaves the height below them",
    wat: `(func (result i32) i32.const 1 block (param i32) (result i32) br 0 end)`,
    rows: [
      ["i32.const", 0, 1, 1, 0],
      ["block", 1, 1, 1, 0],
      ["br", 1, 0, 2, 0],
      ["end", 0, 1, 2, 1],
      ["end", 1, 1, 1, 0],
    ],
    maxHeight: 1,
    matchingEnd: { 1: 3 },
    blocks: { 1: [1, 1] },
  },
  {
    name: "a call pops its arguments and pushes its result",
    wat: `(func $callee (param i32 i64) (result f32) f32.const 0)
      (func (result f32) i32.const 1 i64.const 2 call $callee)`,
    rows: [
      ["i32.const", 0, 1, 1, 0],
      ["i64.const", 1, 2, 1, 0],
      ["call", 2, 1, 1, 0],
      ["end", 1, 1, 1, 0],
    ],
    maxHeight: 2,
    makesCalls: true,
  },
];

async function lastFunction(wat: string): Promise<{ info: FunctionInfo; ops: Op[] }> {
  const module = decodeModule(await watToBinary(`(module ${wat})`));
  const functions = validateModule(module).functions;
  const info = functions[functions.length - 1]!;
  return { info, ops: module.bodies[module.bodies.length - 1]!.code.map((instr) => instr.op) };
}

describe("per-instruction heights", () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const { info, ops } = await lastFunction(c.wat);
      const actual = ops.map(
        (op, i): Row => [
          op,
          info.heightBefore[i]!,
          info.heightAfter[i]!,
          info.controlDepth[i]!,
          info.unreachable[i] as 0 | 1,
        ],
      );
      expect(actual).toEqual(c.rows);
      expect(info.maxHeight).toBe(c.maxHeight);
      expect(info.makesCalls).toBe(c.makesCalls ?? false);
      const expectedEnds = ops.map((_, i) => c.matchingEnd?.[i] ?? -1);
      const expectedElses = ops.map((_, i) => c.matchingElse?.[i] ?? -1);
      expect([...info.matchingEnd]).toEqual(expectedEnds);
      expect([...info.matchingElse]).toEqual(expectedElses);
      const expectedBlocks = ops.map((_, i) => c.blocks?.[i] ?? [0, 0]);
      expect(ops.map((_, i) => [info.blockParams[i], info.blockResults[i]])).toEqual(expectedBlocks);
    });
  }
});
