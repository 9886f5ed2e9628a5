import { describe, expect, it } from "vitest";
import { checkReturn, checkTrap, differsInNanBitsOnly, trapKindOfText } from "../../src/spec/expect.js";

const f32 = (bits: number) => ({ type: "f32", value: String(bits >>> 0) }) as const;
const f64 = (bits: bigint) => ({ type: "f64", value: String(bits) }) as const;
const returns = (...values: { type: "f32" | "f64"; value: string }[]) =>
  ({ outcome: "return", values }) as const;

describe("checkReturn with NaN patterns", () => {
  // IEEE 754 binary32: exponent bits 0x7f800000, quiet bit 0x00400000; binary64: 0x7ff0…, quiet 0x0008….
  it.each([
    [0x7fc00000, "nan:canonical", true],
    [0xffc00000, "nan:canonical", true],
    [0x7fc00001, "nan:canonical", false],
    [0x7fc00001, "nan:arithmetic", true],
    [0x7fa00000, "nan:arithmetic", false],
    [0x7f800000, "nan:arithmetic", false],
  ] as const)("f32 bits %s against %s: %s", (bits, pattern, holds) => {
    expect(checkReturn(returns(f32(bits)), [{ type: "f32", value: pattern }]) === null).toBe(holds);
  });

  it.each([
    [0x7ff8000000000000n, "nan:canonical", true],
    [0xfff8000000000000n, "nan:canonical", true],
    [0x7ff8000000000001n, "nan:arithmetic", true],
    [0x7ff4000000000000n, "nan:arithmetic", false],
    [0x7ff0000000000000n, "nan:canonical", false],
  ] as const)("f64 bits %s against %s: %s", (bits, pattern, holds) => {
    expect(checkReturn(returns(f64(bits)), [{ type: "f64", value: pattern }]) === null).toBe(holds);
  });

  it("compares other values by type and bits", () => {
    expect(checkReturn(returns(f32(1)), [f32(1)])).toBeNull();
    expect(checkReturn(returns(f32(1)), [f64(1n)])).not.toBeNull();
    expect(checkReturn(returns(f32(1)), [])).not.toBeNull();
    expect(checkReturn({ outcome: "trap", trap: "unreachable" }, [f32(1)])).toContain("got trap unreachable");
  });
});

describe("differsInNanBitsOnly", () => {
  it("holds when every difference is between two NaNs", () => {
    expect(differsInNanBitsOnly(returns(f32(0xffc00000)), [f32(0x7fc00000)])).toBe(true);
    expect(differsInNanBitsOnly(returns(f32(0x7fa00000)), [{ type: "f32", value: "nan:arithmetic" }])).toBe(
      true,
    );
    expect(
      differsInNanBitsOnly(returns(f64(0xfff8000000000001n), f32(1)), [f64(0x7ff8000000000000n), f32(1)]),
    ).toBe(true);
  });

  it("does not hold when a non-NaN differs, or a NaN meets a number", () => {
    expect(differsInNanBitsOnly(returns(f32(0xffc00000), f32(2)), [f32(0x7fc00000), f32(1)])).toBe(false);
    expect(differsInNanBitsOnly(returns(f32(0x7fc00000)), [f32(0x3f800000)])).toBe(false);
    expect(differsInNanBitsOnly(returns(f32(0x3f800000)), [{ type: "f32", value: "nan:canonical" }])).toBe(
      false,
    );
    expect(differsInNanBitsOnly(returns(f32(0x7fc00000)), [f64(0x7ff8000000000000n)])).toBe(false);
    expect(differsInNanBitsOnly({ outcome: "trap", trap: "unreachable" }, [f32(0x7fc00000)])).toBe(false);
  });
});

describe("traps", () => {
  it("maps the spec tests' trap messages to kinds", () => {
    expect(trapKindOfText("unreachable executed")).toBe("unreachable");
    expect(trapKindOfText("out of bounds memory access")).toBe("out_of_bounds_memory");
    expect(trapKindOfText("call stack exhausted")).toBe("stack_overflow");
    // Wasm 2.0's text for table.get/set/fill/copy/init and element segments outside a table.
    expect(trapKindOfText("out of bounds table access")).toBe("out_of_bounds_table");
    expect(trapKindOfText("undefined element")).toBe("undefined_element");
    expect(trapKindOfText("something else")).toBeUndefined();
  });

  it("checks the kind", () => {
    expect(checkTrap({ outcome: "trap", trap: "unreachable" }, "unreachable")).toBeNull();
    expect(checkTrap({ outcome: "trap", trap: "unreachable" }, "integer_overflow")).not.toBeNull();
    expect(checkTrap({ outcome: "exhausted" }, "stack_overflow")).toContain("got exhausted");
  });
});
