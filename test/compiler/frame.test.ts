// The frame planner. Expected byte counts are derived by hand from the ABI rules (the two calling conventions:
// x64 passes 6 integer arguments in registers and pushes an 8-byte return address and rbp;
// AArch64 passes 8, keeps the return address in x30 and saves x29, x30 in 16 bytes, optionally
// not in leaves; SP moves in 16-byte steps) and drawn next to each test.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  callHeight,
  type FramePlan,
  type FunctionShape,
  hostCallLayout,
  planFrame,
} from "../../src/compiler/frame.js";
import { STRATEGIES, type Strategy, TARGETS, type Target } from "../../src/compiler/target.js";
import { propertyParameters } from "../../src/fuzz/seed.js";

const shape = (partial: Partial<FunctionShape>): FunctionShape => ({
  params: 0,
  declaredLocals: 0,
  maxHeight: 0,
  makesCalls: false,
  callArities: [],
  ...partial,
});

// The write-up's example: `caller` takes 9 i32 params, pushes all 9 (local.get 0 … local.get 8)
// and calls `other`, which also takes 9 params and is a leaf with an empty body.
const CALLER = shape({ params: 9, maxHeight: 9, makesCalls: true, callArities: [9] });
const OTHER = shape({ params: 9 });

interface Step {
  readonly instr: string;
  /** Depth (bytes below the caller's reference) when the instruction starts. */
  readonly depthAtStart: number;
  /** Deepest depth while it runs; a call includes the callee's prologue, which belongs to it. */
  readonly deepest: number;
}

/** The caller's stack profile as the planner lays it out: what the generated code must reproduce. */
function writeupProfile(target: Target, strategy: Strategy): Step[] {
  const caller = planFrame(target, strategy, CALLER);
  const other = planFrame(target, strategy, OTHER);
  const steps: Step[] = [];
  for (let h = 0; h < 9; h++) {
    const depth = caller.spAtHeight(h);
    steps.push({
      instr: `local.get ${h}`,
      depthAtStart: depth,
      deepest: Math.max(depth, caller.spAtHeight(h + 1)),
    });
  }
  const calleeReference = caller.spAtCall(9, 9);
  steps.push({
    instr: "call $other",
    depthAtStart: caller.spAtHeight(9),
    deepest: calleeReference + other.prologueDepth,
  });
  steps.push({ instr: "end", depthAtStart: caller.spAtHeight(0), deepest: caller.spAtHeight(0) });
  return steps;
}

describe("the write-up's example: 9 parameters calling 9 parameters", () => {
  //  `native`, at `call $other` (caller at operand height 9):
  //
  //                 x64                                        aarch64
  //  reference ─────────────────────────────────   reference ─────────────────────────────────
  //         8  return address (pushed by call)            16  x29, x30 (stp)
  //         8  rbp
  //        80  locals: 9 params, 72 padded to 80          80  locals: 9 params, 72 padded to 80
  //        80  operands: 9 values, 72 padded to 80        80  operands: 9 values, 72 padded to 80
  //        32  outgoing: args 6, 7, 8 (24 → 32)           16  outgoing: arg 8 (8 → 16)
  //  ──── 208  SP at the call = other's reference   ──── 192  SP at the call = other's reference
  //         8  return address                              0  leaf: no frame record
  //         8  rbp
  //        80  other's locals                             80  other's locals
  //  ──── 304  deepest during the call              ──── 272  deepest during the call
  it("native: the depths at the call differ between x64 and aarch64", () => {
    const x64 = writeupProfile("x64", "native");
    const aarch64 = writeupProfile("aarch64", "native");
    expect(x64.at(-2)).toEqual({ instr: "call $other", depthAtStart: 176, deepest: 304 });
    expect(aarch64.at(-2)).toEqual({ instr: "call $other", depthAtStart: 176, deepest: 272 });
    // Before the call the two agree: only the call sequence differs.
    expect(x64.slice(0, 9)).toEqual(aarch64.slice(0, 9));
  });

  //  `intersect`: the outgoing area is sized for the fewest argument registers (x64's 6), and the
  //  entry for the largest return address + frame record (16 on both); a leaf keeps its record.
  //
  //                 x64                                        aarch64
  //  reference ─────────────────────────────────   reference ─────────────────────────────────
  //        16  return address + rbp                       16  x29, x30
  //        80  locals                                     80  locals
  //        80  operands                                   80  operands
  //        32  outgoing: args 6, 7, 8 + pad               32  outgoing: arg 8 + 24 bytes padding
  //  ──── 208  other's reference                    ──── 208  (args 6, 7 still go in x6, x7)
  //        16  return address + rbp                       16  x29, x30
  //        80  other's locals                             80  other's locals
  //  ──── 304                                       ──── 304
  it("intersect: the depths are equal at every instruction", () => {
    const x64 = writeupProfile("x64", "intersect");
    expect(x64).toEqual(writeupProfile("aarch64", "intersect"));
    expect(x64.at(-2)).toEqual({ instr: "call $other", depthAtStart: 176, deepest: 304 });
  });

  //  `frame`: one reservation in the prologue, SP fixed in the body.
  //
  //  reference ──────────────────────────────── (both targets)
  //        16  return address + rbp  |  x29, x30
  //        80  locals                             ┐
  //        80  operand area (9 slots, padded)     │ reservedBytes = 192
  //        32  outgoing area (args 6, 7, 8)       ┘
  //  ──── 208  SP everywhere in the body = other's reference
  //        16  headroom: other's return address + frame record (limit check: 16 + 192 + 16 = 224)
  //        80  other's locals (its own frame)
  //  ──── 304
  it("frame: the depths are equal at every instruction, and constant in the body", () => {
    const x64 = writeupProfile("x64", "frame");
    expect(x64).toEqual(writeupProfile("aarch64", "frame"));
    expect(new Set(x64.map((step) => step.depthAtStart))).toEqual(new Set([208]));
    expect(x64.at(-2)?.deepest).toBe(304);
    expect(planFrame("x64", "frame", CALLER).limitCheckBytes).toBe(224);
    expect(planFrame("aarch64", "frame", CALLER).limitCheckBytes).toBe(224);
  });
});

