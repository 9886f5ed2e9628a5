/**
 * The Unicorn engine on both targets: execution, exits, fuel, faults with exact pcs, CPU features,
 * interrupts. Programs and their disassembly are in programs.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEngine, type Engine } from "../../../emulators/unicorn/index.js";
import { TARGETS, type Target } from "../../../src/compiler/target.js";
import { CODE, CODE_SIZE, EXIT, FUEL, load, newEngine, STACK_BASE, STACK_TOP } from "./fixture.js";
import { PROGRAMS } from "./programs.js";

const A = 0x1111_2222_3333_4444n;
const B = 0x5555_6666_7777_8888n;
const C = 0x9999_aaaa_bbbb_ccccn;
/** Code above 4 GiB, so its addresses need both halves of a 64-bit word. */
const HIGH_CODE = 0x3_0001_0000;

/** Bits of a double, as a register holds them. */
function bits(value: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value, true);
  return view.getBigUint64(0, true);
}

/** Per-target register inputs and expected outputs of the stackPairs program. */
const STACK_PAIRS: Record<Target, { inputs: Record<string, bigint>; outputs: Record<string, bigint> }> = {
  x64: { inputs: { rdi: A, rsi: B }, outputs: { rax: B, rdx: A } },
  aarch64: { inputs: { x0: A, x1: B, x2: C }, outputs: { x3: A, x4: B, x5: C } },
};
/** sp after the first two stores: two 8-byte pushes / two 16-byte pre-indexed stores. */
const SP_AFTER_PUSHES: Record<Target, number> = { x64: STACK_TOP - 16, aarch64: STACK_TOP - 32 };

/** Where the guard store program faults for a given sp (below STACK_BASE, in the guard page). */
const GUARD: Record<Target, { sp: number; faultAddress: number }> = {
  x64: { sp: STACK_BASE + 0x800, faultAddress: STACK_BASE + 0x800 - 0x1008 },
  aarch64: { sp: STACK_BASE, faultAddress: STACK_BASE - 16 },
};

/** Interrupt numbers of the traps program: int3 / brk #0x3e8, int 0x80 / svc #0x42. */
const INTERRUPTS: Record<Target, { interrupt: number; syscall: number }> = {
  x64: { interrupt: 3, syscall: 0x80 },
  aarch64: { interrupt: 0x3e8, syscall: 0x42 },
};

