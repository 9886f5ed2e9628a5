// x64 general-purpose registers by hardware number, and the roles README.md's register table gives them;
// the roles other layers share are named in isa.ts and only numbered here.
import { ISA } from "./isa.js";

export const Gpr = {
  rax: 0,
  rcx: 1,
  rdx: 2,
  rbx: 3,
  rsp: 4,
  rbp: 5,
  rsi: 6,
  rdi: 7,
  r8: 8,
  r9: 9,
  r10: 10,
  r11: 11,
  r12: 12,
  r13: 13,
  r14: 14,
  r15: 15,
} as const;
export type Gpr = (typeof Gpr)[keyof typeof Gpr];

/** SSE registers by hardware number (encoded in the same ModRM/REX fields as general registers). */
export const Xmm = {
  xmm0: 0,
  xmm1: 1,
  xmm2: 2,
  xmm3: 3,
  xmm4: 4,
  xmm5: 5,
  xmm6: 6,
  xmm7: 7,
  xmm8: 8,
  xmm9: 9,
  xmm10: 10,
  xmm11: 11,
  xmm12: 12,
  xmm13: 13,
  xmm14: 14,
  xmm15: 15,
} as const;
export type Xmm = (typeof Xmm)[keyof typeof Xmm];

/** Scratch value registers S0, S1, S2 (masm `Scratch` 0, 1, 2). */
export const SCRATCH: readonly [Gpr, Gpr, Gpr] = [Gpr.rax, Gpr.rcx, Gpr.rdx];
/** The masm's hidden temporaries: never visible to the code generator, clobbered by any masm method. */
export const TMP0 = Gpr.r10;
export const TMP1 = Gpr.r11;
/** The masm's hidden float temporaries (caller-saved under SysV; nothing lives in xmm across methods). */
export const FP_TMP0 = Xmm.xmm0;
export const FP_TMP1 = Xmm.xmm1;
const { registers } = ISA;
/** Pinned by the host, never written by generated code. */
export const VMCTX = Gpr[registers.vmctx];
export const MEMBASE = Gpr[registers.memoryBase];
export const FRAME_POINTER = Gpr[registers.fp];
export const STACK_POINTER = Gpr[registers.sp];
/** Holds the trap-site index (as r11d) when a trap stub jumps to its exit. */
export const TRAP_SITE = Gpr[registers.trapSite];
/** SysV integer argument registers, in order. */
export const ARG_REGS: readonly Gpr[] = registers.intArgs.map((name) => Gpr[name]);
export const RESULT = Gpr[registers.result];
/** The result registers in order (rax, rdx), and where the address of a result area is passed (rdi). */
export const RESULT_REGS: readonly Gpr[] = [RESULT, Gpr[registers.secondResult]];
export const INDIRECT_RESULT = Gpr[registers.indirectResult];
