// The reference cost model, function by function. Each expected cost is worked out by hand from the
// reference's rules (src/instrument/README.md): the count starts at 2 and is observed before each
// instruction unless the innermost block is polymorphic; cost = declared locals + the highest count.
// The first seven cases are the reference's own unit tests of its height count (their expected
// heights plus its activation frame cost of 2).
import { describe, expect, it } from "vitest";
import { LimiterRejects, stackCosts } from "../../src/instrument/index.js";
import { validatedWat } from "./module-compare.js";

interface Case {
  readonly name: string;
  /** A module; the function under test is its last one. */
  readonly wat: string;
  readonly cost: number;
  /** The cost with parameters counted, when it differs. */
  readonly withParams?: number;
}

const CASES: readonly Case[] = [
  {
    name: "reference: three nested constants (count 2+3 before the first drop)",
    wat: `(module (func i32.const 1 i32.const 2 i32.const 3 drop drop drop))`,
    cost: 5,
  },
  {
    name: "reference: implicit and explicit return (2+1 before return)",
    wat: `(module (func (result i32) i32.const 0 return))`,
    cost: 3,
  },
  {
    name: "reference: nothing counts after unreachable",
    wat: `(module (memory 0) (func (result i32) unreachable memory.grow))`,
    cost: 2,
  },
  {
    name: "reference: code after unreachable has no effect (2+2 before the first drop)",
    // The reference's module, with drops at the end so that it validates.
    wat: `(module (memory 0) (func i32.const 0 i32.const 1 drop drop unreachable
      i32.const 0 i32.const 1 i32.const 2 drop drop drop))`,
    cost: 4,
  },
  {
    name: "reference: call_indirect pops its index and arguments (2+1 before each call_indirect)",
    wat: `(module (table 1 1 funcref) (elem (i32.const 0) 0)
      (func i64.const 42 drop)
      (func (call_indirect (i32.const 0)) (call_indirect (i32.const 0)) (call_indirect (i32.const 0))))`,
    cost: 3,
  },
  {
    name: "reference: a branch out of nested blocks (2+1 before br)",
    wat: `(module (func block (result i32) block (result i32) i32.const 99 br 1 end end drop))`,
    cost: 3,
  },
  {
    name: "reference: else keeps the then arm's value (2+1+1 before else's constant … 5 before the drops)",
    wat: `(module (func i32.const 7 i32.const 1 if (result i32) i32.const 42 else i32.const 99 end
      i32.const 97 drop drop drop))`,
    cost: 5,
  },
  {
    name: "declared locals count, parameters only with countParams",
    wat: `(module (func (param i64 i64) (local i32 f64 f64)))`,
    cost: 3 + 2,
    withParams: 2 + 3 + 2,
  },
  {
    name: "an else arm after a branch in the then arm is not counted at all",
    // local.get 0 (count 3) → if pops to 2 → i32.const 1 → 3 before br; the else arm's four
    // constants stay polymorphic; after end 2+1 = 3. A validator would see 4 values in the else arm.
    wat: `(module (func (param i32) (result i32)
      local.get 0
      if (result i32) i32.const 1 br 0
      else i32.const 1 i32.const 2 i32.const 3 i32.const 4 i32.add i32.add i32.add end))`,
    cost: 3,
    withParams: 4,
  },
  {
    name: "a block opened in unreachable code counts again",
    // The block starts at 2 (not polymorphic); before the first drop the count is 2+3.
    wat: `(module (func unreachable block i32.const 1 i32.const 2 i32.const 3 drop drop drop end))`,
    cost: 5,
  },
  {
    name: "popping in unreachable code goes down to the function frame's start, 0, not to 2",
    // drop, drop: 2 → 1 → 0; the third drop stops at the start (0). The block then starts at 0:
    // counts 0, 1, 2 before its constants and 3 before its first drop; the highest is 3.
    wat: `(module (func unreachable drop drop drop block i32.const 1 i32.const 2 i32.const 3 drop drop drop end))`,
    cost: 3,
  },
  {
    name: "select pops its operands and its condition separately",
    // Outer block starts at 2; after unreachable: constants 3, 4; select pops 2 (→ 2), then its
    // condition stops at the block's start, and pushes (→ 3). The inner block starts at 3: 4 before
    // its drop. (One pop of three would have left 2 and a cost of 3.)
    wat: `(module (func block unreachable i32.const 1 i32.const 2 select block i32.const 0 drop end drop end))`,
    cost: 4,
  },
  {
    name: "a block with params starts below them and ends with its results",
    // 2, 3, then 4 before the block (start 4-2 = 2); add 3, constant 4; end → 2+2 = 4; 5 before drop.
    wat: `(module (func (result i32 i32)
      i32.const 1 i32.const 2
      block (param i32 i32) (result i32 i32) i32.add i32.const 3 end
      i32.const 9 drop))`,
    cost: 5,
  },
  {
    name: "an else arm of an if with params starts from its params",
    // 2, 3, 4, then 5 before if; it pops the condition to 4 and starts at 4-2 = 2. The then arm
    // drops to 2; the else arm starts from 2+2 and drops to 2 again. Highest: 5.
    wat: `(module (func (param i32) i32.const 1 i32.const 2 local.get 0 if (param i32 i32) drop drop else drop drop end))`,
    cost: 5,
    withParams: 6,
  },
  {
    name: "a loop with params: a branch to it carries them",
    // 2, then 3 before loop (start 2); 3, 4, 3, 3, then 4 before br_if, which pops 1 and its
    // condition and pushes 1 back (3); end → 2+1 = 3.
    wat: `(module (func (param i32) (result i32)
      local.get 0
      loop (param i32) (result i32) i32.const 1 i32.sub local.tee 0 local.get 0 br_if 0 end))`,
    cost: 4,
    withParams: 5,
  },
  {
    name: "several results leave the function with return",
    wat: `(module (func (result i32 i64) i32.const 1 i64.const 2 return))`,
    cost: 4,
  },
  {
    name: "table.grow pops two operands and pushes one",
    wat: `(module (table 1 funcref) (func (result i32) ref.null func i32.const 1 table.grow 0))`,
    cost: 4,
  },
  {
    name: "memory.fill pops three operands",
    wat: `(module (memory 1) (func i32.const 0 i32.const 0 i32.const 0 memory.fill))`,
    cost: 5,
  },
];

describe("the reference cost model", () => {
  it.each(CASES)("$name", async ({ wat, cost, withParams }) => {
    const validated = await validatedWat(wat);
    expect(stackCosts(validated, false).at(-1)).toBe(cost);
    expect(stackCosts(validated, true).at(-1)).toBe(withParams ?? cost);
  });

  it("costs imported functions 0, parameters or not", async () => {
    const validated = await validatedWat(`(module (import "env" "f" (func (param i32 i32))) (func))`);
    expect(stackCosts(validated, false)).toEqual([0, 2]);
    expect(stackCosts(validated, true)).toEqual([0, 2]);
  });

  it("rejects, as the reference does, a function whose count would drop below zero in unreachable code", async () => {
    // 2 → unreachable; constant 3; add 3-2+1 = 2; add 2-2+1 = 1; the third add would pop 2 from 1.
    const validated = await validatedWat(
      `(module (func (result i32) unreachable i32.const 0 i32.add i32.add i32.add))`,
    );
    expect(() => stackCosts(validated, false)).toThrow(LimiterRejects);
    expect(() => stackCosts(validated, false)).toThrow(
      "the reference stack limiter rejects function 0 at instruction 4",
    );
  });
});
