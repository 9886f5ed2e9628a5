import { describe, expect, it } from "vitest";
import initWabt from "wabt";
import { InvalidArgumentError } from "../../../emulators/errors.js";
import { CODE_BASE } from "../../../emulators/runtime/layout.js";
import { Runner, type RunnerInstantiation } from "../../../emulators/runtime/runner.js";
import { V8Instance, v8TrapMatches } from "../../../emulators/v8/v8.js";
import { compileModule } from "../../../src/compiler/compile.js";
import { STRATEGIES, type Strategy, TARGETS, type Target } from "../../../src/compiler/target.js";
import { decodeModule } from "../../../src/wasm/decoder.js";
import type { Module, ValidatedModule } from "../../../src/wasm/ir.js";
import type { Outcome, WasmLocation } from "../../../src/wasm/outcome.js";
import { watToBinary } from "../../../src/wasm/text.js";
import { validateModule } from "../../../src/wasm/validator.js";
import { instanceOf, runnersPerTarget } from "./runners.js";

const wabt = await initWabt();
const runners = runnersPerTarget();

interface Loaded {
  module: Module;
  validated: ValidatedModule;
  instantiate(target: Target, strategy: Strategy): RunnerInstantiation;
}

async function load(wat: string): Promise<Loaded> {
  return loadBytes(await watToBinary(wat));
}

function loadBytes(bytes: Uint8Array): Loaded {
  const validated = validateModule(decodeModule(bytes));
  return {
    module: validated.module,
    validated,
    instantiate: (target, strategy) =>
      runners.get(target)!.instantiate(
        compileModule(validated, {
          target,
          strategy,
          layout: { codeBase: BigInt(CODE_BASE) },
        }),
      ),
  };
}

/** The location of the `occurrence`-th instruction `op` in function `funcIndex`, from the decoder. */
function locate(module: Module, funcIndex: number, op: string, occurrence = 0): WasmLocation {
  const defined = funcIndex - module.imports.filter((i) => i.desc.kind === "func").length;
  const code = module.bodies[defined]!.code;
  const matches = code.flatMap((instr, instrIndex) => (instr.op === op ? [instrIndex] : []));
  const instrIndex = matches[occurrence];
  if (instrIndex === undefined) throw new Error(`no ${op} #${occurrence} in function ${funcIndex}`);
  return { funcIndex, instrIndex, offset: code[instrIndex]!.offset };
}

const i32 = (value: number | string) => ({ type: "i32", value: String(value) }) as const;
const i64 = (value: bigint | string) => ({ type: "i64", value: String(value) }) as const;
const returns = (...values: { type: string; value: string }[]): Outcome =>
  ({ outcome: "return", values }) as Outcome;

const configurations = TARGETS.flatMap((target) => STRATEGIES.map((strategy) => [target, strategy] as const));

