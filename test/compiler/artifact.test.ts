// Type ids of table entries (artifact.ts, typeId): a function of the signature's structure only,
// never 0 (an uninitialised entry), different for different signatures.
import { describe, expect, it } from "vitest";
import { typeId } from "../../src/compiler/artifact.js";
import type { FuncType, ValType } from "../../src/wasm/ir.js";

const VALTYPES: readonly ValType[] = ["i32", "i64", "f32", "f64"];

/** Every sequence of value types of length `length`. */
function sequences(length: number): ValType[][] {
  if (length === 0) return [[]];
  return sequences(length - 1).flatMap((rest) => VALTYPES.map((type) => [type, ...rest]));
}

/** Every 1.0 signature with up to `maxParams` params (and no result or one). */
function signatures(maxParams: number): FuncType[] {
  const params = Array.from({ length: maxParams + 1 }, (_, n) => sequences(n)).flat();
  const results: ValType[][] = [[], ...VALTYPES.map((type) => [type])];
  return params.flatMap((p) => results.map((r) => ({ params: p, results: r })));
}

describe("typeId", () => {
  it("gives every signature up to 4 params its own id, none of them 0", () => {
    const all = signatures(4);
    const ids = new Set(all.map(typeId));
    expect(ids.size).toBe(all.length);
    expect(ids.has(0n)).toBe(false);
  });

  it("depends on the structure only: equal signatures built separately get equal ids", () => {
    for (const type of signatures(2)) {
      expect(typeId({ params: [...type.params], results: [...type.results] })).toBe(typeId(type));
    }
  });

  it("packs up to 29 params as documented, and hashes longer ones above bit 63", () => {
    // marker 1, i32 = 00, f64 = 11, result i64 = 1 + 01 → 0b1_00_11_010.
    expect(typeId({ params: ["i32", "f64"], results: ["i64"] })).toBe(0b1_00_11_010n);
    expect(typeId({ params: [], results: [] })).toBe(0b1_000n);
    const packed = typeId({ params: Array<ValType>(29).fill("f64"), results: ["f64"] });
    expect(packed).toBeLessThan(1n << 63n);
    const long = (type: ValType) => typeId({ params: Array<ValType>(30).fill(type), results: [] });
    expect(long("i32")).toBeGreaterThanOrEqual(1n << 63n);
    expect(long("i32")).toBeLessThan(1n << 64n);
    expect(new Set(VALTYPES.map(long)).size).toBe(VALTYPES.length);
  });
});
