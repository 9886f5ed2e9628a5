// Until the compiler and runtime support them, the modules the rest of samestack must not take:
// those with a post-1.0 construct outside function bodies that the 1.0-era front end refused
// (Module.refused). Loaders that feed the compiler call this after validation.
import { UnsupportedFeature } from "./errors.js";
import type { ValidatedModule } from "./ir.js";

/** Returns `validated`, or throws UnsupportedFeature naming the construct in Module.refused. */
export function refuseUnsupportedModule(validated: ValidatedModule): ValidatedModule {
  const refused = validated.module.refused;
  if (refused !== undefined) throw new UnsupportedFeature(refused.feature, refused.offset);
  return validated;
}
