// The one table of per-ISA stack-effect rules. Its facts are stated here, not taken from the
// compiler's ABI constants: the static verifier reads compiled code independently of the compiler.
import type { Target } from "../../compiler/target.js";
import { aarch64StackEffect } from "./aarch64.js";
import type { StackEffectIsa } from "./effect.js";
import { x64StackEffect } from "./x64.js";

const ISAS: Readonly<Record<Target, StackEffectIsa>> = {
  /** `call` pushed the return address; SP alignment matters at calls only. */
  x64: { entrySp: 8, alignedAtEveryAccess: false, effect: x64StackEffect },
  /** `bl` keeps the return address in x30; SP must be aligned at every SP-based access. */
  aarch64: { entrySp: 0, alignedAtEveryAccess: true, effect: aarch64StackEffect },
};

export function lookupIsa(target: Target): StackEffectIsa {
  return ISAS[target];
}
