// Helpers of the limiter's tests: text modules in, instrumented modules out, and modules compared
// as decoded IR (byte offsets aside), never as text.
import { type Instrumentation, instrument, type LimiterOptions } from "../../src/instrument/index.js";
import { decodeModule } from "../../src/wasm/decoder.js";
import { encodeModule } from "../../src/wasm/encoder.js";
import type { Module, ValidatedModule } from "../../src/wasm/ir.js";
import { watToBinary } from "../../src/wasm/text.js";
import { validateModule } from "../../src/wasm/validator.js";

export async function validatedWat(wat: string): Promise<ValidatedModule> {
  return validateModule(decodeModule(await watToBinary(wat)));
}

/** The instrumentation of a text module, and its module encoded then decoded and validated again. */
export async function instrumentWat(
  wat: string,
  options: LimiterOptions,
): Promise<{ instrumentation: Instrumentation; bytes: Uint8Array; output: ValidatedModule }> {
  const instrumentation = instrument(await validatedWat(wat), options);
  const bytes = encodeModule(instrumentation.module);
  return { instrumentation, bytes, output: validateModule(decodeModule(bytes)) };
}

/**
 * A module as a plain value to compare: byte offsets, the front end's notes on post-1.0 features
 * (they say where the decoder met them) and functions' empty local-name maps (wabt writes one for
 * every function) left out, everything else kept.
 */
export function comparable(module: Module): unknown {
  const { features: _features, postMvp: _postMvp, refused: _refused, ...rest } = module;
  return JSON.parse(
    JSON.stringify(rest, (key, value) => {
      if (key === "offset" || key === "unsupported") return undefined;
      if (typeof value === "bigint") return `${value}n`;
      if (value instanceof Map)
        return [...value.entries()].filter(([, v]) => !(v instanceof Map && v.size === 0));
      if (value instanceof Uint8Array) return [...value];
      return value;
    }),
  );
}
