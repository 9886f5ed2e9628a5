/**
 * Execution figures, as ratios, in CPU time (the machine is shared):
 *   - plain runs (what `run` does: block-metered engine, fuel in Wasm instructions) against V8
 *     running the same bytes natively, and Wasm instructions per second emulated: fib(20) and a loop
 *     (goal: plain within 150× of V8), then C programs of corpus/real at scaled-up argv, each run
 *     through `_start` on a fresh instance bound to a fresh WASI host (the world of its sidecar with
 *     the argv replaced), on x64, AArch64 and V8 alike; the three must end alike (exit code 0, same
 *     stdout and stderr) on every repetition, or the section fails;
 *   - the stack profile built (what `check` does; the native profiler) against plain, and the
 *     per-instruction recorder's samples alone (what full sequences start from).
 * V8 shares compiled code between modules of the same bytes, so its warm-up runs leave it tiered up;
 * emulated runs reuse the compiled module and its engine, only the invocation is timed. The deep
 * programs need a larger native stack than Node's default: `npm run bench` gives node one.
 */
import { fileURLToPath } from "node:url";
import { type Executor, Executors, hostsFor, type LoadedModule } from "../emulators/executor.js";
import type { HostSettings } from "../emulators/hosts/instance-hosts.js";
import { WASI_START } from "../emulators/hosts/wasi-abi.js";
import { CODE_BASE } from "../emulators/runtime/layout.js";
import { type Instance, Runner } from "../emulators/runtime/runner.js";
import { DEFAULT_CHECK_SEED } from "../src/check/check.js";
import { hostSettings, NO_HOST_OPTIONS, overriding } from "../src/check/host-options.js";
import { readSidecar } from "../src/check/inputs.js";
import { loadModuleFile } from "../src/cli/load-module.js";
import { compileModule } from "../src/compiler/compile.js";
import { TARGETS } from "../src/compiler/target.js";
import { recordProfile } from "../src/verify/dynamic.js";
import { WASM_2_0 } from "../src/wasm/features.js";
import { decodeModule, validateModule } from "../src/wasm/index.js";
import type { ValidatedModule } from "../src/wasm/ir.js";
import type { Outcome } from "../src/wasm/outcome.js";
import { fibLoopBytes } from "./machine-speed.js";
import { alternated, cpuMeasure, cpuTimed, formatDuration, median, timePerCall } from "./stats.js";

interface Program {
  readonly name: string;
  readonly arg: number;
}

const PROGRAMS: readonly Program[] = [
  { name: "fib", arg: 20 },
  { name: "loop", arg: 200_000 },
];
const ROUNDS = 9;

/**
 * A corpus/real program at a scaled-up argv, sized so that V8 takes tens of milliseconds (lisp and
 * json: as deep as V8's enlarged native stack allows) and an emulated run at most about 10 s.
 */
interface RealProgram {
  readonly name: string;
  readonly args: readonly string[];
  /** Emulated runs timed: fewer for the long ones. */
  readonly rounds: number;
}

const REAL_PROGRAMS: readonly RealProgram[] = [
  { name: "sha256", args: ["4096"], rounds: 3 },
  { name: "nbody", args: ["1000000"], rounds: 3 },
  // The source's scaled-up 200000 would also compute fib(210) recursively: it never ends.
  { name: "stackvm", args: ["20000"], rounds: 3 },
  { name: "bigfact", args: ["10000"], rounds: 3 },
  { name: "lisp", args: ["5000"], rounds: ROUNDS },
  { name: "json", args: ["20000"], rounds: ROUNDS },
];
/** V8 runs timed per real program, after REAL_V8_WARMUP untimed ones. */
const REAL_V8_ROUNDS = ROUNDS;
const REAL_V8_WARMUP = 2;
/** lisp's and json's recursion at their scaled-up depth outgrows the default 1 MiB. */
const REAL_STACK_LIMIT = 4 * 1024 * 1024;
const REAL_FOLDER = fileURLToPath(new URL("../corpus/real/", import.meta.url));

/** A real program's runs did not all end alike, or not with exit code 0: its figures would be of a wrong run. */
class WrongRunError extends Error {}

function instanceOn(runner: Runner, validated: ValidatedModule): Instance {
  const artifact = compileModule(validated, {
    target: runner.target,
    strategy: "intersect",
    layout: { codeBase: BigInt(CODE_BASE) },
  });
  const instantiated = runner.instantiate(artifact);
  if (!instantiated.ok) throw new Error("cannot instantiate a benchmark module");
  return instantiated.instance;
}

