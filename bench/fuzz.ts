/**
 * Property-based fuzzing figures:
 *   - cases per second with 1 and 2 worker processes: P1 alone (each case: generate, compile for
 *     both targets, run on both and on V8) and every fuzz property (P1–P4, P6), timed runs under
 *     intersect/frame, of `samestack fuzz` as users run it (the built CLI); worker start-ups
 *     included. Goals with 2 workers on this 2-core machine: P1 ≥ 1,000 cases/s, all ≥ 300.
 *   - where a case's CPU time goes, per stage of a worker's work (drawing the case, compiling it,
 *     each property's check): what speeding up one part would buy;
 *   - V8's compile time per generated module as a process ages (V8 keeps every Wasm function type
 *     it has seen; V8 11 looks each new one up in time growing with their number): why fuzz
 *     workers under Node 20 replace their V8 children every MODULES_PER_PROCESS modules;
 *   - size of shrunk P5 counterexamples (native divergence) over 20 seeds: median instructions and
 *     functions, as found, and with leaf-frame differences set aside (register-threshold ones).
 *     Goal: ≤ 20 instructions.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { inputOf, prepareCase } from "../src/fuzz/case-runner.js";
import { Machines } from "../src/fuzz/machines.js";
import {
  checkProperty,
  DETERMINISTIC,
  PROPERTIES,
  PROPERTY_NAMES,
  type PropertyName,
} from "../src/fuzz/properties.js";
import type { FuzzSummary } from "../src/fuzz/summary.js";
import { findNativeDivergence } from "../src/fuzz/teeth.js";
import { caseOf } from "../src/fuzz/test-case.js";
import { MODULES_PER_PROCESS } from "../src/fuzz/v8-oracle.js";
import { cpuTimed, formatDuration, median } from "./stats.js";

/**
 * Seconds per timed fuzz run: long enough for the workers to warm up (their JIT needs ~10 s of CPU),
 * as in the runs of minutes users make (a 10 s run of every property is mostly that warm-up).
 */
const SECONDS = { p1: 60, all: 60 };
const SEEDS = 20;
const FIRST_SEED = 1;
const TEETH_RUNS = 100;

const execFileAsync = promisify(execFile);
const CLI = fileURLToPath(new URL("../bin/samestack.js", import.meta.url));

/**
 * `samestack fuzz` as users run it (the built CLI; npm run bench builds first): its summary.json, and
 * the CPU seconds of its whole process tree (GNU time's user + system, workers and V8 children
 * included), so a shared machine's figures can be read as what idle cores would do.
 */
async function fuzzCli(args: readonly string[]): Promise<{ summary: FuzzSummary; cpuSeconds: number }> {
  const out = await mkdtemp(path.join(tmpdir(), "fuzz-bench-"));
  let stderr: string;
  try {
    ({ stderr } = await execFileAsync("/usr/bin/time", [
      "-f",
      "%U %S",
      process.execPath,
      CLI,
      "fuzz",
      ...args,
      "--out",
      out,
      "--no-save",
    ]));
  } catch (error) {
    // Exit 1 means a property failed: the summary says which; anything else is the bench's failure.
    if ((error as { code?: number }).code !== 1) throw error;
    stderr = (error as { stderr: string }).stderr;
  }
  const [user, system] = stderr.trim().split("\n").at(-1)!.split(" ").map(Number);
  const summary = JSON.parse(await readFile(path.join(out, "summary.json"), "utf8")) as FuzzSummary;
  return { summary, cpuSeconds: user! + system! };
}

