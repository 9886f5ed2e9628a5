/**
 * The proof that block metering gives the answer instruction metering gives: one invocation run on
 * an instance of a block-metered runner (fast machine, precise twin at the warning zone and at fuel
 * stops) and on one of an instruction-metered runner (the precise machine alone), compared in
 * everything a run leaves behind: the outcome (values, trap location, backtrace, fuel), the Wasm
 * instructions executed, pc and sp, and every stack byte.
 */
import type { Outcome, WasmValue } from "../../src/wasm/outcome.js";
import type { RegisterName } from "../unicorn/engine.js";
import type { Instance, InvokeOptions } from "./runner.js";

/**
 * The registers every run defines; the others may hold what an earlier instance on the same engine
 * left (results, trap sites and frames are in the outcome and the stack).
 */
const REGISTERS: readonly RegisterName[] = ["pc", "sp"];

/** One invocation metered both ways: the block-metered instance's outcome, and what differed (null: nothing). */
export interface MeteringComparison {
  readonly outcome: Outcome;
  readonly difference: string | null;
}

/** Runs `name(args)` on both instances (same module and state) and compares what the runs left behind. */
export function compareMeterings(
  blockMetered: Instance,
  instructionMetered: Instance,
  name: string,
  args: readonly WasmValue[],
  options: InvokeOptions = {},
): MeteringComparison {
  const outcome = blockMetered.invoke(name, args, options);
  const precise = instructionMetered.invoke(name, args, options);
  return { outcome, difference: difference(blockMetered, instructionMetered, outcome, precise) };
}

function difference(fast: Instance, precise: Instance, a: Outcome, b: Outcome): string | null {
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    return `outcomes differ: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  }
  if (fast.wasmInstructionsUsed !== precise.wasmInstructionsUsed) {
    return `Wasm instructions differ: ${fast.wasmInstructionsUsed} vs ${precise.wasmInstructionsUsed}`;
  }
  const registers = REGISTERS;
  const x = fast.machineState(registers);
  const y = precise.machineState(registers);
  const register = registers.findIndex((_, i) => x.registers[i] !== y.registers[i]);
  if (register >= 0) {
    return `${registers[register]} differs: 0x${x.registers[register]!.toString(16)} vs 0x${y.registers[register]!.toString(16)}`;
  }
  if (Buffer.compare(x.stack, y.stack) !== 0) {
    const at = x.stack.findIndex((byte, i) => byte !== y.stack[i]);
    return `stack bytes differ (${x.stack.length} vs ${y.stack.length} bytes mapped, first at limit + ${at})`;
  }
  return null;
}
