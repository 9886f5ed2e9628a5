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
