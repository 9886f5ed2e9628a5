// `samestack check <paths…>`: every module under the paths on every target, the reports written to
// --out, and the exit code of the worst finding: 0 all deterministic and correct, 1 a divergence or
// wrong result, 2 bad input (the other modules are still checked and reported), 3 internal error.
import { Presets, SingleBar } from "cli-progress";
import { type Command, InvalidArgumentError } from "commander";
import {
  type CheckProgress,
  check,
  DEFAULT_CHECK_FUEL,
  DEFAULT_CHECK_SEED,
  type ModuleResult,
} from "../check/check.js";
import { DEFAULT_LOGICAL_STACK_LIMIT } from "../check/logical.js";
import { STRATEGIES, TARGETS, type Target } from "../compiler/target.js";
import { otherRuleText, rule128Text } from "../report/logical-text.js";
import {
  buildReport,
  type Report,
  type ReportVerdict,
  reportVerdict,
  VERDICT_TITLES,
  verdictSentence,
} from "../report/report.js";
import { FILE_NAMES, FORMATS, type Format, writeReport } from "../report/write.js";
import { makeOutputFolder } from "../verify/files.js";
import { InputError } from "../wasm/errors.js";
import { FEATURES, type Features } from "../wasm/features.js";
import { type CommandContext, EXIT, type ExitCode, type Io } from "./context.js";
import { type HostFlags, hostOptionsOf, withHostFlags } from "./host-flags.js";
import { type LogicalFlags, limiterOptionsOf, withLogicalOptions } from "./logical-options.js";
import {
  featuresOption,
  isStackLimit,
  parseFuel,
  parseSeed,
  parseStackLimit,
  parseStrategy,
  STACK_LIMIT_RULE,
} from "./options.js";

export const DEFAULT_OUT = "reports/latest";

interface CheckFlags extends HostFlags, LogicalFlags {
  readonly targets: Target[];
  readonly strategy: ReturnType<typeof parseStrategy>;
  readonly limits: number[];
  readonly out: string;
  readonly format: Format[];
  readonly seed: number;
  readonly fuel: number;
  readonly features: Features;
}

export function registerCheck(program: Command, context: CommandContext): void {
  const command = program
    .command("check")
    .description(
      "check .wat/.wasm modules (files or folders) on every target; write JSON, HTML, Markdown and JUnit reports",
    )
    .argument("<paths...>", "module files and folders (searched recursively for .wat and .wasm)")
    .option("--targets <list>", "comma-separated targets; the first is the reference", list(parseTarget), [
      ...TARGETS,
    ])
    .option("--strategy <strategy>", `stack strategy: ${STRATEGIES.join(", ")}`, parseStrategy, "intersect")
    .option(
      "--limits <list>",
      "comma-separated stack limits (bytes) to report overflow points at",
      list(parseLimit),
      [],
    )
    .option("--out <dir>", "folder for the reports", DEFAULT_OUT)
    .option("--format <list>", `comma-separated formats: ${FORMATS.join(", ")}`, list(parseFormat), [
      ...FORMATS,
    ])
    .option(
      "--seed <n>",
      "seed of the arguments generated for modules without a sidecar, and of WASI's random_get",
      parseSeed,
      DEFAULT_CHECK_SEED,
    )
    .option(
      "--fuel <n>",
      "Wasm instructions per invocation, counted alike on every target",
      parseFuel,
      DEFAULT_CHECK_FUEL,
    )
    .addOption(featuresOption());
  withHostFlags(withLogicalOptions(command))
    .option(
      "--stack-limit <bytes>",
      `logical: the native stack the logical limit must trip within (default ${DEFAULT_LOGICAL_STACK_LIMIT}, or the sidecar's "stackLimit"): ${STACK_LIMIT_RULE}`,
      parseStackLimit,
    )
    .action(async (paths: string[], flags: CheckFlags & { readonly stackLimit?: number }) => {
      if (flags.targets.length < 2) throw new InputError("--targets: name at least two targets to compare");
      await makeOutputFolder(flags.out, `the reports to --out ${flags.out}`);
      const progress = progressReporter(context.io);
      const result = await check(
        paths,
        {
          targets: flags.targets,
          strategy: flags.strategy,
          limits: flags.limits,
          seed: flags.seed,
          fuel: flags.fuel,
          hosts: hostOptionsOf(flags),
          features: FEATURES.filter((feature) => flags.features.has(feature)),
          ...(flags.strategy === "logical"
            ? {
                logical: {
                  ...limiterOptionsOf(flags),
                  stackLimit: flags.stackLimit ?? DEFAULT_LOGICAL_STACK_LIMIT,
                },
              }
            : {}),
        },
        progress.update,
      );
      progress.stop();
      const report = buildReport(result);
      const written = await writeReport(report, flags.out, flags.format);
      context.io.stdout(summaryText(report, written));
      context.exitCode = exitCodeOf(reportVerdict(report));
    });
}

