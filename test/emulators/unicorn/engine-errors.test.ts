/** Bad input to the harness gives a named error, never a crash of the process. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createEngine,
  type Engine,
  EngineClosedError,
  EnginePool,
  InvalidArgumentError,
  InvalidEntryError,
  MappingError,
  MemoryAccessError,
  UnknownRegisterError,
} from "../../../emulators/unicorn/index.js";
import { TARGETS } from "../../../src/compiler/target.js";
import { CODE, CODE_SIZE, FUEL, newEngine, STACK_BASE } from "./fixture.js";

describe.each(TARGETS)("%s engine errors", (target) => {
  let engine: Engine;
  beforeEach(() => {
    engine = newEngine(target);
  });
  afterEach(() => engine.close());

  it("refuses entries outside executable memory", () => {
    expect(() => engine.run({ begin: 0x4000_0000, fuel: FUEL })).toThrow(InvalidEntryError);
    expect(() => engine.run({ begin: STACK_BASE, fuel: FUEL })).toThrow(InvalidEntryError); // rw, not x
    expect(() => engine.run({ begin: -1, fuel: FUEL })).toThrow(InvalidArgumentError);
  });

  it("refuses overlapping, unaligned, empty, huge and out-of-range regions", () => {
    expect(() => engine.map(CODE + 0x1000, 0x2000, "rw")).toThrow(MappingError);
    expect(() => engine.map(CODE - 0x1000, 0x2000, "rw")).toThrow(MappingError);
    expect(() => engine.map(0x4000_0800, 0x1000, "rw")).toThrow(MappingError);
    expect(() => engine.map(0x4000_0000, 0x800, "rw")).toThrow(MappingError);
    expect(() => engine.map(0x4000_0000, 0, "rw")).toThrow(MappingError);
    expect(() => engine.map(0x4000_0000, -0x1000, "rw")).toThrow(MappingError);
    expect(() => engine.map(0x4000_0000, 2 ** 33, "rw")).toThrow(MappingError);
    expect(() => engine.map(2 ** 47, 0x1000, "rw")).toThrow(MappingError);
    expect(() => engine.map(Number.NaN, 0x1000, "rw")).toThrow(MappingError);
    expect(() => engine.map(0x4000_0000, 0x1000, "wx" as "rw")).toThrow(MappingError);
    // An instrumented engine runs only instrumented code: its hook meters the fuel.
    expect(() => engine.map(0x4000_0000, 0x1000, "rx")).toThrow(/outside the instrumented range/);
    expect(engine.regions).toHaveLength(2);
  });

  it("refuses host accesses to unmapped memory", () => {
    expect(() => engine.readMemory(STACK_BASE - 8, 8)).toThrow(MemoryAccessError);
    expect(() => engine.readU64(STACK_BASE - 4)).toThrow(MemoryAccessError); // straddles the guard
    expect(() => engine.writeMemory(0x4000_0000, new Uint8Array(4))).toThrow(MemoryAccessError);
    expect(() => engine.readMemory(CODE, -1)).toThrow(InvalidArgumentError);
  });

  it("refuses unknown registers", () => {
    expect(() => engine.readRegister("bogus")).toThrow(UnknownRegisterError);
    expect(() => engine.readRegister(target === "x64" ? "x0" : "rax")).toThrow(UnknownRegisterError);
    expect(() => engine.readRegister(target === "x64" ? "arg6" : "arg8")).toThrow(UnknownRegisterError);
    expect(() => engine.writeRegister("x031", 0)).toThrow(UnknownRegisterError);
    expect(() => engine.writeRegister("sp", 2 ** 64)).toThrow(InvalidArgumentError);
  });

  it("refuses bad fuel and points outside the instrumented range", () => {
    for (const fuel of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => engine.run({ begin: CODE, fuel })).toThrow(InvalidArgumentError);
    }
    expect(() => engine.setWatchPoints([CODE + CODE_SIZE])).toThrow(InvalidArgumentError);
    expect(() => engine.setAlignmentChecks([STACK_BASE])).toThrow(InvalidArgumentError);
    expect(() => engine.hookAddress(CODE - 4, () => undefined)).toThrow(InvalidArgumentError);
    const bare = createEngine(target);
    expect(() => bare.setWatchPoints([CODE])).toThrow(InvalidArgumentError);
    bare.map(CODE, CODE_SIZE, "rwx");
    expect(() => bare.run({ begin: CODE, fuel: FUEL, precise: true })).toThrow(InvalidArgumentError);
    bare.close();
  });

  it("refuses any use after close, and closing twice is harmless", () => {
    engine.close();
    engine.close();
    expect(engine.closed).toBe(true);
    expect(() => engine.run({ begin: CODE, fuel: FUEL })).toThrow(EngineClosedError);
    expect(() => engine.map(0x4000_0000, 0x1000, "rw")).toThrow(EngineClosedError);
    expect(() => engine.readRegister("pc")).toThrow(EngineClosedError);
    expect(() => engine.readMemory(CODE, 4)).toThrow(EngineClosedError);
    expect(() => engine.setExits([])).toThrow(EngineClosedError);
  });

  it("refuses absurd engine and pool options", () => {
    expect(() => createEngine(target, { instrument: { address: CODE, size: 0 } })).toThrow(
      InvalidArgumentError,
    );
    expect(() => createEngine(target, { instrument: { address: CODE, size: 2 ** 40 } })).toThrow(
      InvalidArgumentError,
    );
    expect(() => createEngine(target, { recordCapacity: -1 })).toThrow(InvalidArgumentError);
    expect(() => new EnginePool(target, { maxRunsPerEngine: 0 })).toThrow(InvalidArgumentError);
  });
});

describe("x64 engine errors", () => {
  it("has no link register", () => {
    const engine = createEngine("x64");
    expect(() => engine.readRegister("lr")).toThrow(UnknownRegisterError);
    engine.close();
  });
});
