import { describe, expect, it } from "vitest";
import { decodeModule } from "../../src/wasm/decoder.js";
import { postMvpReach } from "../../src/wasm/reach.js";
import { validateModule } from "../../src/wasm/validator.js";
import { body, funcType, I32, name, section, VOID, vec, wasm } from "./bytes.js";

describe("postMvpReach", () => {
  it("follows direct calls, call_indirect to table entries of the same signature, and imports", () => {
    const EXTERNREF = 0x6f;
    const types = section(1, vec([VOID, funcType([], [EXTERNREF]), funcType([], [I32])]));
    const imports = section(2, vec([[...name("env"), ...name("ref"), 0x00, 1]]));
    const bodies = [
      body([0xd0, 0x70, 0x1a, 0x0b]), // 1: ref.null func
      body([0x10, 1, 0x0b]), // 2: calls 1
      body([0x10, 2, 0x0b]), // 3: calls 2
      body([0x41, 0x00, 0x0b]), // 4: [] -> [i32]
      body([0x41, 0x00, 0x11, 2, 0x00, 0x1a, 0x0b]), // 5: call_indirect [] -> [i32]: only 4 has it
      body([0x41, 0x00, 0x11, 0, 0x00, 0x0b]), // 6: call_indirect [] -> []: 1 is in the table
      body([0x10, 0, 0x1a, 0x0b]), // 7: calls the import of a reference-typed signature
      body([0x01, 0x0b]), // 8
    ];
    const bytes = wasm(
      types,
      imports,
      section(3, vec([[0], [0], [0], [2], [0], [0], [0], [0]])),
      section(4, vec([[0x70, 0, 2]])),
      section(9, vec([[0, 0x41, 0, 0x0b, ...vec([[4], [1]])]])),
      section(10, vec(bodies)),
    );
    const validated = validateModule(decodeModule(bytes));
    const features = postMvpReach(validated).map((use) => use?.feature ?? null);
    expect(features).toEqual([
      "reference-types",
      "reference-types",
      "reference-types",
      "reference-types",
      null,
      null,
      "reference-types",
      "reference-types",
      null,
    ]);
  });
});
