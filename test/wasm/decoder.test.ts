import { describe, expect, it } from "vitest";
import { decodeModule, MAX_LOCALS } from "../../src/wasm/decoder.js";
import { FeatureOutsideProfile, MalformedModule } from "../../src/wasm/errors.js";
import { WASM_1_0 } from "../../src/wasm/features.js";
import type { Instr } from "../../src/wasm/ir.js";
import { validateModule } from "../../src/wasm/validator.js";
import { body, functions, I32, leb, name, section, VOID, vec, wasm } from "./bytes.js";

/** A module with one `[] -> []` function whose body is `code` (without the final end) + end. */
function oneFunction(code: readonly number[], locals: readonly (readonly number[])[] = []): Uint8Array {
  return wasm(...functions([VOID], [0], [body([...code, 0x0b], locals)]));
}

function constants(code: readonly number[]): Instr[] {
  return [...decodeModule(oneFunction(code)).bodies[0]!.code];
}

/** The error of kind `kind` that decoding `bytes` throws (any other error propagates). */
function rejection<E extends Error>(bytes: Uint8Array, kind: abstract new (...args: never[]) => E): E {
  try {
    decodeModule(bytes);
  } catch (error) {
    if (error instanceof kind) return error;
    throw error;
  }
  throw new Error("decoded without error");
}

const malformed = (bytes: Uint8Array) => rejection(bytes, MalformedModule);
const outsideProfile = (bytes: Uint8Array) => rejection(bytes, FeatureOutsideProfile);

describe("decodeModule: binary format", () => {
  it("rejects a missing or wrong header", () => {
    expect(malformed(new Uint8Array([])).reason).toBe("unexpected end");
    expect(malformed(new Uint8Array([0, 0x61, 0x73, 0x6e, 1, 0, 0, 0])).reason).toBe(
      "magic header not detected",
    );
    expect(malformed(new Uint8Array([0, 0x61, 0x73, 0x6d, 2, 0, 0, 0])).reason).toBe(
      "unknown binary version",
    );
  });

  it("limits unsigned LEB128 to 5 bytes and 32 bits", () => {
    const overLong = wasm([1, 6, 0x81, 0x80, 0x80, 0x80, 0x80, 0x00]);
    expect(malformed(overLong)).toMatchObject({ reason: "integer representation too long", offset: 14 });
    expect(malformed(wasm([1, 5, 0xff, 0xff, 0xff, 0xff, 0x1f])).reason).toBe("integer too large");
    expect(decodeModule(wasm([1, 5, 0x80, 0x80, 0x80, 0x80, 0x00])).types).toEqual([]);
  });

  it("decodes signed LEB128 constants at their limits and rejects unused bits that do not copy the sign", () => {
    expect(constants([0x41, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x1a])[0]).toMatchObject({ value: -1 });
    expect(constants([0x41, 0x80, 0x80, 0x80, 0x80, 0x78, 0x1a])[0]).toMatchObject({ value: -(2 ** 31) });
    expect(constants([0x41, 0xff, 0xff, 0xff, 0xff, 0x07, 0x1a])[0]).toMatchObject({ value: 2 ** 31 - 1 });
    expect(malformed(oneFunction([0x41, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x1a])).reason).toBe(
      "integer too large",
    );
    const i64 = (bytes: number[]) => constants([0x42, ...bytes, 0x1a])[0];
    expect(i64([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f])).toMatchObject({
      value: -(2n ** 63n),
    });
    expect(i64([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00])).toMatchObject({
      value: 2n ** 63n - 1n,
    });
    expect(i64([0x7f])).toMatchObject({ value: -1n });
    expect(
      malformed(oneFunction([0x42, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02, 0x1a])).reason,
    ).toBe("integer too large");
    expect(constants([0x43, 0x01, 0x00, 0xc0, 0x7f, 0x1a])[0]).toMatchObject({ bits: 0x7fc0_0001 });
    expect(constants([0x44, 1, 0, 0, 0, 0, 0, 0xf8, 0xff, 0x1a])[0]).toMatchObject({
      bits: 0xfff8_0000_0000_0001n,
    });
  });

  it("validates UTF-8 in names and keeps a byte-order mark", () => {
    expect(malformed(wasm(section(0, [2, 0xc0, 0x80]))).reason).toBe("malformed UTF-8 encoding");
    expect(malformed(wasm(section(0, [3, 0xed, 0xa0, 0x80]))).reason).toBe("malformed UTF-8 encoding");
    const custom = decodeModule(wasm(section(0, [...name("\uFEFFé"), 42]))).customSections;
    expect(custom).toEqual([{ name: "\uFEFFé", bytes: new Uint8Array([42]), offset: 16 }]);
  });

  it("reads module, function and local names, and ignores a broken name section", () => {
    const names = section(0, [
      ...name("name"),
      ...section(0, name("mod")),
      ...section(1, vec([[0, ...name("f")]])),
      ...section(2, vec([[0, ...vec([[1, ...name("x")]])]])),
    ]);
    const decoded = decodeModule(wasm(...functions([VOID], [0], [body([0x0b])]), names));
    expect(decoded.names).toEqual({
      module: "mod",
      functions: new Map([[0, "f"]]),
      locals: new Map([[0, new Map([[1, "x"]])]]),
    });
    expect(decoded.customSections).toEqual([]);
    const broken = section(0, [...name("name"), ...section(1, [5, 0, ...name("f")])]);
    const ignored = decodeModule(wasm(broken));
    expect(ignored.names.functions.size).toBe(0);
    expect(ignored.customSections.map((c) => c.name)).toEqual(["name"]);
  });

  it("rejects illegal opcodes, a missing end and bytes after the end", () => {
    expect(malformed(oneFunction([0x27]))).toMatchObject({
      reason: "illegal opcode",
      offset: 23,
      funcIndex: 0,
    });
    expect(malformed(oneFunction([0xfc, 0x20])).reason).toBe("illegal opcode");
    expect(malformed(wasm(...functions([VOID], [0], [body([0x41, 0x00])]))).reason).toBe(
      "END opcode expected",
    );
    expect(malformed(wasm(...functions([VOID], [0], [body([0x0b, 0x01])]))).reason).toBe(
      "section size mismatch",
    );
    expect(malformed(wasm(section(1, vec([VOID])), section(3, vec([[0]])))).reason).toBe(
      "function and code section have inconsistent lengths",
    );
    expect(malformed(wasm(section(3, vec([])), section(1, vec([])))).reason).toBe(
      "unexpected content after last section",
    );
  });

  it("rejects more than 2^32-1 locals and keeps more than MAX_LOCALS as runs, not expanded", () => {
    const huge = [...leb(0xffff_ffff), I32];
    expect(malformed(oneFunction([], [huge, [1, I32]])).reason).toBe("too many locals");
    const many = decodeModule(
      oneFunction(
        [],
        [
          [...leb(MAX_LOCALS), I32],
          [1, I32],
        ],
      ),
    ).bodies[0]!;
    expect(many.localRuns).toEqual([
      [MAX_LOCALS, "i32"],
      [1, "i32"],
    ]);
    expect(many.locals).toEqual([]);
    const atLimit = decodeModule(oneFunction([], [[...leb(MAX_LOCALS), I32]])).bodies[0]!;
    expect(atLimit.locals.length).toBe(MAX_LOCALS);
    expect(atLimit.localRuns).toBeUndefined();
  });
});

