// The options every command that runs modules takes for the hosts: a WASI program's world
// (`--wasi-arg`, `--env`, `--dir`, `--stdin`) and import modules bound to the env host
// (`--stub-imports`), checked when commander parses them.
import { type Command, InvalidArgumentError } from "commander";
import type { Preopen } from "../../emulators/hosts/wasi.js";
import {
  checkEnvEntry,
  type HostOptions,
  NO_HOST_OPTIONS,
  parseDir,
  parseStdin,
} from "../check/host-options.js";

export interface HostFlags {
  readonly wasiArg: string[];
  readonly env: string[];
  readonly dir: Preopen[];
  readonly stdin?: string;
  readonly stubImports: string[];
}

/** Adds the hosts' options to `command`. */
export function withHostFlags(command: Command): Command {
  return command
    .option(
      "--wasi-arg <arg>",
      "an argument of a WASI program, after its name (the module file's name); repeatable",
      repeated((text) => text),
      [],
    )
    .option(
      "--env <NAME=value>",
      "an environment variable of a WASI program; repeatable",
      repeated(parseEnv),
      [],
    )
    .option(
      "--dir <HOST[::GUEST]>",
      "a folder a WASI program may read (never write), seen as GUEST (default: HOST as written); repeatable",
      repeated(parseDirFlag),
      [],
    )
    .option("--stdin <file>", "the bytes of a WASI program's stdin (default: empty)", parseStdinFlag)
    .option(
      "--stub-imports <module>",
      "bind every function imported from <module> to the deterministic env host; repeatable",
      repeated((text) => text),
      [],
    );
}

/** The flags as HostOptions (a sidecar or batch line may override them). */
export function hostOptionsOf(flags: HostFlags): HostOptions {
  return {
    ...NO_HOST_OPTIONS,
    args: flags.wasiArg,
    env: flags.env,
    dirs: flags.dir,
    stdin: flags.stdin ?? null,
    stubImports: [...new Set(flags.stubImports)],
  };
}

/** An option that may be given several times, each value parsed by `item`. */
function repeated<T>(item: (text: string) => T): (text: string, previous: T[]) => T[] {
  return (text, previous) => [...previous, item(text)];
}

function parseEnv(text: string): string {
  const problem = checkEnvEntry(text);
  if (problem !== null) throw new InvalidArgumentError(problem);
  return text;
}

function parseDirFlag(text: string): Preopen {
  const dir = parseDir(text, process.cwd());
  if (typeof dir === "string") throw new InvalidArgumentError(dir);
  return dir;
}

function parseStdinFlag(text: string): string {
  const file = parseStdin(text, process.cwd());
  if (!file.ok) throw new InvalidArgumentError(file.problem);
  return file.path;
}
