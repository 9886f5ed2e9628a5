/** Helpers to write machine code in tests the way objdump prints it. */

/** x86-64 bytes from hex text; whitespace and `//` comments are ignored: `hex("48 89 e5 // mov rbp, rsp")`. */
export function hex(text: string): Uint8Array {
  const digits = text.replace(/\/\/.*$/gm, "").replace(/\s+/g, "");
  if (!/^([0-9a-f]{2})*$/i.test(digits)) throw new Error(`bad hex: ${text}`);
  return Uint8Array.from(Buffer.from(digits, "hex"));
}

/** AArch64 instruction words, as objdump prints them, to little-endian bytes. */
export function words(...instructions: number[]): Uint8Array {
  const bytes = new Uint8Array(instructions.length * 4);
  const view = new DataView(bytes.buffer);
  for (const [i, word] of instructions.entries()) view.setUint32(i * 4, word, true);
  return bytes;
}
