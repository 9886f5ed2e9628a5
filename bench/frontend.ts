/**
 * Wasm front end throughput: decodeModule + validateModule over every 1.0 module of the spec test
 * suite, next to wabt.js readWasm + validate (MVP features, names read) on the same bytes in the
 * same run. Passes over the whole set alternate between the two, so that load on the machine
 * affects both alike; the figure is the median pass. Goal: at least as fast as wabt.js.
 */
import { decodeModule } from "../src/wasm/decoder.js";
import { loadWabt, MVP_FEATURES } from "../src/wasm/text.js";
import { postMvpUses, validateModule } from "../src/wasm/validator.js";
import { readSpecFile, specFiles } from "../test/wasm/spec-suite.js";
import { cpuMeasure, formatDuration, median } from "./stats.js";

const REPS = 25;
const WARMUP = 5;

/** The modules both front ends accept: spec `module` commands without post-1.0 features. */
function mvpSpecModules(): Uint8Array[] {
  const modules: Uint8Array[] = [];
  for (const file of specFiles()) {
    for (const command of file.commands) {
      if (command.type !== "module" || command.filename === undefined) continue;
      const bytes = readSpecFile(command.filename);
      try {
        if (postMvpUses(validateModule(decodeModule(bytes))).length === 0) modules.push(bytes);
      } catch {
        // post-1.0 modules the decoder refuses
      }
    }
  }
  return modules;
}

export async function frontendBench(): Promise<void> {
  const wabt = await loadWabt();
  const modules = mvpSpecModules();
  const bytes = modules.reduce((sum, module) => sum + module.length, 0);
  const samestackPass = () => {
    for (const module of modules) validateModule(decodeModule(module));
  };
  const wabtPass = () => {
    for (const module of modules) {
      const parsed = wabt.readWasm(module, { readDebugNames: true, ...MVP_FEATURES });
      (parsed.validate as (features: typeof MVP_FEATURES) => void)(MVP_FEATURES);
      parsed.destroy();
    }
  };
  cpuMeasure(samestackPass, WARMUP, 0);
  cpuMeasure(wabtPass, WARMUP, 0);
  const samestackTimes: number[] = [];
  const wabtTimes: number[] = [];
  for (let i = 0; i < REPS; i++) {
    samestackTimes.push(...cpuMeasure(samestackPass, 1, 0));
    wabtTimes.push(...cpuMeasure(wabtPass, 1, 0));
  }
  const ours = median(samestackTimes);
  const theirs = median(wabtTimes);
  const throughput = (ms: number) => `${(bytes / 1e6 / (ms / 1000)).toFixed(1)} MB/s`;
  console.log(
    `  ${modules.length} spec modules, ${(bytes / 1024).toFixed(0)} KiB, median of ${REPS} passes:`,
  );
  console.log(`    samestack decode + validate  ${formatDuration(ours)}  ${throughput(ours)}`);
  console.log(`    wabt.js readWasm + validate  ${formatDuration(theirs)}  ${throughput(theirs)}`);
  console.log(`    samestack / wabt.js throughput = ${(theirs / ours).toFixed(2)}×`);
}
