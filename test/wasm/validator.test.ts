import { describe, expect, it } from "vitest";
import { decodeModule } from "../../src/wasm/decoder.js";
import { InvalidModule } from "../../src/wasm/errors.js";
import { validateModule } from "../../src/wasm/validator.js";
import { body, funcType, I32, I64, name, section, VOID, vec, wasm } from "./bytes.js";

const EXTERNREF = 0x6f;

function invalid(bytes: Uint8Array): InvalidModule {
  try {
    validateModule(decodeModule(bytes));
  } catch (error) {
    if (error instanceof InvalidModule) return error;
    throw error;
  }
  throw new Error("validated without error");
}

describe("validateModule", () => {
  it("reports a type error with the function index (imports counted) and the instruction's offset", () => {
    const bytes = wasm(
      section(1, vec([VOID])),
      section(2, vec([[...name("env"), ...name("f"), 0x00, 0]])),
      section(3, vec([[0]])),
      section(10, vec([body([0x41, 0x00, 0x42, 0x00, 0x6a, 0x0b])])),
    );
    const error = invalid(bytes);
    expect(error).toMatchObject({ id: "invalid-module", funcIndex: 1, offset: bytes.indexOf(0x6a) });
    expect(error.message).toContain("type mismatch in function 1 at offset");
  });

  it("checks module-level rules", () => {
    expect(
      invalid(
        wasm(
          section(
            5,
            vec([
              [0, 0],
              [0, 0],
            ]),
          ),
        ),
      ).reason,
    ).toBe("multiple memories");
    expect(invalid(wasm(section(5, vec([[0, 0x81, 0x80, 0x04]])))).reason).toMatch(/at most 65536 pages/);
    expect(invalid(wasm(section(4, vec([[0x70, 1, 2, 1]])))).reason).toMatch(/minimum must not be greater/);
    const twoExports = section(
      7,
      vec([
        [...name("a"), 2, 0],
        [...name("a"), 2, 0],
      ]),
    );
    expect(invalid(wasm(section(5, vec([[0, 1]])), twoExports)).reason).toMatch(/duplicate export name/);
    // a global initialised from a global that is not imported
    const globals = section(
      6,
      vec([
        [I32, 0, 0x41, 0, 0x0b],
        [I32, 0, 0x23, 0, 0x0b],
      ]),
    );
    expect(invalid(wasm(globals)).reason).toBe("global 1: unknown global 0");
    const start = [section(1, vec([funcType([I32], [])])), section(3, vec([[0]])), section(8, [0])];
    expect(invalid(wasm(...start, section(10, vec([body([0x0b])])))).reason).toMatch(/start function/);
  });

  it("marks functions of a multi-value type, and calls of one, as unsupported", () => {
    const types = section(1, vec([VOID, funcType([], [I32, I64])]));
    const bodies = [
      body([0x41, 0x00, 0x42, 0x00, 0x0b]), // type 1: validated, then marked
      body([0x01, 0x10, 0x00, 0x1a, 0x1a, 0x0b]), // nop, call 0
      body([0x41, 0x00, 0x11, 0x01, 0x00, 0x1a, 0x1a, 0x0b]), // call_indirect (type 1)
      body([0x0b]),
    ];
    const bytes = wasm(
      types,
      section(3, vec([[1], [0], [0], [0]])),
      section(4, vec([[0x70, 0, 1]])),
      section(10, vec(bodies)),
    );
    const module = decodeModule(bytes);
    const { functions } = validateModule(module);
    const callAt = module.bodies[1]!.code[1]!.offset;
    const callIndirectAt = module.bodies[2]!.code[1]!.offset;
    expect(functions.map((f) => f.unsupported)).toEqual([
      { feature: "multi-value", offset: module.bodies[0]!.offset },
      { feature: "multi-value", offset: callAt },
      { feature: "multi-value", offset: callIndirectAt },
      null,
    ]);
    expect([...functions[0]!.heightAfter]).toEqual([1, 2, 2]);
    expect(functions[0]!.maxHeight).toBe(2);
    // validated to the end all the same: the call leaves two values
    expect([...functions[1]!.heightAfter]).toEqual([0, 2, 1, 0, 0]);
    expect(functions[1]!.makesCalls).toBe(true);
  });

  it("marks functions that use a reference-typed signature or global as unsupported", () => {
    const types = section(1, vec([VOID, funcType([EXTERNREF], [])]));
    const globals = section(6, vec([[EXTERNREF, 0, 0xd0, EXTERNREF, 0x0b]]));
    const bodies = [
      body([0x0b]),
      body([0xd0, EXTERNREF, 0x10, 0x00, 0x0b]), // ref.null extern, call 0
      body([0x23, 0x00, 0x1a, 0x0b]),
      body([0x0b]),
    ];
    const bytes = wasm(types, section(3, vec([[1], [0], [0], [0]])), globals, section(10, vec(bodies)));
    const module = decodeModule(bytes);
    expect(module.postMvp?.map((use) => use.feature)).toEqual(["reference-types", "reference-types"]);
    const { functions } = validateModule(module);
    expect(functions.map((f) => f.unsupported?.feature ?? null)).toEqual([
      "reference-types",
      "reference-types",
      "reference-types",
      null,
    ]);
    expect(functions[1]!.unsupported!.offset).toBe(module.bodies[1]!.code[0]!.offset); // ref.null, before the call
    expect(functions[2]!.unsupported!.offset).toBe(module.bodies[2]!.code[0]!.offset);
  });
});
