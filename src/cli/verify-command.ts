// `samestack verify <module> [--export name --args …] [--strategy s] [--json]`: the static report
// and, with an invocation, the dynamic verdict for every stack limit. Exit 0 when deterministic,
// 1 when the targets diverge, 2 for bad input (main.ts), 3 for an internal error (main.ts).
import type { Command } from "commander";
import { DEFAULT_CHECK_SEED } from "../check/check.js";
import { hostSettings } from "../check/host-options.js";
import { limitRangesText } from "../check/limit-text.js";
import { STRATEGIES, type Strategy, TARGETS } from "../compiler/target.js";
import { type LogicalModuleVerdict, verifyLogical } from "../logical/verify.js";
import {
  certificateLines,
  functionFiguresText,
  logicalVerdictText,
  worstOf,
} from "../report/logical-text.js";
import type { ProfileComparison } from "../verify/profile.js";
import type { StaticIssue } from "../verify/static.js";
import { type ModuleVerdict, verifyModule } from "../verify/verify-module.js";
import { InputError } from "../wasm/errors.js";
import type { Features } from "../wasm/features.js";
import type { ValidatedModule } from "../wasm/ir.js";
import {
  backtraceText,
  formatValue,
  locationText,
  locationWithOffsetText,
  outcomeText,
  shortBacktrace,
} from "../wasm/outcome-text.js";
import { type CommandContext, EXIT } from "./context.js";
import { type HostFlags, hostOptionsOf, withHostFlags } from "./host-flags.js";
import { loadModuleFile } from "./load-module.js";
import { type LogicalFlags, limiterOptionsOf, withLogicalOptions } from "./logical-options.js";
import { featuresOption, parseSeed, parseStackLimit, parseStrategy, STACK_LIMIT_RULE } from "./options.js";
import { parseCliValue } from "./values.js";

interface VerifyFlags extends HostFlags, LogicalFlags {
  readonly seed: number;
  readonly features: Features;
  readonly strategy: Strategy;
  readonly export?: string;
  readonly args: string[];
  readonly stackLimit?: number;
  readonly json?: boolean;
}

export function registerVerify(program: Command, context: CommandContext): void {
  const command = program
    .command("verify")
    .description(
      "verify that x86-64 and AArch64 use the stack identically: statically, and for one invocation at every limit",
    )
    .argument("<module>", ".wat or .wasm file")
    .option("--strategy <strategy>", `stack strategy (${STRATEGIES.join(", ")})`, parseStrategy, "intersect")
    .addOption(featuresOption())
    .option("--export <name>", "exported function to run for the dynamic verdict")
    .option("--args <values...>", "its arguments (e.g. 5, i64:-1, f64:1.5)", [])
    .option("--stack-limit <bytes>", `stack limit of the profiled run: ${STACK_LIMIT_RULE}`, parseStackLimit)
    .option("--seed <n>", "seed of WASI's random_get", parseSeed, DEFAULT_CHECK_SEED)
    .option("--json", "print the verdict as JSON");
  withHostFlags(withLogicalOptions(command)).action(async (file: string, flags: VerifyFlags) => {
    const { strategy, stackLimit } = flags;
    const { validated } = await loadModuleFile(file, flags.features);
    const invocation =
      flags.export === undefined ? undefined : parseInvocation(validated, flags.export, flags.args);
    if (invocation === undefined && flags.args.length > 0) throw new InputError("--args needs --export");
    // A module that cannot be instantiated throws InstantiationFailure, an InputError.
    const common = {
      ...(invocation ? { invocation } : {}),
      ...(stackLimit ? { stackLimit } : {}),
      hosts: await hostSettings(hostOptionsOf(flags), file, flags.seed),
    };
    const verdict =
      strategy === "logical"
        ? verifyLogical(validated, { ...common, limiter: limiterOptionsOf(flags) })
        : verifyModule(validated, { strategy, ...common });
    context.io.stdout(flags.json ? `${toJson(verdict)}\n` : describe(file, verdict));
    context.exitCode = verdict.deterministic ? EXIT.ok : EXIT.diverged;
  });
}

function parseInvocation(validated: ValidatedModule, name: string, args: readonly string[]) {
  const exported = validated.module.exports.find((e) => e.kind === "func" && e.name === name);
  if (!exported) throw new InputError(`--export: the module exports no function "${name}"`);
  const params = validated.funcTypes[exported.index]!.params;
  if (args.length !== params.length) {
    throw new InputError(
      `--args: "${name}" takes ${params.length} argument(s) (${params.join(", ")}), got ${args.length}`,
    );
  }
  return { exportName: name, args: args.map((text, i) => parseCliValue(text, params[i]!)) };
}

function toJson(verdict: ModuleVerdict): string {
  return JSON.stringify(
    verdict,
    (_, value) => (typeof value === "bigint" ? `0x${value.toString(16)}` : value),
    2,
  );
}

