/** `npm run bench`: runs every benchmark section in order. Sections print their own figures. */
import { compilerBench } from "./compiler.js";
import { frontendBench } from "./frontend.js";
import { fuzzBench } from "./fuzz.js";
import { harnessBench } from "./harness.js";
import { verifyBench } from "./verify.js";

const sections: { name: string; run: () => Promise<void> }[] = [
  { name: "emulator harness", run: harnessBench },
  { name: "wasm front end", run: frontendBench },
  { name: "compiler and execution vs V8", run: compilerBench },
  { name: "stack verification", run: verifyBench },
  { name: "property-based fuzzing", run: fuzzBench },
];

for (const section of sections) {
  console.log(`\n== ${section.name}`);
  await section.run();
}
