// Imports on emulated targets: host functions called through exits (arguments per ABI, results,
// fuel across resumed runs, the same stack use on both targets as recorded profiles show), linking
// with the 1.0 matching rules, and instances sharing globals, memories and tables, calling each
// other and back.

import { describe, expect, it } from "vitest";
import { spectestExterns } from "../../../emulators/hosts/spectest.js";
import type { Externs, HostFunction, Imports } from "../../../emulators/runtime/extern.js";
import { CODE_BASE } from "../../../emulators/runtime/layout.js";
import type { Instance } from "../../../emulators/runtime/runner.js";
import { compileModule } from "../../../src/compiler/compile.js";
import { STRATEGIES, type Strategy, TARGETS, type Target } from "../../../src/compiler/target.js";
import {
  crossCheck,
  type RecordedProfile,
  recordProfile,
  sampledLimits,
} from "../../../src/verify/dynamic.js";
import { compareProfiles, overflowPoint } from "../../../src/verify/profile.js";
import { decodeModule } from "../../../src/wasm/decoder.js";
import type { FuncType, ValidatedModule } from "../../../src/wasm/ir.js";
import type { Outcome, WasmValue } from "../../../src/wasm/outcome.js";
import { watToBinary } from "../../../src/wasm/text.js";
import { validateModule } from "../../../src/wasm/validator.js";
import { instanceOf, instantiateOn, runnersPerTarget } from "./runners.js";

const runners = runnersPerTarget();

const configurations = TARGETS.flatMap((target) => STRATEGIES.map((strategy) => [target, strategy] as const));

async function validate(wat: string): Promise<ValidatedModule> {
  return validateModule(decodeModule(await watToBinary(wat)));
}

function instantiate(validated: ValidatedModule, target: Target, strategy: Strategy, imports: Imports) {
  return instantiateOn(runners, validated, target, strategy, imports);
}

const i32 = (value: number | string): WasmValue => ({ type: "i32", value: String(value) });
const i64 = (value: bigint | string): WasmValue => ({ type: "i64", value: String(value) });
const f64 = (value: number): WasmValue => {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return { type: "f64", value: view.getBigUint64(0).toString() };
};
const returns = (...values: WasmValue[]): Outcome => ({ outcome: "return", values });

function host(name: string, type: FuncType, call: HostFunction): Externs {
  return new Map([[name, { kind: "func", func: { kind: "host", name: `env.${name}`, type, call } }]]);
}

