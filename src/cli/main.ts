// The samestack command line: `main(argv, io)` returns an exit code and never exits the process.
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly isTty: boolean;
}

export const EXIT = { ok: 0, diverged: 1, badInput: 2, internal: 3 } as const;

export async function main(argv: readonly string[], io: Io): Promise<number> {
  io.stderr(`samestack: not yet implemented: ${argv.join(" ")}\n`);
  return EXIT.badInput;
}

/** Entry point for bin/samestack.js: real process streams, exit code through process.exitCode. */
export async function runFromProcess(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    isTty: Boolean(process.stdout.isTTY),
  });
}