describe("decodeModule: post-1.0 constructs", () => {
  // [instruction bytes, the feature it needs, index in those bytes of the byte that needs it]
  const instructions: [string, number[], string, number][] = [
    ["memory.copy", [0xfc, 0x0a, 0x00, 0x00], "bulk-memory-opt", 0],
    ["table.size", [0xfc, 0x10, 0x00], "reference-types", 0],
    ["ref.null", [0xd0, 0x70], "reference-types", 0],
    ["typed select", [0x1c, 0x01, 0x7f], "reference-types", 0],
    ["block of funcref", [0x02, 0x70, 0x0b], "reference-types", 1],
    ["call_indirect of table 1", [0x11, 0x00, 0x01], "reference-types", 2],
    ["call_indirect with an overlong table 0", [0x11, 0x00, 0x80, 0x00], "call-indirect-overlong", 2],
    ["i32.extend8_s", [0x41, 0x00, 0xc0, 0x1a], "sign-extension", 2],
    ["i32.trunc_sat_f32_s", [0x43, 0, 0, 0, 0, 0xfc, 0x00, 0x1a], "saturating-float-to-int", 5],
    ["block with a type index", [0x02, 0x00, 0x0b], "multi-value", 1],
  ];
  for (const [what, bytes, feature, at] of instructions) {
    it(`${what}: decodes the body completely and records ${feature} at its byte in that function`, () => {
      const module = wasm(...functions([VOID], [0, 0], [body([0x01, ...bytes, 0x01, 0x0b]), body([0x0b])]));
      const decoded = decodeModule(module);
      const offset = 25 + at; // the body's first instruction (nop) is at 24
      expect(decoded.features).toEqual([{ feature, offset, funcIndex: 0 }]);
      const ops = decoded.bodies[0]!.code.map((instr) => instr.op);
      expect(ops[0]).toBe("nop");
      expect(ops.slice(-2)).toEqual(["nop", "end"]);
      expect(decoded.bodies[1]!.code.map((instr) => instr.op)).toEqual(["end"]);
    });
  }

  it("rejects SIMD under every profile, naming the function, the offset and a toolchain flag", () => {
    const error = outsideProfile(wasm(...functions([VOID], [0], [body([0x01, 0xfd, 0x0c, 0x0b])])));
    expect(error).toMatchObject({ feature: "simd", funcIndex: 0, offset: 24 });
    expect(error.message).toMatch(
      /^unsupported feature: simd in function 0 at offset 24 \(0x18\), which profile 2\.0 does not include; .*-mno-simd128.*wasm32v1-none/,
    );
  });

  it.each([
    [[0x12, 0x00], "tail-call", "-mno-tail-call"],
    [[0x08, 0x00], "exception-handling", "-mno-exception-handling"],
    [[0xfe, 0x03, 0x00], "threads", "-mno-atomics"],
    [[0xfb, 0x00], "gc", "-mno-gc"],
  ])(
    "rejects the operator %j of a proposal past 2.0 as needing %s, not as malformed",
    (code, feature, flag) => {
      const error = outsideProfile(oneFunction([0x01, ...code]));
      expect(error).toMatchObject({ feature, funcIndex: 0, offset: 24 });
      expect(error.message).toContain(`unsupported feature: ${feature} in function 0 at offset 24`);
      expect(error.message).toContain(flag);
    },
  );

  it("under 1.0, reads call_indirect's table index as a reserved byte, naming the feature another needs", () => {
    const module = (index: number[]) =>
      wasm(...functions([VOID], [0, 0], [body([0x0b]), body([0x41, 0, 0x11, 0x00, ...index, 0x0b])]));
    const refusal = (index: number[]) => {
      try {
        decodeModule(module(index), WASM_1_0);
      } catch (error) {
        if (error instanceof MalformedModule) return error;
        throw error;
      }
      throw new Error("decoded without error");
    };
    const padded = refusal([0x80, 0x80, 0x80, 0x80, 0x00]);
    const at = module([0x00]).lastIndexOf(0x11) + 2; // after call_indirect's opcode and type index
    expect(padded).toMatchObject({ reason: "zero byte expected", offset: at, funcIndex: 1 });
    expect(padded.needs).toMatchObject({ feature: "call-indirect-overlong", profile: "1.0" });
    expect(padded.message).toMatch(
      /; call_indirect's table index as written needs call-indirect-overlong, .*-mcpu=mvp/,
    );
    expect(refusal([0x01]).needs?.feature).toBe("reference-types");
    // six bytes are no u32 LEB128: no feature would read them
    expect(refusal([0x80, 0x80, 0x80, 0x80, 0x80, 0x00]).needs).toBeUndefined();
    expect(decodeModule(module([0x00]), WASM_1_0).bodies[1]!.code[1]).toMatchObject({ table: 0 });
  });

  it("expands reference-typed locals and records reference-types at the first such type", () => {
    const bytes = oneFunction(
      [],
      [
        [1, I32],
        [2, 0x6f],
      ],
    );
    const decoded = decodeModule(bytes);
    expect(decoded.bodies[0]!.locals).toEqual(["i32", "externref", "externref"]);
    expect(decoded.features).toEqual([
      { feature: "reference-types", offset: bytes.lastIndexOf(0x6f), funcIndex: 0 },
    ]);
  });

  it("reads the module-level constructs of bulk memory and reference types, and validates them", () => {
    const features = (bytes: Uint8Array) => validateModule(decodeModule(bytes)).features;
    const dataCount = wasm(section(12, [0]));
    expect(features(dataCount)).toEqual([{ feature: "bulk-memory", offset: 8 }]);
    const passive = wasm(section(5, vec([[0, 1]])), section(11, vec([[1, 1, 42]])));
    expect(decodeModule(passive).datas).toEqual([{ mode: "passive", bytes: new Uint8Array([42]) }]);
    expect(features(passive).map((use) => use.feature)).toEqual(["bulk-memory"]);
    const externrefTable = wasm(section(4, vec([[0x6f, 0, 1]])));
    expect(decodeModule(externrefTable).tables).toEqual([{ elemType: "externref", min: 1 }]);
    expect(features(externrefTable)).toEqual([{ feature: "reference-types", offset: 11 }]);
    // an element segment with flags 2: explicit table index 0, element kind 0, no functions
    const explicitTable = wasm(
      section(4, vec([[0x70, 0, 1]])),
      section(9, vec([[2, 0, 0x41, 0, 0x0b, 0, 0]])),
    );
    expect(decodeModule(explicitTable).elems).toEqual([
      {
        mode: "active",
        table: 0,
        offset: { op: "i32.const", value: 0 },
        type: "funcref",
        funcs: [],
        exprs: null,
      },
    ]);
    expect(features(explicitTable).map((use) => use.feature)).toEqual(["reference-types"]);
    // several results need multi-value, met in the type section
    expect(features(wasm(section(1, vec([[0x60, 0, 2, I32, I32]]))))).toEqual([
      { feature: "multi-value", offset: 11 },
    ]);
  });
});