export async function executionBench(): Promise<void> {
  const bytes = await fibLoopBytes();
  const validated = validateModule(decodeModule(bytes));
  const runners = new Map(TARGETS.map((target) => [target, new Runner(target, {}, { metering: "block" })]));
  console.log(`plain (block-metered, intersect) vs V8, CPU time, median of ${ROUNDS}  [goal ≤ 150×]:`);
  const native = new WebAssembly.Instance(new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>))
    .exports as Record<string, (n: number) => number>;
  for (const program of PROGRAMS) {
    const call = native[program.name]!;
    const v8Time = timePerCall(() => call(program.arg), ROUNDS);
    const parts = [`  ${program.name}(${program.arg}): V8 ${formatDuration(v8Time)}`];
    for (const target of TARGETS) {
      const instance = instanceOn(runners.get(target)!, validated);
      const args = [{ type: "i32" as const, value: String(program.arg) }];
      const time = median(cpuMeasure(() => instance.invoke(program.name, args), ROUNDS, 1));
      parts.push(`${target} ${emulatedFigures(time, v8Time, instance.wasmInstructionsUsed)}`);
      instance.close();
    }
    console.log(parts.join("; "));
  }

  await realProgramsBench();

  console.log(
    `stack profile (recordProfile: the native profiler) vs plain, fib(18) and loop(200000), CPU time, medians of ${PROFILE_ROUNDS} alternated samples (fib: ${FIB_CALLS_PER_SAMPLE} calls each):`,
  );
  for (const target of TARGETS) {
    const runner = runners.get(target)!;
    const plain = instanceOn(runner, validated);
    const profiled = instanceOn(runner, validated);
    for (const [exportName, arg] of [
      ["fib", 18],
      ["loop", 200_000],
    ] as const) {
      const args = [{ type: "i32" as const, value: String(arg) }];
      const [plainTime, profileTime] = alternated(
        () => plain.invoke(exportName, args),
        () => recordProfile(profiled, { exportName, args }),
        PROFILE_ROUNDS,
        exportName === "fib" ? [FIB_CALLS_PER_SAMPLE, FIB_CALLS_PER_SAMPLE] : [1, 1],
      );
      const recorderTime = median(cpuMeasure(() => profiled.invokeRecorded(exportName, args), ROUNDS, 1));
      console.log(
        `  ${target} ${exportName}(${arg}): plain ${formatDuration(plainTime)}; stack profile ${formatDuration(profileTime)} = ${(profileTime / plainTime).toFixed(2)}× plain  [goal ≤ 1.5×]; per-instruction recorder's samples alone (full sequences) ${(recorderTime / plainTime).toFixed(1)}×`,
      );
    }
    plain.close();
    profiled.close();
  }
  for (const runner of runners.values()) runner.close();
}

/** Samples per run of the profile-vs-plain ratio. */
const PROFILE_ROUNDS = 21;
/** fib(18) takes about 0.3 ms plain: a sample of one call would be mostly the clock's noise. */
const FIB_CALLS_PER_SAMPLE = 16;

/** An emulated run's time, its ratio to V8's, and its speed in Wasm instructions. */
function emulatedFigures(time: number, v8Time: number, wasmInstructions: number): string {
  return `${formatDuration(time)} = ${(time / v8Time).toFixed(1)}× V8, ${(wasmInstructions / time / 1000).toFixed(0)} M Wasm instr/s (${wasmInstructions.toLocaleString("en")})`;
}

