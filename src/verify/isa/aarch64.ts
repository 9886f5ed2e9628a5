// Stack effects of AArch64 instructions. SP is sp, the frame pointer x29. Pre-index writeback moves
// SP before the access, post-index after it (Capstone 4 gives the post-index amount as a trailing
// immediate operand).
import { OP_IMM, OP_MEM, OP_REG } from "../../../emulators/disasm/capstone.js";
import { type DecodedColumns, registerId } from "../../../emulators/disasm/columns.js";
import {
  branch,
  call,
  known,
  MnemonicKinds,
  NEXT,
  RETURN,
  StackEffect,
  type StackState,
  stateAfter,
  unknown,
} from "./effect.js";

/** Capstone's ids of sp and x29, looked up on first use (opening a decoder). */
let SP = 0;
let X29 = 0;
/** Capstone's number of the `lsl` shift (arm64_shifter). */
const SHIFT_LSL = 1;

/** The immediate of pool operand `op` (-1: none) with its `lsl` applied, or null when it is not one. */
function immediateValue(c: DecodedColumns, op: number): number | null {
  if (op < 0 || c.operandType[op] !== OP_IMM) return null;
  const shift = c.operandShift[op] === SHIFT_LSL ? c.operandShiftAmount[op]! : 0;
  return c.operandValue[op]! * 2 ** shift;
}

/** The register of pool operand `op`, or null when it is not a register. */
function registerOf(c: DecodedColumns, op: number): number | null {
  return op >= 0 && c.operandType[op] === OP_REG ? c.operandReg[op]! : null;
}

/** The mnemonics the rules below tell apart before looking at operands. */
const OTHER = 0;
const RET = 1;
const BL = 2;
const BLR = 3;
const B = 4;
const CONDITIONAL_BRANCH = 5;
const BR = 6;
const NAMED = new Map([
  ["ret", RET],
  ["bl", BL],
  ["blr", BLR],
  ["b", B],
  ["br", BR],
  ["cbz", CONDITIONAL_BRANCH],
  ["cbnz", CONDITIONAL_BRANCH],
  ["tbz", CONDITIONAL_BRANCH],
  ["tbnz", CONDITIONAL_BRANCH],
]);
const KINDS = new MnemonicKinds(
  (mnemonic) => NAMED.get(mnemonic) ?? (mnemonic.startsWith("b.") ? CONDITIONAL_BRANCH : OTHER),
);

/** The first memory operand of instruction `i`, or -1. */
function memoryOperand(c: DecodedColumns, i: number): number {
  for (let op = c.firstOperand[i]!; op < c.firstOperand[i + 1]!; op++)
    if (c.operandType[op] === OP_MEM) return op;
  return -1;
}

/** What instruction `i` of `c` does to the stack in `state`, written into `into`. */
export function aarch64StackEffect(
  c: DecodedColumns,
  i: number,
  state: StackState,
  effect: StackEffect = new StackEffect(),
): StackEffect {
  if (SP === 0) [SP, X29] = [registerId("aarch64", "sp"), registerId("aarch64", "x29")];
  const into = effect.begin();
  const kind = KINDS.of(c, i);
  if (kind === RET) return known(into, state, RETURN);
  if (kind === BL || kind === BLR) {
    const target = kind === BL ? immediateValue(c, c.operand(i, 0)) : null;
    return call(into, state, target);
  }
  if (kind === B || kind === CONDITIONAL_BRANCH) {
    const target = immediateValue(c, c.operand(i, -1));
    if (target === null) return unknown(into, c, i, "branch without an immediate target");
    return branch(into, state, target, kind !== B);
  }
  if (kind === BR) return unknown(into, c, i, "indirect branch");

  let sp = state.sp;
  const mem = memoryOperand(c, i);
  const memBase = mem < 0 ? 0 : c.operandReg[mem]!;
  if (mem >= 0 && (memBase === SP || memBase === X29)) {
    if (c.operandIndex[mem] !== 0) return unknown(into, c, i, "register-offset stack access");
    const base = memBase === SP ? "sp" : "fp";
    if (base === "fp" && state.fp === null)
      return unknown(into, c, i, "x29-relative access with x29 unknown");
    const writeback = c.writeback(i);
    const disp = c.operandValue[mem]!;
    const postIndex = writeback ? immediateValue(c, c.operand(i, -1)) : null;
    if (writeback && base !== "sp") return unknown(into, c, i, "writeback to x29");
    if (writeback && postIndex !== null) {
      into.addAccess(state.sp, state.fp, "sp", disp);
      sp = state.sp - postIndex;
    } else if (writeback) {
      sp = state.sp - disp;
      into.addAccess(sp, state.fp, "sp", 0);
    } else {
      into.addAccess(state.sp, state.fp, base, disp);
    }
  } else if (c.writes(i, SP)) {
    const moved = movedSp(c, i, c.mnemonicOf(i), state);
    if (moved === null) return unknown(into, c, i, "unrecognised write to sp");
    sp = moved;
  }
  const fp = c.writes(i, X29) ? framePointerAfter(c, i, c.mnemonicOf(i), state) : state.fp;
  return known(into, stateAfter(state, sp, fp), NEXT);
}

/** `add|sub sp, sp|x29, #imm` and `mov sp, x29`: the only non-memory writes to sp the compiler emits. */
function movedSp(c: DecodedColumns, i: number, mnemonic: string, state: StackState): number | null {
  const amount = c.operand(i, 2);
  const src = registerOf(c, c.operand(i, 1));
  if (registerOf(c, c.operand(i, 0)) !== SP || src === null) return null;
  const from = src === SP ? state.sp : src === X29 ? state.fp : null;
  if (from === null) return null;
  const imm = amount < 0 ? 0 : immediateValue(c, amount);
  if (imm === null) return null;
  switch (mnemonic) {
    case "mov":
      return amount < 0 ? from : null;
    case "add":
      return from - imm;
    case "sub":
      return from + imm;
    default:
      return null;
  }
}

/** `mov x29, sp` / `add x29, sp, #imm` set the frame pointer; `ldp x29, …` restores an unknown caller value. */
function framePointerAfter(c: DecodedColumns, i: number, mnemonic: string, state: StackState): number | null {
  const amount = c.operand(i, 2);
  if (registerOf(c, c.operand(i, 0)) !== X29 || registerOf(c, c.operand(i, 1)) !== SP) return null;
  const imm = amount < 0 ? 0 : immediateValue(c, amount);
  if (imm === null) return null;
  if (mnemonic === "mov") return state.sp;
  if (mnemonic === "add") return state.sp - imm;
  return null;
}
