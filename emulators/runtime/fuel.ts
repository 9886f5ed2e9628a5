/**
 * Fuel in Wasm instructions: where the engine charges each one, so that a run's fuel and the point
 * where it runs out are the same on every target.
 *
 * Every reachable Wasm instruction is charged once at the code offset where it starts. One that emits
 * code starts at its source-map range; one that emits none (block, loop, nop, a fall-through end)
 * starts where the next instruction of its function that emits code starts, so an offset may carry
 * several instructions, and a branch to a label charges the empty instructions it lands on (a loop's
 * back edge charges the `loop`). The code generator is shared by the targets and lays each
 * function's instructions out in order, so every target charges the same instructions in the same
 * order (test/emulators/runtime/fuel.test.ts checks both on the corpus).
 *
 * A table or bulk-memory operation is one instruction but an inline loop over up to 4 GiB: each pass
 * of its loop heads is charged one unit more (a chunk of up to 16 bytes, or an element), so that the
 * fuel bounds the machine work of every run. The loops are the shared code generator's, with the
 * same chunks on every target, so they pass as often everywhere.
 */
import type { Artifact } from "../../src/compiler/artifact.js";

/** Code offsets where Wasm instructions start, one per instruction (an offset repeats). */
export function fuelPoints(artifact: Artifact): readonly number[] {
  const cached = cache.get(artifact);
  if (cached) return cached;
  const points: number[] = [];
  // The source map is sorted by offset, and within a function by instruction index.
  let pendingFunc = -1;
  let nextIndex = 0;
  for (const entry of artifact.sourceMap) {
    if (entry.kind !== "instr") continue;
    if (entry.funcIndex !== pendingFunc) {
      pendingFunc = entry.funcIndex;
      nextIndex = 0;
    }
    const reachable = artifact.stackMap[entry.funcIndex] ?? [];
    // Empty instructions before this one start here.
    for (let index = nextIndex; index < entry.instrIndex; index++) {
      if (reachable[index]) points.push(entry.start);
    }
    if (entry.instrIndex >= nextIndex) points.push(entry.start);
    nextIndex = Math.max(nextIndex, entry.instrIndex + 1);
  }
  cache.set(artifact, points);
  return points;
}

const cache = new WeakMap<Artifact, readonly number[]>();

/** Code offsets where the fuel is charged, one unit each: instruction starts, then the loop heads. */
export function fuelCharges(artifact: Artifact): readonly number[] {
  return [...fuelPoints(artifact), ...artifact.loopHeads];
}
