/** Test helpers for the x64 encoders: operand constructors and one-instruction decoding through Capstone. */
import { disassemble } from "../../../../emulators/disasm/capstone.js";
import { CodeBuffer } from "../../../../src/compiler/code-buffer.js";
import type { Amode, IndexGpr } from "../../../../src/compiler/targets/x64/encoder.js";
import * as encoder from "../../../../src/compiler/targets/x64/encoder.js";
import { ShiftCount, Simm32, Uimm32 } from "../../../../src/compiler/targets/x64/imm.js";
import type { Gpr } from "../../../../src/compiler/targets/x64/regs.js";

export function s32(n: number): Simm32 {
  const imm = Simm32.from(n);
  if (imm === null) throw new RangeError(`${n} does not fit a signed 32-bit immediate`);
  return imm;
}

export function u32(n: number): Uimm32 {
  const imm = Uimm32.from(n);
  if (imm === null) throw new RangeError(`${n} does not fit an unsigned 32-bit immediate`);
  return imm;
}

export function count(n: number, width: 32 | 64): ShiftCount {
  const imm = ShiftCount.from(n, width);
  if (imm === null) throw new RangeError(`${n} is not a shift count for ${width} bits`);
  return imm;
}

export function mem(base: Gpr, disp: number): Amode {
  return { base, index: null, disp: s32(disp) };
}

export function memIndex(base: Gpr, index: IndexGpr, disp: number): Amode {
  return { base, index, disp: s32(disp) };
}

type Encoders = typeof encoder;
type EncoderName = {
  [K in keyof Encoders]: Encoders[K] extends (buf: CodeBuffer, ...args: infer _) => void ? K : never;
}[keyof Encoders];
/** The encoder functions with the CodeBuffer argument already supplied. */
export type BoundEncoders = {
  [K in EncoderName]: Encoders[K] extends (buf: CodeBuffer, ...args: infer A) => void
    ? (...args: A) => void
    : never;
};

export const ENCODER_NAMES: readonly string[] = Object.entries(encoder)
  .filter(([, value]) => typeof value === "function")
  .map(([name]) => name);

/** Runs `emit` against a fresh buffer; returns the bytes and the names of the encoders it called. */
export function encode(emit: (e: BoundEncoders) => void): { bytes: Uint8Array; called: string[] } {
  const buf = new CodeBuffer();
  const called: string[] = [];
  const functions = encoder as unknown as Record<string, (buf: CodeBuffer, ...args: unknown[]) => void>;
  const bound = new Proxy({} as BoundEncoders, {
    get: (_, name: string) => {
      const fn = functions[name];
      if (fn === undefined) throw new Error(`no encoder ${name}`);
      return (...args: unknown[]) => {
        called.push(name);
        fn(buf, ...args);
      };
    },
  });
  emit(bound);
  return { bytes: buf.finish(), called };
}

/** Capstone's text for `bytes` when they decode to exactly one instruction that consumes them all. */
export function decodeOne(bytes: Uint8Array, address: bigint): string {
  const instructions = disassemble("x64", bytes, address);
  const hex = toHex(bytes);
  if (instructions.length !== 1) throw new Error(`${hex} decodes to ${instructions.length} instructions`);
  const [only] = instructions as [(typeof instructions)[number]];
  if (only.size !== bytes.length)
    throw new Error(`${hex}: the instruction uses ${only.size} of ${bytes.length} bytes`);
  return `${only.mnemonic} ${only.opStr}`.trim();
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}
