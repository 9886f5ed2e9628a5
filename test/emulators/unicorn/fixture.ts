/** A small address-space layout shared by the emulator tests. */

import { createEngine, type Engine, type EngineOptions } from "../../../emulators/unicorn/index.js";
import type { Target } from "../../../src/compiler/target.js";
import { PROGRAMS, type ProgramName } from "./programs.js";

export const CODE = 0x10000;
export const CODE_SIZE = 0x2000;
/** Every test program ends by branching here (the label `exit` at offset 0x1000). */
export const EXIT = CODE + 0x1000;
/** The stack grows down from STACK_TOP to STACK_BASE; the page below STACK_BASE is unmapped (guard). */
export const STACK_BASE = 0x100000;
export const STACK_TOP = 0x110000;
export const FUEL = 10_000;

/** An instrumented engine with code, stack and the exit mapped, and sp at STACK_TOP. */
export function newEngine(target: Target, options: EngineOptions = {}): Engine {
  const engine = createEngine(target, { instrument: { address: CODE, size: CODE_SIZE }, ...options });
  engine.map(CODE, CODE_SIZE, "rwx");
  engine.map(STACK_BASE, STACK_TOP - STACK_BASE, "rw");
  engine.setExits([EXIT]);
  engine.writeRegister("sp", STACK_TOP);
  return engine;
}

/** Loads a test program at CODE; returns the absolute address of one of its named instructions. */
export function load(engine: Engine, name: ProgramName): (instruction: string) => number {
  const program = PROGRAMS[engine.target][name];
  engine.writeMemory(CODE, program.code);
  return (instruction) => {
    const offset = program.at[instruction];
    if (offset === undefined) throw new Error(`${name} on ${engine.target} names no "${instruction}"`);
    return CODE + offset;
  };
}
