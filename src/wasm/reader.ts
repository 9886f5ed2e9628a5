// Byte-level reading of the binary format: LEB128 integers with the spec's length limits, IEEE
// floats as bit patterns, UTF-8 names. Every failure is a MalformedModule at the failing byte.
import { MalformedModule } from "./errors.js";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export class Reader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  pos: number;
  /** No read goes past this limit: the end of the module, of the current section or of the body. */
  end: number;
  /** The low 28 bits of the signed LEB128 being read, between its head and its fifth byte. */
  private lebLow = 0;

  constructor(bytes: Uint8Array) {
    // A plain view, also of a Buffer, so that `slice` copies.
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
    this.end = bytes.length;
  }

  fail(reason: string, offset = this.pos): never {
    throw new MalformedModule(reason, offset);
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  u8(): number {
    if (this.pos >= this.end) this.fail("unexpected end");
    return this.bytes[this.pos++]!;
  }

  /** Unsigned LEB128, at most 5 bytes, value below 2^32. */
  u32(): number {
    const pos = this.pos;
    if (pos < this.end) {
      const b = this.bytes[pos]!;
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    return this.u32Long();
  }

  private u32Long(): number {
    let result = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const b = this.u8();
      result |= (b & 0x7f) << shift;
      if (b < 0x80) return result >>> 0;
    }
    const last = this.u8();
    if (last & 0x80) this.fail("integer representation too long", this.pos - 1);
    if (last & 0x70) this.fail("integer too large", this.pos - 1);
    return (result | (last << 28)) >>> 0;
  }

  /** Signed LEB128, at most 5 bytes; the unused bits of a 5th byte must copy the sign. */
  s32(): number {
    const head = this.signedHead();
    return head ?? this.lebLow | (this.signedTail(0x78) << 28);
  }

  /**
   * Signed LEB128 of a 33-bit value (block types), at most 5 bytes. Returned as a number; values
   * that fit in 7 bits come back as the negative numbers the type bytes stand for.
   */
  s33(): number {
    const head = this.signedHead();
    if (head !== null) return head;
    const last = this.signedTail(0x70);
    // bits 0..27 from the head, 28..32 from `last`, bit 32 is the sign
    return (this.lebLow >>> 0) + (last & 0x0f) * 2 ** 28 - (last & 0x10 ? 2 ** 32 : 0);
  }

  /**
   * The first four bytes of a signed LEB128: its sign-extended value when one of them ends it, else
   * null, with the 28 bits read left in `lebLow` for the fifth byte.
   */
  private signedHead(): number | null {
    let result = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const b = this.u8();
      result |= (b & 0x7f) << shift;
      if (b < 0x80) {
        const unused = 25 - shift;
        return (result << unused) >> unused;
      }
    }
    this.lebLow = result;
    return null;
  }

  /** The fifth byte of a signed LEB128: it ends the number, and its bits under `signMask` copy the sign. */
  private signedTail(signMask: number): number {
    const last = this.u8();
    if (last & 0x80) this.fail("integer representation too long", this.pos - 1);
    const signAndUnused = last & signMask;
    if (signAndUnused !== 0 && signAndUnused !== signMask) this.fail("integer too large", this.pos - 1);
    return last;
  }

  /** Signed LEB128, at most 10 bytes; the unused bits of a 10th byte must copy the sign. */
  s64(): bigint {
    const first = this.pos < this.end ? this.bytes[this.pos]! : 0x80;
    if (first < 0x80) {
      this.pos++;
      return BigInt((first << 25) >> 25);
    }
    let result = 0n;
    for (let shift = 0n; shift < 63n; shift += 7n) {
      const b = this.u8();
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asIntN(Number(shift) + 7, result);
    }
    const last = this.u8();
    if (last & 0x80) this.fail("integer representation too long", this.pos - 1);
    const signAndUnused = last & 0x7f;
    if (signAndUnused !== 0 && signAndUnused !== 0x7f) this.fail("integer too large", this.pos - 1);
    return BigInt.asIntN(64, result | (BigInt(last & 1) << 63n));
  }

  /** Four bytes, little endian, as an unsigned number (the bits of an f32). */
  f32Bits(): number {
    this.need(4);
    const bits = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return bits;
  }

  /** Eight bytes, little endian, as an unsigned bigint (the bits of an f64). */
  f64Bits(): bigint {
    this.need(8);
    const bits = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return bits;
  }

  /** A byte string of `length` bytes (a view into the module, not a copy). */
  take(length: number): Uint8Array {
    if (length > this.end - this.pos) this.fail("unexpected end");
    const slice = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return slice;
  }

  /** A vector length; each element needs at least `minElementSize` bytes, so larger counts are malformed. */
  count(minElementSize = 1): number {
    const start = this.pos;
    const n = this.u32();
    if (n * minElementSize > this.end - this.pos) this.fail("length out of bounds", start);
    return n;
  }

  /** A name: length-prefixed UTF-8. */
  name(): string {
    const start = this.pos;
    const length = this.u32();
    if (length > this.end - this.pos) this.fail("length out of bounds", start);
    const bytes = this.bytes;
    const from = this.pos;
    const to = from + length;
    this.pos = to;
    if (length <= 32) {
      let ascii = "";
      for (let i = from; i < to; i++) {
        const b = bytes[i]!;
        if (b >= 0x80) return decodeUtf8(bytes.subarray(from, to), from);
        ascii += String.fromCharCode(b);
      }
      return ascii;
    }
    return decodeUtf8(bytes.subarray(from, to), from);
  }

  private need(n: number): void {
    if (n > this.end - this.pos) this.fail("unexpected end");
  }
}

function decodeUtf8(bytes: Uint8Array, offset: number): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new MalformedModule("malformed UTF-8 encoding", offset);
  }
}
