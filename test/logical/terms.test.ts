// Runs of instrumented modules told in the original module's terms: where the logical overflow is
// reported (the guarded call; a thunk's entry), that native overflows stay native, that no thunk or
// limiter instruction shows through, and the logical height of each step.
import { describe, expect, it } from "vitest";
import { TARGETS } from "../../src/compiler/target.js";
import { LogicalStep } from "../../src/logical/terms.js";
import { BoundViolation, checkBound } from "../../src/logical/view.js";
import type { ProfileStep } from "../../src/verify/profile.js";
import type { Outcome, WasmLocation } from "../../src/wasm/outcome.js";
import { i32, type Limited, limitedFromWat, runPlain, runRecorded } from "./harness.js";

const RECURSION = `(module
  (func $down (export "down") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $down (i32.sub (local.get $n) (i32.const 1))))))))`;

const THROUGH_TABLE = `(module
  (type $t (func (param i32) (result i32)))
  (table 1 funcref)
  (elem (i32.const 0) $down)
  (func $down (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (call_indirect (type $t) (i32.sub (local.get $n) (i32.const 1)) (i32.const 0)))))
  (func (export "go") (param $n i32) (result i32)
    (call_indirect (type $t) (local.get $n) (i32.const 0))))`;

function bodyOf(module: Limited, funcIndex: number) {
  const { funcTypes, module: wasm } = module.original;
  return wasm.bodies[funcIndex - (funcTypes.length - wasm.bodies.length)];
}

/** The index of the only instruction of function `funcIndex` with operator `op`, in the original module. */
function onlyInstruction(module: Limited, funcIndex: number, op: string): number {
  const code = bodyOf(module, funcIndex)!.code;
  const found = code.flatMap((instr, i) => (instr.op === op ? [i] : []));
  expect(found).toHaveLength(1);
  return found[0]!;
}

function isOriginal(module: Limited, at: WasmLocation): boolean {
  const body = bodyOf(module, at.funcIndex);
  return body !== undefined && at.instrIndex >= 0 && at.instrIndex < body.code.length;
}

function trapOf(outcome: Outcome) {
  expect(outcome.outcome).toBe("trap");
  return outcome as Extract<Outcome, { outcome: "trap" }>;
}

describe("the logical overflow in the original's terms", () => {
  it("is a logical stack_overflow at the guarded call, as many frames deep as the limit allows", async () => {
    const limit = 50;
    const module = await limitedFromWat(RECURSION, { limit });
    const call = onlyInstruction(module, 0, "call");
    const cost = module.limited.instrumentation.costs[0]!;
    for (const target of TARGETS) {
      const trap = trapOf(runPlain(module, target, "down", [i32(1000)], 1024 * 1024));
      expect(trap).toMatchObject({ trap: "stack_overflow", overflow: "logical" });
      expect(trap.location).toMatchObject({ funcIndex: 0, instrIndex: call });
      // The export's thunk charges the first frame, each guarded call the next: n·cost ≤ L < (n+1)·cost.
      expect(trap.backtrace).toHaveLength(Math.floor(limit / cost));
      expect(trap.backtrace!.every((frame) => frame.instrIndex === call)).toBe(true);
    }
  });

  it("stays a native overflow, located in the original, when the machine stack runs out first", async () => {
    const module = await limitedFromWat(RECURSION, { limit: 60_000 });
    for (const target of TARGETS) {
      const trap = trapOf(runPlain(module, target, "down", [i32(100_000)], 4096));
      expect(trap).toMatchObject({ trap: "stack_overflow", overflow: "native" });
      expect(trap.backtrace!.every((frame) => isOriginal(module, frame))).toBe(true);
    }
  });

  it("is at the call_indirect whose table entry (a thunk) trips the limit; thunks never show in backtraces", async () => {
    const module = await limitedFromWat(THROUGH_TABLE, { limit: 40 });
    const callIndirect = onlyInstruction(module, 0, "call_indirect");
    const results = TARGETS.map((target) => trapOf(runPlain(module, target, "go", [i32(1000)], 1024 * 1024)));
    for (const trap of results) {
      expect(trap).toMatchObject({ trap: "stack_overflow", overflow: "logical" });
      expect(trap.location).toMatchObject({ funcIndex: 0, instrIndex: callIndirect });
      expect(trap.backtrace!.every((frame) => isOriginal(module, frame))).toBe(true);
    }
    expect(results[1]).toEqual(results[0]);
  });

  it("is at the entry call (no location, step −1) when the export's own thunk trips it", async () => {
    const module = await limitedFromWat(RECURSION, { limit: 1 });
    for (const target of TARGETS) {
      const run = runRecorded(module, target, "down", [i32(3)], 64 * 1024);
      const trap = trapOf(run.outcome);
      expect(trap).toMatchObject({ trap: "stack_overflow", overflow: "logical", step: -1, backtrace: [] });
      expect(trap.location).toBeUndefined();
    }
  });
});

