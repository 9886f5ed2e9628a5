/**
 * `npm run bench`: runs every benchmark section in order; `npm run bench -- WORD…` only the sections
 * whose name contains one of the words (case-insensitive). Sections print their own figures.
 */
import { availableParallelism, loadavg } from "node:os";
import { batchBench } from "./batch.js";
import { compilerBench } from "./compiler.js";
import { executionBench } from "./execution.js";
import { frontendBench } from "./frontend.js";
import { fuzzBench } from "./fuzz.js";
import { harnessBench } from "./harness.js";
import { machineSpeed } from "./machine-speed.js";
import { verifyBench } from "./verify.js";

const sections: { name: string; run: () => Promise<void> }[] = [
  { name: "emulator harness", run: harnessBench },
  { name: "wasm front end", run: frontendBench },
  { name: "compiler vs V8 Liftoff", run: compilerBench },
  { name: "execution: plain vs V8, recorded vs plain", run: executionBench },
  { name: "run --batch", run: batchBench },
  { name: "stack verification", run: verifyBench },
  { name: "property-based fuzzing", run: fuzzBench },
];

const words = process.argv.slice(2).map((word) => word.toLowerCase());
const chosen = sections.filter(
  ({ name }) => words.length === 0 || words.some((word) => name.toLowerCase().includes(word)),
);
if (chosen.length === 0) {
  throw new Error(`no section matches ${words.join(" ")}: ${sections.map(({ name }) => name).join("; ")}`);
}

for (const section of chosen) {
  const [load] = loadavg();
  const speed = await machineSpeed();
  console.log(
    `\n== ${section.name} (load average ${load!.toFixed(2)} on ${availableParallelism()} cores; machine speed: ${speed})`,
  );
  await section.run();
}
