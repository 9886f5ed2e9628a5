/** `npm run bench`: runs every benchmark section in order. Sections print their own figures. */
import { availableParallelism, loadavg } from "node:os";
import { batchBench } from "./batch.js";
import { compilerBench } from "./compiler.js";
import { executionBench } from "./execution.js";
import { frontendBench } from "./frontend.js";
import { fuzzBench } from "./fuzz.js";
import { harnessBench } from "./harness.js";
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

for (const section of sections) {
  const [load] = loadavg();
  console.log(`\n== ${section.name} (load average ${load!.toFixed(2)} on ${availableParallelism()} cores)`);
  await section.run();
}