describe.each(configurations)("host functions on %s under %s", (target, strategy) => {
  it("get every argument per ABI, in registers and on the stack, and give their result back", async () => {
    // 12 parameters of all four types: more than either target passes in registers.
    const types = ["i32", "i64", "f32", "f64"] as const;
    const params = Array.from({ length: 12 }, (_, i) => types[i % 4]!);
    const validated = await validate(`(module
      (import "env" "mix" (func $mix (param ${params.join(" ")}) (result i64)))
      (func (export "call") (result i64)
        (i64.add (i64.const 1)
          (call $mix ${params.map((type, i) => `(${type}.const ${i + 1})`).join(" ")}))))`);
    const seen: WasmValue[][] = [];
    const mix = host("mix", { params, results: ["i64"] }, (args) => {
      seen.push([...args]);
      return [i64(1000n)];
    });
    const instance = instanceOf(instantiate(validated, target, strategy, new Map([["env", mix]])));
    expect(instance.invoke("call", [])).toEqual(returns(i64(1001n)));
    const f32Bits = (value: number) => {
      const view = new DataView(new ArrayBuffer(4));
      view.setFloat32(0, value);
      return String(view.getUint32(0));
    };
    const expected = params.map((type, i) => {
      if (type === "f32") return { type, value: f32Bits(i + 1) };
      if (type === "f64") return f64(i + 1);
      return { type, value: String(i + 1) };
    });
    expect(seen).toEqual([expected]);
    instance.close();
  });

  it("give several results back, and the host reads every result of an entry function", async () => {
    // Six arguments and four results: under native, x64's result address takes rdi and pushes the
    // sixth argument to the stack; the four results cross both targets' two result registers.
    const params = ["i64", "i32", "i64", "i32", "i64", "f64"] as const;
    const results = ["i32", "i64", "f64", "i64"] as const;
    const validated = await validate(`(module
      (import "env" "quad" (func $quad (param ${params.join(" ")}) (result ${results.join(" ")})))
      (func $swap (param i64 i32 i64 i32 i64 f64) (result ${results.join(" ")})
        (call $quad (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5)))
      (func (export "call") (param $x i32) (result i64 ${results.join(" ")} i32)
        (i64.const -1)
        (call $swap (i64.const 1) (local.get $x) (i64.const 3) (i32.const 4) (i64.const 5) (f64.const 6))
        (i32.const 99)))`);
    const seen: WasmValue[][] = [];
    const quad = host("quad", { params: [...params], results: [...results] }, (args) => {
      seen.push([...args]);
      return [
        i32(Number(args[1]!.value) + 10),
        i64(BigInt(args[0]!.value) * 7n),
        f64(2.5),
        i64("18446744073709551615"),
      ];
    });
    const instance = instanceOf(instantiate(validated, target, strategy, new Map([["env", quad]])));
    expect(instance.invoke("call", [i32(2)])).toEqual(
      returns(i64("18446744073709551615"), i32(12), i64(7n), f64(2.5), i64("18446744073709551615"), i32(99)),
    );
    expect(seen).toEqual([[i64(1n), i32(2), i64(3n), i32(4), i64(5n), f64(6)]]);
    instance.close();
  });

  it("runs spectest's prints into the log and reads its globals", async () => {
    const validated = await validate(`(module
      (import "spectest" "print_i32_f32" (func $print (param i32 f32)))
      (import "spectest" "global_i32" (global $g i32))
      (import "spectest" "global_f64" (global $h f64))
      (func (export "print") (call $print (i32.const 7) (f32.const 1)))
      (func (export "g") (result i32) (global.get $g))
      (func (export "h") (result f64) (global.get $h)))`);
    const log: string[] = [];
    const imports = new Map([["spectest", spectestExterns(log)]]);
    const instance = instanceOf(instantiate(validated, target, strategy, imports));
    expect(instance.invoke("print", [])).toEqual(returns());
    expect(log).toEqual(["print_i32_f32(i32:7, f32:1065353216)"]);
    expect(instance.invoke("g", [])).toEqual(returns(i32(666)));
    expect(instance.invoke("h", [])).toEqual(returns(f64(666.6)));
    instance.close();
  });

  it("counts the fuel of the whole invocation across the runs its host calls split it into", async () => {
    const validated = await validate(`(module
      (import "env" "tick" (func $tick))
      (func (export "ticks") (param $n i32)
        (loop $again
          (call $tick)
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br_if $again (local.get $n)))))`);
    let ticks = 0;
    const tick = host("tick", { params: [], results: [] }, () => {
      ticks++;
      return [];
    });
    const instance = instanceOf(instantiate(validated, target, strategy, new Map([["env", tick]])));
    const recorded = instance.invokeRecorded("ticks", [i32(10)]);
    if (!("records" in recorded)) throw new Error(JSON.stringify(recorded));
    expect(recorded.outcome).toEqual(returns());
    expect(ticks).toBe(10);
    // Each of the eleven runs needs far less than the whole: one instruction short of the whole
    // invocation's count is too little only if the fuel is counted across them.
    const all = recorded.wasmInstructions;
    expect(instance.invoke("ticks", [i32(10)], { fuel: all })).toEqual(returns());
    expect(instance.invoke("ticks", [i32(10)], { fuel: all - 1 })).toMatchObject({
      outcome: "exhausted",
      fuel: all - 1,
    });
    instance.close();
  });

  it("reports a failing host function and a wrong result as errors", async () => {
    const validated = await validate(`(module
      (import "env" "f" (func $f (result i32)))
      (func (export "call") (result i32) (call $f)))`);
    const behaviours: [HostFunction, string][] = [
      [
        () => {
          throw new Error("boom");
        },
        "host function env.f failed: boom",
      ],
      [() => [i64(1n)], "host function env.f returned [i64], not [i32]"],
    ];
    for (const [behaviour, message] of behaviours) {
      const f = host("f", { params: [], results: ["i32"] }, behaviour);
      const instance = instanceOf(instantiate(validated, target, strategy, new Map([["env", f]])));
      expect(instance.invoke("call", [])).toEqual({ outcome: "error", message });
      instance.close();
    }
  });

  it("refuses a host function's call back into Wasm", async () => {
    const validated = await validate(`(module
      (import "env" "f" (func $f (result i32)))
      (func (export "call") (result i32) (call $f))
      (func (export "other") (result i32) (i32.const 1)))`);
    let instance: Instance | null = null;
    let inner: Outcome | null = null;
    const f = host("f", { params: [], results: ["i32"] }, () => {
      inner = instance!.invoke("other", []);
      return [i32(3)];
    });
    instance = instanceOf(instantiate(validated, target, strategy, new Map([["env", f]])));
    expect(instance.invoke("call", [])).toEqual(returns(i32(3)));
    expect(inner).toEqual({
      outcome: "error",
      message: "a host function called back into Wasm, which the runner does not support",
    });
    instance.close();
  });
});

