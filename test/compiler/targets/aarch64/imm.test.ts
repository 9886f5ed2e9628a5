// Edge cases of the AArch64 immediate value types. Ranges follow the Arm ARM's operand descriptions;
// the LogicalImm fields (N, immr, imms) were read from the words GNU as 2.40 (aarch64-linux-gnu-as)
// produced for `orr xd, xzr, #value` / `orr wd, wzr, #value`.
import { describe, expect, it } from "vitest";
import {
  Imm12,
  LogicalImm,
  MoveWide,
  SImm7Scaled,
  SImm9,
  UImm12Scaled,
} from "../../../../src/compiler/targets/aarch64/imm.js";

describe("Imm12", () => {
  it.each([
    [0, 0, false],
    [1, 1, false],
    [4095, 4095, false],
    [4096, 1, true],
    [0x7000, 7, true],
    [0xfff000, 4095, true],
  ])("encodes %i as bits %i, shift12 %s", (value, bits, shift12) => {
    const imm = Imm12.from(value);
    expect(imm).toMatchObject({ bits, shift12 });
    expect(imm!.value).toBe(value);
  });

  it.each([-1, 4097, 0x1001, 0xfff001, 0x1000000, 1.5, Number.NaN])("rejects %d", (value) => {
    expect(Imm12.from(value)).toBeNull();
  });
});

describe("UImm12Scaled", () => {
  it("takes non-negative multiples of the scale up to 4095 units", () => {
    expect(UImm12Scaled.from(0, 8)?.bits).toBe(0);
    expect(UImm12Scaled.from(8, 8)?.bits).toBe(1);
    expect(UImm12Scaled.from(32760, 8)?.bits).toBe(4095);
    expect(UImm12Scaled.from(4095, 1)?.value).toBe(4095);
  });

  it("rejects the next multiple past the maximum, unaligned and negative offsets", () => {
    expect(UImm12Scaled.from(32768, 8)).toBeNull();
    expect(UImm12Scaled.from(4, 8)).toBeNull();
    expect(UImm12Scaled.from(32761, 8)).toBeNull();
    expect(UImm12Scaled.from(-8, 8)).toBeNull();
    expect(UImm12Scaled.from(4096, 1)).toBeNull();
  });
});

describe("SImm7Scaled", () => {
  it("takes multiples of the scale in [-64, 63] units and keeps 7 bits", () => {
    expect(SImm7Scaled.from(-512, 8)).toMatchObject({ bits: 0x40, value: -512 });
    expect(SImm7Scaled.from(-16, 8)).toMatchObject({ bits: 0x7e, value: -16 });
    expect(SImm7Scaled.from(0, 8)).toMatchObject({ bits: 0, value: 0 });
    expect(SImm7Scaled.from(504, 8)).toMatchObject({ bits: 63, value: 504 });
    expect(SImm7Scaled.from(-256, 4)).toMatchObject({ bits: 0x40, value: -256 });
  });

  it("rejects one unit past either end and unaligned offsets", () => {
    expect(SImm7Scaled.from(512, 8)).toBeNull();
    expect(SImm7Scaled.from(-520, 8)).toBeNull();
    expect(SImm7Scaled.from(12, 8)).toBeNull();
  });
});

describe("SImm9", () => {
  it("takes byte offsets in [-256, 255] and keeps 9 bits", () => {
    expect(SImm9.from(-256)).toMatchObject({ bits: 0x100, value: -256 });
    expect(SImm9.from(-1)).toMatchObject({ bits: 0x1ff, value: -1 });
    expect(SImm9.from(0)).toMatchObject({ bits: 0, value: 0 });
    expect(SImm9.from(255)).toMatchObject({ bits: 0xff, value: 255 });
  });

  it("rejects one past either end and non-integers", () => {
    expect(SImm9.from(256)).toBeNull();
    expect(SImm9.from(-257)).toBeNull();
    expect(SImm9.from(1.5)).toBeNull();
  });
});

describe("MoveWide", () => {
  it("places a 16-bit field at bit 0, 16, 32 or 48, zero included", () => {
    expect(MoveWide.at(0xffff, 48)).toMatchObject({
      imm16: 0xffff,
      shift: 48,
      value: 0xffff_0000_0000_0000n,
    });
    expect(MoveWide.at(0, 32)).toMatchObject({ imm16: 0, shift: 32, value: 0n });
    expect(MoveWide.at(1, 0)?.value).toBe(1n);
  });

  it.each([-1, 0x1_0000, 1.5])("rejects the field %d", (imm16) => {
    expect(MoveWide.at(imm16, 0)).toBeNull();
  });
});

describe("LogicalImm", () => {
  it.each([
    // [value, size, N, immr, imms]
    [0x5555_5555_5555_5555n, 64, 0, 0, 0b111100],
    [0xffn, 32, 0, 0, 0b000111],
    [0xffff_0000_ffff_0000n, 64, 0, 16, 0b001111],
    [0x8000_0000n, 32, 0, 1, 0b000000],
    [0x7fff_ffff_ffff_ffffn, 64, 1, 0, 0b111110],
    [0xffff_ffff_ffff_fffen, 64, 1, 63, 0b111110],
    [0xffff_fffen, 32, 0, 31, 0b011110],
    [0x0f0f_0f0fn, 32, 0, 0, 0b110011],
    [1n, 64, 1, 0, 0],
  ] as const)("encodes %s (%i-bit) as N=%i immr=%i imms=%i", (value, size, n, immr, imms) => {
    expect(LogicalImm.from(value, size)).toMatchObject({ n, immr, imms, value });
  });

  it.each([
    [0n, 64],
    [0n, 32],
    [0xffff_ffff_ffff_ffffn, 64],
    [0xffff_ffffn, 32],
    [0x1_0000_0000n, 32],
    [0b101n, 64],
    [0x1234n, 32],
    [-1n, 64],
  ] as const)("rejects %s as a %i-bit bitmask", (value, size) => {
    expect(LogicalImm.from(value, size)).toBeNull();
  });
});
