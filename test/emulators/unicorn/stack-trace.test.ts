/** The C-side per-instruction work: (pc, sp) records with min-sp between them, and alignment checks. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Engine } from "../../../emulators/unicorn/index.js";
import { TARGETS, type Target } from "../../../src/compiler/target.js";
import { hex, words } from "../machine-code.js";
import { CODE, FUEL, load, newEngine, STACK_TOP } from "./fixture.js";

/** Bytes one push moves sp by in the recorder and pushPopLoop programs: push / str pre-indexed by 16. */
const SLOT: Record<Target, number> = { x64: 8, aarch64: 16 };

/** The spWriters program in execution order: [instruction offset, depth in bytes before it]. */
const SP_WRITERS: Record<Target, [number, number][]> = {
  x64: [
    [0x0, 0], // push rbp
    [0x1, 8], // mov rbp, rsp
    [0x4, 8], // sub rsp, 0x20
    [0x8, 40], // add rsp, 0x10
    [0xc, 24], // lea rsp, [rsp-0x40]
    [0x11, 88], // push rax
    [0x12, 96], // pop rax
    [0x13, 88], // call f
    [0x1e, 96], // sub rsp, 0x100
    [0x25, 352], // add rsp, 0x100
    [0x2c, 96], // ret
    [0x18, 88], // leave
    [0x19, 0], // jmp exit
  ],
  aarch64: [
    [0x0, 0], // mov x29, sp
    [0x4, 0], // sub sp, sp, #0x20
    [0x8, 32], // add sp, sp, #0x10
    [0xc, 16], // stp x0, x1, [sp, #-16]!
    [0x10, 32], // ldp x0, x1, [sp], #16
    [0x14, 16], // mov sp, x29
    [0x18, 0], // bl f
    [0x20, 0], // sub sp, sp, #0x100
    [0x24, 256], // add sp, sp, #0x100
    [0x28, 0], // ret
    [0x1c, 0], // b exit
  ],
};

/** The sp-writing replacement for spRewrite's `replaced` instruction (mov rsp, rbx / mov sp, x1). */
const SP_WRITE: Record<Target, Uint8Array> = { x64: hex("48 89 dc"), aarch64: words(0x9100003f) };

