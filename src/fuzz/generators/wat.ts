// Counterexamples as WebAssembly text, printed by wabt from the binary (an implementation nobody
// here wrote), with the function names the lowering put in the name section.
import { loadWabt, MVP_FEATURES } from "../../wasm/text.js";

export async function moduleToWat(bytes: Uint8Array): Promise<string> {
  const wabt = await loadWabt();
  const module = wabt.readWasm(bytes, { readDebugNames: true, ...MVP_FEATURES });
  try {
    module.applyNames();
    return module.toText({ foldExprs: false, inlineExport: true });
  } finally {
    module.destroy();
  }
}
