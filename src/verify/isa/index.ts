import type { Target } from "../../compiler/target.js";
import { aarch64StackEffects } from "./aarch64.js";
import type { StackEffectIsa } from "./effect.js";
import { x64StackEffects } from "./x64.js";

const ISAS: Readonly<Record<Target, StackEffectIsa>> = { x64: x64StackEffects, aarch64: aarch64StackEffects };

export function lookupIsa(target: Target): StackEffectIsa {
  return ISAS[target];
}
