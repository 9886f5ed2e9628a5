// Progress of long emulated runs, as the CLI shows it: on a terminal one line per target rewritten in
// place; otherwise a plain line each time. The runner calls back between slices of a run (about
// every 10^8 Wasm instructions), so short runs print nothing.
import type { Executor } from "../../emulators/executor.js";
import type { Io } from "./context.js";

/** A progress callback for `invokeEverywhere` that writes to `io.stderr`. */
export function progressPrinter(io: Io): (executor: Executor, executed: number) => void {
  return (executor, executed) => {
    const line = `${executor}: ${executed.toLocaleString("en-US")} Wasm instructions executed`;
    io.stderr(io.isTty ? `\r${line}\u001b[K` : `${line}\n`);
  };
}

/** Ends a progress line left on a terminal, so what follows starts on a line of its own. */
export function endProgress(io: Io, printed: boolean): void {
  if (io.isTty && printed) io.stderr("\n");
}
