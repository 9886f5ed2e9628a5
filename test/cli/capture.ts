import { type Io, main } from "../../src/cli/main.js";

export interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process with captured streams. */
export async function runCli(...argv: string[]): Promise<Captured> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: Io = { stdout: (text) => stdout.push(text), stderr: (text) => stderr.push(text), isTty: false };
  const code = await main(argv, io);
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}

/**
 * `run --json` outcomes with the instruction counts taken out, as they differ per ISA: each emulated
 * target's finished outcome must carry one (a positive integer), V8's and error outcomes none.
 */
export function withoutCounts(outcomes: Record<string, Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(outcomes).map(([executor, { executed, ...outcome }]) => {
      const counted = executor !== "v8" && outcome.outcome !== "error";
      if (counted !== (Number.isSafeInteger(executed) && (executed as number) > 0)) {
        throw new Error(`${executor}: instruction count ${String(executed)} on ${JSON.stringify(outcome)}`);
      }
      return [executor, outcome];
    }),
  );
}