describe("entry sequence", () => {
  const leaf = shape({});
  const nonLeaf = shape({ makesCalls: true });
  const cases: [Target, Strategy, FunctionShape, { ret: number; record: number; padding: number }][] = [
    ["x64", "native", leaf, { ret: 8, record: 8, padding: 0 }],
    ["aarch64", "native", leaf, { ret: 0, record: 0, padding: 0 }],
    ["aarch64", "native", nonLeaf, { ret: 0, record: 16, padding: 0 }],
    ["aarch64", "intersect", leaf, { ret: 0, record: 16, padding: 0 }],
    ["aarch64", "frame", leaf, { ret: 0, record: 16, padding: 0 }],
    ["x64", "frame", nonLeaf, { ret: 8, record: 8, padding: 0 }],
  ];
  it.each(cases)("%s %s", (target, strategy, fn, expected) => {
    const plan = planFrame(target, strategy, fn);
    expect({
      ret: plan.returnAddressBytes,
      record: plan.frameRecordBytes,
      padding: plan.entryPaddingBytes,
    }).toEqual(expected);
    expect(plan.entryBytes).toBe(expected.ret + expected.record + expected.padding);
  });
});

describe("slots", () => {
  //  3 params + 2 declared locals, intersect:
  //  reference ── 16 entry ── local 0 at 24, 1 at 32, 2 at 40, 3 at 48, 4 at 56 ── 64 (40 padded to 48)
  //  operand 0 at 72, operand 1 at 80; SP at height 0 = 64, 1 and 2 = 80, 3 = 96
  const plan = planFrame("x64", "intersect", shape({ params: 3, declaredLocals: 2, maxHeight: 3 }));
  it("places locals after the entry and operands after the padded locals", () => {
    expect([0, 1, 2, 3, 4].map((i) => plan.localSlot(i))).toEqual([24, 32, 40, 48, 56]);
    expect(plan.localsBytes).toBe(48);
    expect([0, 1, 2].map((i) => plan.operandSlot(i))).toEqual([72, 80, 88]);
  });
  it("moves SP in 16-byte steps with the height", () => {
    expect([0, 1, 2, 3].map((h) => plan.spAtHeight(h))).toEqual([64, 80, 80, 96]);
  });
  it("keeps every live slot between SP and the reference", () => {
    for (const strategy of STRATEGIES) {
      const p = planFrame("aarch64", strategy, shape({ params: 3, maxHeight: 5 }));
      for (let h = 1; h <= 5; h++) expect(p.operandSlot(h - 1)).toBeLessThanOrEqual(p.spAtHeight(h));
    }
  });
});

describe("outgoing stack arguments", () => {
  //  arity:                     6    7    8    9
  //  x64 native (6 regs):       0   16   16   32
  //  aarch64 native (8 regs):   0    0    0   16
  //  intersect (min 6 regs):    0   16   16   32
  const arities = [6, 7, 8, 9];
  const areas = (target: Target, strategy: Strategy) =>
    arities.map((n) => planFrame(target, strategy, shape({})).callAreaBytes(n));
  it("native sizes the area by the target's own registers", () => {
    expect(areas("x64", "native")).toEqual([0, 16, 16, 32]);
    expect(areas("aarch64", "native")).toEqual([0, 0, 0, 16]);
  });
  it("intersect sizes it by the fewest registers of any target", () => {
    expect(areas("x64", "intersect")).toEqual([0, 16, 16, 32]);
    expect(areas("aarch64", "intersect")).toEqual([0, 16, 16, 32]);
  });
  it("frame pre-reserves the largest area of its call sites", () => {
    const plan = planFrame("aarch64", "frame", shape({ makesCalls: true, callArities: [2, 24, 7] }));
    expect(plan.outgoingAreaBytes).toBe(144); // 24 − 6 = 18 slots = 144 bytes
    expect(plan.callAreaBytes(24)).toBe(0);
  });
});

