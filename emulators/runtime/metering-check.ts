/**
 * The proof that block metering gives the answer instruction metering gives: one invocation run
 * metered per block (fast machine, precise twin at the warning zone and at fuel stops) and metered
 * per instruction (a precise machine from the start: an engine metered per instruction, or a
 * block-metered one told `precise`), on fresh instances of the same module, compared in everything
 * a run leaves behind: the outcome (values, trap location, backtrace, fuel), the Wasm instructions
 * executed, pc and sp, and every stack byte.
 */
import type { Outcome, WasmValue } from "../../src/wasm/outcome.js";
import { InvalidArgumentError } from "../errors.js";
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

/** What one run left behind, as the comparison reads it. */
export interface MeteredRun {
  readonly outcome: Outcome;
  readonly wasmInstructions: number;
  /** REGISTERS, in order. */
  readonly registers: readonly bigint[];
  readonly stack: Uint8Array;
}

/** Runs `name(args)` on both instances (same module and state) and compares what the runs left behind. */
export function compareMeterings(
  blockMetered: Instance,
  instructionMetered: Instance,
  name: string,
  args: readonly WasmValue[],
  options: InvokeOptions = {},
): MeteringComparison {
  const fast = meteredRun(blockMetered, name, args, options);
  const precise = meteredRun(instructionMetered, name, args, options);
  return { outcome: fast.outcome, difference: meteringDifference(fast, precise) };
}

/** Runs `name(args)` on `instance` (metered as its engine and `options.precise` say) and keeps what it left. */
export function meteredRun(
  instance: Instance,
  name: string,
  args: readonly WasmValue[],
  options: InvokeOptions = {},
): MeteredRun {
  return stateAfter(instance, instance.invoke(name, args, options));
}

/**
 * What the instance's last invocation left behind. A profiled invocation on a block-metered engine
 * leaves what the same plain invocation leaves: the native profiler only reads SP as blocks start.
 */
export function leftBehind(instance: Instance): MeteredRun {
  const outcome = instance.lastOutcome;
  if (outcome === null) throw new InvalidArgumentError("no invocation of the instance has run");
  return stateAfter(instance, outcome);
}

function stateAfter(instance: Instance, outcome: Outcome): MeteredRun {
  const { registers, stack } = instance.machineState(REGISTERS);
  return { outcome, wasmInstructions: instance.wasmInstructionsUsed, registers, stack };
}

/** What differs between a run metered per block and the same run metered per instruction; null: nothing. */
export function meteringDifference(fast: MeteredRun, precise: MeteredRun): string | null {
  const [a, b] = [fast.outcome, precise.outcome];
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    return `outcomes differ: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  }
  if (fast.wasmInstructions !== precise.wasmInstructions) {
    return `Wasm instructions differ: ${fast.wasmInstructions} vs ${precise.wasmInstructions}`;
  }
  const register = REGISTERS.findIndex((_, i) => fast.registers[i] !== precise.registers[i]);
  if (register >= 0) {
    return `${REGISTERS[register]} differs: 0x${fast.registers[register]!.toString(16)} vs 0x${precise.registers[register]!.toString(16)}`;
  }
  if (Buffer.compare(fast.stack, precise.stack) !== 0) {
    const at = fast.stack.findIndex((byte, i) => byte !== precise.stack[i]);
    return `stack bytes differ (${fast.stack.length} vs ${precise.stack.length} bytes mapped, first at limit + ${at})`;
  }
  return null;
}
