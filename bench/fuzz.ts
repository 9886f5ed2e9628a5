/**
 * Property-based fuzzing figures (issue 8):
 *   - cases per second with 1 and 2 worker processes: P1 alone (each case: generate, compile for
 *     both targets, run on both and on V8) and every fuzz property (P1–P4, P6), timed runs under
 *     intersect/frame, of the built driver (dist/, as `samestack fuzz` runs it); worker start-ups
 *     included. Goal: ≥ 500 cases/s on this 2-core machine.
 *   - size of shrunk P5 counterexamples (native divergence) over 20 seeds: median instructions and
 *     functions, as found, and with leaf-frame differences set aside (register-threshold ones).
 *     Goal: ≤ 20 instructions.
 */
import { mkdtemp } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { DETERMINISTIC, type PropertyName } from "../properties/fuzz/properties.js";
import { findNativeDivergence } from "../properties/fuzz/teeth.js";
import { median } from "./stats.js";

const SECONDS = 10;
const SEEDS = 20;
const FIRST_SEED = 1;
const TEETH_RUNS = 100;

/** The built driver: its workers start as plain JS, as they do for `samestack fuzz` (npm run bench builds first). */
const { runFuzz } = (await import(
  new URL("../dist/properties/fuzz/driver.js", import.meta.url).href
)) as typeof import("../properties/fuzz/driver.js");

export async function fuzzBench(): Promise<void> {
  const out = await mkdtemp(path.join(tmpdir(), "fuzz-bench-"));
  // Workers scale only on idle cores: say how busy the machine was.
  console.log(`load average ${loadavg()[0]!.toFixed(2)} on ${availableParallelism()} cores`);
  const sets: [string, PropertyName[] | undefined][] = [
    ["P1 (compile ×2, run ×2, V8)", ["outcomes"]],
    ["all properties", undefined],
  ];
  for (const [name, properties] of sets) {
    for (const workers of [1, 2]) {
      const summary = await runFuzz({
        seed: FIRST_SEED,
        timeMs: SECONDS * 1000,
        strategies: DETERMINISTIC,
        workers,
        shard: { index: 0, count: 1 },
        outDir: out,
        saveTo: null,
        ...(properties ? { properties } : {}),
      });
      const failed = Object.values(summary.properties).reduce((n, c) => n + c.failed, 0);
      console.log(
        `${name}, ${workers} worker(s): ${summary.casesPerSecond.toFixed(1)} cases/s (${summary.casesRun} cases in ${summary.elapsedSeconds.toFixed(1)} s, ${failed} failures; goal ≥ 500)`,
      );
    }
  }
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
