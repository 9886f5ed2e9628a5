// x86-64 under the System V ABI: the facts every layer shares (the shape is ../../isa.ts).
import type { IsaFacts } from "../../isa.js";

export const ISA = {
  displayName: "x86-64",
  registers: {
    pc: "rip",
    sp: "rsp",
    fp: "rbp",
    lr: null,
    result: "rax",
    secondResult: "rdx",
    /** The hidden first argument: the other arguments shift by one register. */
    indirectResult: "rdi",
    intArgs: ["rdi", "rsi", "rdx", "rcx", "r8", "r9"],
    vmctx: "r14",
    memoryBase: "r15",
    trapSite: "r11",
  },
  leafMayOmitFrameRecord: false,
  stackAlignment: 16,
  spAlignedAtEveryAccess: false,
  indirectResultReturned: true,
  /** int3 */
  trapFillByte: 0xcc,
} as const satisfies IsaFacts;
