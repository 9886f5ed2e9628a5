// WebAssembly text format → binary through npm wabt, under a feature profile: wabt's flags follow
// it for parsing and for validation alike (they cannot say bulk-memory-opt or
// call-indirect-overlong alone: the binary front end checks those afterwards), except that SIMD
// and the operators of tail calls, exception handling and threads always convert, so that the
// binary front end refuses them in text as it does in a binary: naming the feature, the function
// and the toolchain flag that avoids it.
import wabtInit from "wabt";
import { type FrontEndError, guarded, InvalidModule, MalformedModule } from "./errors.js";
import { type Features, WASM_1_0, WASM_2_0, type WabtFeatureFlags, wabtFeatures } from "./features.js";

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
type WabtFeatures = NonNullable<Parameters<Wabt["parseWat"]>[2]>;

/** wabt's feature flags for WebAssembly 1.0 (import/export of mutable globals is part of 1.0). */
export const MVP_FEATURES: WabtFeatureFlags = wabtFeatures(WASM_1_0);

/** wabt's module object; `validate` takes feature flags, which its typings leave out. */
interface WabtModule {
  resolveNames(): void;
  validate(features: WabtFeatureFlags): void;
  toBinary(options: { write_debug_names: boolean }): { buffer: Uint8Array };
  destroy(): void;
}

let wabt: Promise<Wabt> | undefined;

/** The wabt instance, created once. */
export function loadWabt(): Promise<Wabt> {
  wabt ??= wabtInit();
  return wabt;
}

/**
 * Converts WebAssembly text to a binary module (with a `name` section) under a feature profile
 * (default: WebAssembly 2.0 without SIMD). Parse errors come out as MalformedModule, validation
 * errors as InvalidModule; both carry wabt's `file:line:col` message and the character offset of
 * that position.
 */
export async function watToBinary(
  source: string,
  filename = "input.wat",
  features: Features = WASM_2_0,
): Promise<Uint8Array> {
  const wabt = await loadWabt();
  const flags = { ...wabtFeatures(features), simd: true, tail_call: true, exceptions: true, threads: true };
  return guarded(() => {
    let module: WabtModule;
    try {
      module = wabt.parseWat(filename, source, flags as WabtFeatures) as unknown as WabtModule;
      module.resolveNames();
    } catch (error) {
      throw textError(MalformedModule, error, source, filename);
    }
    try {
      try {
        module.validate(flags);
      } catch (error) {
        throw textError(InvalidModule, error, source, filename);
      }
      return module.toBinary({ write_debug_names: true }).buffer;
    } finally {
      module.destroy();
    }
  });
}

/**
 * Builds a front-end error from wabt's message: "<header>\n<file>:<line>:<col>: error: <text>\n…".
 * The file is named as we passed it: wabt.js may echo its name with a stray byte after it.
 */
function textError(
  kind: typeof MalformedModule | typeof InvalidModule,
  error: unknown,
  source: string,
  filename: string,
): FrontEndError {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split("\n").find((line) => /:\d+:\d+: error: /.test(line));
  if (first === undefined) return new kind(message.trim(), -1);
  const [, line, column, text] = /^.*:(\d+):(\d+): error: (.*)$/.exec(first)!;
  const reason = `${filename}:${line}:${column}: ${text}`;
  return new kind(reason, characterOffset(source, Number(line), Number(column)));
}

function characterOffset(source: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = source.indexOf("\n", offset);
    if (next < 0) return -1;
    offset = next + 1;
  }
  return offset + column - 1;
}
