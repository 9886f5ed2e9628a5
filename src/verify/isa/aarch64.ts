// Stack effects of AArch64 instructions. SP is sp, the frame pointer x29. Pre-index writeback moves
// SP before the access, post-index after it (Capstone 4 gives the post-index amount as a trailing
// immediate operand).
import type { Instruction, Operand } from "../../../emulators/disasm/capstone.js";
import { access, type StackAccess, type StackEffect, type StackState, unknown } from "./effect.js";

function immediateValue(op: Operand | undefined): number | null {
  if (op?.kind !== "imm") return null;
  const shift = op.shift?.type === "lsl" ? op.shift.amount : 0;
  return Number(op.value) * 2 ** shift;
}

const BRANCHES = new Set(["b", "cbz", "cbnz", "tbz", "tbnz"]);

/** What `instruction` does to the stack in `state`. */
export function aarch64StackEffect(instruction: Instruction, state: StackState): StackEffect {
  const { mnemonic, operands } = instruction;
  if (mnemonic === "ret") return { known: true, after: state, accesses: [], control: { kind: "return" } };
  if (mnemonic === "bl" || mnemonic === "blr") {
    const target = mnemonic === "bl" ? immediateValue(operands[0]) : null;
    return {
      known: true,
      after: state,
      accesses: [],
      control: { kind: "call", target: target === null ? null : BigInt(target) },
    };
  }
  if (BRANCHES.has(mnemonic) || mnemonic.startsWith("b.")) {
    const target = immediateValue(operands.at(-1));
    if (target === null) return unknown(instruction, "branch without an immediate target");
    const control = { kind: "branch", target: BigInt(target), conditional: mnemonic !== "b" } as const;
    return { known: true, after: state, accesses: [], control };
  }
  if (mnemonic === "br") return unknown(instruction, "indirect branch");

  let sp = state.sp;
  const accesses: StackAccess[] = [];
  const mem = operands.find((op) => op.kind === "mem");
  if (mem?.kind === "mem" && (mem.base === "sp" || mem.base === "x29")) {
    if (mem.index !== null) return unknown(instruction, "register-offset stack access");
    const base = mem.base === "sp" ? "sp" : "fp";
    if (base === "fp" && state.fp === null)
      return unknown(instruction, "x29-relative access with x29 unknown");
    const postIndex = instruction.writeback ? immediateValue(operands.at(-1)) : null;
    if (instruction.writeback && base !== "sp") return unknown(instruction, "writeback to x29");
    if (instruction.writeback && postIndex !== null) {
      accesses.push(access(state, "sp", mem.disp));
      sp = state.sp - postIndex;
    } else if (instruction.writeback) {
      sp = state.sp - mem.disp;
      accesses.push(access({ sp, fp: state.fp }, "sp", 0));
    } else {
      accesses.push(access(state, base, mem.disp));
    }
  } else if (instruction.regsWritten.includes("sp")) {
    const moved = movedSp(instruction, state);
    if (moved === null) return unknown(instruction, "unrecognised write to sp");
    sp = moved;
  }
  const fp = instruction.regsWritten.includes("x29") ? framePointerAfter(instruction, state) : state.fp;
  return { known: true, after: { sp, fp }, accesses, control: { kind: "next" } };
}

/** `add|sub sp, sp|x29, #imm` and `mov sp, x29`: the only non-memory writes to sp the compiler emits. */
function movedSp(instruction: Instruction, state: StackState): number | null {
  const [dst, src, amount] = instruction.operands;
  if (dst?.kind !== "reg" || dst.reg !== "sp" || src?.kind !== "reg") return null;
  const from = src.reg === "sp" ? state.sp : src.reg === "x29" ? state.fp : null;
  if (from === null) return null;
  const imm = amount === undefined ? 0 : immediateValue(amount);
  if (imm === null) return null;
  switch (instruction.mnemonic) {
    case "mov":
      return amount === undefined ? from : null;
    case "add":
      return from - imm;
    case "sub":
      return from + imm;
    default:
      return null;
  }
}

/** `mov x29, sp` / `add x29, sp, #imm` set the frame pointer; `ldp x29, …` restores an unknown caller value. */
function framePointerAfter(instruction: Instruction, state: StackState): number | null {
  const [dst, src, amount] = instruction.operands;
  if (dst?.kind !== "reg" || dst.reg !== "x29" || src?.kind !== "reg" || src.reg !== "sp") return null;
  const imm = amount === undefined ? 0 : immediateValue(amount);
  if (imm === null) return null;
  if (instruction.mnemonic === "mov") return state.sp;
  if (instruction.mnemonic === "add") return state.sp - imm;
  return null;
}