describe.each(TARGETS)("%s engine", (target) => {
  let engine: Engine;
  beforeEach(() => {
    engine = newEngine(target);
  });
  afterEach(() => engine.close());

  function setRegisters(values: Record<string, bigint | number>): void {
    for (const [name, value] of Object.entries(values)) engine.writeRegister(name, value);
  }

  function registers(names: string[]): Record<string, bigint> {
    return Object.fromEntries(names.map((name) => [name, engine.readRegister(name)]));
  }

  it("saves and restores registers with push/pop or pre/post-indexed stp/ldp", () => {
    const at = load(engine, "stackPairs");
    const { inputs, outputs } = STACK_PAIRS[target];
    setRegisters(inputs);

    const partial = engine.run({ begin: CODE, fuel: 2 });
    expect(partial.stop).toEqual({ kind: "fuel", pc: at("afterPushes") });
    expect(engine.readRegister("sp")).toBe(BigInt(SP_AFTER_PUSHES[target]));
    expect(engine.readU64(SP_AFTER_PUSHES[target])).toBe(target === "x64" ? B : C);

    const rest = engine.run({ begin: at("afterPushes"), fuel: FUEL });
    expect(rest.stop).toEqual({ kind: "exit", address: EXIT, exitIndex: 0 });
    expect(registers(Object.keys(outputs))).toEqual(outputs);
    expect(engine.readRegister("sp")).toBe(BigInt(STACK_TOP));
  });

  it("calls and returns (call/ret, bl/ret)", () => {
    const at = load(engine, "callReturn");
    const result = engine.run({ begin: CODE, fuel: FUEL });
    expect(result.stop).toEqual({ kind: "exit", address: EXIT, exitIndex: 0 });
    expect(engine.readRegister("ret0")).toBe(BigInt(at("returnAddress")));
    expect(engine.readRegister("sp")).toBe(BigInt(STACK_TOP));
    expect(result.steps).toBe(4);
  });

  it("runs a counted loop and counts its instructions", () => {
    load(engine, "countedLoop");
    engine.writeRegister("arg0", 10);
    const result = engine.run({ begin: CODE, fuel: FUEL });
    expect(result.stop.kind).toBe("exit");
    expect(engine.readRegister("ret0")).toBe(55n);
    expect(result.steps).toBe(2 + 3 * 10 + 1);
  });

  it("stops when the fuel runs out and resumes where it stopped", () => {
    const at = load(engine, "countedLoop");
    engine.writeRegister("arg0", 1000);
    const first = engine.run({ begin: CODE, fuel: 100 });
    // 2 set-up instructions, 32 iterations of 3, then the add and the decrement: the branch is next.
    expect(first.stop).toEqual({ kind: "fuel", pc: at("loop") + (target === "x64" ? 6 : 8) });
    expect(first.steps).toBe(100);

    if (first.stop.kind !== "fuel") throw new Error("unreachable");
    const second = engine.run({ begin: first.stop.pc, fuel: FUEL });
    expect(second.stop.kind).toBe("exit");
    expect(second.steps).toBe(2 + 3 * 1000 + 1 - 100);
    expect(engine.readRegister("ret0")).toBe(500_500n);
  });

  it("reports which exit was reached, and honours exits changed after the code was translated", () => {
    const at = load(engine, "tiny");
    engine.setExits([CODE + 0x1800, EXIT]);
    expect(engine.run({ begin: CODE, fuel: FUEL }).stop).toEqual({
      kind: "exit",
      address: EXIT,
      exitIndex: 1,
    });
    expect(engine.readRegister("ret0") & 0xffff_ffffn).toBe(0x1234_5678n);

    // The second instruction is inside the block translated above; running through it would reach
    // EXIT, no longer an exit, and fault on the zeros there.
    engine.setExits([at("second")]);
    expect(engine.run({ begin: CODE, fuel: FUEL }).stop).toEqual({
      kind: "exit",
      address: at("second"),
      exitIndex: 0,
    });

    // And the block cut before the old exit, and the one halting at it, are dropped when it goes.
    engine.setExits([EXIT]);
    expect(engine.run({ begin: CODE, fuel: FUEL }).stop).toEqual({
      kind: "exit",
      address: EXIT,
      exitIndex: 0,
    });
  });

  it("takes exits and fuel points above 4 GiB (address lists go to the helper as 64-bit words)", () => {
    const high = createEngine(target, { instrument: { address: HIGH_CODE, size: CODE_SIZE } });
    try {
      high.map(HIGH_CODE, CODE_SIZE, "rwx");
      high.writeMemory(HIGH_CODE, PROGRAMS[target].tiny.code);
      high.setExits([HIGH_CODE + 0x1000]);
      high.setFuelPoints([HIGH_CODE, HIGH_CODE]);
      const result = high.run({ begin: HIGH_CODE, fuel: FUEL });
      expect(result.stop).toEqual({ kind: "exit", address: HIGH_CODE + 0x1000, exitIndex: 0 });
      expect(result.steps).toBe(2);
    } finally {
      high.close();
    }
  });

  it("after a reset, maps regions afresh: zeroed, running new code, and unmapped unless mapped again", () => {
    load(engine, "tiny");
    expect(engine.run({ begin: CODE, fuel: FUEL }).stop.kind).toBe("exit");
    engine.writeU64(STACK_TOP - 8, 0xdead_beefn);

    // Code and stack mapped again with the same size: zeroed, and the code written now is what runs
    // (the old translations at CODE went with the old region).
    engine.reset();
    expect(engine.regions).toEqual([]);
    expect(() => engine.readU64(STACK_TOP - 8)).toThrow(/unmapped/);
    engine.map(CODE, CODE_SIZE, "rwx");
    engine.map(STACK_BASE, STACK_TOP - STACK_BASE, "rw");
    engine.setExits([EXIT]);
    expect(engine.readU64(STACK_TOP - 8)).toBe(0n);
    expect(engine.readU64(CODE)).toBe(0n);
    const at = load(engine, "callReturn");
    engine.writeRegister("sp", STACK_TOP);
    expect(engine.run({ begin: CODE, fuel: FUEL }).stop.kind).toBe("exit");
    expect(engine.readRegister("ret0")).toBe(BigInt(at("returnAddress")));

    // The stack not mapped again: the first store to it faults.
    engine.reset();
    engine.map(CODE, CODE_SIZE, "rwx");
    engine.setExits([EXIT]);
    load(engine, "stackPairs");
    engine.writeRegister("sp", STACK_TOP);
    const faulted = engine.run({ begin: CODE, fuel: FUEL }).stop;
    expect(faulted).toMatchObject({ kind: "memory-fault", access: "write" });

    // Exits are cleared too: the program runs into the zeros at EXIT instead of stopping there.
    engine.reset();
    engine.map(CODE, CODE_SIZE, "rwx");
    load(engine, "tiny");
    const ranOn = engine.run({ begin: CODE, fuel: FUEL }).stop;
    expect(ranOn).toMatchObject({
      pc: EXIT,
      kind: target === "x64" ? "memory-fault" : "invalid-instruction",
    });
  });

  it("zeroes a region mapped again wherever it was written: by the guest or the host, a few pages or most", () => {
    // 8 MiB: the helper zeroes in stretches of pages, clearing a few written pages in place and
    // dropping the pages of a stretch where many were written; both happen here, twice over.
    const base = 0x4000_0000;
    const size = 8 * 1024 * 1024;
    const page = 0x1000;
    const few = [base, base + 5 * page + 8, base + size - 8];
    const many = Array.from({ length: 300 }, (_, i) => base + size / 2 + i * page + 16);
    engine.map(base, size, "rw");
    for (let round = 0; round < 2; round++) {
      load(engine, "stackPairs");
      setRegisters(STACK_PAIRS[target].inputs);
      for (const address of [...few, ...many]) engine.writeU64(address, ~0n);
      engine.writeRegister("sp", STACK_TOP);
      expect(engine.run({ begin: CODE, fuel: 2 }).stop.kind).toBe("fuel"); // the guest's stores
      expect(engine.readU64(SP_AFTER_PUSHES[target])).not.toBe(0n);

      engine.reset();
      engine.map(CODE, CODE_SIZE, "rwx");
      engine.map(STACK_BASE, STACK_TOP - STACK_BASE, "rw");
      engine.map(base, size, "rw");
      engine.setExits([EXIT]);
      expect(engine.readMemory(STACK_BASE, STACK_TOP - STACK_BASE).every((byte) => byte === 0)).toBe(true);
      expect(engine.readMemory(base, size).every((byte) => byte === 0)).toBe(true);
    }
  });

  it("reports a store into the guard page with its exact address and exact pc, mid-block", () => {
    const at = load(engine, "guardStore");
    const { sp, faultAddress } = GUARD[target];
    engine.writeRegister("sp", sp);
    const result = engine.run({ begin: CODE, fuel: FUEL });
    expect(result.stop).toEqual({
      kind: "memory-fault",
      access: "write",
      address: faultAddress,
      pc: at("store"),
    });
    expect(engine.readRegister("ret0")).toBe(3n); // the two instructions before ran, the one after did not
  });

  it("reports the exact faulting pc without instrumentation too (fuel counting hooks every instruction)", () => {
    const bare = createEngine(target);
    try {
      bare.map(CODE, CODE_SIZE, "rwx");
      bare.map(STACK_BASE, STACK_TOP - STACK_BASE, "rw");
      bare.writeMemory(CODE, PROGRAMS[target].guardStore.code);
      bare.writeRegister("sp", GUARD[target].sp);
      const at = (name: string) => CODE + PROGRAMS[target].guardStore.at[name]!;
      expect(bare.run({ begin: CODE, fuel: FUEL }).stop).toMatchObject({
        kind: "memory-fault",
        pc: at("store"),
      });
    } finally {
      bare.close();
    }
  });

  it("has the CPU features the compiler relies on", () => {
    load(engine, "cpuFeatures");
    if (target === "x64") {
      setRegisters({ rsi: 1n, rdx: 0n, r8: bits(2.5) });
      expect(engine.run({ begin: CODE, fuel: FUEL }).stop.kind).toBe("exit");
      // lzcnt(1) = 63 (bsr would give 0); tzcnt(0) = 64; roundsd to nearest even
      expect(registers(["rbx", "rcx", "r9", "xmm0"])).toEqual({
        rbx: 63n,
        rcx: 64n,
        r9: bits(2),
        xmm0: bits(2),
      });
    } else {
      setRegisters({ x0: 0xff00_ff00_ff00_ff00n, x2: bits(2.5) });
      expect(engine.run({ begin: CODE, fuel: FUEL }).stop.kind).toBe("exit");
      // cnt + addv = popcount; frintn rounds to nearest even
      expect(registers(["x1", "x3", "d2"])).toEqual({ x1: 32n, x3: bits(2), d2: bits(2) });
    }
  });

  it("reports interrupts with their number and exact pc", () => {
    const at = load(engine, "traps");
    expect(engine.run({ begin: CODE, fuel: FUEL }).stop).toEqual({
      kind: "interrupt",
      number: INTERRUPTS[target].interrupt,
      pc: at("interrupt"),
    });
    expect(engine.run({ begin: at("syscall"), fuel: FUEL }).stop).toEqual({
      kind: "interrupt",
      number: INTERRUPTS[target].syscall,
      pc: at("syscall"),
    });
  });

  it("on a bare engine, reports interrupts at Unicorn's pc: past x86 int3/int n, exact on AArch64", () => {
    const bare = createEngine(target);
    try {
      bare.map(CODE, CODE_SIZE, "rwx");
      bare.writeMemory(CODE, PROGRAMS[target].traps.code);
      const { at } = PROGRAMS[target].traps;
      const past = (offset: number, length: number) => CODE + offset + (target === "x64" ? length : 0);
      expect(bare.run({ begin: CODE, fuel: FUEL }).stop).toEqual({
        kind: "interrupt",
        number: INTERRUPTS[target].interrupt,
        pc: past(at.interrupt!, 1),
      });
      expect(bare.run({ begin: CODE + at.syscall!, fuel: FUEL }).stop).toEqual({
        kind: "interrupt",
        number: INTERRUPTS[target].syscall,
        pc: past(at.syscall!, 2),
      });
    } finally {
      bare.close();
    }
  });

  it("reports an invalid instruction with its pc", () => {
    const at = load(engine, "traps");
    expect(engine.run({ begin: at("invalid"), fuel: FUEL }).stop).toEqual({
      kind: "invalid-instruction",
      pc: at("invalid"),
    });
  });

  it("reads and writes registers by neutral and ISA names", () => {
    engine.writeRegister("arg1", 7);
    expect(engine.readRegister(target === "x64" ? "rsi" : "x1")).toBe(7n);
    engine.writeRegister("fp", -1);
    expect(engine.readRegister("fp")).toBe(0xffff_ffff_ffff_ffffn);
    engine.writeRegister(target === "x64" ? "r14" : "x28", 0x1234n);
    expect(engine.readRegister(target === "x64" ? "r14" : "x28")).toBe(0x1234n);
  });
});

