// `samestack instrument <module> --logical-limit N -o out.wasm [--count-params] [--thunk-zero-cost]`:
// the module with Polkadot's stack-height limiter (src/instrument), written as a binary module. The
// output is checked writable before any work and written through a temporary file renamed into
// place; it is validated by samestack's front end and by V8 before it is written. Exit 0 written,
// 2 bad input (arguments, the module, an unwritable -o), 3 internal error (main.ts).
import { stat } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import {
  type EntryPoint,
  type Instrumentation,
  instrument,
  MAX_LOGICAL_LIMIT,
  POLKADOT_LOGICAL_LIMIT,
} from "../instrument/index.js";
import { makeOutputFolder, OutputFolderError, writeAtomically } from "../verify/files.js";
import { decodeModule } from "../wasm/decoder.js";
import { encodeModule } from "../wasm/encoder.js";
import { FrontEndError, InputError, InternalError } from "../wasm/errors.js";
import type { Features } from "../wasm/features.js";
import { readModule } from "../wasm/index.js";
import type { ValidatedModule } from "../wasm/ir.js";
import { locationText } from "../wasm/outcome-text.js";
import { validateModule } from "../wasm/validator.js";
import type { CommandContext } from "./context.js";
import { readInputFile } from "./load-module.js";
import { parseLogicalLimit } from "./logical-options.js";
import { featuresOption } from "./options.js";

interface InstrumentFlags {
  readonly features: Features;
  readonly logicalLimit: number;
  readonly output: string;
  readonly countParams?: boolean;
  readonly thunkZeroCost?: boolean;
}

export function registerInstrument(program: Command, context: CommandContext): void {
  program
    .command("instrument")
    .description(
      "add Polkadot's logical stack limiter (paritytech/wasm-instrument's stack height limiter) to a module",
    )
    .argument("<module>", "module file, .wat or .wasm")
    .requiredOption(
      "--logical-limit <n>",
      `the logical stack limit, 1 to ${MAX_LOGICAL_LIMIT} (Polkadot: ${POLKADOT_LOGICAL_LIMIT})`,
      parseLogicalLimit,
    )
    .requiredOption("-o, --output <file>", "where to write the instrumented binary module (.wasm)")
    .option("--count-params", "count each function's parameters in its cost (the reference does not)")
    .option(
      "--thunk-zero-cost",
      "give imports that are exported, in a table or the start function a thunk that counts them",
    )
    .addOption(featuresOption())
    .action(async (file: string, flags: InstrumentFlags) => {
      await checkOutput(flags.output);
      const validated = await loadForInstrumenting(file, flags.features);
      const instrumentation = instrument(validated, {
        limit: flags.logicalLimit,
        countParams: flags.countParams ?? false,
        thunkZeroCost: flags.thunkZeroCost ?? false,
      });
      const bytes = validatedOutput(instrumentation, flags.features);
      await writeAtomically(flags.output, bytes);
      context.io.stdout(summary(flags.output, bytes, validated, instrumentation));
    });
}

/** Fails before any work when `-o` could not be written: a folder, a text name, an unwritable place. */
async function checkOutput(output: string): Promise<void> {
  if (output.endsWith(".wat")) {
    throw new InputError(`-o ${output}: the instrumented module is written as a binary; name it .wasm`);
  }
  const existing = await stat(output).catch(() => null);
  if (existing?.isDirectory()) throw new OutputFolderError(`cannot write -o ${output}: it is a folder`);
  await makeOutputFolder(path.dirname(output), `-o ${output}`);
}

/** The module decoded and validated under the command's feature profile. */
async function loadForInstrumenting(file: string, features: Features): Promise<ValidatedModule> {
  const content = await readInputFile(file);
  try {
    return (await readModule(content, file, features)).validated;
  } catch (error) {
    if (error instanceof FrontEndError) throw new InputError(`${file}: ${error.message}`, { cause: error });
    throw error;
  }
}

/**
 * The instrumented module's bytes, once samestack's front end (under the input's profile: the
 * limiter adds no feature) and V8 have both validated them.
 */
function validatedOutput(instrumentation: Instrumentation, features: Features): Uint8Array {
  const bytes = encodeModule(instrumentation.module);
  try {
    validateModule(decodeModule(bytes, features), features);
  } catch (error) {
    throw new InternalError(
      `the instrumented module is not valid: ${(error as Error).message}`,
      -1,
      undefined,
      {
        cause: error,
      },
    );
  }
  if (!WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>)) {
    throw new InternalError("V8 rejects the instrumented module");
  }
  return bytes;
}

function summary(
  output: string,
  bytes: Uint8Array,
  validated: ValidatedModule,
  { options, costs, heightGlobal, guardedCalls, thunks }: Instrumentation,
): string {
  const imported = validated.funcTypes.length - validated.functions.length;
  const defined = costs.slice(imported);
  const highest = Math.max(0, ...defined);
  const counted = [
    options.countParams ? "parameters counted" : "",
    options.thunkZeroCost ? "zero-cost thunks" : "",
  ]
    .filter(Boolean)
    .map((text) => `, ${text}`)
    .join("");
  const lines = [
    `wrote ${output} (${bytes.length} bytes): logical limit ${options.limit}${counted}, height in global ${heightGlobal}`,
    `${defined.length} defined function(s), highest cost ${highest}` +
      (defined.length > 0 ? ` (function ${imported + defined.indexOf(highest)})` : ""),
    `${guardedCalls} call(s) guarded, ${thunks.length} thunk(s)`,
    ...thunks.map(
      (thunk) =>
        `  thunk function ${thunk.funcIndex} → function ${thunk.callee}, charge ${thunk.charge}, for ${thunk.entries.map(entryText).join(", ")}`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

function entryText(entry: EntryPoint): string {
  switch (entry.kind) {
    case "export":
      return `export "${entry.name}"`;
    case "start":
      return "the start function";
    case "element":
      return `element ${entry.position} of segment ${entry.segment}`;
    case "global":
      return `global ${entry.global}`;
    case "ref.func":
      return `ref.func at ${locationText(entry.at)}`;
  }
}
