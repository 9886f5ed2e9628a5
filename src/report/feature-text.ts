// What a report says about WebAssembly features: the profile each run read its modules under, and
// the post-1.0 features each module uses, where each is first used (an auditor's first question).
import type { ModuleFeature, ModuleResult } from "../check/check.js";
import { type Feature, featureSet, featuresText } from "../wasm/features.js";

/** A run's profile by name (`2.0`, `polkadot`), or its features when they are no profile's. */
export function profileText(features: readonly Feature[]): string {
  return featuresText(featureSet(features));
}

/** `sign-extension at offset 0x73 in f0 $div8`; a use outside function bodies has only its offset. */
export function featureUseText(module: ModuleResult, use: ModuleFeature): string {
  const at = `${use.feature} at offset 0x${use.offset.toString(16)}`;
  if (use.funcIndex === null) return at;
  const name = module.functions.find((f) => f.funcIndex === use.funcIndex)?.name;
  return `${at} in f${use.funcIndex}${name ? ` $${name}` : ""}`;
}

/** The module's post-1.0 features in one line, or null when the module was not read. */
export function moduleFeaturesText(module: ModuleResult): string | null {
  if (module.features === null) return null;
  if (module.features.length === 0) return "none (WebAssembly 1.0)";
  return module.features.map((use) => featureUseText(module, use)).join(", ");
}
