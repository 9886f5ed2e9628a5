// `samestack run --batch FILE`: JSON Lines in, one JSON (or text) line out per input line, in order.
// A line is `{"module", "export", "args"?, "targets"?, "strategy"?, "stackLimit"?, "fuel"?, "wasi"?,
// "stubImports"?}` (the last two as in a check sidecar, replacing the command line's); a bad line
// gets error outcomes and the batch goes on. Modules are read once and compiled once per (target,
// strategy); every line runs on fresh instances and hosts, so lines do not depend on each other.
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { Executor, Executors, LoadedModule } from "../../emulators/executor.js";
import { type HostOptions, hostOptionsOfJson, hostSettings, overriding } from "../check/host-options.js";
import { nanRuleOf } from "../verify/outcomes.js";
import { InputError } from "../wasm/errors.js";
import { EXIT, type ExitCode, type Io, worse } from "./context.js";
import { hostOptionsOf } from "./host-flags.js";
import { exportType, invokeEverywhere, type RunSettings } from "./invoke.js";
import { loadModuleFile } from "./load-module.js";
import {
  isFuel,
  isStackLimit,
  parseExecutors,
  parseStrategy,
  type RunOptions,
  STACK_LIMIT_RULE,
} from "./options.js";
import {
  agreement,
  exitCodeOf,
  type InvocationResult,
  jsonOf,
  type Outcomes,
  outcomesText,
} from "./outcomes.js";
import { checkJsonValue } from "./values.js";

interface BatchLine extends RunSettings {
  readonly module: string;
  readonly export: string;
  readonly args: readonly unknown[];
  /** The command line's, with the line's own `wasi` and `stubImports` in their place. */
  readonly hostOptions: HostOptions;
}

export async function runBatch(
  file: string,
  executors: Executors,
  defaults: RunOptions,
  io: Io,
): Promise<ExitCode> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  // Module paths are relative to the batch file; each is loaded once (or fails once).
  const folder = dirname(file);
  const modules = new Map<string, Promise<LoadedModule>>();
  const load = (path: string) => {
    const absolute = resolve(folder, path);
    if (!modules.has(absolute)) modules.set(absolute, loadModuleFile(absolute, defaults.features));
    return modules.get(absolute)!;
  };
  let exitCode: ExitCode = EXIT.ok;
  for (const [index, source] of lines.entries()) {
    const line = index + 1;
    let result: InvocationResult;
    let targets: readonly Executor[] = defaults.target;
    let strategy = defaults.strategy;
    try {
      const request = parseLine(source, defaults, folder);
      ({ executors: targets, strategy } = request);
      const hosts = await hostSettings(request.hostOptions, resolve(folder, request.module), defaults.seed);
      result = await invokeLine({ ...request, hosts }, await load(request.module), executors);
      exitCode = worse(exitCode, exitCodeOf(agreement(result.outcomes, nanRuleOf(strategy))));
    } catch (error) {
      const bad = error instanceof InputError;
      const message = bad
        ? `line ${line}: ${error.message}`
        : `line ${line}: internal error: ${String(error)}`;
      const outcomes: Outcomes = Object.fromEntries(
        targets.map((target) => [target, { outcome: "error", message }]),
      );
      result = { outcomes, notRun: {} };
      exitCode = worse(exitCode, bad ? EXIT.badInput : EXIT.internal);
    }
    const verdict = agreement(result.outcomes, nanRuleOf(strategy));
    if (defaults.json) io.stdout(`${JSON.stringify({ line, ...jsonOf(result) })}\n`);
    else io.stdout(`line ${line}:\n${indent(outcomesText(result, strategy, verdict))}`);
  }
  return exitCode;
}

function invokeLine(request: BatchLine, loaded: LoadedModule, executors: Executors): InvocationResult {
  const { params } = exportType(loaded, request.export);
  if (request.args.length !== params.length) {
    throw new InputError(`"${request.export}" takes ${params.length} arguments, got ${request.args.length}`);
  }
  const args = request.args.map((arg, i) => {
    const value = checkJsonValue(arg);
    if (value.type !== params[i])
      throw new InputError(`argument ${i} is ${value.type}, the parameter is ${params[i]}`);
    return value;
  });
  return invokeEverywhere(executors, { ...request, loaded, exportName: request.export, args });
}

function parseLine(source: string, defaults: RunOptions, folder: string): BatchLine {
  let json: unknown;
  try {
    json = JSON.parse(source);
  } catch (error) {
    throw new InputError(`not JSON: ${(error as Error).message}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json))
    throw new InputError("not a JSON object");
  const line = json as Record<string, unknown>;
  const string = (field: string): string => {
    if (typeof line[field] !== "string") throw new InputError(`"${field}" must be a string`);
    return line[field];
  };
  const option = <T>(field: string, check: (value: unknown) => value is T, rule: string): T | undefined => {
    if (line[field] === undefined) return undefined;
    if (!check(line[field])) throw new InputError(`"${field}" must be ${rule}`);
    return line[field];
  };
  const args = option("args", Array.isArray, "an array of {type, value}") ?? [];
  const executors =
    line.targets === undefined ? defaults.target : parseExecutors(listOf(line.targets, "targets").join(","));
  const strategy = line.strategy === undefined ? defaults.strategy : parseStrategy(string("strategy"));
  return {
    module: string("module"),
    export: string("export"),
    args,
    executors,
    strategy,
    stackLimit: option("stackLimit", isStackLimit, STACK_LIMIT_RULE) ?? defaults.stackLimit,
    fuel: option("fuel", isFuel, "a positive integer") ?? defaults.fuel,
    ...(defaults.limiter ? { limiter: defaults.limiter } : {}),
    hostOptions: overriding(
      hostOptionsOf(defaults),
      hostOptionsOfJson(line, folder, (message) => new InputError(message)),
    ),
  };
}

function listOf(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
    throw new InputError(`"${field}" must be an array of strings`);
  }
  return value;
}

function indent(text: string): string {
  return text.replace(/^/gm, "  ").replace(/ +$/, "");
}
