// `samestack run`: one export on one or more executors, or a batch of invocations (batch.ts).
import type { Command } from "commander";
import { EXECUTORS, Executors } from "../../emulators/executor.js";
import { DEFAULT_CHECK_SEED } from "../check/check.js";
import { hostSettings } from "../check/host-options.js";
import { nanRuleOf } from "../verify/outcomes.js";
import { InputError } from "../wasm/errors.js";
import { runBatch } from "./batch.js";
import type { CommandContext, ExitCode } from "./context.js";
import { hostOptionsOf, withHostFlags } from "./host-flags.js";
import { exportType, invokeEverywhere } from "./invoke.js";
import { loadModuleFile } from "./load-module.js";
import { type LogicalFlags, limiterOptionsOf, withLogicalOptions } from "./logical-options.js";
import {
  featuresOption,
  parseExecutors,
  parseFuel,
  parseSeed,
  parseStackLimit,
  parseStrategy,
  type RunOptions,
} from "./options.js";
import { agreement, exitCodeOf, jsonOf, outcomesText } from "./outcomes.js";
import { endProgress, progressPrinter } from "./progress.js";
import { parseCliValue } from "./values.js";

export function registerRun(program: Command, context: CommandContext): void {
  const command = program
    .command("run")
    .description(
      "run an export on x64, aarch64 and/or V8 and compare the outcomes (or a batch of invocations)",
    )
    .argument("[module]", "module file, .wat or .wasm")
    .argument("[export]", "exported function to call")
    .argument("[args...]", "arguments: i32:5, i64:-1, f64:1.5, or plain numbers typed by the export")
    .option("--target <list>", `comma-separated executors: ${EXECUTORS.join(", ")}`, parseExecutors, [
      ...EXECUTORS,
    ])
    .option("--strategy <strategy>", "stack strategy of the emulated targets", parseStrategy, "intersect")
    .addOption(featuresOption())
    .option(
      "--stack-limit <bytes>",
      "stack bytes below the entry call (multiple of 16; default 1 MiB)",
      parseStackLimit,
    )
    .option(
      "--fuel <n>",
      "Wasm instructions per invocation, counted alike on every target (default 2·10^10)",
      parseFuel,
    )
    .option("--seed <n>", "seed of WASI's random_get", parseSeed, DEFAULT_CHECK_SEED)
    .option(
      "--batch <file>",
      'JSON Lines, one invocation a line: {"module": file relative to the batch file, "export", "args": [{"type", "value"}] as in the spec tests\' JSON, and optionally "targets": [...], "strategy", "stackLimit", "fuel", and "wasi", "stubImports" as in a check sidecar (paths relative to the batch file)}; one output line per input line, in order',
    )
    .option("--json", "print outcomes as JSON");
  withHostFlags(withLogicalOptions(command)).action(
    async (
      module: string | undefined,
      exportName: string | undefined,
      args: string[],
      flags: RunOptions & LogicalFlags,
    ) => {
      const options: RunOptions = { ...flags, limiter: limiterOptionsOf(flags) };
      const executors = new Executors({
        stackLimit: options.stackLimit,
        fuel: options.fuel,
        metering: "block",
      });
      try {
        if (options.batch !== undefined) {
          if (module !== undefined) throw new InputError("--batch takes no module or export arguments");
          context.exitCode = await runBatch(options.batch, executors, options, context.io);
        } else {
          if (module === undefined || exportName === undefined) {
            throw new InputError("run needs a module and an export (or --batch <file>)");
          }
          context.exitCode = await runOne(module, exportName, args, executors, options, context);
        }
      } finally {
        executors.close();
      }
    },
  );
}

async function runOne(
  path: string,
  exportName: string,
  texts: readonly string[],
  executors: Executors,
  options: RunOptions,
  { io }: CommandContext,
): Promise<ExitCode> {
  const loaded = await loadModuleFile(path, options.features);
  const { params } = exportType(loaded, exportName);
  if (texts.length !== params.length) {
    throw new InputError(
      `"${exportName}" takes ${params.length} arguments (${params.join(", ")}), got ${texts.length}`,
    );
  }
  const args = texts.map((text, i) => parseCliValue(text, params[i]!));
  let progressShown = false;
  const show = progressPrinter(io);
  const result = invokeEverywhere(executors, {
    loaded,
    exportName,
    args,
    executors: options.target,
    ...options,
    progress: (executor, executed) => {
      progressShown = true;
      show(executor, executed);
    },
    hosts: await hostSettings(hostOptionsOf(options), path, options.seed),
  });
  endProgress(io, progressShown);
  const verdict = agreement(result.outcomes, nanRuleOf(options.strategy));
  if (options.json) io.stdout(`${JSON.stringify(jsonOf(result))}\n`);
  else io.stdout(outcomesText(result, options.strategy, verdict));
  return exitCodeOf(verdict);
}
