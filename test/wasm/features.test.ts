// Feature profiles: parsing them, what each accepts and refuses (and where, with which hint), and
// the features a validated module lists.
import { describe, expect, it } from "vitest";
import { decodeModule } from "../../src/wasm/decoder.js";
import { FeatureOutsideProfile, FrontEndError, MalformedModule } from "../../src/wasm/errors.js";
import {
  BadFeatureList,
  type Feature,
  type Features,
  featuresText,
  parseFeatures,
  WASM_1_0,
  WASM_2_0,
} from "../../src/wasm/features.js";
import { watToBinary } from "../../src/wasm/text.js";
import { validateModule } from "../../src/wasm/validator.js";
import { body, functions, I32, section, VOID, vec, wasm } from "./bytes.js";

const sorted = (features: Features) => [...features].sort();

describe("parseFeatures", () => {
  it("reads profiles, feature names, LLVM's names and comma lists of them", () => {
    expect(sorted(parseFeatures("1.0"))).toEqual([]);
    expect(sorted(parseFeatures("2.0"))).toEqual([
      "bulk-memory",
      "bulk-memory-opt",
      "call-indirect-overlong",
      "multi-value",
      "reference-types",
      "saturating-float-to-int",
      "sign-extension",
    ]);
    expect(sorted(parseFeatures("polkadot"))).toEqual(["saturating-float-to-int", "sign-extension"]);
    expect(sorted(parseFeatures(" polkadot , bulk-memory "))).toEqual([
      "bulk-memory",
      "bulk-memory-opt",
      "saturating-float-to-int",
      "sign-extension",
    ]);
    expect(sorted(parseFeatures("lime1"))).toEqual([
      "bulk-memory-opt",
      "call-indirect-overlong",
      "extended-const",
      "multi-value",
      "saturating-float-to-int",
      "sign-extension",
    ]);
    expect(sorted(parseFeatures("sign-ext,nontrapping-fptoint,multivalue,mutable-globals"))).toEqual([
      "multi-value",
      "saturating-float-to-int",
      "sign-extension",
    ]);
  });

  it("names unknown features and SIMD in its error", () => {
    expect(() => parseFeatures("polkadot,tail-call")).toThrow(BadFeatureList);
    expect(() => parseFeatures("polkadot,tail-call")).toThrow(
      /unknown feature or profile "tail-call".*lime1/,
    );
    expect(() => parseFeatures("simd128")).toThrow(/SIMD.*not supported/);
    expect(() => parseFeatures(" , ")).toThrow(BadFeatureList);
  });

  it("prints a feature set as its profile's name when it is one", () => {
    expect(featuresText(WASM_2_0)).toBe("2.0");
    expect(featuresText(parseFeatures("sign-ext,nontrapping-fptoint"))).toBe("polkadot");
    expect(featuresText(parseFeatures("polkadot,bulk-memory"))).toBe(
      "sign-extension,saturating-float-to-int,bulk-memory,bulk-memory-opt",
    );
  });
});

type Outcome = "accepted" | `outside: ${Feature}` | `malformed: ${string}` | `invalid: ${string}`;

function outcome(bytes: Uint8Array, profile: string): Outcome {
  const features = parseFeatures(profile);
  try {
    validateModule(decodeModule(bytes, features), features);
    return "accepted";
  } catch (error) {
    if (error instanceof FeatureOutsideProfile) return `outside: ${error.feature as Feature}`;
    if (error instanceof MalformedModule) return `malformed: ${error.reason}`;
    if (error instanceof FrontEndError) return `invalid: ${error.reason}`;
    throw error;
  }
}

const I32_0 = [0x41, 0x00];

/** A module of one `[] -> []` function with `code`, a table and a memory; type 1 is `[] -> [i32 i32]` if asked. */
function plain(code: readonly number[], pairType = false): Uint8Array {
  const types = pairType ? [VOID, [0x60, 0, 2, I32, I32]] : [VOID];
  const [typeSection, funcs, codes] = functions(types, [0], [body([...code, 0x0b])]);
  return wasm(typeSection!, funcs!, section(4, vec([[0x70, 0, 1]])), section(5, vec([[0, 1]])), codes!);
}

