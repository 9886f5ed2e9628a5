// The samestack command line: `main(argv, io)` returns an exit code and never exits the process.
import { Command, CommanderError } from "commander";
import { InputError } from "../wasm/errors.js";
import { registerCheck } from "./check-command.js";
import { registerCompile } from "./compile.js";
import { type CommandContext, EXIT, type Io } from "./context.js";
import { registerFuzz } from "./fuzz-command.js";
import { registerInstrument } from "./instrument-command.js";
import { registerReport } from "./report-command.js";
import { registerRun } from "./run.js";
import { registerSpec } from "./spec-command.js";
import { registerVerify } from "./verify-command.js";

export { type CommandContext, EXIT, type ExitCode, type Io } from "./context.js";

export async function main(argv: readonly string[], io: Io): Promise<number> {
  const context: CommandContext = { io, exitCode: EXIT.ok };
  try {
    await buildProgram(context).parseAsync([...argv], { from: "user" });
    return context.exitCode;
  } catch (error) {
    // Commander has already printed its own usage errors; help and version end with exit code 0.
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    if (isUserError(error)) {
      io.stderr(`samestack: error: ${error.message}\n`);
      return EXIT.badInput;
    }
    io.stderr(`samestack: internal error (a bug in samestack): ${describeInternal(error)}\n`);
    return EXIT.internal;
  }
}

function buildProgram(context: CommandContext): Command {
  const program = new Command("samestack")
    .description(
      "Compiles one WebAssembly module to x86-64 and AArch64 and checks that both machine stacks behave identically.",
    )
    .version("0.1.0")
    .exitOverride()
    .configureOutput({ writeOut: context.io.stdout, writeErr: context.io.stderr })
    .showHelpAfterError("(run with --help for usage)");
  registerRun(program, context);
  registerCompile(program, context);
  registerVerify(program, context);
  registerSpec(program, context);
  registerCheck(program, context);
  registerReport(program, context);
  registerFuzz(program, context);
  registerInstrument(program, context);
  return program;
}

/**
 * Errors caused by the input (arguments, files, modules), as opposed to bugs in samestack. What
 * samestack does not support is rejected by the front end (an InputError); the compiler compiles
 * everything the front end accepts, so its UnsupportedOperator is a bug.
 */
function isUserError(error: unknown): error is Error {
  return error instanceof InputError || isFileSystemError(error);
}

/** A file the user named is missing, unreadable or not a file. */
function isFileSystemError(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return error instanceof Error && ["ENOENT", "EACCES", "EISDIR", "ENOTDIR", "EPERM"].includes(code ?? "");
}

function describeInternal(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/** Entry point for bin/samestack.js: real process streams, exit code through process.exitCode. */
export async function runFromProcess(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTty: Boolean(process.stdout.isTTY),
  });
}
