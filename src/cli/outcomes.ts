// Outcomes of one invocation on several executors: whether they agree, and how they read.
import type { Executor } from "../../emulators/executor.js";
import type { Strategy } from "../compiler/target.js";
import { agreesWithV8, type NanRule, sameOutcome, v8Comparability } from "../verify/outcomes.js";
import type { Outcome, WasmLocation } from "../wasm/outcome.js";
import { EXIT, type ExitCode } from "./context.js";
import { formatValue } from "./values.js";

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

/** One outcome for people: `return i32:7`, `trap unreachable at 2:5 (offset 0x4f)` + its backtrace. */
export function outcomeText(outcome: Outcome): string {
  switch (outcome.outcome) {
    case "return":
      return outcome.values.length === 0
        ? "return (no values)"
        : `return ${outcome.values.map(formatValue).join(", ")}`;
    case "trap": {
      const at = outcome.location ? ` at ${locationText(outcome.location)}` : "";
      const frames = outcome.backtrace ?? [];
      return frames.length > 1
        ? `trap ${outcome.trap}${at}\n  backtrace: ${backtraceText(frames)}`
        : `trap ${outcome.trap}${at}`;
    }
    case "exhausted":
      return `exhausted${outcome.fuel === undefined ? "" : ` (fuel ${outcome.fuel})`}`;
    case "error":
      return `error: ${outcome.message}`;
  }
}

function locationText({ funcIndex, instrIndex, offset }: WasmLocation): string {
  return `function ${funcIndex} instruction ${instrIndex} (offset 0x${offset.toString(16)})`;
}

/** Outermost first; a long backtrace shows its ends. */
function backtraceText(frames: readonly WasmLocation[]): string {
  const frame = ({ funcIndex, instrIndex }: WasmLocation) => `${funcIndex}:${instrIndex}`;
  if (frames.length <= 8) return frames.map(frame).join(" → ");
  const elided = frames.length - 6;
  return [...frames.slice(0, 3).map(frame), `… ${elided} frames …`, ...frames.slice(-3).map(frame)].join(
    " → ",
  );
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

/** One line per executor, then the verdict when there is something to compare or to explain. */
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
    ...entries.map(([executor, outcome]) => `${name(executor).padEnd(width)}  ${outcomeText(outcome)}`),
    ...skipped.map(([executor, why]) => `${name(executor).padEnd(width)}  not run: ${why}`),
  ];
  if (entries.length > 1 || verdict.kind !== "agree") lines.push(verdictText(verdict));
  return `${lines.join("\n")}\n`;
}

function verdictText(verdict: Agreement): string {
  switch (verdict.kind) {
    case "agree":
      return "outcomes agree";
    case "diverged":
      return `DIVERGED: ${verdict.between[0]} and ${verdict.between[1]} disagree`;
    case "error":
      return `ERROR on ${verdict.executor} (a samestack bug): ${verdict.message}`;
    case "exhausted":
      return `OUT OF FUEL on ${verdict.executors.join(", ")}: the invocation does not finish within the fuel (a runaway program? raise --fuel if it should finish)`;
  }
}
