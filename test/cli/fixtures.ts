import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A temporary folder for module and batch files; `remove()` deletes it. */
export function scratchFolder(): {
  path: (name: string) => string;
  write: (name: string, content: string | Uint8Array) => string;
  remove: () => void;
} {
  const folder = mkdtempSync(join(tmpdir(), "samestack-cli-"));
  return {
    path: (name) => join(folder, name),
    write: (name, content) => {
      const path = join(folder, name);
      writeFileSync(path, content);
      return path;
    },
    remove: () => rmSync(folder, { recursive: true }),
  };
}

export const ARITH_WAT = `(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "neg64") (param i64) (result i64) (i64.sub (i64.const 0) (local.get 0)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
  (func (export "spin") (loop (br 0))))`;
