// Stack effects of x86-64 instructions. SP is rsp, the frame pointer rbp; the call's pushed return
// address belongs to the callee's entry bytes, so `call` leaves the caller's own depth unchanged.
import type { Instruction, Operand } from "../../../emulators/disasm/capstone.js";
import { access, type StackAccess, type StackEffect, type StackState, unknown } from "./effect.js";

type MemOperand = Extract<Operand, { kind: "mem" }>;

function stackAccesses(instruction: Instruction, state: StackState): StackAccess[] | string {
  const accesses: StackAccess[] = [];
  for (const op of instruction.operands) {
    if (op.kind !== "mem" || instruction.mnemonic === "lea") continue;
    const base = baseOf(op);
    if (base === "other") continue;
    if (op.index !== null) return "indexed stack access";
    if (base === "fp" && state.fp === null) return "rbp-relative access with rbp unknown";
    accesses.push(access(state, base, op.disp));
  }
  return accesses;
}

function baseOf(op: MemOperand): "sp" | "fp" | "other" {
  if (op.base === "rsp") return "sp";
  if (op.base === "rbp") return "fp";
  return "other";
}

function immediate(op: Operand | undefined): number | null {
  return op?.kind === "imm" ? Number(op.value) : null;
}

/** New SP for the instructions that move it explicitly; null when the instruction is not one of them. */
function explicitSp(instruction: Instruction, state: StackState): number | null | "unknown" {
  const [dst, src] = instruction.operands;
  if (dst?.kind !== "reg" || dst.reg !== "rsp") return null;
  const imm = immediate(src);
  switch (instruction.mnemonic) {
    case "sub":
      return imm === null ? "unknown" : state.sp + imm;
    case "add":
      return imm === null ? "unknown" : state.sp - imm;
    case "mov":
      return src?.kind === "reg" && src.reg === "rbp" && state.fp !== null ? state.fp : "unknown";
    case "lea":
      if (src?.kind !== "mem" || src.index !== null) return "unknown";
      if (src.base === "rsp") return state.sp - src.disp;
      if (src.base === "rbp" && state.fp !== null) return state.fp - src.disp;
      return "unknown";
    default:
      return "unknown";
  }
}

function fpAfter(instruction: Instruction, state: StackState): number | null {
  if (!instruction.regsWritten.includes("rbp")) return state.fp;
  const [dst, src] = instruction.operands;
  if (
    instruction.mnemonic === "mov" &&
    dst?.kind === "reg" &&
    dst.reg === "rbp" &&
    src?.kind === "reg" &&
    src.reg === "rsp"
  ) {
    return state.sp;
  }
  return null;
}

/** What `instruction` does to the stack in `state`. */
export function x64StackEffect(instruction: Instruction, state: StackState): StackEffect {
  const { mnemonic } = instruction;
  const target = immediate(instruction.operands[0]);
  if (instruction.groups.includes("ret")) {
    return {
      known: true,
      after: { sp: state.sp - 8, fp: state.fp },
      accesses: [access(state, "sp", 0)],
      control: { kind: "return" },
    };
  }
  if (instruction.groups.includes("call")) {
    return {
      known: true,
      after: state,
      accesses: [],
      control: { kind: "call", target: target === null ? null : BigInt(target) },
    };
  }
  if (instruction.groups.includes("jump")) {
    if (target === null) return unknown(instruction, "indirect jump");
    const control = { kind: "branch", target: BigInt(target), conditional: mnemonic !== "jmp" } as const;
    return { known: true, after: state, accesses: [], control };
  }
  if (mnemonic === "push" || mnemonic === "pop") {
    const sp = mnemonic === "push" ? state.sp + 8 : state.sp - 8;
    const slot = mnemonic === "push" ? access({ sp, fp: state.fp }, "sp", 0) : access(state, "sp", 0);
    return {
      known: true,
      after: { sp, fp: fpAfter(instruction, state) },
      accesses: [slot],
      control: { kind: "next" },
    };
  }
  const accesses = stackAccesses(instruction, state);
  if (typeof accesses === "string") return unknown(instruction, accesses);
  let sp = state.sp;
  if (instruction.regsWritten.includes("rsp")) {
    const moved = explicitSp(instruction, state);
    if (moved === null || moved === "unknown") return unknown(instruction, "unrecognised write to rsp");
    sp = moved;
  }
  return { known: true, after: { sp, fp: fpAfter(instruction, state) }, accesses, control: { kind: "next" } };
}