async function realProgramsBench(): Promise<void> {
  console.log(
    `corpus/real, _start with WASI, plain vs V8, CPU time, medians (V8 of ${REAL_V8_ROUNDS} after ${REAL_V8_WARMUP} warm-up runs):`,
  );
  const executors = new Executors({ metering: "block", stackLimit: REAL_STACK_LIMIT });
  try {
    for (const program of REAL_PROGRAMS) {
      const file = `${REAL_FOLDER}${program.name}.wasm`;
      const loaded = await loadModuleFile(file, WASM_2_0);
      const sidecar = await readSidecar(file, loaded.validated);
      const own = { ...sidecar?.hosts, args: program.args };
      const hosts = await hostSettings(overriding(NO_HOST_OPTIONS, own), file, DEFAULT_CHECK_SEED);
      const run = (executor: Executor) => timedRun(executors, loaded, hosts, executor);

      for (let i = 0; i < REAL_V8_WARMUP; i++) run("v8");
      const v8Runs = Array.from({ length: REAL_V8_ROUNDS }, () => run("v8"));
      const runs: [Executor, TimedRun[]][] = [["v8", v8Runs]];
      for (const target of TARGETS) {
        runs.push([target, Array.from({ length: program.rounds }, () => run(target))]);
      }
      const ended = sameEnding(`${program.name} ${program.args.join(" ")}`, runs);

      const v8Time = median(v8Runs.map((r) => r.ms));
      const parts = [`  ${program.name} ${program.args.join(" ")}: V8 ${formatDuration(v8Time)}`];
      for (const [executor, timed] of runs.slice(1)) {
        parts.push(
          `${executor} ${emulatedFigures(median(timed.map((r) => r.ms)), v8Time, timed[0]!.executed!)}`,
        );
      }
      console.log(`${parts.join("; ")}; median of ${program.rounds}; ${ended}`);
    }
  } finally {
    executors.close();
  }
}

interface TimedRun {
  readonly outcome: Outcome;
  readonly ms: number;
  /** Wasm instructions executed (emulated targets only). */
  readonly executed?: number;
}

/** One `_start` on a fresh instance bound to fresh hosts; only the invocation is timed. */
function timedRun(
  executors: Executors,
  loaded: LoadedModule,
  settings: HostSettings,
  executor: Executor,
): TimedRun {
  const hosts = hostsFor(executor, loaded.validated.module, settings);
  const instantiation = executors.instantiate(loaded, executor, "intersect", hosts.imports);
  if (!instantiation.ok) throw new Error(`cannot instantiate a corpus/real program on ${executor}`);
  const { instance } = instantiation;
  hosts.attach(instance);
  try {
    const { value, ms } = cpuTimed(() => instance.invoke(WASI_START, []));
    return {
      outcome: hosts.finish(value, WASI_START),
      ms,
      executed: instance.emulated?.wasmInstructionsUsed,
    };
  } finally {
    instance.close();
  }
}

/**
 * Checks that every run ended as V8's first did, with exit code 0 (each program checks itself and
 * exits 0 when its results are right); says how they ended.
 */
function sameEnding(program: string, runs: readonly [Executor, readonly TimedRun[]][]): string {
  const expected = runs[0]![1][0]!.outcome;
  for (const [executor, timed] of runs) {
    for (const { outcome } of timed) {
      const difference = differenceFrom(expected, outcome);
      if (difference !== null) throw new WrongRunError(`${program}: ${executor} ${difference}`);
    }
  }
  if (expected.outcome !== "exit" || expected.code !== 0) {
    throw new WrongRunError(`${program}: every executor ended ${endingOf(expected)}, not exit 0`);
  }
  const count = runs.reduce((n, [, timed]) => n + timed.length, 0);
  const stdout = (expected.stdout ?? "").length.toLocaleString("en");
  return `all ${count} runs exit 0 with the same ${stdout} characters of stdout`;
}

/** How `outcome` differs from V8's `expected` (how it ended, then what it wrote), or null. */
function differenceFrom(expected: Outcome, outcome: Outcome): string | null {
  if (endingOf(outcome) !== endingOf(expected)) {
    return `ended ${endingOf(outcome)}, V8 ${endingOf(expected)}`;
  }
  for (const stream of ["stdout", "stderr"] as const) {
    const [mine, v8] = [textOf(outcome, stream), textOf(expected, stream)];
    if (mine === v8) continue;
    let at = 0;
    while (mine[at] === v8[at]) at++;
    return `wrote another ${stream} than V8 from character ${at}: ${JSON.stringify(mine.slice(at, at + 80))}, V8 ${JSON.stringify(v8.slice(at, at + 80))}`;
  }
  return null;
}

/** How a run ended, without what it wrote or the instructions it executed. */
function endingOf(outcome: Outcome): string {
  switch (outcome.outcome) {
    case "exit":
      return `exit ${outcome.code}`;
    case "trap":
      return `trap ${outcome.trap}`;
    case "return":
      return `return ${outcome.values.map((v) => `${v.type} ${v.value}`).join(", ")}`;
    case "exhausted":
      return "out of fuel";
    case "error":
      return `error: ${outcome.message}`;
  }
}

function textOf(outcome: Outcome, stream: "stdout" | "stderr"): string {
  return outcome.outcome === "error" ? "" : (outcome[stream] ?? "");
}
