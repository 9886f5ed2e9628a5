// Text to binary for front-end tests: through wabt with its validator (watToBinary), or without it,
// for invalid modules that the text format can still say.
import { WASM_2_0, type WabtFeatureFlags, wabtFeatures } from "../../src/wasm/features.js";
import { loadWabt } from "../../src/wasm/text.js";

/** A text module as wabt writes it under the 2.0 flags, not validated (so it may be invalid). */
export async function unvalidatedBinary(wat: string): Promise<Uint8Array> {
  const wabt = await loadWabt();
  const flags = wabtFeatures(WASM_2_0) as WabtFeatureFlags & Parameters<typeof wabt.parseWat>[2];
  const module = wabt.parseWat("test.wat", wat, flags);
  try {
    module.resolveNames();
    return module.toBinary({}).buffer.slice();
  } finally {
    module.destroy();
  }
}
