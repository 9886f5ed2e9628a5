// Helpers of the limiter's tests: text modules in, instrumented modules out, and modules compared
// as decoded IR (byte offsets aside), never as text.
import { type Instrumentation, instrument, type LimiterOptions } from "../../src/instrument/index.js";
import { decodeModule } from "../../src/wasm/decoder.js";
import { encodeModule } from "../../src/wasm/encoder.js";
import { instructionText } from "../../src/wasm/instruction-text.js";
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
 * A module as a plain value to compare: byte offsets, the front end's list of post-1.0 features
 * (it says where the decoder met them) and functions' empty local-name maps (wabt writes one for
 * every function) left out, everything else kept.
 */
export function comparable(module: Module): unknown {
  const { features: _features, ...rest } = module;
  return JSON.parse(
    JSON.stringify(rest, (key, value) => {
      if (key === "offset") return undefined;
      if (typeof value === "bigint") return `${value}n`;
      if (value instanceof Map)
        return [...value.entries()].filter(([, v]) => !(v instanceof Map && v.size === 0));
      if (value instanceof Uint8Array) return [...value];
      return value;
    }),
  );
}

/** Function `funcIndex`'s body as text, one instruction a line (the final `end` included). */
export function bodyText(validated: ValidatedModule, funcIndex: number): string[] {
  const imported = validated.funcTypes.length - validated.module.bodies.length;
  return validated.module.bodies[funcIndex - imported]!.code.map((instr) =>
    instructionText(validated, funcIndex, instr),
  );
}

/**
 * The reference's guarded call as text (its expectations spell it out): raise the height global by
 * the charge, trap above the limit, call, lower it again. The limit is shown as the i32 it is encoded
 * as; the callee by index or, when the module names it, as `$name`.
 */
export function guardedCallText(
  callee: number | string,
  charge: number,
  height: number,
  limit: number,
): string[] {
  return [
    `global.get ${height}`,
    `i32.const ${charge}`,
    "i32.add",
    `global.set ${height}`,
    `global.get ${height}`,
    `i32.const ${limit | 0}`,
    "i32.gt_u",
    "if",
    "unreachable",
    "end",
    `call ${callee}`,
    `global.get ${height}`,
    `i32.const ${charge}`,
    "i32.sub",
    `global.set ${height}`,
  ];
}
