// Hand-assembled binary modules for decoder and validator tests, including encodings the encoder
// refuses to write (post-1.0 instructions, malformed LEB128).

export function leb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return out;
}

export function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...leb(bytes.length), ...bytes];
}

export function vec(items: readonly (readonly number[])[]): number[] {
  return [...leb(items.length), ...items.flat()];
}

export function section(id: number, content: readonly number[]): number[] {
  return [id, ...leb(content.length), ...content];
}

export function wasm(...sections: readonly (readonly number[])[]): Uint8Array {
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...sections.flat()]);
}

/** A function type: 0x60, params, results (value type bytes). */
export function funcType(params: readonly number[], results: readonly number[]): number[] {
  return [0x60, ...vec(params.map((t) => [t])), ...vec(results.map((t) => [t]))];
}

/** A function body: no locals, then `code`, which must end with 0x0b. */
export function body(code: readonly number[], locals: readonly (readonly number[])[] = []): number[] {
  const content = [...vec(locals), ...code];
  return [...leb(content.length), ...content];
}

/** Sections for functions of the given type indices and bodies. */
export function functions(
  types: readonly (readonly number[])[],
  typeIndices: readonly number[],
  bodies: readonly (readonly number[])[],
): number[][] {
  return [section(1, vec(types)), section(3, vec(typeIndices.map((i) => leb(i)))), section(10, vec(bodies))];
}

export const VOID = funcType([], []);
export const I32 = 0x7f;
export const I64 = 0x7e;
