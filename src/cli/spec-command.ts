// `samestack spec <dir|file.json …> [--targets x64,aarch64] [--strategy s|all] [--features p] [--json]`:
// runs wast2json command lists on every target × strategy and prints a per-file table (passed,
// failed, skipped with the reasons) and totals, or with --json one object:
//   { files: [{ name, passed, failed, skipped, nanBitDifferences, skippedByReason, failures: […] }],
//     totals: { passed, failed, skipped, nanBitDifferences } }
// where a command counts once per target × strategy it ran on. Exit 0 when nothing failed, 1 otherwise.
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Presets, SingleBar } from "cli-progress";
import { type Command, InvalidArgumentError } from "commander";
import { type Executor, Executors } from "../../emulators/executor.js";
import { STRATEGIES, type Strategy, TARGETS } from "../compiler/target.js";
import { runSpecFile, type SpecConfiguration, type SpecFileResult } from "../spec/runner.js";
import { formatSpecSummary } from "../spec/table.js";
import { specTotals } from "../spec/totals.js";
import { InputError } from "../wasm/errors.js";
import type { Features } from "../wasm/features.js";
import { type CommandContext, EXIT, type Io } from "./context.js";
import { featuresOption, parseExecutors, parseStrategy } from "./options.js";

interface SpecFlags {
  readonly features: Features;
  readonly targets: Executor[];
  readonly strategy: Strategy[];
  readonly json?: boolean;
}

/** One command list: NAME.json in `directory`. */
interface SpecFile {
  readonly directory: string;
  readonly name: string;
}

export function registerSpec(program: Command, context: CommandContext): void {
  program
    .command("spec")
    .description("run WebAssembly spec test command lists (wast2json output) on every target and strategy")
    .argument("<paths...>", "folders of NAME.json files (with their modules), or NAME.json files")
    .option("--targets <list>", "comma-separated executors: x64, aarch64, v8", parseExecutors, [...TARGETS])
    .option("--strategy <strategy>", `stack strategy: ${STRATEGIES.join(", ")} or all`, parseStrategies, [
      "intersect",
    ])
    .addOption(featuresOption())
    .option("--json", "print the results as JSON")
    .action(async (paths: string[], flags: SpecFlags) => {
      const files = await specFiles(paths);
      const configurations = configurationsOf(flags);
      const executors = new Executors({ metering: "block" });
      const progress = progressReporter(context.io, files.length);
      const results: SpecFileResult[] = [];
      try {
        for (const file of files) {
          progress.start(file.name);
          const fileResults = await runSpecFile(file.name, {
            configurations,
            executors,
            directory: file.directory,
            features: flags.features,
          });
          results.push(...fileResults);
          progress.done(file.name, fileResults);
        }
      } finally {
        progress.stop();
        executors.close();
      }
      const totals = specTotals(results);
      context.io.stdout(flags.json ? `${JSON.stringify(totals, null, 2)}\n` : formatSpecSummary(results));
      context.exitCode = totals.totals.failed > 0 ? EXIT.diverged : EXIT.ok;
    });
}

function parseStrategies(text: string): Strategy[] {
  if (text === "all") return [...STRATEGIES];
  try {
    return [parseStrategy(text)];
  } catch {
    throw new InvalidArgumentError(`expected one of ${STRATEGIES.join(", ")}, or all`);
  }
}

/** Every emulated target under every strategy; V8 (which has no strategies) once. */
function configurationsOf({ targets, strategy }: SpecFlags): SpecConfiguration[] {
  return targets.flatMap((executor): SpecConfiguration[] =>
    executor === "v8"
      ? [{ executor, strategy: strategy[0]! }]
      : strategy.map((s) => ({ executor, strategy: s })),
  );
}

/** The command lists the paths name, in order, each once: a folder's NAME.json files sorted by name. */
async function specFiles(paths: readonly string[]): Promise<SpecFile[]> {
  const files: SpecFile[] = [];
  for (const path of paths) {
    if ((await stat(path)).isDirectory()) {
      const names = (await readdir(path)).filter((name) => name.endsWith(".json")).sort();
      if (names.length === 0) throw new InputError(`${path}: no .json command lists (wast2json output) here`);
      files.push(...names.map((name) => ({ directory: path, name: basename(name, ".json") })));
    } else if (path.endsWith(".json")) {
      files.push({ directory: dirname(path), name: basename(path, ".json") });
    } else {
      throw new InputError(`${path}: not a folder or a .json command list`);
    }
  }
  const byPath = new Map(files.map((file) => [join(file.directory, file.name), file]));
  return [...byPath.values()];
}

interface Progress {
  start(name: string): void;
  done(name: string, results: readonly SpecFileResult[]): void;
  stop(): void;
}

/** A progress bar on a terminal (on stderr); one plain line per file on stderr otherwise. */
function progressReporter(io: Io, total: number): Progress {
  if (!io.isTty) {
    let done = 0;
    const width = String(total).length;
    return {
      start: () => {},
      done: (name, results) => {
        done++;
        const failed = results.reduce((sum, r) => sum + r.failed, 0);
        const verdict = failed === 0 ? "ok" : `${failed} failed`;
        io.stderr(
          `[${String(done).padStart(width)}/${total}] ${name}: ${verdict} on ${results.length} configuration(s)\n`,
        );
      },
      stop: () => {},
    };
  }
  // cli-progress draws through write(); the terminal escapes it emits go to stderr as text.
  const stream = { write: (text: string) => io.stderr(text), isTTY: true, columns: 100 };
  const bar = new SingleBar(
    {
      stream: stream as unknown as NodeJS.WritableStream,
      format: "spec {bar} {value}/{total} files · {file}",
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0, { file: "" });
  return {
    start: (name) => bar.update({ file: name }),
    done: () => bar.increment(),
    stop: () => bar.stop(),
  };
}
