// The Wasm front end: binary and text modules in, decoded and validated modules out.
import { readFile } from "node:fs/promises";
import { decodeModule } from "./decoder.js";
import { type Features, TEXT_FEATURES, WASM_2_0 } from "./features.js";
import type { ValidatedModule } from "./ir.js";
import { watToBinary } from "./text.js";
import { validateModule } from "./validator.js";

export { decodeModule, MAX_LOCALS } from "./decoder.js";
export { encodeModule } from "./encoder.js";
export {
  FeatureOutsideProfile,
  FrontEndError,
  type FrontEndErrorId,
  ImplementationLimit,
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
  featureSet,
  featuresText,
  PROFILES,
  type Profile,
  parseFeatures,
  WASM_1_0,
  WASM_2_0,
} from "./features.js";
export type * from "./ir.js";
export { MEMORY_LOADS, MEMORY_STORES } from "./opcodes.js";
export { MVP_FEATURES, watToBinary } from "./text.js";
export { validateModule } from "./validator.js";

const MAGIC = [0x00, 0x61, 0x73, 0x6d];

/** A module as binary bytes (text converted by wabt), decoded and validated. */
export interface ReadModule {
  readonly bytes: Uint8Array;
  readonly validated: ValidatedModule;
}

/** Whether `content` starts with the binary magic; anything else is read as text. */
export function isBinaryModule(content: Uint8Array): boolean {
  return MAGIC.every((b, i) => content[i] === b);
}

/**
 * The content of a module file, binary or text (recognised by the binary magic, not the
 * extension), decoded and validated under a feature profile (default: 2.0 without SIMD); text is
 * converted first (under TEXT_FEATURES), its errors located in `name`. Everything about the content
 * is a FrontEndError.
 */
export async function readModule(
  content: Uint8Array,
  name: string,
  features: Features = WASM_2_0,
): Promise<ReadModule> {
  const bytes = isBinaryModule(content)
    ? content
    : await watToBinary(Buffer.from(content).toString("utf8"), name, TEXT_FEATURES);
  return { bytes, validated: validateModule(decodeModule(bytes, features), features) };
}

/**
 * Decodes and validates a module given as binary bytes, or as the path of a binary or text file,
 * under a feature profile (default: 2.0 without SIMD). File-system errors propagate unchanged;
 * everything about the module's content is a FrontEndError.
 */
export async function loadModule(
  bytesOrPath: Uint8Array | string,
  features: Features = WASM_2_0,
): Promise<ValidatedModule> {
  if (typeof bytesOrPath !== "string") return validateModule(decodeModule(bytesOrPath, features), features);
  return (await readModule(await readFile(bytesOrPath), bytesOrPath, features)).validated;
}
