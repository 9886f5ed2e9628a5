// Runs the WebAssembly spec tests' command lists (wast2json's NAME.json) on any executor: every
// command is counted once per configuration as passed, failed, skipped with a reason, or (under
// `native` only) differing in NaN bits alone. assert_exhaustion must also overflow at the same Wasm
// location and with the same backtrace on both targets under `intersect`, `frame` and `logical`
// (there: the logical limit, which must trip before the machine stack runs out). Binary modules go
// through samestack's front end, text modules (the text-format assert_malformed ones) through
// wabt's text parser, both under the run's feature profile.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { Executors, LoadedModule } from "../../emulators/executor.js";
import { packageRoot } from "../verify/files.js";
import { decodeModule } from "../wasm/decoder.js";
import { FrontEndError, InputError, InternalError, MalformedModule } from "../wasm/errors.js";
import { type Features, WASM_2_0 } from "../wasm/features.js";
import type { Outcome } from "../wasm/outcome.js";
import { outcomeText } from "../wasm/outcome-text.js";
import { watToBinary } from "../wasm/text.js";
import { validateModule } from "../wasm/validator.js";
import { parseSpecScript, type SpecCommand, type SpecCommandType } from "./commands.js";
import {
  fail,
  type LogicalSpecOptions,
  Session,
  type SpecConfiguration,
  type SpecModules,
  type Verdict,
} from "./session.js";

export type { SpecConfiguration } from "./session.js";

export function configurationName({ executor, strategy }: SpecConfiguration): string {
  return executor === "v8" ? "v8" : `${executor}/${strategy}`;
}

export interface SpecFailure {
  readonly line: number;
  readonly command: SpecCommandType;
  readonly message: string;
}

export interface SpecSkip {
  readonly line: number;
  readonly command: SpecCommandType;
  readonly reason: string;
}

export interface SpecFileResult {
  readonly name: string;
  readonly configuration: string;
  readonly passed: number;
  readonly failed: number;
  /** Skip reason → number of commands skipped for it. */
  readonly skipped: Readonly<Record<string, number>>;
  readonly failures: readonly SpecFailure[];
  readonly skips: readonly SpecSkip[];
  /** Under `native`: return values that differ from the expected ones in NaN bits only (not failures). */
  readonly nanBitDifferences: readonly SpecFailure[];
  /** What spectest's print functions printed, in order. */
  readonly printed: readonly string[];
}

/** The spec test suite beside the repository is missing. */
export class SpecSuiteMissing extends InputError {}

/**
 * The spec test suite converted by wast2json: SAMESTACK_SPEC_SUITE when set, else the folder where
 * the project's machines lay it, `spec-testsuite` in the folder `shared` beside the repository.
 */
export function specSuiteDirectory(): string {
  const directory = resolve(
    process.env.SAMESTACK_SPEC_SUITE ?? join(dirname(packageRoot()), "shared", "spec-testsuite"),
  );
  if (!existsSync(directory)) {
    throw new SpecSuiteMissing(`the spec test suite is missing: expected wast2json output in ${directory}`);
  }
  return directory;
}

export interface SpecRunOptions {
  readonly configurations: readonly SpecConfiguration[];
  /** Shared across files, so engines and compiled modules are reused. */
  readonly executors: Executors;
  /** Default: specSuiteDirectory(). */
  readonly directory?: string;
  /** What modules may use; default WebAssembly 2.0 (the suite's). */
  readonly features?: Features;
  /** Under `logical`: the limiter's options and the native stack (default: Polkadot's, session.ts). */
  readonly logical?: LogicalSpecOptions;
}

/** Runs `NAME.json` once per configuration; modules are decoded once and compiled once per configuration. */
export async function runSpecFile(name: string, options: SpecRunOptions): Promise<SpecFileResult[]> {
  const directory = options.directory ?? specSuiteDirectory();
  const file = join(directory, `${name}.json`);
  const script = parseSpecScript(await readFile(file, "utf8"), file);
  const modules = new ModuleFiles(directory, options.features ?? WASM_2_0);
  await modules.preload(script.commands);
  const runs = options.configurations.map((configuration): ConfigurationRun => {
    const session = new Session(configuration, options.executors, modules, options.logical);
    try {
      const verdicts = new Map(script.commands.map((command) => [command, session.verdict(command)]));
      return { configuration, verdicts, exhaustions: session.exhaustions, printed: session.printed };
    } finally {
      session.close();
    }
  });
  compareOverflowPoints(runs);
  return runs.map((run) => fileResult(name, run));
}