export async function fuzzBench(): Promise<void> {
  // Workers scale only on idle cores: say how busy the machine was.
  console.log(`load average ${loadavg()[0]!.toFixed(2)} on ${availableParallelism()} cores`);
  const sets: [string, PropertyName[] | undefined, number, string][] = [
    ["P1 (compile ×2, run ×2, V8)", ["outcomes"], SECONDS.p1, "; goal with 2 workers ≥ 1,000"],
    ["all properties", undefined, SECONDS.all, "; goal with 2 workers ≥ 300"],
  ];
  for (const [name, properties, seconds, goal] of sets) {
    for (const workers of [1, 2]) {
      const { summary, cpuSeconds } = await fuzzCli([
        "--seed",
        String(FIRST_SEED),
        "--time",
        `${seconds}s`,
        "--workers",
        String(workers),
        ...(properties ? ["--properties", properties.join(",")] : []),
      ]);
      const failed = Object.values(summary.properties).reduce((n, c) => n + c.failed, 0);
      console.log(
        `${name}, ${workers} worker(s): ${summary.casesPerSecond.toFixed(1)} cases/s (${summary.casesRun} cases in ${summary.elapsedSeconds.toFixed(1)} s wall, ${failed} failures); ${(summary.casesRun / cpuSeconds).toFixed(1)} cases per CPU second, ${((2 * summary.casesRun) / cpuSeconds).toFixed(0)} cases/s on 2 idle cores${goal}`,
      );
    }
  }
  caseCosts();
  v8CompileAging();
  for (const excluding of [undefined, "leaf-frame" as const]) {
    const found = Array.from({ length: SEEDS }, (_, i) =>
      findNativeDivergence(FIRST_SEED + i, TEETH_RUNS, excluding),
    );
    const shapes = found.flatMap((f) => (f.shape ? [f.shape] : []));
    const kinds = new Map<string, number>();
    for (const f of found) for (const e of f.explanations) kinds.set(e, (kinds.get(e) ?? 0) + 1);
    const label = excluding ? "P5 with leaf frames set aside" : "P5";
    console.log(
      `${label}: ${shapes.length}/${SEEDS} seeds found a native divergence within ${TEETH_RUNS} runs (median ${median(found.flatMap((f) => (f.runsToFailure === null ? [] : [f.runsToFailure])))} runs); shrunk median ${median(shapes.map((s) => s.instructions))} instructions (max ${Math.max(...shapes.map((s) => s.instructions))}), ${median(shapes.map((s) => s.functions))} functions (goal ≤ 20 instructions); explanations ${JSON.stringify(Object.fromEntries(kinds))}`,
    );
  }
}

/**
 * CPU time per case in one process, by stage, as a worker spends it: the case drawn from its seed,
 * lowered, encoded and validated; compiled for both targets; then each property checked in order
 * (P1 with its V8 run in this process, where a worker's V8 child runs it beside; P3 after P2, whose
 * unlimited recorded pair it shares). Counted after warm-up cases, once the JIT has settled.
 */
function caseCosts(): void {
  const WARM_UP = 300;
  const CASES = 500;
  const totals = new Map<string, number>();
  const machines = new Machines();
  try {
    for (let k = 0; k < WARM_UP + CASES; k++) {
      const { value: prepared, ms: drawn } = cpuTimed(() => prepareCase(FIRST_SEED + k, DETERMINISTIC));
      const { testCase, input } = prepared;
      const stages: [string, number][] = [
        ["draw+lower+validate", drawn],
        ["compile ×2", cpuTimed(() => machines.compileAhead(testCase, input.strategy)).ms],
      ];
      for (const property of PROPERTY_NAMES) {
        const check = () => checkProperty(property, machines, testCase, input.strategy, input.limitFractions);
        stages.push([PROPERTIES[property].id, cpuTimed(check).ms]);
      }
      if (k < WARM_UP) continue;
      for (const [stage, ms] of stages) totals.set(stage, (totals.get(stage) ?? 0) + ms);
    }
  } finally {
    machines.close();
  }
  const total = [...totals.values()].reduce((sum, ms) => sum + ms, 0);
  const stages = [...totals].map(
    ([stage, ms]) => `${stage} ${(ms / CASES).toFixed(2)} ms (${((100 * ms) / total).toFixed(0)}%)`,
  );
  console.log(
    `CPU per case in one process, ${CASES} cases after ${WARM_UP}: ${stages.join(", ")}; total ${(total / CASES).toFixed(2)} ms`,
  );
}

/** V8's compile time per generated module, by blocks of modules compiled before in this process. */
function v8CompileAging(): void {
  const BLOCK = 500;
  const medians: string[] = [];
  let seed = 1_000_000;
  for (let block = 0; block < 5; block++) {
    const modules = Array.from({ length: BLOCK }, () => caseOf(inputOf(seed++, DETERMINISTIC).desc).bytes);
    const times = modules.map((bytes) => {
      const start = performance.now();
      new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
      return performance.now() - start;
    });
    medians.push(`${formatDuration(median(times))} after ${block * BLOCK}`);
  }
  console.log(
    `V8 compile of a generated module, median per block of ${BLOCK}: ${medians.join(", ")} (${Number.isFinite(MODULES_PER_PROCESS) ? `fuzz workers' V8 children are replaced every ${MODULES_PER_PROCESS} modules` : "fuzz workers keep their V8 children"})`,
  );
}
