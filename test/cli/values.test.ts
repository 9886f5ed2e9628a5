import { describe, expect, it } from "vitest";
import { checkJsonValue, parseCliValue } from "../../src/cli/values.js";
import { InputError } from "../../src/wasm/errors.js";
import { formatValue } from "../../src/wasm/outcome-text.js";

describe("parseCliValue", () => {
  it.each([
    ["5", "i32", "5"],
    ["i32:-1", "i32", "4294967295"],
    ["-2147483648", "i32", "2147483648"],
    ["4294967295", "i32", "4294967295"],
    ["0x10", "i32", "16"],
    ["i64:-1", "i64", "18446744073709551615"],
    ["-9223372036854775808", "i64", "9223372036854775808"],
    // IEEE 754 encodings: 1.5f = 0x3fc00000, 1.5 = 0x3ff8000000000000, -inf f32 = 0xff800000.
    ["f32:1.5", "f32", String(0x3fc00000)],
    ["1.5", "f64", String(0x3ff8000000000000n)],
    ["-inf", "f32", String(0xff800000)],
  ] as const)("%s as %s is bits %s", (text, type, bits) => {
    expect(parseCliValue(text, type)).toEqual({ type, value: bits });
  });

  it.each([
    ["4294967296", "i32"],
    ["-2147483649", "i32"],
    ["18446744073709551616", "i64"],
    ["1.5", "i32"],
    ["abc", "i64"],
    ["", "f64"],
    ["i64:5", "i32"],
    ["u8:5", "i32"],
    ["f32:one", "f32"],
  ] as const)("rejects %s for %s", (text, type) => {
    expect(() => parseCliValue(text, type)).toThrow(InputError);
  });
});

describe("checkJsonValue", () => {
  it("accepts unsigned decimal bit patterns", () => {
    expect(checkJsonValue({ type: "i32", value: "4294967295" })).toEqual({
      type: "i32",
      value: "4294967295",
    });
  });

  it.each([
    [{ type: "i32", value: "4294967296" }],
    [{ type: "i32", value: "-1" }],
    [{ type: "i32", value: 5 }],
    [{ type: "v128", value: "0" }],
    [null],
  ])("rejects %j", (value) => {
    expect(() => checkJsonValue(value)).toThrow(InputError);
  });
});

describe("formatValue", () => {
  it("shows the signed reading of negative integers", () => {
    expect(formatValue({ type: "i32", value: "4294967295" })).toBe("i32:4294967295 (-1)");
    expect(formatValue({ type: "i64", value: "7" })).toBe("i64:7");
  });

  it("shows floats with their bits", () => {
    expect(formatValue({ type: "f64", value: String(0x3ff8000000000000n) })).toBe(
      `f64:1.5 (bits ${0x3ff8000000000000n})`,
    );
  });
});
