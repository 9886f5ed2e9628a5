// The one place that dispatches on the target: every ISA fact and the backend, for every layer.
import { ABI, type AbiConstants } from "../abi.js";
import type { IsaFacts } from "../isa.js";
import type { MacroAssembler } from "../masm.js";
import { TARGETS, type Target } from "../target.js";
import { patchRelocation as patchAarch64 } from "./aarch64/link.js";
import { createMasm as createAarch64Masm } from "./aarch64/masm.js";
import { ISA_FACTS } from "./facts.js";
import { patchRelocation as patchX64 } from "./x64/link.js";
import { createMasm as createX64Masm } from "./x64/masm.js";

export interface TargetBackend {
  /** Register roles, display name and the ABI rules the constants below follow from. */
  readonly isa: IsaFacts;
  readonly abi: AbiConstants;
  /** A fresh MacroAssembler for one function. */
  createMasm(): MacroAssembler;
  /**
   * Fills the relocated call/jump at `offset` in `code` so that it reaches `displacement` bytes
   * from that instruction's first byte (target address − instruction address).
   */
  patchRelocation(code: Uint8Array, offset: number, displacement: number): void;
}

type Emitters = Pick<TargetBackend, "createMasm" | "patchRelocation">;

const EMITTERS: Readonly<Record<Target, Emitters>> = {
  x64: { createMasm: createX64Masm, patchRelocation: patchX64 },
  aarch64: { createMasm: createAarch64Masm, patchRelocation: patchAarch64 },
};

const BACKENDS = Object.fromEntries(
  TARGETS.map((target) => [target, { isa: ISA_FACTS[target], abi: ABI[target], ...EMITTERS[target] }]),
) as Readonly<Record<Target, TargetBackend>>;

export function lookup(target: Target): TargetBackend {
  return BACKENDS[target];
}
