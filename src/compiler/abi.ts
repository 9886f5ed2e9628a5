// The only numbers that differ between the targets' calling conventions. The frame planner derives
// every strategy (including the intersection policy) from these constants, never from the target name.
import type { Target } from "./target.js";

export interface AbiConstants {
  readonly target: Target;
  /** Integer arguments passed in registers (x64 SysV: rdi rsi rdx rcx r8 r9; AAPCS64: x0–x7). */
  readonly intArgRegs: number;
  /** Bytes the call instruction pushes (the return address on x64; aarch64 keeps it in x30). */
  readonly returnAddressBytes: number;
  /** Bytes of the frame record pushed by the prologue (x64: rbp; aarch64: x29 and x30). */
  readonly frameRecordBytes: number;
  /** Whether a leaf function may skip the frame record under its own ABI. */
  readonly leafMayOmitFrameRecord: boolean;
  /** Required alignment of the stack pointer at a call. */
  readonly stackAlignment: number;
  /** Whether SP must be aligned at every SP-based memory access (AArch64), not only at calls. */
  readonly spAlignedAtEveryAccess: boolean;
}

export const ABI: Readonly<Record<Target, AbiConstants>> = {
  x64: {
    target: "x64",
    intArgRegs: 6,
    returnAddressBytes: 8,
    frameRecordBytes: 8,
    leafMayOmitFrameRecord: false,
    stackAlignment: 16,
    spAlignedAtEveryAccess: false,
  },
  aarch64: {
    target: "aarch64",
    intArgRegs: 8,
    returnAddressBytes: 0,
    frameRecordBytes: 16,
    leafMayOmitFrameRecord: true,
    stackAlignment: 16,
    spAlignedAtEveryAccess: true,
  },
};
