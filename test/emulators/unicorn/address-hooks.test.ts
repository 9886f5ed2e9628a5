/** JS callbacks for rare events: they may stop the run, and whatever they throw surfaces from `run`. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EmulatorError, type Engine } from "../../../emulators/unicorn/index.js";
import { TARGETS } from "../../../src/compiler/target.js";
import { CODE, FUEL, load, newEngine } from "./fixture.js";

describe.each(TARGETS)("%s address hooks", (target) => {
  let engine: Engine;
  beforeEach(() => {
    engine = newEngine(target);
  });
  afterEach(() => engine.close());

  it("calls the hook each time the address is reached, before the instruction, with engine access", () => {
    const at = load(engine, "countedLoop");
    const counters: bigint[] = [];
    engine.hookAddress(at("loop"), (hooked, address) => {
      expect(address).toBe(at("loop"));
      counters.push(hooked.readRegister(target === "x64" ? "rcx" : "x1"));
      return undefined;
    });
    engine.writeRegister("arg0", 3);
    expect(engine.run({ begin: CODE, fuel: FUEL }).stop.kind).toBe("exit");
    expect(counters).toEqual([3n, 2n, 1n]);
  });

  it("stops the run when the hook says so, before the hooked instruction", () => {
    const at = load(engine, "countedLoop");
    engine.hookAddress(at("loop"), () => "stop");
    engine.writeRegister("arg0", 3);
    const result = engine.run({ begin: CODE, fuel: FUEL });
    expect(result.stop).toEqual({ kind: "hook-stop", pc: at("loop") });
    expect(result.steps).toBe(2);
  });

  it("rethrows an exception thrown by the hook, and the engine stays usable", () => {
    const at = load(engine, "countedLoop");
    const boom = new Error("boom");
    engine.hookAddress(at("loop"), () => {
      throw boom;
    });
    engine.writeRegister("arg0", 3);
    expect(() => engine.run({ begin: CODE, fuel: FUEL })).toThrow(boom);

    engine.unhookAddress(at("loop"));
    engine.writeRegister("arg0", 3);
    expect(engine.run({ begin: CODE, fuel: FUEL }).stop.kind).toBe("exit");
    expect(engine.readRegister("ret0")).toBe(6n);
  });

  it("refuses to remap or rerun from inside a hook", () => {
    const at = load(engine, "countedLoop");
    engine.hookAddress(at("loop"), (hooked) => {
      hooked.map(0x4000_0000, 0x1000, "rw");
      return undefined;
    });
    engine.writeRegister("arg0", 1);
    expect(() => engine.run({ begin: CODE, fuel: FUEL })).toThrow(EmulatorError);

    engine.hookAddress(at("loop"), (hooked) => {
      hooked.run({ begin: CODE, fuel: FUEL });
      return undefined;
    });
    expect(() => engine.run({ begin: CODE, fuel: FUEL })).toThrow(/during a run/);
  });
});
