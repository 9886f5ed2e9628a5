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
