// x64 immediates with encoding constraints, as value types: `from` returns null when the value does
// not fit, so every caller decides what to do instead of the encoder truncating silently.

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const UINT32_MAX = 2 ** 32 - 1;

/** The integer value of `n`, or null for a fraction. A huge bigint converts inexactly but stays out of range. */
function toInteger(n: number | bigint): number | null {
  if (typeof n === "bigint") return Number(n);
  return Number.isInteger(n) ? n : null;
}

/** A signed 32-bit immediate or displacement (what `imm32`/`disp32`/`rel32` fields sign-extend from). */
export class Simm32 {
  private constructor(readonly value: number) {}

  static from(n: number | bigint): Simm32 | null {
    const v = toInteger(n);
    return v !== null && v >= INT32_MIN && v <= INT32_MAX ? new Simm32(v) : null;
  }

  /** Whether the value also fits the sign-extended 8-bit forms (`imm8`, `disp8`). */
  get fitsInt8(): boolean {
    return this.value >= -128 && this.value <= 127;
  }
}

/** An unsigned 32-bit immediate, for `mov r32, imm32` (which zero-extends into the 64-bit register). */
export class Uimm32 {
  private constructor(readonly value: number) {}

  static from(n: number | bigint): Uimm32 | null {
    const v = toInteger(n);
    return v !== null && v >= 0 && v <= UINT32_MAX ? new Uimm32(v) : null;
  }
}

/** A shift or rotate count for the immediate form (`c1 /digit ib`): 0 ≤ count < operand width. */
export class ShiftCount {
  private constructor(readonly value: number) {}

  static from(n: number, width: 32 | 64): ShiftCount | null {
    return Number.isInteger(n) && n >= 0 && n < width ? new ShiftCount(n) : null;
  }
}
