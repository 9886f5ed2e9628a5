/**
 * Engine reuse: new code at the same address must never run a stale translation (Unicorn's
 * uc_mem_write does not invalidate translated blocks; the harness does), and the pool replaces engines.
 */
import { describe, expect, it } from "vitest";
import { EngineClosedError, EnginePool } from "../../../emulators/unicorn/index.js";
import { TARGETS, type Target } from "../../../src/compiler/target.js";
import { CODE, CODE_SIZE, EXIT, FUEL, STACK_BASE, STACK_TOP } from "./fixture.js";
import { PROGRAMS } from "./programs.js";

/** The `tiny` program with `value` as its 32-bit immediate: ret0 = value. */
function tinyReturning(target: Target, value: number): Uint8Array {
  const code = PROGRAMS[target].tiny.code.slice();
  const view = new DataView(code.buffer);
  if (target === "x64") {
    view.setUint32(1, value, true); // mov eax, imm32
  } else {
    view.setUint32(0, 0xd280_0000 | ((value & 0xffff) << 5), true); // movz x0, #lo
    view.setUint32(4, 0xf2a0_0000 | ((value >>> 16) << 5), true); // movk x0, #hi, lsl #16
  }
  return code;
}

function pool(target: Target, maxRunsPerEngine: number): EnginePool {
  return new EnginePool(target, {
    maxRunsPerEngine,
    engine: { instrument: { address: CODE, size: CODE_SIZE } },
    prepare: (engine) => {
      engine.map(CODE, CODE_SIZE, "rwx");
      engine.map(STACK_BASE, STACK_TOP - STACK_BASE, "rw");
      engine.setExits([EXIT]);
    },
  });
}

describe.each(TARGETS)("%s engine reuse", (target) => {
  it("runs 10,000 different programs at the same address without a wrong result", () => {
    const engines = pool(target, 4000);
    const wrong: number[] = [];
    for (let i = 0; i < 10_000; i++) {
      const value = Math.imul(i + 1, 0x9e37_79b1) >>> 0;
      const engine = engines.acquire();
      engine.writeMemory(CODE, tinyReturning(target, value));
      const { stop } = engine.run({ begin: CODE, fuel: FUEL });
      if (stop.kind !== "exit" || engine.readRegister("ret0") !== BigInt(value)) wrong.push(i);
    }
    expect(wrong).toEqual([]);
    expect(engines.created).toBe(3);
    engines.close();
  });

  it("replaces the engine after the configured number of runs and closes the old one", () => {
    const engines = pool(target, 2);
    const first = engines.acquire();
    first.writeMemory(CODE, tinyReturning(target, 1));
    first.run({ begin: CODE, fuel: FUEL });
    expect(engines.acquire()).toBe(first);
    first.run({ begin: CODE, fuel: FUEL });

    const second = engines.acquire();
    expect(second).not.toBe(first);
    expect(first.closed).toBe(true);
    expect(() => first.run({ begin: CODE, fuel: FUEL })).toThrow(EngineClosedError);
    expect(second.regions).toEqual(first.regions); // prepared the same way
    engines.close();
    expect(second.closed).toBe(true);
  });
});