export function exitCodeOf(verdict: ReportVerdict): ExitCode {
  return { pass: EXIT.ok, divergence: EXIT.diverged, input: EXIT.badInput, internal: EXIT.internal }[verdict];
}

/** A comma-separated list, each item parsed by `item`, without repetitions. */
export function list<T>(item: (text: string) => T): (text: string) => T[] {
  return (text) => [...new Set(text.split(",").map((part) => item(part.trim())))];
}

function parseTarget(text: string): Target {
  const target = TARGETS.find((t) => t === text);
  if (!target) throw new InvalidArgumentError(`"${text}" is not one of ${TARGETS.join(", ")}`);
  return target;
}

function parseLimit(text: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!isStackLimit(value)) throw new InvalidArgumentError(`"${text}" is not ${STACK_LIMIT_RULE}`);
  return value;
}

export function parseFormat(text: string): Format {
  const format = FORMATS.find((f) => f === text);
  if (!format) throw new InvalidArgumentError(`"${text}" is not one of ${FORMATS.join(", ")}`);
  return format;
}

/** Fails before any work when the reports could not be written. */
/** A progress bar on a terminal (on stderr); one plain line per module otherwise. */
function progressReporter(io: Io): { update: (progress: CheckProgress) => void; stop: () => void } {
  if (!io.isTty) {
    return {
      update: ({ done, total, finished }) => {
        if (finished === null) return;
        const width = String(total).length;
        io.stdout(
          `[${String(done).padStart(width)}/${total}] ${finished.status.padEnd(14)} ${finished.path}\n`,
        );
      },
      stop: () => {},
    };
  }
  // cli-progress draws through write(); the terminal escapes it emits go to stderr as text.
  const stream = {
    write: (text: string) => io.stderr(text),
    isTTY: true,
    columns: 100,
  } as unknown as NodeJS.WritableStream;
  const bar = new SingleBar(
    {
      stream,
      format: "checking {bar} {value}/{total} modules · {module}",
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update: ({ done, total, path }) => {
      if (!started) bar.start(total, 0, { module: path });
      started = true;
      bar.update(done, { module: path });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

function summaryText(report: Report, written: Partial<Record<Format, string>>): string {
  const lines: string[] = [];
  for (const module of report.modules.filter((m) => m.status !== "pass")) lines.push(...moduleLines(module));
  for (const module of report.modules) lines.push(...rule128Lines(module));
  lines.push(`${VERDICT_TITLES[reportVerdict(report)]}: ${verdictSentence(report)}`);
  const others = FORMATS.filter((f) => f !== "html" && written[f]).map((f) => written[f]);
  if (others.length > 0) lines.push(`reports: ${others.join(", ")}`);
  lines.push(
    written.html
      ? `HTML report: ${written.html}`
      : `(no HTML report: --format has no html; ${FILE_NAMES.html} not written)`,
  );
  return `${lines.join("\n")}\n`;
}

/** Under `logical`: a module for which Polkadot's 128 bytes per logical unit are not enough, flagged. */
function rule128Lines(module: ModuleResult): string[] {
  const failing = module.logical?.certificate.targets.filter((t) => !t.rule128.holds) ?? [];
  if (failing.length === 0) return [];
  const { certificate } = module.logical!;
  return [
    `${module.path}: Polkadot's 128-byte rule is not enough: ${failing.map((t) => `${t.target} ${rule128Text(t, certificate.logicalLimit)}; ${otherRuleText(certificate, t)}`).join("; ")}`,
  ];
}

function moduleLines(module: ModuleResult): string[] {
  return [
    `${module.path} (${module.strategy}): ${module.status}`,
    ...module.findings.map((finding) => {
      const invocation = finding.invocation === null ? null : module.invocations[finding.invocation];
      return `  ${invocation ? `${invocation.export}: ` : ""}${finding.message}`;
    }),
  ];
}
