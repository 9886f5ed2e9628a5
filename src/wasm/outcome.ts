// The vocabulary every part of samestack shares for what one invocation did: its values, its trap
// kinds and locations, and the outcome itself (as the CLI, the batch format and the reports write it).
import type { ValType } from "./ir.js";

/** A Wasm value as in the spec tests' JSON: the unsigned decimal of its bit pattern. */
export interface WasmValue {
  readonly type: ValType;
  readonly value: string;
}

/** An expected result (the spec tests' assertions): a value, or a NaN pattern where the bits are not fixed. */
export type ExpectedValue =
  | WasmValue
  | { readonly type: "f32" | "f64"; readonly value: "nan:canonical" | "nan:arithmetic" };

/** Whether an expected value is a NaN pattern rather than a bit pattern. */
export function isNanPattern(value: ExpectedValue): value is ExpectedValue & { value: `nan:${string}` } {
  return value.value.startsWith("nan:");
}

/** Whether a value's bits are a NaN (any payload). */
export function isNanBits(type: ValType, value: string): boolean {
  if (type === "f32") return (BigInt(value) & 0x7fff_ffffn) > 0x7f80_0000n;
  if (type === "f64") return (BigInt(value) & 0x7fff_ffff_ffff_ffffn) > 0x7ff0_0000_0000_0000n;
  return false;
}

export const TRAP_KINDS = [
  "unreachable",
  "integer_divide_by_zero",
  "integer_overflow",
  "invalid_conversion_to_integer",
  "out_of_bounds_memory",
  /** WebAssembly 2.0: table.get/set/fill/copy/init or an element segment outside its table or segment. */
  "out_of_bounds_table",
  "undefined_element",
  "uninitialized_element",
  "indirect_call_type_mismatch",
  "stack_overflow",
] as const;
export type TrapKind = (typeof TRAP_KINDS)[number];

/**
 * What ran out when a `stack_overflow` trapped under the `logical` strategy: the logical limit (the
 * limiter's counter, at a call, the same on every target) or the machine stack itself.
 */
export const OVERFLOW_KINDS = ["logical", "native"] as const;
export type OverflowKind = (typeof OVERFLOW_KINDS)[number];

/** Where in the Wasm a machine instruction belongs: (funcIndex, instrIndex), plus the module byte offset. */
export interface WasmLocation {
  readonly funcIndex: number;
  readonly instrIndex: number;
  readonly offset: number;
}

/**
 * What every finished outcome may carry besides its kind: what the program wrote (present when not
 * empty, as outputText writes bytes) and how many instructions the executor ran.
 */
export interface Finished {
  readonly stdout?: string;
  readonly stderr?: string;
  /**
   * The fuel the target used for the invocation: one per Wasm instruction started (a call to the
   * host counts as its call instruction), plus one per pass of a table or bulk-memory operation's
   * loop (a chunk of up to 16 bytes or an element); the same count on every target, absent on V8.
   * Informative only: outcomes are compared without it.
   */
  readonly executed?: number;
}

export type Outcome =
  | ({ readonly outcome: "return"; readonly values: readonly WasmValue[] } & Finished)
  | ({
      readonly outcome: "trap";
      readonly trap: TrapKind;
      /** A `stack_overflow` under the `logical` strategy only: which limit it hit. */
      readonly overflow?: OverflowKind;
      /** Absent when the executor cannot tell (V8). */
      readonly location?: WasmLocation;
      /** Active frames, outermost first; the last entry is `location`. */
      readonly backtrace?: readonly WasmLocation[];
      /** From a recorded run: the trapping step's index in the stack profile (its dynamic Wasm
       *  instruction count); −1 for the host's call into the entry function. */
      readonly step?: number;
      /** From a recorded run: the depth (bytes below the reference SP) reached when it trapped. */
      readonly depth?: number;
    } & Finished)
  /** The program ended itself (WASI's proc_exit) with exit code `code`. */
  | ({ readonly outcome: "exit"; readonly code: number } & Finished)
  | ({
      readonly outcome: "exhausted";
      /** The Wasm instructions the invocation was given. */
      readonly fuel?: number;
      /**
       * The Wasm instruction that would have run next, or the table or bulk-memory operation its
       * loop was in (part done): the same on every target.
       */
      readonly location?: WasmLocation;
      /** Active frames there, outermost first; the last entry is `location`. */
      readonly backtrace?: readonly WasmLocation[];
    } & Finished)
  | { readonly outcome: "error"; readonly message: string };

