// What every command gets: the streams, and where to put its exit code.

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly isTty: boolean;
}

/** 0 ok, 1 outcomes diverged (or a wrong result), 2 bad input, 3 internal error (a samestack bug). */
export const EXIT = { ok: 0, diverged: 1, badInput: 2, internal: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface CommandContext {
  readonly io: Io;
  exitCode: ExitCode;
}

/** The more serious of two exit codes: internal error, then divergence, then bad input. */
export function worse(a: ExitCode, b: ExitCode): ExitCode {
  const rank = (code: ExitCode) => [EXIT.ok, EXIT.badInput, EXIT.diverged, EXIT.internal].indexOf(code);
  return rank(a) >= rank(b) ? a : b;
}
