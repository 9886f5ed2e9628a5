// Reads a module file for the CLI: binary or text (by the binary magic), decoded and validated under
// the command's feature profile, with every problem turned into an InputError that says which file
// and where.
import { readFile } from "node:fs/promises";
import type { LoadedModule } from "../../emulators/executor.js";
import { decodeModule } from "../wasm/decoder.js";
import { FrontEndError, type FrontEndErrorId, InputError } from "../wasm/errors.js";
import { type Features, TEXT_FEATURES } from "../wasm/features.js";
import { isBinaryModule } from "../wasm/index.js";
import { watToBinary } from "../wasm/text.js";
import { validateModule } from "../wasm/validator.js";

const KIND: Record<FrontEndErrorId, string> = {
  "malformed-module": "malformed module",
  "invalid-module": "invalid module",
  "unsupported-feature": "unsupported module",
};

/** The bytes of an input file, or an InputError saying why it cannot be read. */
export async function readInputFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new InputError(`cannot read ${path}: ${code === "ENOENT" ? "no such file" : message}`);
  }
}

export async function loadModuleFile(path: string, features: Features): Promise<LoadedModule> {
  const file = await readInputFile(path);
  const isText = !isBinaryModule(file);
  // wabt's errors are located as "path:line:column: ..." already.
  const bytes = isText
    ? await located(() => watToBinary(Buffer.from(file).toString("utf8"), path, TEXT_FEATURES), "")
    : file;
  const where = isText ? `${path} (compiled to binary): ` : `${path}: `;
  const validated = () => validateModule(decodeModule(bytes, features), features);
  return located(() => ({ bytes, validated: validated() }), where);
}

async function located<T>(work: () => T | Promise<T>, where: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof FrontEndError)) throw error;
    throw new InputError(`${where}${KIND[error.id]}: ${error.message}`, { cause: error });
  }
}
