// WebAssembly text format → binary through npm wabt, restricted to WebAssembly 1.0: the MVP feature
// set goes to parsing and to validation alike.
import wabtInit from "wabt";
import { type FrontEndError, guarded, InvalidModule, MalformedModule } from "./errors.js";

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
type WabtFeatures = NonNullable<Parameters<Wabt["parseWat"]>[2]>;

/** wabt's feature flags for WebAssembly 1.0 (import/export of mutable globals is part of 1.0). */
export const MVP_FEATURES: Readonly<WabtFeatures & { multi_memory: boolean }> = {
  exceptions: false,
  mutable_globals: true,
  sat_float_to_int: false,
  sign_extension: false,
  simd: false,
  threads: false,
  function_references: false,
  multi_value: false,
  tail_call: false,
  bulk_memory: false,
  reference_types: false,
  annotations: false,
  code_metadata: false,
  gc: false,
  memory64: false,
  multi_memory: false,
  extended_const: false,
  relaxed_simd: false,
};

/** wabt's module object; `validate` takes feature flags, which its typings leave out. */
interface WabtModule {
  resolveNames(): void;
  validate(features: WabtFeatures): void;
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
 * Converts WebAssembly text to a binary module (with a `name` section). Parse errors come out as
 * MalformedModule, validation errors as InvalidModule; both carry wabt's `file:line:col` message and
 * the character offset of that position.
 */
export async function watToBinary(source: string, filename = "input.wat"): Promise<Uint8Array> {
  const wabt = await loadWabt();
  return guarded(() => {
    let module: WabtModule;
    try {
      module = wabt.parseWat(filename, source, MVP_FEATURES) as unknown as WabtModule;
      module.resolveNames();
    } catch (error) {
      throw textError(MalformedModule, error, source);
    }
    try {
      try {
        module.validate(MVP_FEATURES);
      } catch (error) {
        throw textError(InvalidModule, error, source);
      }
      return module.toBinary({ write_debug_names: true }).buffer;
    } finally {
      module.destroy();
    }
  });
}

/** Builds a front-end error from wabt's message: "<header>\n<file>:<line>:<col>: error: <text>\n…". */
function textError(
  kind: typeof MalformedModule | typeof InvalidModule,
  error: unknown,
  source: string,
): FrontEndError {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split("\n").find((line) => /:\d+:\d+: error: /.test(line));
  if (first === undefined) return new kind(message.trim(), -1);
  const [, file, line, column, text] = /^(.*):(\d+):(\d+): error: (.*)$/.exec(first)!;
  const reason = `${file}:${line}:${column}: ${text}`;
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