describe.each(TARGETS)("%s stack trace", (target) => {
  let engine: Engine;
  beforeEach(() => {
    engine = newEngine(target);
  });
  afterEach(() => engine.close());

  it("records sp at watched addresses and the minimum sp since the previous record", () => {
    const at = load(engine, "recorder");
    const slot = SLOT[target];
    engine.setWatchPoints([at("first"), at("middle"), at("last")]);
    const result = engine.run({ begin: CODE, fuel: FUEL });
    expect(result.stop.kind).toBe("exit");
    // Depth in slots before each instruction: 0 [1 2 1] [2 1 0]; the bracketed runs end at a record.
    expect(result.records.toArray()).toEqual([
      { pc: at("first"), sp: STACK_TOP, minSp: STACK_TOP, step: 0 },
      { pc: at("middle"), sp: STACK_TOP - slot, minSp: STACK_TOP - 2 * slot, step: 3 },
      { pc: at("last"), sp: STACK_TOP, minSp: STACK_TOP - 2 * slot, step: 6 },
    ]);
    expect(result.records.dropped).toBe(0);
    expect(result.tailMinSp).toBe(STACK_TOP);
  });

  it("sees sp after every kind of instruction that writes it (sp is reread only after those)", () => {
    load(engine, "spWriters");
    const sequence = SP_WRITERS[target];
    engine.setWatchPoints(sequence.map(([offset]) => CODE + offset));
    const result = engine.run({ begin: CODE, fuel: FUEL });
    expect(result.stop.kind).toBe("exit");
    expect(result.records.toArray()).toEqual(
      sequence.map(([offset, depth], step) => ({
        pc: CODE + offset,
        sp: STACK_TOP - depth,
        minSp: STACK_TOP - depth,
        step,
      })),
    );
  });

  it("forgets which instructions write sp when their code is rewritten", () => {
    const at = load(engine, "spRewrite");
    engine.setWatchPoints([at("last")]);
    expect(engine.run({ begin: CODE, fuel: FUEL }).records.sp(0)).toBe(STACK_TOP);
    engine.writeMemory(at("replaced"), SP_WRITE[target]);
    engine.writeRegister("sp", STACK_TOP);
    expect(engine.run({ begin: CODE, fuel: FUEL }).records.sp(0)).toBe(STACK_TOP - 0x40);
  });

  it("rereads sp after an address hook, which may have set it", () => {
    const at = load(engine, "spRewrite");
    engine.setWatchPoints([at("last")]);
    engine.hookAddress(at("replaced"), (hooked) => {
      hooked.writeRegister("sp", STACK_TOP - 0x80);
      return undefined;
    });
    const result = engine.run({ begin: CODE, fuel: FUEL });
    expect(result.records.toArray()).toEqual([
      { pc: at("last"), sp: STACK_TOP - 0x80, minSp: STACK_TOP - 0x80, step: 3 },
    ]);
  });

  it("records every pass through a watched loop head, and starts afresh on each run", () => {
    const at = load(engine, "countedLoop");
    engine.setWatchPoints([at("loop")]);
    engine.writeRegister("arg0", 5);
    const first = engine.run({ begin: CODE, fuel: FUEL });
    expect(Array.from({ length: first.records.length }, (_, i) => first.records.step(i))).toEqual([
      2, 5, 8, 11, 14,
    ]);

    engine.writeRegister("arg0", 2);
    expect(engine.run({ begin: CODE, fuel: FUEL }).records.length).toBe(2);
  });

  it("sees the push inside every iteration of a loop", () => {
    const at = load(engine, "pushPopLoop");
    engine.setWatchPoints([at("loop")]);
    engine.writeRegister("arg0", 4);
    const result = engine.run({ begin: CODE, fuel: FUEL });
    expect(engine.readRegister("ret0")).toBe(10n);
    // Each record's interval holds the previous iteration's push; the first one's holds none.
    expect(result.records.toArray().map((r) => STACK_TOP - r.minSp)).toEqual([
      0,
      SLOT[target],
      SLOT[target],
      SLOT[target],
    ]);
    expect(STACK_TOP - result.tailMinSp!).toBe(SLOT[target]);
  });

  it("counts records past the capacity as dropped, never losing them silently", () => {
    engine.close();
    engine = newEngine(target, { recordCapacity: 3 });
    const at = load(engine, "countedLoop");
    engine.setWatchPoints([at("loop")]);
    engine.writeRegister("arg0", 5);
    const result = engine.run({ begin: CODE, fuel: FUEL });
    expect(result.records.length).toBe(3);
    expect(result.records.dropped).toBe(2);
    expect(engine.readRegister("ret0")).toBe(15n);
  });

  it("does not track sp when nothing is watched", () => {
    const at = load(engine, "misalignment");
    engine.setAlignmentChecks([at("misalignedAccess")]);
    const result = engine.run({ begin: CODE, fuel: FUEL });
    expect(result.records.length).toBe(0);
    expect(result.tailMinSp).toBeNull();
  });

  it("reports every check where sp is not 16-byte aligned, with its pc", () => {
    const at = load(engine, "misalignment");
    engine.setAlignmentChecks([at("misalignedAccess"), at("alignedAccess")]);
    const result = engine.run({ begin: CODE, fuel: FUEL });
    // Unicorn itself does not fault on the misaligned AArch64 store: the program completes.
    expect(result.stop.kind).toBe("exit");
    expect(result.alignmentViolations).toEqual([{ pc: at("misalignedAccess"), sp: STACK_TOP - 8 }]);
    expect(result.alignmentViolationsDropped).toBe(0);
  });

  it("replaces the checked set on each call", () => {
    const at = load(engine, "misalignment");
    engine.setAlignmentChecks([at("misalignedAccess")]);
    engine.setAlignmentChecks([at("alignedAccess")]);
    expect(engine.run({ begin: CODE, fuel: FUEL }).alignmentViolations).toEqual([]);
  });
});
