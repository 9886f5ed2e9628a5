// samestack's own files (the package root) and the folders it writes its output into.
import { existsSync } from "node:fs";
import { mkdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { InputError, InternalError } from "../wasm/errors.js";

/** A folder given for output that cannot be created or written. */
export class OutputFolderError extends InputError {}

let root: string | undefined;

/**
 * The package root: the nearest folder above this module holding package.json. It is the
 * repository root, whether this module runs from its source or from dist/.
 */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let folder = import.meta.dirname;
  while (!existsSync(path.join(folder, "package.json"))) {
    const parent = path.dirname(folder);
    if (parent === folder) throw new InternalError(`no package.json above ${import.meta.dirname}`);
    folder = parent;
  }
  root = folder;
  return folder;
}

/**
 * Creates `folder` and any missing parents, then proves it writable by writing a file into it, so a
 * command fails at once, before any work. Parents are made one at a time: Node's recursive mkdir
 * never returns under /proc. Fails with an OutputFolderError, `cannot write ${what}: …`, for a part
 * that is not a folder or a folder that cannot be created or written (as root too: /proc, a path
 * under a regular file).
 */
export async function makeOutputFolder(folder: string, what = `to ${folder}`): Promise<void> {
  const refuse = (why: string) => new OutputFolderError(`cannot write ${what}: ${why}`);
  const absolute = path.resolve(folder);
  const missing: string[] = [];
  let existing = absolute;
  for (;;) {
    const found = await stat(existing).catch((error: NodeJS.ErrnoException) => error);
    if (!(found instanceof Error)) {
      if (!found.isDirectory()) throw refuse(`${existing} is not a folder`);
      break;
    }
    if (found.code !== "ENOENT") throw refuse(found.message);
    missing.unshift(existing);
    existing = path.dirname(existing);
  }
  const probe = path.join(absolute, `.samestack-write-probe.${process.pid}`);
  try {
    for (const part of missing) await mkdir(part);
    await writeFile(probe, "");
    await rm(probe);
  } catch (error) {
    throw refuse((error as Error).message);
  }
}

/** Writes `file` through a temporary file beside it, so no reader ever sees half of it. */
export async function writeAtomically(file: string, content: string | Uint8Array): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    await writeFile(temporary, content);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
