/**
 * Compile throughput per target on the largest spec modules next to V8's baseline compiler (Liftoff
 * only, eager) on the same bytes. (Execution against V8 is bench/execution.ts.)
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import v8 from "node:v8";
import { CODE_BASE } from "../emulators/runtime/layout.js";
import { compileModule } from "../src/compiler/compile.js";
import { TARGETS } from "../src/compiler/target.js";
import { specSuiteDirectory } from "../src/spec/runner.js";
import { decodeModule, validateModule } from "../src/wasm/index.js";
import type { ValidatedModule } from "../src/wasm/ir.js";
import { cpuMeasure, formatDuration, median } from "./stats.js";

const specDir = specSuiteDirectory();
const layout = { codeBase: BigInt(CODE_BASE) };

/** The largest spec modules that validate, with the byte count of their function bodies. */
export function largestSpecModules(
  count: number,
): { name: string; bytes: Uint8Array; validated: ValidatedModule }[] {
  const candidates = readdirSync(specDir)
    .filter((name) => name.endsWith(".wasm"))
    .map((name) => ({ name, bytes: new Uint8Array(readFileSync(path.join(specDir, name))) }))
    .sort((a, b) => b.bytes.length - a.bytes.length);
  const chosen = [];
  for (const candidate of candidates) {
    try {
      const validated = validateModule(decodeModule(candidate.bytes));
      new WebAssembly.Module(candidate.bytes);
      chosen.push({ ...candidate, validated });
    } catch {
      // malformed, invalid or unsupported: not a compile benchmark
    }
    if (chosen.length === count) break;
  }
  return chosen;
}

/** `bytes` plus a custom section named after `serial`: a different module to V8's cache, same code. */
function withCustomSection(bytes: Uint8Array, serial: number): Uint8Array<ArrayBuffer> {
  const name = new TextEncoder().encode(`bench${serial}`);
  const section = Uint8Array.of(0, name.length + 1, name.length, ...name);
  const out = new Uint8Array(bytes.length + section.length);
  out.set(bytes);
  out.set(section, bytes.length);
  return out;
}

export async function compilerBench(): Promise<void> {
  // Liftoff only and eager, so V8 compiles every function once with its baseline compiler.
  v8.setFlagsFromString("--liftoff-only");
  v8.setFlagsFromString("--no-wasm-lazy-compilation");
  const modules = largestSpecModules(8);
  const totalBytes = modules.reduce((sum, m) => sum + m.bytes.length, 0);
  const mbPerSecond = (ms: number) => totalBytes / 1e6 / (ms / 1000);
  // V8 caches compiled modules by their bytes: a fresh custom section each time defeats the cache.
  let serial = 0;
  const v8Time = median(
    cpuMeasure(
      () => {
        for (const m of modules) new WebAssembly.Module(withCustomSection(m.bytes, serial++));
      },
      15,
      3,
    ),
  );
  console.log(
    `compile throughput over the ${modules.length} largest spec modules (${(totalBytes / 1024).toFixed(0)} KiB):`,
  );
  console.log(`  V8 Liftoff      ${mbPerSecond(v8Time).toFixed(2)} MB/s (${formatDuration(v8Time)})`);
  for (const target of TARGETS) {
    const compileAll = () => {
      for (const m of modules) {
        compileModule(m.validated, { target, strategy: "intersect", layout });
      }
    };
    const time = median(cpuMeasure(compileAll, 15, 3));
    console.log(
      `  samestack ${target.padEnd(8)} ${mbPerSecond(time).toFixed(2)} MB/s (${formatDuration(time)}): ` +
        `${(time / v8Time).toFixed(1)}× V8's time`,
    );
  }
}
