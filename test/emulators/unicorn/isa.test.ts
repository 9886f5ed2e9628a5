// Neutral register names over the ISA facts, on real engines: every register a target's facts name
// is one the harness can set and read, and each neutral name reaches the register the facts give it.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type Engine, UnknownRegisterError } from "../../../emulators/unicorn/index.js";
import { TARGETS } from "../../../src/compiler/target.js";
import { lookup } from "../../../src/compiler/targets/index.js";
import { newEngine } from "./fixture.js";

describe.each(TARGETS)("%s registers named by the ISA facts", (target) => {
  const { registers } = lookup(target).isa;
  let engine: Engine;
  beforeEach(() => {
    engine = newEngine(target);
  });
  afterEach(() => engine.close());

  it("can each be written and read back", () => {
    const { intArgs, lr, ...single } = registers;
    // One value per register (the result register may be an argument register too), all distinct,
    // so a name that reached another register would read back wrong.
    const named = [...new Set([...Object.values(single), ...intArgs, ...(lr === null ? [] : [lr])])];
    const value = (i: number) => 0x1000 + 16 * i;
    for (const [i, name] of named.entries()) engine.writeRegister(name, value(i));
    for (const [i, name] of named.entries()) expect(engine.readRegister(name), name).toBe(BigInt(value(i)));
  });

  it("are what the neutral names stand for", () => {
    const neutral: [string, string | null][] = [
      ["pc", registers.pc],
      ["sp", registers.sp],
      ["fp", registers.fp],
      ["lr", registers.lr],
      ["ret0", registers.result],
      ...registers.intArgs.map((name, i): [string, string] => [`arg${i}`, name]),
    ];
    neutral.forEach(([name, isaName], i) => {
      if (isaName === null) {
        expect(() => engine.writeRegister(name, 0)).toThrow(UnknownRegisterError);
        return;
      }
      engine.writeRegister(name, 0x2000 + 16 * i);
      expect(engine.readRegister(isaName), name).toBe(BigInt(0x2000 + 16 * i));
    });
  });
});