/** The outcome with the count of instructions its executor ran (none for errors, or when not counted). */
export function withExecuted(outcome: Outcome, executed: number | undefined): Outcome {
  return outcome.outcome === "error" || executed === undefined ? outcome : { ...outcome, executed };
}

/** The outcome with what the program wrote added (only the streams that are not empty). */
export function withOutput(outcome: Outcome, stdout: Uint8Array, stderr: Uint8Array): Outcome {
  if (outcome.outcome === "error" || (stdout.length === 0 && stderr.length === 0)) return outcome;
  return {
    ...outcome,
    ...(stdout.length > 0 ? { stdout: outputText(stdout) } : {}),
    ...(stderr.length > 0 ? { stderr: outputText(stderr) } : {}),
  };
}

/**
 * Bytes a program wrote as the text an outcome carries, losslessly: UTF-8 as it is, and each byte
 * that is not part of a well-formed UTF-8 sequence as the lone surrogate U+DC00 + byte (U+DC80 to
 * U+DCFF; Python's "surrogateescape"). Well-formed UTF-8 never decodes to a surrogate, so
 * outputBytes gives the bytes back exactly; in JSON such a byte reads `\udc80` to `\udcff`.
 */
export function outputText(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return escapedUtf8(bytes);
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function escapedUtf8(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; ) {
    const length = sequenceLength(bytes, i);
    if (length === 0) {
      text += String.fromCharCode(0xdc00 + bytes[i]!);
      i++;
    } else {
      text += strictUtf8.decode(bytes.subarray(i, i + length));
      i += length;
    }
  }
  return text;
}

/** The length of the well-formed UTF-8 sequence at `i`, or 0. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i]!;
  if (lead < 0x80) return 1;
  const ranges = continuations(lead);
  const fits = ranges?.every(([low, high], k) => {
    const next = bytes[i + 1 + k];
    return next !== undefined && next >= low && next <= high;
  });
  return ranges && fits ? 1 + ranges.length : 0;
}

const ANY: readonly [number, number] = [0x80, 0xbf];

/** The ranges of the bytes that may follow `lead` (Unicode's table 3-7 of well-formed UTF-8). */
function continuations(lead: number): readonly (readonly [number, number])[] | null {
  if (lead >= 0xc2 && lead <= 0xdf) return [ANY];
  if (lead === 0xe0) return [[0xa0, 0xbf], ANY];
  if (lead === 0xed) return [[0x80, 0x9f], ANY];
  if (lead >= 0xe1 && lead <= 0xef) return [ANY, ANY];
  if (lead === 0xf0) return [[0x90, 0xbf], ANY, ANY];
  if (lead >= 0xf1 && lead <= 0xf3) return [ANY, ANY, ANY];
  if (lead === 0xf4) return [[0x80, 0x8f], ANY, ANY];
  return null;
}

/** The bytes outputText wrote as `text`. */
export function outputBytes(text: string): Uint8Array {
  const parts: Uint8Array[] = [];
  let run = "";
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 0xdc80 && code <= 0xdcff) {
      parts.push(utf8.encode(run), Uint8Array.of(code - 0xdc00));
      run = "";
    } else run += char;
  }
  parts.push(utf8.encode(run));
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  parts.reduce((at, part) => {
    bytes.set(part, at);
    return at + part.length;
  }, 0);
  return bytes;
}

const utf8 = new TextEncoder();
