/**
 * The helper's architecture row for a target. The helper keeps every per-architecture fact (Unicorn
 * and Capstone ids, CPU model, register ids) in one table keyed by samestack's target names (arch.c),
 * so the TypeScript side names a row by its target and knows no native id.
 */
import type { Target } from "../../src/compiler/target.js";
import { NativeLibraryError } from "../errors.js";
import { ss } from "./bindings.js";

const rows = new Map<Target, number>();

/** The `arch` argument of the helper's functions for `target`. */
export function helperArch(target: Target): number {
  let row = rows.get(target);
  if (row === undefined) {
    row = ss.arch(target);
    if (row < 0) throw new NativeLibraryError(`the native helper has no architecture row for ${target}`);
    rows.set(target, row);
  }
  return row;
}
