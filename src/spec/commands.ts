// The command lists `wast2json` writes for the spec tests (NAME.json), as far as samestack reads them.
import { InputError } from "../wasm/errors.js";
import type { ExpectedValue, WasmValue } from "../wasm/outcome.js";

/** A command list that is not JSON, or not what wast2json writes. */
export class SpecScriptError extends InputError {}

export interface SpecAction {
  readonly type: "invoke" | "get";
  /** A named module (`$M`), or absent for the current one. */
  readonly module?: string;
  readonly field: string;
  readonly args?: readonly WasmValue[];
}

export type SpecCommand = { readonly line: number } & (
  | { readonly type: "module"; readonly filename: string; readonly name?: string }
  | { readonly type: "register"; readonly as: string; readonly name?: string }
  | { readonly type: "action"; readonly action: SpecAction }
  | {
      readonly type: "assert_return";
      readonly action: SpecAction;
      readonly expected: readonly ExpectedValue[];
    }
  | { readonly type: "assert_trap" | "assert_exhaustion"; readonly action: SpecAction; readonly text: string }
  | {
      readonly type: "assert_invalid" | "assert_malformed" | "assert_unlinkable" | "assert_uninstantiable";
      readonly filename: string;
      readonly text: string;
      readonly module_type: "binary" | "text";
    }
);

export type SpecCommandType = SpecCommand["type"];

export interface SpecScript {
  readonly source_filename: string;
  readonly commands: readonly SpecCommand[];
}

const COMMAND_TYPES: readonly SpecCommandType[] = [
  "module",
  "register",
  "action",
  "assert_return",
  "assert_trap",
  "assert_exhaustion",
  "assert_invalid",
  "assert_malformed",
  "assert_unlinkable",
  "assert_uninstantiable",
];

/**
 * The value of an expected reference that wast2json writes without one (`{"type": "funcref"}`, the
 * script's `(ref.func)`): any reference but null.
 */
export const NON_NULL_REFERENCE = "non-null";

/** Parses NAME.json; an unknown command type is an error, so nothing is silently left out. */
export function parseSpecScript(json: string, file: string): SpecScript {
  let script: SpecScript;
  try {
    script = JSON.parse(json) as SpecScript;
  } catch (error) {
    throw new SpecScriptError(`${file}: not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(script.commands)) throw new SpecScriptError(`${file}: no "commands" list`);
  for (const command of script.commands) {
    if (!COMMAND_TYPES.includes(command.type)) {
      throw new SpecScriptError(`${file}:${command.line}: unknown command type "${command.type}"`);
    }
  }
  return { ...script, commands: script.commands.map(withReferencePatterns) };
}

/** The command with each expected reference that has no value given NON_NULL_REFERENCE. */
function withReferencePatterns(command: SpecCommand): SpecCommand {
  if (!("expected" in command)) return command;
  const expected = command.expected as readonly Partial<ExpectedValue>[];
  if (expected.every((value) => value.value !== undefined)) return command;
  return {
    ...command,
    expected: expected.map(
      (value) => ({ ...value, value: value.value ?? NON_NULL_REFERENCE }) as ExpectedValue,
    ),
  };
}
