// Where samestack's own files are: the package root, the nearest folder above this module holding
// package.json. It is the repository root, whether this module runs from its source or from dist/.
import { existsSync } from "node:fs";
import path from "node:path";
import { InternalError } from "../wasm/errors.js";

let found: string | undefined;

export function packageRoot(): string {
  if (found !== undefined) return found;
  let folder = import.meta.dirname;
  while (!existsSync(path.join(folder, "package.json"))) {
    const parent = path.dirname(folder);
    if (parent === folder) throw new InternalError(`no package.json above ${import.meta.dirname}`);
    folder = parent;
  }
  found = folder;
  return folder;
}