describe("hostCallLayout", () => {
  const nine = Array<"i32">(9).fill("i32");
  it("passes the target's own register arguments and sizes the area per strategy", () => {
    expect(hostCallLayout("x64", "native", nine)).toMatchObject({
      registerArgs: 6,
      stackArgs: 3,
      areaBytes: 32,
      returnAddressBytes: 8,
    });
    expect(hostCallLayout("aarch64", "native", nine)).toMatchObject({
      registerArgs: 8,
      stackArgs: 1,
      areaBytes: 16,
      returnAddressBytes: 0,
    });
    expect(hostCallLayout("aarch64", "intersect", nine).areaBytes).toBe(32);
  });
});

describe("the result convention (callLayout)", () => {
  const six = Array<"i64">(6).fill("i64");
  const three = Array<"i64">(3).fill("i64");

  it("native: two results in registers; more all in memory through an address, which takes x64's first argument register", () => {
    for (const target of TARGETS) {
      expect(hostCallLayout(target, "native", six, ["i64", "i64"])).toMatchObject({
        registerResults: 2,
        memoryResults: 0,
        resultPointer: false,
      });
    }
    // SysV: rdi carries the address, so only rsi … r9 remain: argument 6 goes to the stack.
    expect(hostCallLayout("x64", "native", six, three)).toMatchObject({
      firstArgRegister: 1,
      registerArgs: 5,
      stackArgs: 1,
      stackArgsBytes: 16,
      registerResults: 0,
      memoryResults: 3,
      resultAreaBytes: 32,
      resultPointer: true,
      areaBytes: 48,
    });
    // AAPCS64: x8 carries the address, x0 … x5 the arguments.
    expect(hostCallLayout("aarch64", "native", six, three)).toMatchObject({
      firstArgRegister: 0,
      registerArgs: 6,
      stackArgs: 0,
      registerResults: 0,
      memoryResults: 3,
      resultPointer: true,
      areaBytes: 32,
    });
  });

  it("intersect and frame: the first two results in registers, the rest at the same place on every target", () => {
    for (const strategy of ["intersect", "frame"] as const) {
      const [x64, aarch64] = TARGETS.map((target) => hostCallLayout(target, strategy, six, three));
      expect(x64).toMatchObject({
        registerResults: 2,
        memoryResults: 1,
        resultAreaBytes: 16,
        resultPointer: false,
      });
      for (const field of [
        "stackArgsBytes",
        "registerResults",
        "memoryResults",
        "resultAreaBytes",
        "areaBytes",
      ] as const) {
        expect(aarch64![field]).toBe(x64![field]);
      }
    }
  });

  it("places the area of a call with several results below the slots of its results", () => {
    const plan = planFrame("x64", "intersect", shape({ maxHeight: 8, makesCalls: true }));
    const threeResults = plan.callLayout(0, 3);
    // At height 1, a call without arguments leaves four values: its area goes below all of them.
    expect(callHeight(threeResults, 1, 1)).toBe(4);
    expect(callHeight(plan.callLayout(0, 2), 1, 1)).toBe(3);
    expect(callHeight(plan.callLayout(2, 3), 4, 4)).toBe(5);
    expect(callHeight(plan.callLayout(0, 1), 1, 1)).toBe(1);
    expect(plan.spAtCall(callHeight(threeResults, 1, 1), 0, 3)).toBe(plan.spAtHeight(4) + 16);
  });
});

describe("determinism of the shared strategies (property)", () => {
  const shapes = fc.record({
    params: fc.nat(30),
    declaredLocals: fc.nat(30),
    maxHeight: fc.nat(40),
    makesCalls: fc.boolean(),
    callArities: fc.array(fc.nat(30), { maxLength: 4 }),
  });
  /** Everything a depth is made of, as seen by the stack. */
  const depths = (plan: FramePlan, fn: FunctionShape) => ({
    prologue: plan.prologueDepth,
    limit: plan.limitCheckBytes,
    slots: Array.from({ length: fn.params + fn.declaredLocals }, (_, i) => plan.localSlot(i)),
    heights: Array.from({ length: fn.maxHeight + 1 }, (_, h) => plan.spAtHeight(h)),
    calls: fn.callArities.map((n) => plan.spAtCall(fn.maxHeight, n)),
  });
  it("intersect and frame lay out every function identically on all targets", () => {
    fc.assert(
      fc.property(shapes, fc.constantFrom<Strategy>("intersect", "frame"), (fn, strategy) => {
        const [first, ...rest] = TARGETS.map((target) => depths(planFrame(target, strategy, fn), fn));
        for (const other of rest) expect(other).toEqual(first);
      }),
      propertyParameters("test/compiler/frame.test.ts"),
    );
  });
  it("SP stays aligned to 16 at every height and call", () => {
    fc.assert(
      fc.property(
        shapes,
        fc.constantFrom(...STRATEGIES),
        fc.constantFrom(...TARGETS),
        (fn, strategy, target) => {
          const { heights, calls } = depths(planFrame(target, strategy, fn), fn);
          for (const sp of [...heights, ...calls]) expect(sp % 16).toBe(0);
        },
      ),
      propertyParameters("test/compiler/frame.test.ts"),
    );
  });
});
