// A growable little-endian byte buffer that the per-ISA encoders append to.

export class CodeBuffer {
  /** Room for most functions' code (under 1 KiB on the fuzz workload), so growing is rare. */
  private bytes = new Uint8Array(1024);
  private view = new DataView(this.bytes.buffer);
  private length = 0;

  /** Current size in bytes: the offset of the next byte emitted. */
  get offset(): number {
    return this.length;
  }

  emit8(value: number): void {
    this.ensure(1);
    this.bytes[this.length++] = value & 0xff;
  }

  emit16(value: number): void {
    this.ensure(2);
    this.view.setUint16(this.length, value & 0xffff, true);
    this.length += 2;
  }

  emit32(value: number): void {
    this.ensure(4);
    this.view.setUint32(this.length, value >>> 0, true);
    this.length += 4;
  }

  emit64(value: bigint): void {
    this.ensure(8);
    this.view.setBigUint64(this.length, BigInt.asUintN(64, value), true);
    this.length += 8;
  }

  read32(offset: number): number {
    return this.view.getUint32(offset, true);
  }

  patch32(offset: number, value: number): void {
    this.view.setUint32(offset, value >>> 0, true);
  }

  /** A copy of the bytes emitted so far. */
  finish(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }

  /** Empties the buffer for the next function, keeping its storage (finish() returned a copy). */
  clear(): void {
    this.length = 0;
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
}
