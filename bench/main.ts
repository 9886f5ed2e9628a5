/** `npm run bench`: runs every benchmark section in order. Sections print their own figures. */
import { harnessBench } from "./harness.js";

const sections: { name: string; run: () => Promise<void> }[] = [
  { name: "emulator harness", run: harnessBench },
];

for (const section of sections) {
  console.log(`\n== ${section.name}`);
  await section.run();
}
