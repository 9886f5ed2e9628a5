// The Wasm front end: binary and text modules in, decoded and validated modules out.
import { readFile } from "node:fs/promises";
import { decodeModule } from "./decoder.js";
import { type Features, WASM_2_0 } from "./features.js";
import type { ValidatedModule } from "./ir.js";
import { refuseUnsupportedModule } from "./refusal.js";
import { watToBinary } from "./text.js";
import { validateModule } from "./validator.js";

export { decodeModule, MAX_LOCALS } from "./decoder.js";
export { encodeModule } from "./encoder.js";
export {
  FeatureOutsideProfile,
  FrontEndError,
  type FrontEndErrorId,
  InternalError,
  InvalidModule,
  MalformedModule,
  UnsupportedFeature,
} from "./errors.js";
export {
  BadFeatureList,
  FEATURES,
  type Feature,
  type Features,
  featuresText,
  PROFILES,
  type Profile,
  parseFeatures,
  WASM_1_0,
  WASM_2_0,
} from "./features.js";
export type * from "./ir.js";
export { MEMORY_LOADS, MEMORY_STORES } from "./opcodes.js";
export { postMvpReach } from "./reach.js";
export { refuseUnsupportedModule } from "./refusal.js";
export { MVP_FEATURES, watToBinary } from "./text.js";
export { postMvpUses, validateModule } from "./validator.js";

const MAGIC = [0x00, 0x61, 0x73, 0x6d];

/**
 * Decodes and validates a module given as binary bytes, or as the path of a binary or text file
 * (recognised by the binary magic, not the extension), under a feature profile (default: 2.0
 * without SIMD), refusing what the compiler cannot take yet (refuseUnsupportedModule). File-system
 * errors propagate unchanged; everything about the module's content is a FrontEndError.
 */
export async function loadModule(
  bytesOrPath: Uint8Array | string,
  features: Features = WASM_2_0,
): Promise<ValidatedModule> {
  let bytes: Uint8Array;
  if (typeof bytesOrPath === "string") {
    const file = await readFile(bytesOrPath);
    bytes = isBinary(file) ? file : await watToBinary(file.toString("utf8"), bytesOrPath, features);
  } else bytes = bytesOrPath;
  return refuseUnsupportedModule(validateModule(decodeModule(bytes, features), features));
}

function isBinary(bytes: Uint8Array): boolean {
  return MAGIC.every((b, i) => bytes[i] === b);
}
