/**
 * The proof that block metering gives the answer instruction metering gives: one invocation run on
 * an instance of a block-metered runner (fast machine, precise twin at the warning zone and at fuel
 * stops) and on one of an instruction-metered runner (the precise machine alone), compared in
 * everything a run leaves behind: the outcome (trap location, backtrace, fuel), the Wasm instructions
 * executed, the general-purpose registers and every stack byte.
 */
import type { Target } from "../../src/compiler/target.js";
import type { WasmValue } from "../../src/wasm/outcome.js";
import type { RegisterName } from "../unicorn/engine.js";
import type { Instance, InvokeOptions } from "./runner.js";

/** The registers a run's result and its caller's frame live in, per target (pc included). */
const REGISTERS: Record<Target, readonly RegisterName[]> = {
  x64: [..."rax rbx rcx rdx rsi rdi rbp rsp r8 r9 r10 r11 r12 r13 r14 r15".split(" "), "pc"],
  aarch64: [...Array.from({ length: 29 }, (_, i) => `x${i}`), "fp", "lr", "sp", "pc"],
};

/** Runs `name(args)` on both instances (same module and state); null when they agree, else what differs. */
export function meteringDifference(
  blockMetered: Instance,
  instructionMetered: Instance,
  name: string,
  args: readonly WasmValue[],
  options: InvokeOptions = {},
): string | null {
  const fast = blockMetered.invoke(name, args, options);
  const precise = instructionMetered.invoke(name, args, options);
  if (JSON.stringify(fast) !== JSON.stringify(precise)) {
    return `outcomes differ: ${JSON.stringify(fast)} vs ${JSON.stringify(precise)}`;
  }
  if (blockMetered.wasmInstructionsUsed !== instructionMetered.wasmInstructionsUsed) {
    return `Wasm instructions differ: ${blockMetered.wasmInstructionsUsed} vs ${instructionMetered.wasmInstructionsUsed}`;
  }
  const registers = REGISTERS[blockMetered.artifact.target];
  const a = blockMetered.machineState(registers);
  const b = instructionMetered.machineState(registers);
  const register = registers.findIndex((_, i) => a.registers[i] !== b.registers[i]);
  if (register >= 0) {
    return `${registers[register]} differs: 0x${a.registers[register]!.toString(16)} vs 0x${b.registers[register]!.toString(16)}`;
  }
  if (Buffer.compare(a.stack, b.stack) !== 0) {
    const at = a.stack.findIndex((byte, i) => byte !== b.stack[i]);
    return `stack bytes differ (${a.stack.length} vs ${b.stack.length} bytes mapped, first at limit + ${at})`;
  }
  return null;
}