describe("host calls use the same stack on both targets", () => {
  const wat = `(module
    (import "spectest" "print_i32" (func $print (param i32)))
    (import "spectest" "print_f64_f64" (func $print2 (param f64 f64)))
    (func $f (export "f") (param $n i32) (result i32)
      (call $print (local.get $n))
      (call $print2 (f64.const 1) (f64.const 2))
      (if (result i32) (i32.eqz (local.get $n))
        (then (i32.const 7))
        (else (i32.add (i32.const 1) (call $f (i32.sub (local.get $n) (i32.const 1))))))))`;
  const invocation = { exportName: "f", args: [i32(5)] };

  /** Each target's recorded profile, after checking every overflow point it predicts against real limited runs. */
  async function profiles(
    strategy: Strategy,
  ): Promise<{ validated: ValidatedModule; profiles: RecordedProfile[] }> {
    const validated = await validate(wat);
    const recordedProfiles = TARGETS.map((target) => {
      const artifact = compileModule(validated, {
        target,
        strategy,
        layout: { codeBase: BigInt(CODE_BASE) },
      });
      const fresh = () =>
        instanceOf(
          runners.get(target)!.instantiate(artifact, {
            module: validated.module,
            imports: new Map([["spectest", spectestExterns([])]]),
          }),
        );
      const instance = fresh();
      const recorded = recordProfile(instance, invocation, { keepFull: true });
      instance.close();
      if (!("profile" in recorded)) throw new Error(JSON.stringify(recorded.outcome));
      expect(recorded.outcome).toEqual(returns(i32(12)));
      expect(crossCheck(fresh, invocation, recorded.profile, sampledLimits(recorded.profile, []))).toEqual(
        [],
      );
      return recorded;
    });
    return { validated, profiles: recordedProfiles };
  }

  /** The limits at which the profile's overflow point is a call to an import. */
  function importCallOverflows(validated: ValidatedModule, profile: RecordedProfile["profile"]): number[] {
    const importCalls = new Set(
      validated.module.bodies[0]!.code.flatMap((instr, i) =>
        instr.op === "call" && instr.func < 2 ? [i] : [],
      ),
    );
    return profile.maximumChanges
      .map((change) => change.depth - 16)
      .filter((limit) => {
        const location = overflowPoint(profile, limit)?.location;
        return location !== undefined && location !== null && importCalls.has(location.instrIndex);
      });
  }

  it.each(["intersect", "frame"] as const)(
    "under %s: the recorded profiles are identical, and real limited runs overflow where they predict",
    async (strategy) => {
      const [x64, aarch64] = (await profiles(strategy)).profiles as [RecordedProfile, RecordedProfile];
      expect(compareProfiles(x64.profile, aarch64.profile)).toMatchObject({ identical: true });
    },
  );

  it("under intersect, an import call can be the overflow point: both targets trap there", async () => {
    const { validated, profiles: recorded } = await profiles("intersect");
    const [limit] = importCallOverflows(validated, recorded[0]!.profile);
    expect(limit).toBeDefined();
    const outcomes = TARGETS.map((target) => {
      const instance = instanceOf(
        instantiate(validated, target, "intersect", new Map([["spectest", spectestExterns([])]])),
      );
      const outcome = instance.invoke("f", invocation.args, { stackLimit: limit! });
      instance.close();
      return outcome;
    });
    const point = overflowPoint(recorded[0]!.profile, limit!)!;
    expect(outcomes[0]).toMatchObject({ outcome: "trap", trap: "stack_overflow", location: point.location });
    expect(outcomes[1]).toEqual(outcomes[0]);
  });

  it("under frame, an import call is never the overflow point: the caller's limit check covers its entry", async () => {
    const { validated, profiles: recorded } = await profiles("frame");
    expect(importCallOverflows(validated, recorded[0]!.profile)).toEqual([]);
  });
});

