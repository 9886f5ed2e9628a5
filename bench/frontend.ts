/**
 * Wasm front end throughput: decodeModule + validateModule over every 1.0 module of the spec test
 * suite, next to wabt.js readWasm + validate (MVP features, names read) on the same bytes in the
 * same run. Passes over the whole set alternate between the two, so that load on the machine
 * affects both alike; the figure is the median pass. Goal: at least as fast as wabt.js.
 *
 * Then a longer run of the front-end oracle property than the test suite's: mutated spec modules
 * (both folders) judged by samestack, V8 and wabt; mutants per second and disagreements (goal: 0).
 */
import fc from "fast-check";
import { judge, mutate, mutation } from "../properties/mutants.js";
import { DEFAULT_SEED } from "../src/fuzz/seed.js";
import { decodeModule } from "../src/wasm/decoder.js";
import { UnsupportedFeature } from "../src/wasm/errors.js";
import { WASM_1_0 } from "../src/wasm/features.js";
import { loadWabt, MVP_FEATURES } from "../src/wasm/text.js";
import { validateModule } from "../src/wasm/validator.js";
import { readSpecFile, specFiles, specModuleFiles } from "../test/wasm/spec-suite.js";
import { cpuMeasure, formatDuration, median } from "./stats.js";

const REPS = 25;
const WARMUP = 5;
/** Mutants of the longer oracle run (the test suite runs 10^5), from another seed than the suite's. */
const MUTANTS = 500_000;

/** The modules both front ends accept: spec `module` commands that are WebAssembly 1.0. */
function mvpSpecModules(): Uint8Array[] {
  const modules: Uint8Array[] = [];
  for (const file of specFiles()) {
    for (const command of file.commands) {
      if (command.type !== "module" || command.filename === undefined) continue;
      const bytes = readSpecFile(command.filename);
      try {
        validateModule(decodeModule(bytes, WASM_1_0), WASM_1_0);
        modules.push(bytes);
      } catch (error) {
        if (!(error instanceof UnsupportedFeature)) throw error;
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
  await mutantsBench(wabt);
}

async function mutantsBench(wabt: Awaited<ReturnType<typeof loadWabt>>): Promise<void> {
  const corpus = specModuleFiles();
  const seed = DEFAULT_SEED + 1;
  const inputs = fc.sample(
    fc.record({
      module: fc.nat(corpus.length - 1),
      mutations: fc.array(mutation, { minLength: 1, maxLength: 2 }),
    }),
    { numRuns: MUTANTS, seed },
  );
  let disagreements = 0;
  let setAside = 0;
  let first = "";
  const start = performance.now();
  for (const { module, mutations } of inputs) {
    const judgement = judge(wabt, mutate(corpus[module]!, mutations));
    if (judgement.kind === "set-aside") setAside++;
    else if (judgement.kind === "disagree") {
      disagreements++;
      first ||= judgement.verdicts;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `  front-end oracles on ${MUTANTS} mutated spec modules (seed ${seed}): ` +
      `${Math.round(MUTANTS / seconds)} mutants/s, ${disagreements} disagreements (goal: 0), ${setAside} set aside`,
  );
  if (first) console.log(`    first disagreement: ${first}`);
}
