// A module's content as a string, without byte offsets and without the list of post-1.0 encodings
// met (postMvp): equal strings mean equal modules up to how and where they sit in the binary.
import type { Module } from "../../src/wasm/ir.js";

export function canonical(module: Module): string {
  return JSON.stringify(module, (key, value: unknown) => {
    if (key === "offset" || key === "postMvp") return undefined;
    if (typeof value === "bigint") return `${value}n`;
    if (value instanceof Map) return [...value];
    if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
    return value;
  });
}
