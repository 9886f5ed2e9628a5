// Outcomes of one invocation on several executors: whether they agree, and how they read.
import type { Executor } from "../../emulators/executor.js";
import type { Strategy } from "../compiler/target.js";
import { agreesWithV8, type NanRule, sameOutcome, v8Comparability } from "../verify/outcomes.js";
import { type Outcome, outputBytes } from "../wasm/outcome.js";
import { outcomeText, outputDifferenceText, outputDisplayText } from "../wasm/outcome-text.js";
import { EXIT, type ExitCode } from "./context.js";

export type Outcomes = Partial<Record<Executor, Outcome>>;
/** Executors asked for that did not run the invocation, and why. */
export type NotRun = Partial<Record<Executor, string>>;

/** The outcome on each executor that ran, and why any other did not. */
export interface InvocationResult {
  readonly outcomes: Outcomes;
  readonly notRun: NotRun;
}

export type Agreement =
  | { readonly kind: "agree" }
  | { readonly kind: "diverged"; readonly between: readonly [Executor, Executor] }
  /** An executor failed to run the invocation at all (a samestack bug, or V8 refusing it). */
  | { readonly kind: "error"; readonly executor: Executor; readonly message: string }
  /** Executors that ran out of fuel (the others agree): a runaway program, or too little fuel. */
  | { readonly kind: "exhausted"; readonly executors: readonly Executor[] };

/**
 * Compares every pair of outcomes. Emulated targets must agree in everything (values, trap kind,
 * location, backtrace), NaNs compared by `nans`; V8 only in what it can tell (values with any NaN
 * equal, trap kinds), and only when the one comparability rule allows it (src/verify/outcomes.ts).
 * Exhausted outcomes are not compared: fuel counts machine instructions, which differ per ISA.
 */
export function agreement(outcomes: Outcomes, nans: NanRule): Agreement {
  const entries = Object.entries(outcomes) as [Executor, Outcome][];
  const error = entries.find(([, outcome]) => outcome.outcome === "error");
  if (error) return { kind: "error", executor: error[0], message: (error[1] as { message: string }).message };
  const targets = entries.filter(([executor]) => executor !== "v8");
  const withV8 = outcomes.v8 !== undefined && v8Comparability({ targets, v8: outcomes.v8 }).comparable;
  for (const [i, [a, outcomeA]] of entries.entries()) {
    for (const [b, outcomeB] of entries.slice(i + 1)) {
      if (outcomeA.outcome === "exhausted" || outcomeB.outcome === "exhausted") continue;
      if ((a === "v8" || b === "v8") && !withV8) continue;
      const same =
        a === "v8"
          ? agreesWithV8(outcomeB, outcomeA)
          : b === "v8"
            ? agreesWithV8(outcomeA, outcomeB)
            : sameOutcome(outcomeA, outcomeB, nans);
      if (!same) return { kind: "diverged", between: [a, b] };
    }
  }
  const exhausted = entries.filter(([, outcome]) => outcome.outcome === "exhausted").map(([e]) => e);
  return exhausted.length > 0 ? { kind: "exhausted", executors: exhausted } : { kind: "agree" };
}

/** A runaway program is bad input: it has no outcome to compare. */
export function exitCodeOf(verdict: Agreement): ExitCode {
  switch (verdict.kind) {
    case "agree":
      return EXIT.ok;
    case "diverged":
      return EXIT.diverged;
    case "exhausted":
      return EXIT.badInput;
    case "error":
      return EXIT.internal;
  }
}

/** The outcomes, and `notRun` when an executor did not run. */
export function jsonOf({ outcomes, notRun }: InvocationResult): object {
  return Object.keys(notRun).length > 0 ? { outcomes, notRun } : { outcomes };
}

/**
 * One line per executor, then the verdict when there is something to compare or to explain, then
 * what the program wrote: once when every executor wrote the same, else once per executor.
 */
export function outcomesText(
  { outcomes, notRun }: InvocationResult,
  strategy: Strategy,
  verdict: Agreement,
): string {
  const entries = Object.entries(outcomes) as [Executor, NonNullable<Outcomes[Executor]>][];
  const skipped = Object.entries(notRun) as [Executor, string][];
  const name = (executor: Executor) => (executor === "v8" ? "v8" : `${executor}/${strategy}`);
  const width = Math.max(...[...entries, ...skipped].map(([executor]) => name(executor).length));
  const lines = [
    ...entries.map(
      ([executor, outcome]) =>
        `${name(executor).padEnd(width)}  ${outcomeText(outcome, { backtrace: true })}`,
    ),
    ...skipped.map(([executor, why]) => `${name(executor).padEnd(width)}  not run: ${why}`),
  ];
  if (entries.length > 1 || verdict.kind !== "agree") lines.push(verdictText(verdict, outcomes));
  for (const stream of ["stdout", "stderr"] as const) lines.push(...outputLines(stream, entries, name));
  return `${lines.join("\n")}\n`;
}

/** A stream's bytes as text lines under a heading, `  | ` before each; nothing when no executor wrote any. */
function outputLines(
  stream: "stdout" | "stderr",
  entries: readonly [Executor, Outcome][],
  name: (executor: Executor) => string,
): string[] {
  const written = entries.map(([executor, outcome]) => ({
    executor,
    text: outcome.outcome === "error" ? undefined : outcome[stream],
  }));
  if (written.every(({ text }) => text === undefined)) return [];
  const same = written.length > 1 && written.every(({ text }) => text === written[0]!.text);
  const blocks = same
    ? [{ heading: "every executor", text: written[0]!.text }]
    : written.map(({ executor, text }) => ({ heading: name(executor), text }));
  return blocks.flatMap(({ heading, text }) => {
    const bytes = text === undefined ? 0 : outputBytes(text).length;
    const shown = outputDisplayText(text ?? "");
    const body = shown.endsWith("\n") ? shown.slice(0, -1) : shown;
    const ending = bytes > 0 && !shown.endsWith("\n") ? " (no newline at the end)" : "";
    return [
      `${stream} of ${heading} (${bytes} bytes)${ending}:`,
      ...(bytes === 0 ? [] : body.split("\n").map((line) => `  | ${line}`)),
    ];
  });
}

function verdictText(verdict: Agreement, outcomes: Outcomes): string {
  switch (verdict.kind) {
    case "agree":
      return "outcomes agree";
    case "diverged": {
      const [a, b] = verdict.between;
      const output = outputDifferenceText(outcomes[a]!, outcomes[b]!);
      return `DIVERGED: ${a} and ${b} disagree${output === null ? "" : ` (${output})`}`;
    }
    case "error":
      return `ERROR on ${verdict.executor} (a samestack bug): ${verdict.message}`;
    case "exhausted":
      return `OUT OF FUEL on ${verdict.executors.join(", ")}: the invocation does not finish within the fuel (a runaway program? raise --fuel if it should finish)`;
  }
}