describe("stack profiles in the original's terms", () => {
  it("have original locations only, the same on both targets, and end at the export's final end", async () => {
    const module = await limitedFromWat(THROUGH_TABLE, { limit: 60_000 });
    const runs = TARGETS.map((target) => runRecorded(module, target, "go", [i32(20)], 1024 * 1024));
    const locations = runs.map((run) => {
      if (!("profile" in run)) throw new Error("no profile");
      const full = run.profile.full!;
      expect(full.every((step) => isOriginal(module, step.location))).toBe(true);
      return full.map((step) => [step.location.funcIndex, step.location.instrIndex, step.backtrace.length]);
    });
    expect(locations[1]).toEqual(locations[0]);
    const go = module.original.module.bodies[1]!.code;
    expect(locations[0]!.at(-1)).toEqual([1, go.length - 1, 1]);
  });

  it("give each step the height of its frames' costs, plus the charge of the call it makes", async () => {
    const module = await limitedFromWat(RECURSION, { limit: 60_000 });
    const { costs } = module.limited.instrumentation;
    const call = onlyInstruction(module, 0, "call");
    for (const target of TARGETS) {
      const run = runRecorded(module, target, "down", [i32(30)], 1024 * 1024);
      if (!("profile" in run)) throw new Error("no profile");
      const steps = run.profile.full! as readonly (ProfileStep & { height: number })[];
      for (const step of steps) {
        const frames = step.backtrace.reduce((sum, frame) => sum + costs[frame.funcIndex]!, 0);
        const atCall = step.location.instrIndex === call ? costs[0]! : 0;
        expect(step.height).toBe(frames + atCall);
      }
      expect(Math.max(...steps.map((s) => s.height))).toBe(31 * costs[0]!);
    }
  });
});

describe("an import entered through its thunk (thunkZeroCost)", () => {
  const IMPORT = `(module
    (type $t (func (param i32) (result i32)))
    (import "env" "f" (func $f (type $t)))
    (table 1 funcref)
    (elem (i32.const 0) $f)
    (export "f" (func $f))
    (func (export "go") (param i32) (result i32) (call_indirect (type $t) (local.get 0) (i32.const 0))))`;

  it("is all entry call from the host, part of the call_indirect from a table, and a row of the certificate", async () => {
    const module = await limitedFromWat(IMPORT, { limit: 100, thunkZeroCost: true });
    const callIndirect = onlyInstruction(module, 1, "call_indirect");
    for (const target of TARGETS) {
      const direct = runRecorded(module, target, "f", [i32(3)], 64 * 1024);
      expect(direct.outcome.outcome).toBe("return");
      if (!("profile" in direct)) throw new Error("no profile");
      expect(direct.profile.steps).toBe(0);
      expect(direct.profile.entryDepth).toBeGreaterThan(0);
      const through = runRecorded(module, target, "go", [i32(3)], 64 * 1024);
      if (!("profile" in through)) throw new Error("no profile");
      const atCall = through.profile.full!.filter(
        (s) => s.location.funcIndex === 1 && s.location.instrIndex === callIndirect,
      );
      expect(atCall.length).toBeGreaterThan(0);
      expect(through.profile.full!.every((step) => isOriginal(module, step.location))).toBe(true);
    }
    const row = module.certificate.functions.find((f) => f.funcIndex === 0)!;
    expect(row.cost).toBe(module.limited.instrumentation.thunks.find((t) => t.callee === 0)!.charge);
    for (const t of row.perTarget) expect(t.thunkBytes).toBeGreaterThan(0);
  });
});

describe("the certificate's bound on recorded steps", () => {
  it("refuses a step deeper than k·height + c", async () => {
    const module = await limitedFromWat(RECURSION, { limit: 100 });
    const certificate = module.certificate.targets[0]!;
    const location = { funcIndex: 0, instrIndex: 0, offset: 0 };
    const within = certificate.k * 3 + certificate.c;
    const step = (depth: number) => new LogicalStep(location, depth, 3, null);
    expect(() =>
      checkBound({ entryDepth: 0, entryHeight: 0, steps: [step(within)] }, certificate),
    ).not.toThrow();
    expect(() =>
      checkBound({ entryDepth: 0, entryHeight: 0, steps: [step(within + 16)] }, certificate),
    ).toThrow(BoundViolation);
  });
});
