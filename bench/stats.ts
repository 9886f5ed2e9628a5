/** Small statistics helpers for benchmarks. Times are in milliseconds of CPU time. */

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median of nothing");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Times `reps` calls of `fn`, one by one, after `warmup` untimed calls; returns each call's duration
 * in the process's CPU time (user + system), not wall time: on a machine other work shares, the time
 * this process was given, not the time it waited.
 */
export function cpuMeasure(fn: () => void, reps: number, warmup = Math.min(reps, 10)): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const durations: number[] = [];
  for (let i = 0; i < reps; i++) durations.push(cpuTimed(fn).ms);
  return durations;
}

/**
 * CPU time per call of `call`, too short to time one by one: the median of `samples` samples of as
 * many calls as take about 2 ms, after warm-up calls (V8's tiers settle) and 2 warm-up samples.
 */
export function timePerCall(call: () => unknown, samples: number): number {
  const calls = Math.max(1, Math.round(2 / Math.max(0.001, median(cpuMeasure(call, 5, 5)))));
  const sample = () => {
    for (let i = 0; i < calls; i++) call();
  };
  return median(cpuMeasure(sample, samples, 2)) / calls;
}

/**
 * The median CPU time per call of `a` and of `b`, sampled in turn (one sample of each, then again,
 * `rounds` times, after one untimed sample of each), so that the machine's speed drifting during the
 * measurement weighs on both alike. A sample of `a` is `callsPerSample[0]` calls, of `b` the other.
 */
export function alternated(
  a: () => unknown,
  b: () => unknown,
  rounds: number,
  callsPerSample: readonly [number, number] = [1, 1],
): [number, number] {
  const runs = [a, b] as const;
  const sample = (k: 0 | 1) =>
    cpuTimed(() => {
      for (let i = 0; i < callsPerSample[k]; i++) runs[k]();
    }).ms / callsPerSample[k];
  sample(0);
  sample(1);
  const samples: [number[], number[]] = [[], []];
  for (let round = 0; round < rounds; round++) {
    samples[0].push(sample(0));
    samples[1].push(sample(1));
  }
  return [median(samples[0]), median(samples[1])];
}

/** One call of `fn`: its result and the process's CPU time (user + system) it took. */
export function cpuTimed<T>(fn: () => T): { value: T; ms: number } {
  const start = process.cpuUsage();
  const value = fn();
  const used = process.cpuUsage(start);
  return { value, ms: (used.user + used.system) / 1000 };
}

/** A duration in the most readable unit: "850 ns", "12.3 µs", "4.56 ms", "1.23 s". */
export function formatDuration(ms: number): string {
  if (ms < 0.001) return `${(ms * 1e6).toFixed(0)} ns`;
  if (ms < 1) return `${(ms * 1e3).toFixed(1)} µs`;
  if (ms < 1000) return `${ms.toFixed(2)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}
