/** Neutral register names over each target's ISA facts (`lookup(target).isa`, src/compiler/targets). */
import type { Target } from "../../src/compiler/target.js";
import { lookup } from "../../src/compiler/targets/index.js";

/** Target-neutral register names; `argN` is the N-th integer argument register of the ABI. */
export type NeutralRegister = "pc" | "sp" | "fp" | "lr" | "ret0" | `arg${number}`;

/** The ISA register a neutral name stands for on `target`, `undefined` if it has none, or `name` itself. */
export function isaRegisterName(target: Target, name: string): string | undefined {
  const registers = lookup(target).isa.registers;
  switch (name) {
    case "pc":
    case "sp":
    case "fp":
      return registers[name];
    case "lr":
      return registers.lr ?? undefined;
    case "ret0":
      return registers.result;
  }
  const arg = /^arg(\d+)$/.exec(name);
  return arg ? registers.intArgs[Number(arg[1])] : name;
}
