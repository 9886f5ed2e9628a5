/** Per-target register conventions: the only ISA knowledge the harness has on the TypeScript side. */
import type { Target } from "../../src/compiler/target.js";

/** Target-neutral register names; `argN` is the N-th integer argument register of the ABI. */
export type NeutralRegister = "pc" | "sp" | "fp" | "lr" | "ret0" | `arg${number}`;

export interface RegisterConventions {
  pc: string;
  sp: string;
  fp: string;
  /** Link register; x86-64 has none (the return address is on the stack). */
  lr: string | null;
  ret0: string;
  /** Integer argument registers in order (SysV: 6, AAPCS64: 8). */
  args: readonly string[];
}

export const REGISTER_CONVENTIONS: Readonly<Record<Target, RegisterConventions>> = {
  x64: {
    pc: "rip",
    sp: "rsp",
    fp: "rbp",
    lr: null,
    ret0: "rax",
    args: ["rdi", "rsi", "rdx", "rcx", "r8", "r9"],
  },
  aarch64: {
    pc: "pc",
    sp: "sp",
    fp: "x29",
    lr: "x30",
    ret0: "x0",
    args: ["x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7"],
  },
};

/** The ISA register a neutral name stands for on `target`, `undefined` if it has none, or `name` itself. */
export function isaRegisterName(target: Target, name: string): string | undefined {
  const conventions = REGISTER_CONVENTIONS[target];
  switch (name) {
    case "pc":
    case "sp":
    case "fp":
    case "ret0":
      return conventions[name];
    case "lr":
      return conventions.lr ?? undefined;
  }
  const arg = /^arg(\d+)$/.exec(name);
  return arg ? conventions.args[Number(arg[1])] : name;
}