describe.each(configurations)("Runner on %s under %s", (target, strategy) => {
  it("passes arguments in registers and on the stack, and returns results from the result register", async () => {
    // 10 parameters: more than either target has argument registers.
    const params = Array.from({ length: 10 }, (_, i) => `(param $p${i} i64)`).join(" ");
    const weighted = Array.from(
      { length: 10 },
      (_, i) => `(i64.mul (local.get $p${i}) (i64.const ${i + 1}))`,
    );
    const sum = weighted.reduce((acc, term) => `(i64.add ${acc} ${term})`);
    const loaded = await load(`(module
      (func (export "weighted") ${params} (result i64) ${sum})
      (func (export "minus_one") (result i32) (i32.const -1))
      (func (export "wide") (param i32) (result i64) (i64.extend_i32_u (local.get 0))))`);
    const instance = instanceOf(loaded.instantiate(target, strategy));
    const args = Array.from({ length: 10 }, (_, i) => BigInt(1000 * (i + 1) + i));
    const expected = args.reduce((acc, a, i) => acc + a * BigInt(i + 1), 0n);
    expect(instance.invoke("weighted", args.map(i64))).toEqual(returns(i64(expected)));
    expect(instance.invoke("minus_one", [])).toEqual(returns(i32(0xffffffff)));
    // An i32 argument's slot is zero-extended: the upper half the host writes is 0.
    expect(instance.invoke("wide", [i32(0x80000000)])).toEqual(returns(i64(0x80000000n)));
    instance.close();
  });

  it("locates a trap and unwinds the Wasm backtrace, outermost first", async () => {
    const loaded = await load(`(module
      (func $outer (export "outer") (param i32) (result i32)
        (i32.add (i32.const 1) (call $middle (local.get 0))))
      (func $middle (param i32) (result i32)
        (i32.mul (i32.const 2) (call $inner (local.get 0) (i32.const 7))))
      (func $inner (param i32 i32) (result i32)
        (i32.div_u (local.get 1) (local.get 0))))`);
    const instance = instanceOf(loaded.instantiate(target, strategy));
    expect(instance.invoke("outer", [i32(7)])).toEqual(returns(i32(3)));
    const backtrace = [
      locate(loaded.module, 0, "call"),
      locate(loaded.module, 1, "call"),
      locate(loaded.module, 2, "i32.div_u"),
    ];
    expect(instance.invoke("outer", [i32(0)])).toEqual({
      outcome: "trap",
      trap: "integer_divide_by_zero",
      location: backtrace[2],
      backtrace,
    });
    instance.close();
  });

  it("reports unbounded recursion as a stack overflow at a call", async () => {
    const loaded = await load(`(module
      (func $down (export "down") (param i32) (result i32)
        (i32.add (i32.const 1) (call $down (i32.add (local.get 0) (i32.const 1))))))`);
    const instance = instanceOf(loaded.instantiate(target, strategy));
    const outcome = instance.invoke("down", [i32(0)], { stackLimit: 4096 });
    const call = locate(loaded.module, 0, "call");
    expect(outcome).toMatchObject({ outcome: "trap", trap: "stack_overflow", location: call });
    const frames = outcome.outcome === "trap" ? (outcome.backtrace ?? []) : [];
    // Each frame is at least its return address or frame record deep: fewer than 4096 / 8 frames.
    expect(frames.length).toBeGreaterThan(1);
    expect(frames.length).toBeLessThan(4096 / 8);
    expect(frames.every((frame) => frame.instrIndex === call.instrIndex)).toBe(true);
    // A deeper limit lets more frames in.
    const deeper = instance.invoke("down", [i32(0)], { stackLimit: 8192 });
    expect(deeper.outcome === "trap" && deeper.backtrace!.length).toBeGreaterThan(frames.length);
    instance.close();
  });

  it("stops at the fuel limit", async () => {
    const loaded = await load(`(module (func (export "spin") (loop (br 0))))`);
    const instance = instanceOf(loaded.instantiate(target, strategy));
    // Each iteration charges the loop (empty) and the br at the br's start: the fuel runs out there.
    expect(instance.invoke("spin", [], { fuel: 5000 })).toMatchObject({
      outcome: "exhausted",
      fuel: 5000,
      location: { funcIndex: 0, instrIndex: 1 },
    });
    instance.close();
  });

  it("keeps memory and globals across invocations, with data segments and memory.grow", async () => {
    const loaded = await load(`(module
      (memory 1 3)
      (data (i32.const 16) "\\2a\\00\\00\\00")
      (global $count (export "count") (mut i64) (i64.const 100))
      (func (export "bump") (result i32)
        (global.set $count (i64.add (global.get $count) (i64.const 1)))
        (i32.store (i32.const 16) (i32.add (i32.load (i32.const 16)) (i32.const 1)))
        (i32.load (i32.const 16)))
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
      (func (export "last_byte") (result i32) (i32.load8_u (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1)))))`);
    const instance = instanceOf(loaded.instantiate(target, strategy));
    expect(instance.invoke("bump", [])).toEqual(returns(i32(43)));
    expect(instance.invoke("bump", [])).toEqual(returns(i32(44)));
    expect(instance.getGlobal("count")).toEqual(returns(i64(102n)));
    expect(instance.invoke("grow", [i32(2)])).toEqual(returns(i32(1)));
    expect(instance.invoke("last_byte", [])).toEqual(returns(i32(0)));
    expect(instance.invoke("grow", [i32(1)])).toEqual(returns(i32(0xffffffff)));
    instance.close();
    // A new instance starts from the module's initial state, even on the same engine.
    const fresh = instanceOf(loaded.instantiate(target, strategy));
    expect(fresh.invoke("bump", [])).toEqual(returns(i32(43)));
    fresh.close();
  });

  it("runs the start function at instantiation", async () => {
    const loaded = await load(`(module
      (global $g (mut i32) (i32.const 1))
      (func $start (global.set $g (i32.const 5)))
      (start $start)
      (func (export "get") (result i32) (global.get $g)))`);
    const instance = instanceOf(loaded.instantiate(target, strategy));
    expect(instance.invoke("get", [])).toEqual(returns(i32(5)));
    instance.close();
  });

  it("fails instantiation when the start function traps or a data segment is out of bounds", async () => {
    const trapping = await load(`(module (func $start unreachable) (start $start))`);
    expect(trapping.instantiate(target, strategy)).toEqual({
      ok: false,
      stage: "instantiate",
      outcome: {
        outcome: "trap",
        trap: "unreachable",
        location: locate(trapping.module, 0, "unreachable"),
        backtrace: [locate(trapping.module, 0, "unreachable")],
      },
    });
    const outOfBounds = await load(`(module (memory 1) (data (i32.const 65535) "ab"))`);
    expect(outOfBounds.instantiate(target, strategy)).toEqual({
      ok: false,
      stage: "instantiate",
      outcome: { outcome: "trap", trap: "out_of_bounds_memory" },
    });
  });

  it("calls through the table, with the spec's three indirect-call traps (V8 agreeing on the kinds)", async () => {
    const wat = `(module
      (type $nullary (func (result i32)))
      (type $unary (func (param i32) (result i32)))
      (table 3 funcref)
      (func $seven (type $nullary) (i32.const 7))
      (func $same (type $unary) (local.get 0))
      (elem (i32.const 0) $seven $same)
      (func (export "call") (param i32) (result i32) (call_indirect (type $nullary) (local.get 0))))`;
    const loaded = await load(wat);
    const instance = instanceOf(loaded.instantiate(target, strategy));
    const bytes = await watToBinary(wat);
    const v8 = V8Instance.instantiate(bytes, loaded.module);
    if (!v8.ok) throw new Error("V8 did not instantiate the module");
    // Entry 0 has the called type, entry 1 another type, entry 2 is null, 3 is past the table.
    expect(instance.invoke("call", [i32(0)])).toEqual(returns(i32(7)));
    expect(v8.instance.invoke("call", [i32(0)])).toEqual(returns(i32(7)));
    const expected = ["indirect_call_type_mismatch", "uninitialized_element", "undefined_element"] as const;
    for (const [i, kind] of expected.entries()) {
      const outcome = instance.invoke("call", [i32(i + 1)]);
      expect(outcome).toMatchObject({
        outcome: "trap",
        trap: kind,
        location: locate(loaded.module, 2, "call_indirect"),
      });
      const byV8 = v8.instance.invoke("call", [i32(i + 1)]);
      expect(byV8.outcome === "trap" && v8TrapMatches(byV8.trap, kind)).toBe(true);
    }
    instance.close();
    const outOfBounds = await load(`(module (table 1 funcref) (func $f) (elem (i32.const 1) $f))`);
    expect(outOfBounds.instantiate(target, strategy)).toEqual({
      ok: false,
      stage: "instantiate",
      outcome: { outcome: "trap", trap: "out_of_bounds_table" },
    });
  });

  it("runs a call that reaches a function using reference types", async () => {
    const wat = `(module
      (func $isnull (param i32) (result i32) (ref.is_null (ref.null extern)))
      (func (export "via") (param i32) (result i32) (call $isnull (local.get 0)))
      (func (export "plain") (result i32) (i32.const 1)))`;
    const loaded = loadBytes(wabt.parseWat("ref.wat", wat, { reference_types: true }).toBinary({}).buffer);
    const instance = instanceOf(loaded.instantiate(target, strategy));
    expect(instance.invoke("plain", [])).toEqual(returns(i32(1)));
    expect(instance.invoke("via", [i32(0x80)])).toEqual(returns(i32(1)));
    instance.close();
  });

  // Engines keep their regions (code, VM context, memory, tables, a stack as deep as any instance
  // used) for the next instance, which must not see any of what ran before.
  it("gives a new instance a fresh machine whatever ran on its engine: other code, memory, table, deeper stack", async () => {
    const deep = `(func $deep (param i32) (result i32)
      (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
        (else (i32.add (call $deep (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))`;
    // More code than the checking module's: the old code reaches past the new one.
    const body = `${"(i64.mul (i64.add ".repeat(6)}(local.get 0)${" (i64.const 3)) (local.get 0))".repeat(6)}`;
    const padding = Array.from(
      { length: 8 },
      (_, i) => `(func (export "pad${i}") (param i64) (result i64) ${body})`,
    );
    const dirtying = await load(`(module
      (memory 2 2) (table 4 funcref) (global $g (mut i64) (i64.const 0))
      (func $seven (result i32) (i32.const 7)) (elem (i32.const 0) $seven $seven $seven $seven)
      (func $down (param i32) (result i32)
        (i32.add (call $down (i32.add (local.get 0) (i32.const 1))) (local.get 0)))
      ${padding.join(" ")}
      (func (export "dirty") (result i32)
        (i64.store (i32.const 0) (i64.const -1))
        (i64.store (i32.const 65536) (i64.const -1))
        (i64.store (i32.const 131064) (i64.const -1))
        (global.set $g (i64.const -1))
        (call $down (i32.const 1))))`);
    const checking = await load(`(module
      (memory 2 2) (table 4 funcref) (global $g (mut i64) (i64.const 5))
      (type $nullary (func (result i32)))
      (func $one (result i32) (i32.const 1)) (elem (i32.const 1) $one)
      ${deep}
      (func (export "fresh") (param i32) (result i64)
        (i64.add
          (i64.add (i64.load (i32.const 0)) (i64.load (i32.const 65536)))
          (i64.add (i64.add (i64.load (i32.const 131064)) (global.get $g))
            (i64.extend_i32_u (i32.add (call $deep (local.get 0)) (call_indirect (type $nullary) (i32.const 1)))))))
      (func (export "slot") (param i32) (result i32) (call_indirect (type $nullary) (local.get 0))))`);
    const compile = (loaded: Loaded) =>
      compileModule(loaded.validated, {
        target,
        strategy,
        layout: { codeBase: BigInt(CODE_BASE) },
      });
    const dirtyArtifact = compile(dirtying);
    const checkArtifact = compile(checking);
    expect(dirtyArtifact.code.length).toBeGreaterThan(checkArtifact.code.length);
    const limit = { stackLimit: 64 * 1024 };
    /** `checking`'s runs on `runner`: outcomes, fuel and the stack bytes they left. */
    const check = (runner: Runner) => {
      const instance = instanceOf(
        runner.instantiate(checkArtifact, { module: checking.module, imports: new Map() }),
      );
      try {
        const fresh = instance.invoke("fresh", [i32(20)], limit);
        const state = { fuel: instance.wasmInstructionsUsed, ...instance.machineState(["sp"]) };
        return { fresh, state, slot0: instance.invoke("slot", [i32(0)], limit) };
      } finally {
        instance.close();
      }
    };
    for (const metering of ["instruction", "block"] as const) {
      const used = new Runner(target, {}, { metering });
      const unused = new Runner(target, {}, { metering });
      try {
        const dirty = instanceOf(
          used.instantiate(dirtyArtifact, { module: dirtying.module, imports: new Map() }),
        );
        // Down to the limit: the whole stack written.
        const overflow = dirty.invoke("dirty", [], { stackLimit: 1024 * 1024 });
        expect(overflow).toMatchObject({ outcome: "trap", trap: "stack_overflow" });
        dirty.close();
        const afterDirty = check(used);
        expect(afterDirty.fresh).toEqual(returns(i64(5n + 20n + 1n)));
        expect(afterDirty.slot0).toMatchObject({ outcome: "trap", trap: "uninitialized_element" });
        expect(afterDirty).toEqual(check(unused));
      } finally {
        used.close();
        unused.close();
      }
    }
  });

  it("refuses modules with imports, and reports bad calls as error outcomes", async () => {
    for (const imports of [
      '(import "env" "f" (func))',
      '(import "env" "m" (memory 1))',
      '(import "env" "g" (global i32))',
    ]) {
      const importing = await load(`(module ${imports})`);
      expect(importing.instantiate(target, strategy)).toMatchObject({ ok: false, stage: "link" });
    }
    const loaded = await load(`(module (func (export "f") (param i32)))`);
    const instance = instanceOf(loaded.instantiate(target, strategy));
    expect(instance.invoke("g", []).outcome).toBe("error");
    expect(instance.invoke("f", []).outcome).toBe("error");
    expect(instance.invoke("f", [i64(1n)]).outcome).toBe("error");
    expect(instance.getGlobal("f").outcome).toBe("error");
    expect(() => instance.invoke("f", [i32(1)], { stackLimit: 100 })).toThrow(InvalidArgumentError);
    instance.close();
  });
});

