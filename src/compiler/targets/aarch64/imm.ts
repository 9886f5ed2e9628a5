// AArch64 immediates with encoding constraints, as value types: `from` returns null when the value
// has no encoding, so a caller either picks another instruction sequence or cannot construct one.

/** add/sub immediate: an unsigned 12-bit value, optionally shifted left by 12. */
export class Imm12 {
  private constructor(
    readonly bits: number,
    readonly shift12: boolean,
  ) {}

  static from(value: number): Imm12 | null {
    if (!Number.isSafeInteger(value) || value < 0) return null;
    if (value <= 0xfff) return new Imm12(value, false);
    if (value <= 0xfff000 && value % 0x1000 === 0) return new Imm12(value / 0x1000, true);
    return null;
  }

  get value(): number {
    return this.shift12 ? this.bits * 0x1000 : this.bits;
  }
}

/** Unsigned 12-bit offset of `ldr`/`str` (unsigned-offset form), counted in units of the access size. */
export class UImm12Scaled {
  private constructor(
    readonly bits: number,
    readonly scale: number,
  ) {}

  static from(value: number, scale: 1 | 2 | 4 | 8): UImm12Scaled | null {
    if (!Number.isSafeInteger(value) || value < 0 || value % scale !== 0) return null;
    const bits = value / scale;
    return bits <= 0xfff ? new UImm12Scaled(bits, scale) : null;
  }

  get value(): number {
    return this.bits * this.scale;
  }
}

/** Signed 7-bit offset of `ldp`/`stp`, counted in units of the register size (8 for x registers). */
export class SImm7Scaled {
  private constructor(
    readonly bits: number,
    readonly scale: number,
  ) {}

  static from(value: number, scale: 4 | 8): SImm7Scaled | null {
    if (!Number.isSafeInteger(value) || value % scale !== 0) return null;
    const units = value / scale;
    return units >= -64 && units <= 63 ? new SImm7Scaled(units & 0x7f, scale) : null;
  }

  get value(): number {
    return ((this.bits << 25) >> 25) * this.scale;
  }
}

/** Signed 9-bit byte offset of the pre- and post-index forms of `ldr`/`str` (unscaled). */
export class SImm9 {
  private constructor(readonly bits: number) {}

  static from(value: number): SImm9 | null {
    return Number.isSafeInteger(value) && value >= -256 && value <= 255 ? new SImm9(value & 0x1ff) : null;
  }

  get value(): number {
    return (this.bits << 23) >> 23;
  }
}

/** Operand of `movz`/`movn`/`movk`: a 16-bit field at bit 0, 16, 32 or 48. */
export class MoveWide {
  private constructor(
    readonly imm16: number,
    readonly shift: 0 | 16 | 32 | 48,
  ) {}

  /** `imm16` placed at bit `shift` (movk needs the position even when the field is zero). */
  static at(imm16: number, shift: 0 | 16 | 32 | 48): MoveWide | null {
    return Number.isInteger(imm16) && imm16 >= 0 && imm16 <= 0xffff ? new MoveWide(imm16, shift) : null;
  }

  get value(): bigint {
    return BigInt(this.imm16) << BigInt(this.shift);
  }
}

/**
 * Bitmask immediate of the logical instructions (`orr`, `and`, ...): a run of k ones (0 < k < e)
 * rotated right by `immr` within an element of e ∈ {2, 4, 8, 16, 32, 64} bits, replicated to the
 * register size. Encoded as N:immr:imms; 0 and all-ones have no encoding.
 */
export class LogicalImm {
  private constructor(
    readonly n: 0 | 1,
    readonly immr: number,
    readonly imms: number,
    readonly value: bigint,
  ) {}

  static from(value: bigint, size: 32 | 64): LogicalImm | null {
    const mask = (1n << BigInt(size)) - 1n;
    if (value <= 0n || value >= mask) return null;
    const replicated = size === 32 ? (value << 32n) | value : value;
    // A logical immediate replicates one element of e bits holding one rotated run of ones, so going
    // round the 64 bits its value changes exactly twice per element: that gives e at once.
    const transitions = popcount(replicated ^ rotateLeft(replicated, 1, 64));
    const e = 128 / transitions;
    if (!ELEMENT_SIZES.includes(e)) return null;
    const element = replicated & ((1n << BigInt(e)) - 1n);
    if (replicate(element, e) !== replicated) return null;
    const ones = popcount(element);
    const run = (1n << BigInt(ones)) - 1n;
    for (let immr = 0; immr < e; immr++) {
      if (rotateLeft(element, immr, e) === run) {
        const imms = (~(e * 2 - 1) & 0x3f) | (ones - 1);
        return new LogicalImm(e === 64 ? 1 : 0, immr, imms, value);
      }
    }
    return null;
  }
}

const ELEMENT_SIZES = [2, 4, 8, 16, 32, 64];

function replicate(element: bigint, e: number): bigint {
  let replicated = 0n;
  for (let at = 0; at < 64; at += e) replicated |= element << BigInt(at);
  return replicated;
}

/** Set bits of a 64-bit value, counted on its two 32-bit halves. */
function popcount(value: bigint): number {
  return popcount32(Number(value & 0xffff_ffffn)) + popcount32(Number((value >> 32n) & 0xffff_ffffn));
}

function popcount32(word: number): number {
  let v = word - ((word >>> 1) & 0x5555_5555);
  v = (v & 0x3333_3333) + ((v >>> 2) & 0x3333_3333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f_0f0f, 0x0101_0101) >>> 24) & 0xff;
}

function rotateLeft(value: bigint, amount: number, width: number): bigint {
  const mask = (1n << BigInt(width)) - 1n;
  return ((value << BigInt(amount)) | (value >> BigInt(width - amount))) & mask;
}