describe.each(TARGETS)("%s engine metering the fuel per block", (target) => {
  let engine: Engine;
  beforeEach(() => {
    engine = newEngine(target, { metering: "block" });
  });
  afterEach(() => engine.close());

  it("counts every instruction of a run that ends at an exit", () => {
    load(engine, "countedLoop");
    engine.writeRegister("arg0", 10);
    const result = engine.run({ begin: CODE, fuel: FUEL });
    expect(result.stop.kind).toBe("exit");
    expect(engine.readRegister("ret0")).toBe(55n);
    expect(result.steps).toBe(2 + 3 * 10 + 1);
  });

  it("charges fuel points as they are set now, whatever points its blocks were charged under before", () => {
    const at = load(engine, "countedLoop");
    const steps = (points: readonly number[] | null) => {
      engine.setFuelPoints(points);
      engine.writeRegister("arg0", 10);
      const result = engine.run({ begin: CODE, fuel: FUEL });
      expect(result.stop.kind).toBe("exit");
      return result.steps;
    };
    expect(steps([at("loop")])).toBe(10);
    expect(steps([CODE])).toBe(1);
    expect(steps([at("loop"), CODE, at("loop")])).toBe(21);
    expect(steps(null)).toBe(2 + 3 * 10 + 1);
    expect(steps([at("loop")])).toBe(10);
  });

  it("stops exactly where the fuel runs out (its precise twin runs the block the fuel does not cover)", () => {
    const at = load(engine, "countedLoop");
    engine.writeRegister("arg0", 1000);
    const first = engine.run({ begin: CODE, fuel: 100 });
    // 2 set-up instructions, 32 iterations of 3, then the add and the decrement: the branch is next.
    expect(first.stop).toEqual({ kind: "fuel", pc: at("loop") + (target === "x64" ? 6 : 8) });
    expect(first.steps).toBe(100);
    expect(first.handover).toBe("fuel");
    // Blocks: the 2 set-up instructions with the first iteration (5), then one per iteration (3).
    expect(first.steps - first.preciseSteps).toBe(5 + 3 * 31);

    if (first.stop.kind !== "fuel") throw new Error("unreachable");
    const second = engine.run({ begin: first.stop.pc, fuel: FUEL });
    expect(second.stop.kind).toBe("exit");
    expect(first.steps + second.steps).toBe(2 + 3 * 1000 + 1);
    expect(engine.readRegister("ret0")).toBe(500_500n);
  });

  it("hands a run over to its precise twin at the block after the warning zone's first touch", () => {
    const at = load(engine, "pushesTwoBlocks");
    const slot = target === "x64" ? 8 : 16;
    engine.setWarningZone(STACK_BASE, 0x1000);
    // The first push lands in the zone, the next block runs on the precise twin.
    engine.writeRegister("sp", STACK_BASE + 0x1000);
    engine.writeRegister("ret0", 0x1234_5678); // what every push stores
    const result = engine.run({ begin: CODE, fuel: FUEL });
    expect(result.stop).toMatchObject({ kind: "exit", address: EXIT });
    expect({ steps: result.steps, preciseSteps: result.preciseSteps, handover: result.handover }).toEqual({
      steps: 5,
      preciseSteps: 3, // the two pushes and the branch of the second block
      handover: "zone",
    });
    expect(engine.readRegister("sp")).toBe(BigInt(STACK_BASE + 0x1000 - 3 * slot));
    for (let push = 1; push <= 3; push++) {
      expect(engine.readU64(STACK_BASE + 0x1000 - push * slot)).toBe(0x1234_5678n);
    }
    expect(at("second")).toBe(CODE + (target === "x64" ? 3 : 8));
  });

  it("runs fast past an untouched zone, protects the zone again on the next run, and runs precise from sp in it", () => {
    load(engine, "pushesTwoBlocks");
    const slot = target === "x64" ? 8 : 16;
    engine.setWarningZone(STACK_BASE, 0x1000);
    engine.writeRegister("sp", STACK_BASE + 0x1000 + 3 * slot);
    const clear = engine.run({ begin: CODE, fuel: FUEL });
    expect({ stop: clear.stop.kind, handover: clear.handover, precise: clear.preciseSteps }).toEqual({
      stop: "exit",
      handover: null,
      precise: 0,
    });
    for (let run = 0; run < 2; run++) {
      engine.writeRegister("sp", STACK_BASE + 0x1000);
      const touched = engine.run({ begin: CODE, fuel: FUEL });
      expect({ stop: touched.stop.kind, handover: touched.handover }).toEqual({
        stop: "exit",
        handover: "zone",
      });
    }
    // Live stack data may lie in the zone: the whole run is precise.
    engine.writeRegister("sp", STACK_BASE + 0x800);
    const inside = engine.run({ begin: CODE, fuel: FUEL });
    expect({ steps: inside.steps, preciseSteps: inside.preciseSteps }).toEqual({ steps: 5, preciseSteps: 5 });
  });

  it("reports a fault its fast machine meets without a zone at the block's start, flagged inexact", () => {
    load(engine, "guardStore");
    const { sp, faultAddress } = GUARD[target];
    engine.writeRegister("sp", sp);
    const result = engine.run({ begin: CODE, fuel: FUEL });
    expect(result.stop).toEqual({ kind: "memory-fault", access: "write", address: faultAddress, pc: CODE });
    expect(result.pcExact).toBe(false);
  });

  it("runs on its precise twin from the start when told to, as an engine metered per instruction runs", () => {
    const at = load(engine, "guardStore");
    const { sp, faultAddress } = GUARD[target];
    const exact = { kind: "memory-fault", access: "write", address: faultAddress, pc: at("store") };
    engine.writeRegister("sp", sp);
    const precise = engine.run({ begin: CODE, fuel: FUEL, precise: true });
    expect(precise.stop).toEqual(exact);
    expect({ exact: precise.pcExact, steps: precise.steps, preciseSteps: precise.preciseSteps }).toEqual({
      exact: true,
      steps: 3, // the two instructions before the store, and the store (charged as it starts)
      preciseSteps: 3,
    });
    const perInstruction = newEngine(target);
    try {
      load(perInstruction, "guardStore");
      perInstruction.writeRegister("sp", sp);
      expect(perInstruction.run({ begin: CODE, fuel: FUEL, precise: true }).stop).toEqual(exact);
    } finally {
      perInstruction.close();
    }
    // The next run not told so starts on the fast machine again.
    engine.writeRegister("sp", sp);
    expect(engine.run({ begin: CODE, fuel: FUEL }).stop).toMatchObject({ pc: CODE });
  });

  it("runs code rewritten after it ran, and records on its precise twin", () => {
    load(engine, "countedLoop");
    engine.writeRegister("arg0", 3);
    expect(engine.run({ begin: CODE, fuel: FUEL }).steps).toBe(2 + 3 * 3 + 1);
    load(engine, "tiny");
    expect(engine.run({ begin: CODE, fuel: FUEL }).stop).toMatchObject({ kind: "exit", address: EXIT });
    expect(engine.readRegister("ret0") & 0xffff_ffffn).toBe(0x1234_5678n);
    // Watch points make the whole run precise: one record per visit of the loop head.
    const at = load(engine, "countedLoop");
    engine.setWatchPoints([at("loop")]);
    engine.writeRegister("arg0", 3);
    const recorded = engine.run({ begin: CODE, fuel: FUEL });
    expect({ records: recorded.records.length, precise: recorded.preciseSteps }).toEqual({
      records: 3,
      precise: 2 + 3 * 3 + 1,
    });
  });
});

describe("x64 engine", () => {
  it("has POPCNT: Unicorn 2.1's x86 CPU model executes it (2.0.1's cleared it for every model)", () => {
    const engine = newEngine("x64");
    try {
      const at = load(engine, "cpuFeatures");
      engine.writeRegister("rdi", 0xf0f0_0000_0000_0001n);
      expect(engine.run({ begin: at("popcnt"), fuel: FUEL }).stop).toMatchObject({ kind: "exit" });
      expect(engine.readRegister("rax")).toBe(9n); // 4 + 4 + 1 bits set
    } finally {
      engine.close();
    }
  });

  it("reports an integer division by zero as interrupt 0 (#DE) at the div", () => {
    const engine = newEngine("x64");
    try {
      const at = load(engine, "traps");
      engine.writeRegister("rcx", 0);
      expect(engine.run({ begin: at("divide"), fuel: FUEL }).stop).toEqual({
        kind: "interrupt",
        number: 0,
        pc: at("divide"),
      });
    } finally {
      engine.close();
    }
  });
});
