// AArch64 registers and their roles in samestack's machine model (src/compiler/README.md); the roles
// other layers share are named in isa.ts and only numbered here.
import type { Scratch } from "../../masm.js";
import { ISA } from "./isa.js";

/** General-purpose register x0–x30 (w0–w30 in 32-bit operations). */
// biome-ignore format: the 31 register numbers on two lines
export type Gpr = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 | 13 | 14 | 15
  | 16 | 17 | 18 | 19 | 20 | 21 | 22 | 23 | 24 | 25 | 26 | 27 | 28 | 29 | 30;

/** The number of general-purpose register `xN`. */
const gpr = (name: `x${Gpr}`): Gpr => Number(name.slice(1)) as Gpr;
const { registers } = ISA;

/**
 * Register number 31 means the stack pointer or the zero register depending on the operand; the
 * encoders' signatures say which one each operand accepts.
 */
export const SP = "sp";
export const ZR = "zr";
export type GprOrSp = Gpr | typeof SP;
export type GprOrZr = Gpr | typeof ZR;

/** SIMD&FP register v0–v31 (d, s, b views). */
export type Vreg = number;

/** Scratch values S0, S1, S2: caller-saved, not argument registers. */
export const SCRATCH: Readonly<Record<Scratch, Gpr>> = { 0: 9, 1: 10, 2: 11 };
/** Hidden temporaries of the masm (the intra-procedure-call registers IP0, IP1). */
export const TMP0: Gpr = 16;
export const TMP1: Gpr = 17;
/** Set to the trap-site index before a trap stub branches to its exit (w17 = TMP1). */
export const TRAP_SITE: Gpr = gpr(registers.trapSite);
/** Hidden SIMD&FP temporaries: float operands pass through them (caller-saved, not argument
 *  registers; v8–v15 are callee-saved and never touched). */
export const VTMP0: Vreg = 16;
export const VTMP1: Vreg = 17;
/** Pinned by the host, never written by generated code. */
export const VMCTX: Gpr = gpr(registers.vmctx);
export const MEMBASE: Gpr = gpr(registers.memoryBase);
export const FP: Gpr = gpr(registers.fp);
export const LR: Gpr = gpr(registers.lr);
/** AAPCS64 integer argument registers x0–x7; the result comes back in x0. */
export const ARG_REGS: readonly Gpr[] = registers.intArgs.map(gpr);
export const RESULT: Gpr = gpr(registers.result);
/** The result registers in order (x0, x1), and where the address of a result area is passed (x8). */
export const RESULT_REGS: readonly Gpr[] = [RESULT, gpr(registers.secondResult)];
export const INDIRECT_RESULT: Gpr = gpr(registers.indirectResult);