describe("linking", () => {
  const exporter = `(module
    (func (export "f") (param i32) (result i32) (local.get 0))
    (global (export "g") i32 (i32.const 1))
    (global (export "mut") (mut i32) (i32.const 2))
    (memory (export "m") 1 2)
    (table (export "t") 3 funcref))`;

  it.each([
    ['(import "e" "nope" (func))', "unknown import e.nope"],
    ['(import "nope" "f" (func))', "unknown import nope.f"],
    [
      '(import "e" "f" (func (param i64) (result i32)))',
      "incompatible import type for e.f: expected (i64) -> (i32), got (i32) -> (i32)",
    ],
    ['(import "e" "g" (func))', "incompatible import type for e.g: expected a func, got a global"],
    ['(import "e" "g" (global (mut i32)))', "incompatible import type for e.g: expected mut i32, got i32"],
    ['(import "e" "mut" (global i32))', "incompatible import type for e.mut: expected i32, got mut i32"],
    ['(import "e" "g" (global i64))', "incompatible import type for e.g: expected i64, got i32"],
    ['(import "e" "m" (memory 2))', "incompatible import type for e.m: expected at least 2, got 1"],
    [
      '(import "e" "m" (memory 1 1))',
      "incompatible import type for e.m: expected a maximum of at most 1, got 2",
    ],
    ['(import "e" "t" (table 4 funcref))', "incompatible import type for e.t: expected at least 4, got 3"],
    [
      '(import "e" "t" (table 1 5 funcref))',
      "incompatible import type for e.t: expected a maximum of at most 5, got none",
    ],
  ])("refuses %s: %s", async (imported, message) => {
    const e = instanceOf(instantiate(await validate(exporter), "x64", "frame", new Map()));
    const result = instantiate(
      await validate(`(module ${imported})`),
      "x64",
      "frame",
      new Map([["e", e.exports]]),
    );
    expect(result).toEqual({ ok: false, stage: "link", message });
    e.close();
  });

  it("accepts what matches, and refuses imports when none are given", async () => {
    const e = instanceOf(instantiate(await validate(exporter), "x64", "frame", new Map()));
    const importer = await validate(`(module
      (import "e" "f" (func (param i32) (result i32)))
      (import "e" "mut" (global (mut i32)))
      (import "e" "m" (memory 1 3))
      (import "e" "t" (table 2 funcref)))`);
    expect(instantiate(importer, "x64", "frame", new Map([["e", e.exports]])).ok).toBe(true);
    const artifact = compileModule(importer, {
      target: "x64",
      strategy: "frame",
      layout: { codeBase: BigInt(CODE_BASE) },
    });
    expect(runners.get("x64")!.instantiate(artifact)).toEqual({
      ok: false,
      stage: "link",
      message: "no imports given for e.f, e.mut, e.m, e.t",
    });
    e.close();
  });
});

