// A module's content as a string, without byte offsets and without what the decoder notes about the
// encoding (features: they point at offsets, and an overlong LEB128 is a feature):
// equal strings mean equal modules up to how and where they sit in the binary.
import type { Module } from "../../src/wasm/ir.js";

export function canonical(module: Module): string {
  return JSON.stringify(module, (key, value: unknown) => {
    if (key === "offset" || key === "features") return undefined;
    if (typeof value === "bigint") return `${value}n`;
    if (value instanceof Map) return [...value];
    if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
    return value;
  });
}
