// Where each instruction of an instrumented module comes from: original instructions map back to
// themselves, inserted ones to the call they guard, thunks to the entries they stand for; the
// limiter's `unreachable`s are told apart from the module's own.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { instrument } from "../../src/instrument/index.js";
import type { Instr } from "../../src/wasm/ir.js";
import { instrumentWat, validatedWat } from "./module-compare.js";

const MAIN = `(module
  (func $leaf (param i32) (result i32) local.get 0)
  (func (export "main") (param i32) (result i32)
    local.get 0
    call $leaf
    i32.const 1
    i32.add)
  (func (export "bare") unreachable))`;

/** The parts of one guarded call, as the reference writes it (15 instructions). */
const GUARD_PARTS = [
  ...Array(4).fill("raise"),
  ...Array(4).fill("check"),
  "trap",
  "check",
  "call",
  ...Array(4).fill("lower"),
];

describe("instruction origins", () => {
  it("map a guarded call's instructions to the call, and the others to themselves", async () => {
    const original = await validatedWat(MAIN);
    const { instrumentation, output } = await instrumentWat(MAIN, { limit: 1024 });
    const { origins } = instrumentation;
    const call = original.module.bodies[1]!.code[1]!;
    const at = (instrIndex: number) => ({
      funcIndex: 1,
      instrIndex,
      offset: original.module.bodies[1]!.code[instrIndex]!.offset,
    });
    const main = output.module.bodies[1]!.code.map((_, i) => origins.origin(1, i));
    expect(main[0]).toEqual({ kind: "original", at: at(0) });
    expect(main.slice(1, 16)).toEqual(
      GUARD_PARTS.map((part) =>
        part === "call"
          ? { kind: "original", at: at(1) }
          : { kind: "limiter", part, guards: { funcIndex: 1, instrIndex: 1, offset: call.offset } },
      ),
    );
    expect(main.slice(16)).toEqual([2, 3, 4].map((i) => ({ kind: "original", at: at(i) })));
  });

  it("map a thunk's instructions to the thunk and the entries it stands for", async () => {
    const { instrumentation, output } = await instrumentWat(MAIN, { limit: 1024 });
    const { origins, thunks } = instrumentation;
    // Thunks for main (function 1) and bare (function 2), appended as functions 3 and 4.
    const thunk = thunks[0]!;
    expect(thunk).toEqual({
      funcIndex: 3,
      callee: 1,
      charge: 4,
      entries: [{ kind: "export", name: "main" }],
    });
    expect(origins.thunkAt(3)).toBe(thunk);
    expect(origins.thunkAt(1)).toBeUndefined();
    const parts = output.module.bodies[3]!.code.map((_, i) => origins.origin(3, i));
    expect(parts).toEqual(
      ["argument", ...GUARD_PARTS, "return"].map((part) => ({ kind: "thunk", part, thunk })),
    );
  });

  it("tell the limiter's overflow traps from the module's own unreachable", async () => {
    const { instrumentation, output } = await instrumentWat(MAIN, { limit: 1024 });
    const { origins } = instrumentation;
    // One guarded call in main (its trap is instruction 1 + 8), one per thunk (after 1 argument in
    // main's thunk, none in bare's).
    expect(origins.overflowTraps()).toEqual([
      { funcIndex: 1, instrIndex: 9 },
      { funcIndex: 3, instrIndex: 9 },
      { funcIndex: 4, instrIndex: 8 },
    ]);
    expect(output.module.bodies[2]!.code[0]!.op).toBe("unreachable");
    expect(origins.isOverflowTrap(2, 0)).toBe(false);
    expect(origins.isOverflowTrap(1, 9)).toBe(true);
    expect(() => origins.origin(1, 99)).toThrow(RangeError);
  });

  it("hold for every instruction of every corpus module", async () => {
    const corpus = path.resolve(import.meta.dirname, "../../corpus");
    const files = readdirSync(corpus).filter((name) => name.endsWith(".wat"));
    expect(files.length).toBeGreaterThan(20);
    for (const file of files) {
      const original = await validatedWat(readFileSync(path.join(corpus, file), "utf8"));
      const instrumentation = instrument(original, { limit: 65_536 });
      const { module, origins, thunks, guardedCalls } = instrumentation;
      const imported = original.funcTypes.length - original.module.bodies.length;
      const thunkOf = new Map(thunks.map((t) => [t.callee, t.funcIndex]));
      let traps = 0;
      module.bodies.forEach((body, defined) => {
        const funcIndex = imported + defined;
        body.code.forEach((instr, instrIndex) => {
          const origin = origins.origin(funcIndex, instrIndex);
          const where = `${file}: f${funcIndex} #${instrIndex}`;
          if (origins.isOverflowTrap(funcIndex, instrIndex)) {
            traps++;
            expect(instr.op, where).toBe("unreachable");
          }
          if (origin.kind === "original") {
            const source =
              original.module.bodies[origin.at.funcIndex - imported]!.code[origin.at.instrIndex]!;
            expect(origin.at.funcIndex, where).toBe(funcIndex);
            expect(withoutOffset(instr), where).toEqual(
              withoutOffset(
                source.op === "ref.func"
                  ? { ...source, func: thunkOf.get(source.func) ?? source.func }
                  : source,
              ),
            );
          } else if (origin.kind === "limiter") {
            const guarded =
              original.module.bodies[origin.guards.funcIndex - imported]!.code[origin.guards.instrIndex]!;
            expect(guarded.op, where).toBe("call");
          } else {
            expect(origin.thunk.funcIndex, where).toBe(funcIndex);
          }
        });
      });
      expect(traps, file).toBe(guardedCalls + thunks.length);
    }
  });
});

function withoutOffset(instr: Instr): Omit<Instr, "offset"> {
  const { offset: _offset, ...rest } = instr;
  return rest;
}