describe("profiles", () => {
  const PROFILES = ["1.0", "polkadot", "polkadot,bulk-memory", "lime1", "2.0"];
  const cases: readonly [string, Uint8Array, readonly Outcome[]][] = [
    [
      "a data count section",
      wasm(section(12, [0])),
      ["outside: bulk-memory", "outside: bulk-memory", "accepted", "outside: bulk-memory", "accepted"],
    ],
    [
      "sign-extension",
      plain([...I32_0, 0xc0, 0x1a]),
      ["outside: sign-extension", "accepted", "accepted", "accepted", "accepted"],
    ],
    [
      "saturating truncation",
      plain([0x43, 0, 0, 0, 0, 0xfc, 0x00, 0x1a]),
      ["outside: saturating-float-to-int", "accepted", "accepted", "accepted", "accepted"],
    ],
    [
      "memory.fill",
      plain([...I32_0, ...I32_0, ...I32_0, 0xfc, 0x0b, 0]),
      ["outside: bulk-memory-opt", "outside: bulk-memory-opt", "accepted", "accepted", "accepted"],
    ],
    [
      "elem.drop",
      plain([0xfc, 0x0d, 0]),
      [
        "outside: bulk-memory",
        "outside: bulk-memory",
        "invalid: unknown element segment 0",
        "outside: bulk-memory",
        "invalid: unknown element segment 0",
      ],
    ],
    [
      "a block of two results",
      plain([0x02, 0x01, ...I32_0, ...I32_0, 0x0b, 0x1a, 0x1a], true),
      ["outside: multi-value", "outside: multi-value", "outside: multi-value", "accepted", "accepted"],
    ],
    [
      "call_indirect with table 0 as 80 00",
      plain([...I32_0, 0x11, 0x00, 0x80, 0x00]),
      [
        "malformed: zero byte expected",
        "malformed: zero byte expected",
        "malformed: zero byte expected",
        "accepted",
        "accepted",
      ],
    ],
    [
      "call_indirect of table 1 (which does not exist)",
      plain([...I32_0, 0x11, 0x00, 0x01]),
      [
        "malformed: zero byte expected",
        "malformed: zero byte expected",
        "malformed: zero byte expected",
        "outside: reference-types",
        "invalid: unknown table 1",
      ],
    ],
    [
      "ref.null",
      plain([0xd0, 0x70, 0x1a]),
      [
        "outside: reference-types",
        "outside: reference-types",
        "outside: reference-types",
        "outside: reference-types",
        "accepted",
      ],
    ],
    [
      "memory.size with a reserved byte other than 0",
      plain([0x3f, 0x01, 0x1a]),
      Array(5).fill("malformed: zero byte expected"),
    ],
  ];
  for (const [what, bytes, expected] of cases) {
    it(`${what}: ${PROFILES.map((p, i) => `${p} → ${expected[i]}`).join("; ")}`, () => {
      expect(PROFILES.map((p) => outcome(bytes, p))).toEqual(expected);
    });
  }

  it("take extended constant expressions only with extended-const (lime1), checked by the validator", () => {
    // (global i32 (i32.add (i32.const 1) (i32.const 2)))
    const bytes = wasm(section(6, vec([[I32, 0, 0x41, 1, 0x41, 2, 0x6a, 0x0b]])));
    expect(outcome(bytes, "lime1")).toBe("accepted");
    expect(outcome(bytes, "2.0")).toBe("outside: extended-const");
    const decoded = decodeModule(bytes); // decoding alone accepts it under 2.0: it is a validation rule
    expect(decoded.globals[0]!.init).toMatchObject({ op: "sequence" });
    expect(validateModule(decoded, parseFeatures("lime1")).features).toEqual([
      { feature: "extended-const", offset: bytes.indexOf(0x6a) },
    ]);
  });

  it("name the feature, the function, the offset, the profile and a toolchain flag when refusing", () => {
    const bytes = wasm(...functions([VOID], [0, 0], [body([0x0b]), body([...I32_0, 0xc0, 0x1a, 0x0b])]));
    let error: unknown;
    try {
      decodeModule(bytes, WASM_1_0);
    } catch (caught) {
      error = caught;
    }
    const at = bytes.indexOf(0xc0);
    expect(error).toBeInstanceOf(FeatureOutsideProfile);
    expect(error).toMatchObject({ feature: "sign-extension", funcIndex: 1, offset: at, profile: "1.0" });
    expect((error as Error).message).toBe(
      `unsupported feature: sign-extension in function 1 at offset ${at} (0x${at.toString(16)}), ` +
        "which profile 1.0 does not include; to avoid it, build with clang -mcpu=mvp (or -mno-sign-ext), " +
        "or with Rust for target wasm32v1-none (or -C target-cpu=mvp)",
    );
  });
});

describe("ValidatedModule.features", () => {
  it("lists each post-1.0 feature the module uses once, at its first use, in module order", async () => {
    const bytes = await watToBinary(`(module
      (type (func (result i32 i32)))
      (memory 1)
      (func (result i32 i32) i32.const 1 i32.const 2)
      (func (drop (i32.extend8_s (i32.const 1))) (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))
            (drop (i32.extend16_s (i32.const 1)))))`);
    const { features } = validateModule(decodeModule(bytes));
    const opcodeAt = (op: number, from = 0) => bytes.indexOf(op, from);
    expect(features).toEqual([
      { feature: "multi-value", offset: expect.any(Number) },
      { feature: "sign-extension", offset: opcodeAt(0xc0), funcIndex: 1 },
      { feature: "bulk-memory-opt", offset: opcodeAt(0xfc), funcIndex: 1 },
    ]);
    expect(features[0]!.offset).toBeLessThan(features[1]!.offset);
  });

  it("is empty for a 1.0 module", async () => {
    const bytes = await watToBinary("(module (func (result i32) i32.const 1))");
    expect(validateModule(decodeModule(bytes, WASM_1_0), WASM_1_0).features).toEqual([]);
  });
});

describe("watToBinary under a profile", () => {
  it("follows the profile in wabt's parser and validator", async () => {
    const text = "(module (memory 1) (func (memory.fill (i32.const 0) (i32.const 0) (i32.const 0))))";
    await expect(watToBinary(text, "t.wat", parseFeatures("polkadot"))).rejects.toThrow(FrontEndError);
    await expect(watToBinary(text, "t.wat", parseFeatures("polkadot,bulk-memory"))).resolves.toBeInstanceOf(
      Uint8Array,
    );
  });
});