/** One configuration's verdicts on a script, before they are counted. */
export interface ConfigurationRun {
  readonly configuration: SpecConfiguration;
  readonly verdicts: Map<SpecCommand, Verdict>;
  readonly exhaustions: ReadonlyMap<number, Outcome>;
  readonly printed: readonly string[];
}

/**
 * Under `intersect`, `frame` and `logical` (whose overflow is the logical limit's), each
 * assert_exhaustion must overflow at the same location with the same backtrace on every target: a
 * difference fails the command on the targets that disagree with the first one.
 */
export function compareOverflowPoints(runs: readonly ConfigurationRun[]): void {
  for (const strategy of ["intersect", "frame", "logical"] as const) {
    const [first, ...others] = runs.filter(
      (run) => run.configuration.executor !== "v8" && run.configuration.strategy === strategy,
    );
    if (first === undefined) continue;
    for (const [command, verdict] of first.verdicts) {
      const reference = first.exhaustions.get(command.line);
      if (reference === undefined || verdict.kind !== "pass") continue;
      for (const other of others) {
        const outcome = other.exhaustions.get(command.line);
        if (outcome === undefined || JSON.stringify(outcome) === JSON.stringify(reference)) continue;
        const message = `overflow point differs from ${configurationName(first.configuration)}: ${describeOverflow(outcome)} vs ${describeOverflow(reference)}`;
        for (const run of [first, other]) run.verdicts.set(command, fail(message));
      }
    }
  }
}

function describeOverflow(outcome: Outcome): string {
  const frames = outcome.outcome === "trap" ? (outcome.backtrace ?? []) : [];
  return `${outcomeText(outcome)} (backtrace of ${frames.length} frames)`;
}

function fileResult(name: string, run: ConfigurationRun): SpecFileResult {
  const skipped: Record<string, number> = {};
  const failures: SpecFailure[] = [];
  const skips: SpecSkip[] = [];
  const nanBitDifferences: SpecFailure[] = [];
  let passed = 0;
  for (const [{ line, type: command }, verdict] of run.verdicts) {
    switch (verdict.kind) {
      case "pass":
        passed++;
        break;
      case "skip":
        skipped[verdict.reason] = (skipped[verdict.reason] ?? 0) + 1;
        skips.push({ line, command, reason: verdict.reason });
        break;
      case "fail":
        failures.push({ line, command, message: verdict.message });
        break;
      case "nan-bits":
        nanBitDifferences.push({ line, command, message: verdict.message });
        break;
    }
  }
  return {
    name,
    configuration: configurationName(run.configuration),
    passed,
    failed: failures.length,
    skipped,
    failures,
    skips,
    nanBitDifferences,
    printed: run.printed,
  };
}

/**
 * Module files of one script, read once: a binary module decoded and validated (or why the front end
 * rejected it), a text module parsed by wabt (or why it could not be).
 */
class ModuleFiles implements SpecModules {
  private readonly loaded = new Map<string, LoadedModule | FrontEndError>();
  private readonly parsed = new Map<string, MalformedModule | null>();

  constructor(
    private readonly directory: string,
    private readonly features: Features,
  ) {}

  async preload(commands: readonly SpecCommand[]): Promise<void> {
    for (const command of commands) {
      if (!("filename" in command)) continue;
      const file = join(this.directory, command.filename);
      if ("module_type" in command && command.module_type === "text") {
        this.parsed.set(command.filename, await this.parse(await readFile(file, "utf8"), command.filename));
        continue;
      }
      const bytes = new Uint8Array(await readFile(file));
      try {
        const validated = validateModule(decodeModule(bytes, this.features), this.features);
        this.loaded.set(command.filename, { bytes, validated });
      } catch (error) {
        if (!(error instanceof FrontEndError)) throw error;
        this.loaded.set(command.filename, error);
      }
    }
  }

  /** wabt's parse error for `source`, or null when it parses (its validation is not asked). */
  private async parse(source: string, filename: string): Promise<MalformedModule | null> {
    try {
      await watToBinary(source, filename, this.features);
      return null;
    } catch (error) {
      if (error instanceof MalformedModule) return error;
      if (error instanceof FrontEndError) return null;
      throw error;
    }
  }

  binary(filename: string): LoadedModule | FrontEndError {
    const module = this.loaded.get(filename);
    if (module === undefined) throw new InternalError(`${filename} was not preloaded`);
    return module;
  }

  textParseError(filename: string): MalformedModule | null {
    const error = this.parsed.get(filename);
    if (error === undefined) throw new InternalError(`${filename} was not preloaded`);
    return error;
  }
}
