// Counterexamples as WebAssembly text, printed by wabt from the binary (an implementation nobody
// here wrote), with the function names the lowering put in the name section.
import { WASM_2_0, wabtFeatures } from "../../wasm/features.js";
import { loadWabt } from "../../wasm/text.js";

const FEATURES = wabtFeatures(WASM_2_0);

export async function moduleToWat(bytes: Uint8Array): Promise<string> {
  const wabt = await loadWabt();
  const module = wabt.readWasm(bytes, { readDebugNames: true, ...FEATURES });
  try {
    module.applyNames();
    return module.toText({ foldExprs: false, inlineExport: true });
  } finally {
    module.destroy();
  }
}