function describe(file: string, verdict: ModuleVerdict | LogicalModuleVerdict): string {
  // Under `logical` the code verified is the limiter's output: its thunks follow the functions.
  const what = "certificate" in verdict ? "static (the module with the limiter's code):" : "static:";
  const lines = [`${file}: strategy ${verdict.strategy}, targets ${TARGETS.join(" and ")}`, what];
  for (const target of TARGETS) {
    const report = verdict.static[target];
    const frames = report.functions.map((f) => `${f.frameBytes}`).join("/");
    lines.push(
      `  ${target.padEnd(8)} ${report.functions.length} function(s), frame bytes ${frames}, ${report.issues.length} issue(s)`,
    );
    for (const issue of report.issues.slice(0, 10)) lines.push(`    ${describeIssue(issue)}`);
  }
  const differences = verdict.crossTarget;
  if ("certificate" in verdict) lines.push(...describeCertificate(verdict));
  else if (differences.length === 0) lines.push("  depths equal on both targets at every Wasm instruction");
  else {
    const first = differences[0]!;
    lines.push(
      `  depths differ at ${differences.length} instruction(s); first: ${locationText(first)}: ` +
        `x64 deepest ${first.a?.deepest ?? "-"}, aarch64 deepest ${first.b?.deepest ?? "-"}`,
    );
  }
  const dynamic = verdict.dynamic;
  if (dynamic) {
    const args = dynamic.invocation.args.map(formatValue).join(", ");
    lines.push(`dynamic: ${dynamic.invocation.exportName}(${args})`);
    for (const target of TARGETS)
      lines.push(`  ${target.padEnd(8)} ${outcomeText(dynamic.outcomes[target], { backtrace: true })}`);
    if ("native" in verdict) {
      if (verdict.native) lines.push(`  ${logicalVerdictText(verdict.native)}`);
    } else if (dynamic.comparison) lines.push(...describeComparison(dynamic.comparison));
    for (const target of TARGETS) {
      const failures = dynamic.crossCheckFailures[target];
      lines.push(
        failures.length === 0
          ? `  ${target.padEnd(8)} prediction confirmed by real runs at ${dynamic.limitsChecked} sampled limits`
          : `  ${target.padEnd(8)} PREDICTION WRONG at limits ${failures.map((f) => f.limit).join(", ")}`,
      );
    }
  }
  lines.push(`verdict: ${verdict.deterministic ? "deterministic" : "DIVERGES"}`);
  return `${lines.join("\n")}\n`;
}

/** Under `logical`: the certificate, per target, and the functions that come closest to 128 bytes per unit. */
function describeCertificate(verdict: LogicalModuleVerdict): string[] {
  return [
    "logical limit (frames differ across targets by design; the certificate bounds each):",
    ...certificateLines({ certificate: verdict.certificate }).map((line) => `  ${line}`),
    "  closest to 128 bytes per unit:",
    ...worstOf(verdict.certificate).map((f) => `    ${functionFiguresText(f)}`),
  ];
}

function describeIssue(issue: StaticIssue): string {
  switch (issue.kind) {
    case "stack-map-mismatch":
      return `${locationText(issue)}: stack map says ${JSON.stringify(issue.compiler)}, code does ${JSON.stringify(issue.derived)}`;
    case "code-outside-source-map":
      return `f${issue.funcIndex}: 0x${issue.address.toString(16)} ${issue.text}: not in the source map`;
    default:
      return `f${issue.funcIndex}: 0x${issue.address.toString(16)} ${issue.text}: ${issue.kind}`;
  }
}

function describeComparison(comparison: ProfileComparison): string[] {
  if (comparison.identical) {
    return [
      `  stack profiles identical (${comparison.steps} steps, max depth ${comparison.maxDepth} bytes): deterministic for all limits`,
    ];
  }
  const lines: string[] = [];
  const first = comparison.firstDifference;
  if (first?.a && first.b) {
    lines.push(
      `  stack profiles differ first at step ${first.index}, ${locationWithOffsetText(first.a.location)}:`,
    );
    lines.push(
      `    x64 depth ${first.a.depth}, backtrace ${backtraceText(shortBacktrace(first.a.backtrace))}`,
    );
    lines.push(
      `    aarch64 depth ${first.b.depth}, backtrace ${backtraceText(shortBacktrace(first.b.backtrace))}`,
    );
  } else if (first) {
    lines.push(
      `  stack profiles differ at step ${first.index} (one run is shorter, or the entry call differs)`,
    );
  }
  const ranges = comparison.divergentLimits.map(({ from, to }) => ({
    from,
    to: to === Number.POSITIVE_INFINITY ? null : to,
  }));
  lines.push(`  overflow points differ for limits ${limitRangesText(ranges)}`);
  return lines;
}
