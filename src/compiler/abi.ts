// The only numbers that differ between the targets' calling conventions. The frame planner derives
// every strategy (including the intersection policy) from these constants, never from the target name;
// the constants themselves follow from each target's ISA facts (targets/<isa>/isa.ts).
import type { IsaFacts } from "./isa.js";
import { TARGETS, type Target } from "./target.js";
import { ISA_FACTS } from "./targets/facts.js";

export interface AbiConstants {
  readonly target: Target;
  /** Integer arguments passed in registers: the ISA facts' `intArgs`, counted (x64 6, aarch64 8). */
  readonly intArgRegs: number;
  /** Bytes the call instruction pushes: the return address, where the ISA has no link register. */
  readonly returnAddressBytes: number;
  /** Bytes of the frame record the prologue pushes: the frame pointer, and the link register if any. */
  readonly frameRecordBytes: number;
  /** Whether a leaf function may skip the frame record under its own ABI. */
  readonly leafMayOmitFrameRecord: boolean;
  /** Required alignment of the stack pointer at a call. */
  readonly stackAlignment: number;
  /** Whether SP must be aligned at every SP-based memory access (AArch64), not only at calls. */
  readonly spAlignedAtEveryAccess: boolean;
  /** Results returned in registers (result, secondResult); more travel through memory. */
  readonly resultRegs: number;
  /** Whether the indirect result area's address takes the first argument register (x64 rdi). */
  readonly indirectResultInArgReg: boolean;
  /** Whether the callee returns that address in the result register (x64 rax). */
  readonly indirectResultReturned: boolean;
}

/** Both targets are 64-bit: a return address and a saved register take 8 bytes each. */
const REGISTER_BYTES = 8;

/**
 * An ISA without a link register pushes the return address at a call; the frame record holds the
 * frame pointer and, where there is one, the link register.
 */
function abiConstants(target: Target, isa: IsaFacts): AbiConstants {
  const { intArgs, lr, indirectResult } = isa.registers;
  return {
    target,
    intArgRegs: intArgs.length,
    returnAddressBytes: lr === null ? REGISTER_BYTES : 0,
    frameRecordBytes: (lr === null ? 1 : 2) * REGISTER_BYTES,
    leafMayOmitFrameRecord: isa.leafMayOmitFrameRecord,
    stackAlignment: isa.stackAlignment,
    spAlignedAtEveryAccess: isa.spAlignedAtEveryAccess,
    resultRegs: 2,
    indirectResultInArgReg: intArgs.includes(indirectResult),
    indirectResultReturned: isa.indirectResultReturned,
  };
}

export const ABI = Object.fromEntries(
  TARGETS.map((target) => [target, abiConstants(target, ISA_FACTS[target])]),
) as Readonly<Record<Target, AbiConstants>>;
