// `samestack fuzz [--seed S] [--runs N | --time 60s] [--strategy s] [--workers K] [--shard i/n]
// [--out DIR] [--no-save]`: property-based differential testing (properties/) in worker processes.
// Progress goes to stderr (a bar on a terminal, plain lines otherwise), the result to stdout and
// DIR/summary.json. Exit 0 when no property failed, 1 when one did — under `native` P2 and P3 are
// expected to fail: that is the divergence samestack exists to find.
import { writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import { SingleBar } from "cli-progress";
import { type Command, InvalidArgumentError } from "commander";
import type { Strategy } from "../compiler/target.js";
import { type FuzzProgress, runFuzz } from "../fuzz/driver.js";
import {
  AS_GIVEN,
  DETERMINISTIC,
  PROPERTIES,
  PROPERTY_NAMES,
  type PropertyName,
} from "../fuzz/properties.js";
import { DEFAULT_SEED } from "../fuzz/seed.js";
import { anyFailure, type FuzzSummary } from "../fuzz/summary.js";
import { makeOutputFolder } from "../verify/files.js";
import { InputError } from "../wasm/errors.js";
import { type CommandContext, EXIT, type Io } from "./context.js";
import { parseStrategy } from "./options.js";

interface FuzzFlags {
  readonly seed: number;
  readonly properties?: readonly PropertyName[];
  readonly runs?: number;
  readonly time?: number;
  readonly strategy?: Strategy;
  readonly workers: number;
  readonly shard: { index: number; count: number };
  readonly out: string;
  readonly save: boolean;
  readonly corpus: string;
}

export function registerFuzz(program: Command, context: CommandContext): void {
  program
    .command("fuzz")
    .description("generate Wasm programs and check properties P1–P4 and P6 on both targets (and V8)")
    .option(
      "--seed <n>",
      "first seed; case k uses seed + shard index + k · shard count",
      parseCount,
      DEFAULT_SEED,
    )
    .option("--runs <n>", "number of cases (default 100 when --time is not given)", parsePositive)
    .option("--time <duration>", "run for this long instead: 60s, 5m, 1500ms", parseDuration)
    .option(
      "--strategy <strategy>",
      `one strategy: ${AS_GIVEN.join(", ")} (default: intersect and frame)`,
      parseFuzzStrategy,
    )
    .option(
      "--properties <list>",
      `comma-separated properties to check (default: all of ${PROPERTY_NAMES.join(", ")})`,
      parseProperties,
    )
    .option("--workers <k>", "worker processes", parsePositive, availableParallelism())
    .option("--shard <i/n>", "run shard i of n (0 ≤ i < n): seeds ≡ i mod n", parseShard, {
      index: 0,
      count: 1,
    })
    .option("--out <dir>", "folder for summary.json and regressions/", "reports/latest/fuzz")
    .option("--corpus <dir>", "where counterexamples are saved for the test suite", "corpus/regressions")
    .option("--no-save", "do not save counterexamples into the corpus")
    .action(async (flags: FuzzFlags) => {
      if (flags.runs !== undefined && flags.time !== undefined)
        throw new InputError("give --runs or --time, not both");
      await makeOutputFolder(flags.out, `the summary to --out ${flags.out}`);
      const strategies = flags.strategy ? [flags.strategy] : DETERMINISTIC;
      const progress = progressDisplay(context.io, flags.runs ?? (flags.time === undefined ? 100 : null));
      const summary = await runFuzz(
        {
          seed: flags.seed,
          ...(flags.runs !== undefined ? { runs: flags.runs } : {}),
          ...(flags.time !== undefined ? { timeMs: flags.time } : {}),
          strategies,
          workers: flags.workers,
          shard: flags.shard,
          outDir: flags.out,
          saveTo: flags.save ? flags.corpus : null,
          ...(flags.properties ? { properties: flags.properties } : {}),
        },
        progress.update,
      );
      progress.stop();
      const summaryPath = path.join(flags.out, "summary.json");
      await writeFile(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
      context.io.stdout(describe(summary, flags, summaryPath));
      context.exitCode = anyFailure(summary) ? EXIT.diverged : EXIT.ok;
    });
}

function describe(summary: FuzzSummary, flags: FuzzFlags, summaryPath: string): string {
  const lines = [
    `fuzz: ${summary.casesRun} cases in ${summary.elapsedSeconds.toFixed(1)} s (${summary.casesPerSecond.toFixed(1)} cases/s), strategies ${summary.strategies.join(", ")}, seeds ${seedText(summary)}`,
  ];
  for (const name of flags.properties ?? PROPERTY_NAMES) {
    const { id, title } = PROPERTIES[name];
    const c = summary.properties[name];
    const verdict = c.failed > 0 ? "FAIL" : "ok";
    lines.push(
      `  ${id} ${name.padEnd(15)} ${verdict.padEnd(4)} ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped — ${title}`,
    );
  }
  for (const failure of summary.failures.filter((f) => f.regression !== null)) {
    const where = path.join(flags.out, "regressions", `${failure.regression}.wat`);
    lines.push(
      `  counterexample: ${failure.property} under ${failure.strategy} (case seed ${failure.caseSeed}): ${failure.reason} → ${where}`,
    );
    lines.push(
      `    replay: samestack fuzz --seed ${failure.caseSeed} --runs 1 --strategy ${failure.strategy} --workers 1`,
    );
  }
  if (anyFailure(summary) && summary.strategies.includes("native")) {
    lines.push(
      "  (under native the targets follow their own ABIs: P2 and P3 failing there is the divergence samestack finds)",
    );
  }
  lines.push(`summary: ${summaryPath}`);
  return `${lines.join("\n")}\n`;
}

function seedText(summary: FuzzSummary): string {
  return summary.seedRanges.map((r) => `${r.first} + k·${r.stride}, k < ${r.count}`).join("; ");
}

/** A progress bar with cases/s on a terminal; otherwise a plain line every few seconds. */
function progressDisplay(
  io: Io,
  total: number | null,
): { update: (p: FuzzProgress) => void; stop: () => void } {
  if (io.isTty) {
    const write = (text: string): boolean => {
      io.stderr(text);
      return true;
    };
    const stream = { isTTY: true, columns: 100, write };
    const bar = new SingleBar({
      stream: stream as unknown as NodeJS.WritableStream,
      format:
        total === null
          ? "fuzz {value} cases | {rate} cases/s | {failures} failures | {duration}s"
          : "fuzz [{bar}] {value}/{total} | {rate} cases/s | {failures} failures | eta {eta}s",
      hideCursor: false,
    });
    bar.start(total ?? 0, 0, { rate: "0", failures: 0 });
    return {
      update: (p) => bar.update(p.casesRun, { rate: p.casesPerSecond.toFixed(1), failures: p.failures }),
      stop: () => bar.stop(),
    };
  }
  let lastPrinted = 0;
  return {
    update: (p) => {
      if (p.elapsedSeconds - lastPrinted < 2 && p.casesRun !== p.total) return;
      lastPrinted = p.elapsedSeconds;
      const of = p.total === null ? "" : `/${p.total}`;
      io.stderr(
        `fuzz: ${p.casesRun}${of} cases, ${p.casesPerSecond.toFixed(1)} cases/s, ${p.failures} failures\n`,
      );
    },
    stop: () => {},
  };
}

function parseCount(text: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError("expected a non-negative integer");
  return value;
}

function parsePositive(text: string): number {
  const value = parseCount(text);
  if (value === 0) throw new InvalidArgumentError("expected a positive integer");
  return value;
}

/** `60s`, `5m`, `1500ms` or plain seconds → milliseconds. */
function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  if (!match) throw new InvalidArgumentError("expected a duration such as 60s, 5m or 1500ms");
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? "s") as "ms" | "s" | "m" | "h"];
  return Number(match[1]) * unit;
}

function parseProperties(text: string): PropertyName[] {
  const names = text.split(",").map((name) => name.trim());
  const properties = names.map((name) => PROPERTY_NAMES.find((p) => p === name));
  if (properties.some((p) => p === undefined)) {
    throw new InvalidArgumentError(`expected a comma-separated list of ${PROPERTY_NAMES.join(", ")}`);
  }
  return [...new Set(properties as PropertyName[])];
}

function parseShard(text: string): { index: number; count: number } {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index >= count)
    throw new InvalidArgumentError("expected i/n with 0 ≤ i < n, e.g. 0/4");
  return { index, count };
}

/** The workers fuzz the strategies that compile the module as given; `logical` has its own properties. */
function parseFuzzStrategy(text: string): Strategy {
  const strategy = parseStrategy(text);
  if (!AS_GIVEN.includes(strategy)) {
    throw new InvalidArgumentError(
      `expected one of ${AS_GIVEN.join(", ")} (the logical strategy's properties run in properties/logical.test.ts)`,
    );
  }
  return strategy;
}
