// AArch64 under AAPCS64: the facts every layer shares (the shape is ../../isa.ts).
import type { IsaFacts } from "../../isa.js";

export const ISA = {
  displayName: "AArch64",
  registers: {
    pc: "pc",
    sp: "sp",
    fp: "x29",
    lr: "x30",
    result: "x0",
    secondResult: "x1",
    /** XR, not an argument register. */
    indirectResult: "x8",
    intArgs: ["x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7"],
    vmctx: "x27",
    memoryBase: "x28",
    trapSite: "x17",
  },
  leafMayOmitFrameRecord: true,
  stackAlignment: 16,
  /** The architecture's rule; Unicorn does not enforce it, so the harness checks it. */
  spAlignedAtEveryAccess: true,
  indirectResultReturned: false,
  /** Zero words are `udf #0`. */
  trapFillByte: 0x00,
} as const satisfies IsaFacts;
