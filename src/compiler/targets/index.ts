// The one place that dispatches on the target: everything ISA-specific the compiler core needs.
import { ABI, type AbiConstants } from "../abi.js";
import type { MacroAssembler } from "../masm.js";
import type { Target } from "../target.js";
import { patchRelocation as patchAarch64 } from "./aarch64/link.js";
import { createMasm as createAarch64Masm } from "./aarch64/masm.js";
import { patchRelocation as patchX64 } from "./x64/link.js";
import { createMasm as createX64Masm } from "./x64/masm.js";

export interface TargetBackend {
  readonly abi: AbiConstants;
  /** A fresh MacroAssembler for one function. */
  createMasm(): MacroAssembler;
  /**
   * Fills the relocated call/jump at `offset` in `code` so that it reaches `displacement` bytes
   * from that instruction's first byte (target address − instruction address).
   */
  patchRelocation(code: Uint8Array, offset: number, displacement: number): void;
}

const BACKENDS: Readonly<Record<Target, TargetBackend>> = {
  x64: { abi: ABI.x64, createMasm: createX64Masm, patchRelocation: patchX64 },
  aarch64: { abi: ABI.aarch64, createMasm: createAarch64Masm, patchRelocation: patchAarch64 },
};

export function lookup(target: Target): TargetBackend {
  return BACKENDS[target];
}