describe("Runner under the frame strategy", () => {
  it.each(TARGETS)(
    "reports a guard-region fault as an error on %s: the prologue's limit check must have caught it",
    async (target) => {
      // A push-strategy artifact labelled `frame`: its overflow reaches the guard, which under `frame`
      // only a missed limit check can do.
      const validated = validateModule(
        decodeModule(await watToBinary(`(module (func $f (export "f") (call $f)))`)),
      );
      const pushed = compileModule(validated, {
        target,
        strategy: "intersect",
        layout: { codeBase: BigInt(CODE_BASE) },
      });
      const instance = instanceOf(runners.get(target)!.instantiate({ ...pushed, strategy: "frame" }));
      const outcome = instance.invoke("f", [], { stackLimit: 4096 });
      expect(outcome.outcome === "error" && outcome.message).toContain(
        "guard region under the frame strategy",
      );
      instance.close();
    },
  );
});

describe("Runner across targets", () => {
  it.each(["intersect", "frame"] as const)(
    "overflows at the same instruction with the same backtrace on both targets under %s",
    async (strategy) => {
      // Nine parameters: the write-up's example, where the targets' ABIs differ.
      const params = Array.from({ length: 9 }, () => "i64").join(" ");
      const args = Array.from({ length: 9 }, (_, i) => `(i64.add (local.get ${i}) (i64.const 1))`).join(" ");
      const loaded = await load(`(module
        (func $f (export "f") (param ${params}) (result i64) (call $f ${args})))`);
      const outcomes = TARGETS.map((target) => {
        const instance = instanceOf(loaded.instantiate(target, strategy));
        const outcome = instance.invoke(
          "f",
          Array.from({ length: 9 }, () => i64(0n)),
          { stackLimit: 3008 },
        );
        instance.close();
        return outcome;
      });
      expect(outcomes[0]).toMatchObject({ outcome: "trap", trap: "stack_overflow" });
      expect(outcomes[1]).toEqual(outcomes[0]);
    },
  );
});