describe.each(configurations)("instances sharing state on %s under %s", (target, strategy) => {
  it("share a mutable global and a memory: writes and growth in one are seen by the other", async () => {
    const owner = instanceOf(
      instantiate(
        await validate(`(module
          (global $g (export "g") (mut i32) (i32.const 1))
          (memory (export "m") 1 4)
          (func (export "get") (result i32) (global.get $g))
          (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
          (func (export "size") (result i32) (memory.size)))`),
        target,
        strategy,
        new Map(),
      ),
    );
    const user = instanceOf(
      instantiate(
        await validate(`(module
          (import "owner" "g" (global $g (mut i32)))
          (import "owner" "m" (memory 1))
          (data (i32.const 8) "\\2a")
          (func (export "set") (param i32) (global.set $g (local.get 0)))
          (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
          (func (export "grow") (result i32) (memory.grow (i32.const 2))))`),
        target,
        strategy,
        new Map([["owner", owner.exports]]),
      ),
    );
    expect(owner.invoke("load", [i32(8)])).toEqual(returns(i32(42)));
    expect(user.invoke("set", [i32(5)])).toEqual(returns());
    expect(owner.invoke("get", [])).toEqual(returns(i32(5)));
    expect(owner.getGlobal("g")).toEqual(returns(i32(5)));
    expect(user.invoke("store", [i32(100), i32(77)])).toEqual(returns());
    expect(owner.invoke("load", [i32(100)])).toEqual(returns(i32(77)));
    expect(user.invoke("grow", [])).toEqual(returns(i32(1)));
    expect(owner.invoke("size", [])).toEqual(returns(i32(3)));
    expect(owner.invoke("load", [i32(3 * 65536 - 4)])).toEqual(returns(i32(0)));
    expect(user.invoke("grow", [])).toEqual(returns(i32(0xffffffff)));
    user.close();
    // The memory outlives the instance that held it last.
    expect(owner.invoke("load", [i32(100)])).toEqual(returns(i32(77)));
    owner.close();
  });

  it("call each other's functions through imports and a shared table, and back, with one stack limit", async () => {
    const { a, b } = await recursionAcrossInstances(target, strategy);
    expect(b.invoke("down", [i32(50)])).toEqual(returns(i32(51)));
    expect(a.invoke("via", [i32(10)])).toEqual(returns(i32(62)));
    // The limit holds for the chain as a whole: deep enough, it overflows.
    expect(b.invoke("down", [i32(100_000)], { stackLimit: 64 * 1024 })).toMatchObject({
      outcome: "trap",
      trap: "stack_overflow",
    });
    b.close();
    a.close();
  });

  it("keep functions a failed instantiation put into an imported table callable (Wasm 2.0)", async () => {
    const a = instanceOf(
      instantiate(
        await validate(`(module
          (type $t (func (result i32)))
          (table (export "tab") 2 funcref)
          (func (export "call") (param i32) (result i32) (call_indirect (type $t) (local.get 0))))`),
        target,
        strategy,
        new Map(),
      ),
    );
    const failing = instantiate(
      await validate(`(module
        (import "A" "tab" (table 2 funcref))
        (memory 1)
        (elem (i32.const 0) $f)
        (func $f (result i32) (i32.const 9))
        (data (i32.const 65536) "x"))`),
      target,
      strategy,
      new Map([["A", a.exports]]),
    );
    expect(failing).toMatchObject({
      ok: false,
      stage: "instantiate",
      outcome: { trap: "out_of_bounds_memory" },
    });
    expect(a.invoke("call", [i32(0)])).toEqual(returns(i32(9)));
    expect(a.invoke("call", [i32(1)])).toMatchObject({ outcome: "trap", trap: "uninitialized_element" });
    a.close();
  });
});

describe("one stack across instances", () => {
  it.each(["intersect", "frame"] as const)(
    "under %s, a recursion across two instances overflows at the same point on both targets",
    async (strategy) => {
      const outcomes = [];
      for (const target of TARGETS) {
        const { a, b } = await recursionAcrossInstances(target, strategy);
        outcomes.push(b.invoke("down", [i32(100_000)], { stackLimit: 48 * 1024 }));
        b.close();
        a.close();
      }
      expect(outcomes[0]).toMatchObject({ outcome: "trap", trap: "stack_overflow" });
      expect(outcomes[1]).toEqual(outcomes[0]);
    },
  );
});

/**
 * $A exports a table and a function calling through it; $B puts its own function into the table and
 * imports A's: B.down → A.via → (table) B.down → … a recursion across two instances, with eight
 * arguments (on the stack on x64 only) and a counter of calls in a global of B.
 */
async function recursionAcrossInstances(
  target: Target,
  strategy: Strategy,
): Promise<{ a: Instance; b: Instance }> {
  const params = "(param i32 i64 i64 i64 i64 i64 i64 i64)";
  const args =
    "(i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5) (i64.const 6) (i64.const 7)";
  const a = instanceOf(
    instantiate(
      await validate(`(module
        (type $t (func ${params} (result i32)))
        (table (export "tab") 2 funcref)
        (func (export "via") (param i32) (result i32)
          (call_indirect (type $t) (local.get 0) ${args} (i32.const 1))))`),
      target,
      strategy,
      new Map(),
    ),
  );
  const b = instanceOf(
    instantiate(
      await validate(`(module
        (import "A" "tab" (table 2 funcref))
        (import "A" "via" (func $via (param i32) (result i32)))
        (global $calls (mut i32) (i32.const 0))
        (elem (i32.const 1) $down8)
        (func $down8 ${params} (result i32) (call $down (local.get 0)))
        (func $down (export "down") (param $n i32) (result i32)
          (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
          (if (result i32) (i32.eqz (local.get $n))
            (then (global.get $calls))
            (else (call $via (i32.sub (local.get $n) (i32.const 1)))))))`),
      target,
      strategy,
      new Map([["A", a.exports]]),
    ),
  );
  return { a, b };
}
