/**
 * `samestack run --batch` as users run it (the built CLI), timed from outside with /usr/bin/time:
 * CPU ms per invocation and peak RSS, for 2,000 small invocations (x64, aarch64 and V8 each; issue
 * goals: a few ms per invocation beyond the emulated instructions, peak RSS < 400 MB) and for 21
 * longer ones (fib(20..23)).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../bin/samestack.js", import.meta.url));
const FIB = `(module (func $fib (export "fib") (param i32) (result i32)
  (if (result i32) (i32.lt_u (local.get 0) (i32.const 2)) (then (local.get 0))
    (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                   (call $fib (i32.sub (local.get 0) (i32.const 2))))))))`;

/**
 * Runs one batch file; wall and CPU seconds and peak RSS in KB, as GNU time prints them on the last
 * line of stderr (whatever the exit code: a divergence would be in the output, not the figures).
 */
function timedBatch(file: string): { wall: number; cpu: number; rssKb: number } {
  const { stderr } = spawnSync(
    "/usr/bin/time",
    ["-f", "%e %U %S %M", process.execPath, CLI, "run", "--batch", file],
    { encoding: "utf8", stdio: ["ignore", "ignore", "pipe"] },
  );
  const [wall, user, system, rss] = stderr.trim().split("\n").at(-1)!.split(" ").map(Number);
  if (![wall, user, system, rss].every(Number.isFinite)) throw new Error(`no figures from time: ${stderr}`);
  return { wall: wall!, cpu: user! + system!, rssKb: rss! };
}

export async function batchBench(): Promise<void> {
  const folder = mkdtempSync(path.join(tmpdir(), "batch-bench-"));
  try {
    writeFileSync(path.join(folder, "fib.wat"), FIB);
    const line = (n: number) =>
      JSON.stringify({ module: "fib.wat", export: "fib", args: [{ type: "i32", value: String(n) }] });
    const batches = [
      { name: "2,000 lines of fib(5..9)", lines: Array.from({ length: 2000 }, (_, i) => line(5 + (i % 5))) },
      { name: "21 lines of fib(20..23)", lines: Array.from({ length: 21 }, (_, i) => line(20 + (i % 4))) },
    ];
    for (const batch of batches) {
      const file = path.join(folder, `batch-${batch.lines.length}.jsonl`);
      writeFileSync(file, `${batch.lines.join("\n")}\n`);
      const result = timedBatch(file);
      const perLine = (result.cpu * 1000) / batch.lines.length;
      console.log(
        `  ${batch.name} on x64, aarch64 and V8: ${result.wall.toFixed(2)} s wall, ${result.cpu.toFixed(2)} s CPU = ${perLine.toFixed(2)} ms CPU per line; peak RSS ${(result.rssKb / 1024).toFixed(0)} MB  [goals: a few ms per line, < 400 MB]`,
      );
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
