import { describe, expect, it } from "vitest";
import { ShiftCount, Simm32, Uimm32 } from "../../../../src/compiler/targets/x64/imm.js";

describe("Simm32", () => {
  it.each([
    [0, 0],
    [2 ** 31 - 1, 2 ** 31 - 1],
    [-(2 ** 31), -(2 ** 31)],
    [-1, -1],
    [0x7fffffffn, 0x7fffffff],
    [-0x80000000n, -0x80000000],
  ])("accepts %s", (input, value) => {
    expect(Simm32.from(input)?.value).toBe(value);
  });

  it.each([
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 32 - 1,
    0.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    0x80000000n,
    2n ** 64n,
  ])("rejects %s", (input) => {
    expect(Simm32.from(input)).toBeNull();
  });

  it.each([
    [127, true],
    [128, false],
    [-128, true],
    [-129, false],
    [0, true],
  ])("fitsInt8(%s) is %s", (n, fits) => {
    expect(Simm32.from(n)?.fitsInt8).toBe(fits);
  });
});

describe("Uimm32", () => {
  it.each([
    [0, 0],
    [2 ** 32 - 1, 2 ** 32 - 1],
    [0xffffffffn, 0xffffffff],
  ])("accepts %s", (input, value) => {
    expect(Uimm32.from(input)?.value).toBe(value);
  });

  it.each([-1, 2 ** 32, 1.5, Number.NaN, -1n, 0x100000000n])("rejects %s", (input) => {
    expect(Uimm32.from(input)).toBeNull();
  });
});

describe("ShiftCount", () => {
  it.each([
    [0, 32],
    [31, 32],
    [0, 64],
    [63, 64],
  ] as const)("accepts %s for %s bits", (n, width) => {
    expect(ShiftCount.from(n, width)?.value).toBe(n);
  });

  it.each([
    [32, 32],
    [64, 64],
    [-1, 32],
    [1.5, 64],
  ] as const)("rejects %s for %s bits", (n, width) => {
    expect(ShiftCount.from(n, width)).toBeNull();
  });
});
