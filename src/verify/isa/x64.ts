// Stack effects of x86-64 instructions. SP is rsp, the frame pointer rbp; the call's pushed return
// address belongs to the callee's entry bytes, so `call` leaves the caller's own depth unchanged.
import { OP_IMM, OP_MEM, OP_REG } from "../../../emulators/disasm/capstone.js";
import { type DecodedColumns, GROUP_BIT, registerId } from "../../../emulators/disasm/columns.js";
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

/** Capstone's ids of rsp and rbp, looked up on first use (opening a decoder). */
let RSP = 0;
let RBP = 0;

/** The mnemonics the rules below tell apart before looking at operands. */
const OTHER = 0;
const PUSH = 1;
const POP = 2;
const LEA = 3;
const JMP = 4;
const NAMED = new Map([
  ["push", PUSH],
  ["pop", POP],
  ["lea", LEA],
  ["jmp", JMP],
]);
const KINDS = new MnemonicKinds((mnemonic) => NAMED.get(mnemonic) ?? OTHER);

/** Adds the stack accesses of instruction `i`'s memory operands to `into`; why not, when it cannot. */
function addStackAccesses(c: DecodedColumns, i: number, state: StackState, into: StackEffect): string | null {
  if (KINDS.of(c, i) === LEA) return null;
  for (let op = c.firstOperand[i]!; op < c.firstOperand[i + 1]!; op++) {
    if (c.operandType[op] !== OP_MEM) continue;
    const base = baseOf(c.operandReg[op]!);
    if (base === "other") continue;
    if (c.operandIndex[op] !== 0) return "indexed stack access";
    if (base === "fp" && state.fp === null) return "rbp-relative access with rbp unknown";
    into.addAccess(state.sp, state.fp, base, c.operandValue[op]!);
  }
  return null;
}

function baseOf(reg: number): "sp" | "fp" | "other" {
  if (reg === RSP) return "sp";
  if (reg === RBP) return "fp";
  return "other";
}

/** The immediate of pool operand `op` (-1: none), or null when it is not one. */
function immediate(c: DecodedColumns, op: number): number | null {
  return op >= 0 && c.operandType[op] === OP_IMM ? c.operandValue[op]! : null;
}

function isReg(c: DecodedColumns, op: number, reg: number): boolean {
  return op >= 0 && c.operandType[op] === OP_REG && c.operandReg[op] === reg;
}

/** New SP for the instructions that move it explicitly; null when the instruction is not one of them. */
function explicitSp(c: DecodedColumns, i: number, state: StackState): number | null | "unknown" {
  const dst = c.operand(i, 0);
  const src = c.operand(i, 1);
  if (!isReg(c, dst, RSP)) return null;
  const imm = immediate(c, src);
  switch (c.mnemonicOf(i)) {
    case "sub":
      return imm === null ? "unknown" : state.sp + imm;
    case "add":
      return imm === null ? "unknown" : state.sp - imm;
    case "mov":
      return isReg(c, src, RBP) && state.fp !== null ? state.fp : "unknown";
    case "lea": {
      if (src < 0 || c.operandType[src] !== OP_MEM || c.operandIndex[src] !== 0) return "unknown";
      const disp = c.operandValue[src]!;
      if (c.operandReg[src] === RSP) return state.sp - disp;
      if (c.operandReg[src] === RBP && state.fp !== null) return state.fp - disp;
      return "unknown";
    }
    default:
      return "unknown";
  }
}

function fpAfter(c: DecodedColumns, i: number, state: StackState): number | null {
  if (!c.writes(i, RBP)) return state.fp;
  if (c.mnemonicOf(i) === "mov" && isReg(c, c.operand(i, 0), RBP) && isReg(c, c.operand(i, 1), RSP)) {
    return state.sp;
  }
  return null;
}

/** What instruction `i` of `c` does to the stack in `state`, written into `into`. */
export function x64StackEffect(
  c: DecodedColumns,
  i: number,
  state: StackState,
  effect: StackEffect = new StackEffect(),
): StackEffect {
  if (RSP === 0) [RSP, RBP] = [registerId("x64", "rsp"), registerId("x64", "rbp")];
  const into = effect.begin();
  if (c.inGroup(i, GROUP_BIT.ret)) {
    into.addAccess(state.sp, state.fp, "sp", 0);
    return known(into, { sp: state.sp - 8, fp: state.fp }, RETURN);
  }
  if (c.inGroup(i, GROUP_BIT.call)) {
    return call(into, state, immediate(c, c.operand(i, 0)));
  }
  const kind = KINDS.of(c, i);
  if (c.inGroup(i, GROUP_BIT.jump)) {
    const target = immediate(c, c.operand(i, 0));
    if (target === null) return unknown(into, c, i, "indirect jump");
    return branch(into, state, target, kind !== JMP);
  }
  if (kind === PUSH || kind === POP) {
    const sp = kind === PUSH ? state.sp + 8 : state.sp - 8;
    into.addAccess(kind === PUSH ? sp : state.sp, state.fp, "sp", 0);
    return known(into, { sp, fp: fpAfter(c, i, state) }, NEXT);
  }
  const unfollowed = addStackAccesses(c, i, state, into);
  if (unfollowed !== null) return unknown(into, c, i, unfollowed);
  let sp = state.sp;
  if (c.writes(i, RSP)) {
    const moved = explicitSp(c, i, state);
    if (moved === null || moved === "unknown") return unknown(into, c, i, "unrecognised write to rsp");
    sp = moved;
  }
  return known(into, stateAfter(state, sp, fpAfter(c, i, state)), NEXT);
}
