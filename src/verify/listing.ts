// A compiled module's machine code as text: Capstone's disassembly, range by range, each range
// annotated with the Wasm instruction (or prologue, or trap stub) it belongs to and the depth at its
// start. `samestack compile --disasm` prints it; the golden tests (test/compiler/golden.test.ts)
// compare it with the files they keep. Deterministic: the code is at the fixed layout's address and
// nothing else varies.
import { disassemble } from "../../emulators/disasm/capstone.js";
import { type Artifact, type SourceMapEntry, unwindAt } from "../compiler/artifact.js";
import { functionName, instructionText } from "../wasm/instruction-text.js";
import type { ValidatedModule } from "../wasm/ir.js";

/** The first line of a listing: target, strategy, code size and where the code is. */
export function listingHeader(artifact: Artifact): string {
  const base = `0x${artifact.codeBase.toString(16)}`;
  return `;; ${artifact.target}, ${artifact.strategy}: ${artifact.code.length} bytes of code at ${base}\n`;
}

/** The code range by range: each range's owner and depth, then its instructions as Capstone prints them. */
export function annotatedDisassembly(validated: ValidatedModule, artifact: Artifact): string {
  const out = [listingHeader(artifact)];
  let currentFunction: number | undefined;
  for (const range of artifact.sourceMap) {
    if (range.kind === "exit") continue;
    const funcIndex = owner(artifact, range);
    if (funcIndex !== currentFunction) {
      currentFunction = funcIndex;
      out.push(`\n${functionTitle(validated, funcIndex)}, frame ${artifact.frameBytes[funcIndex]} bytes\n`);
    }
    out.push(
      `  ${rangeTitle(validated, artifact, range).padEnd(48)} depth ${depthAt(artifact, funcIndex, range)}\n`,
    );
    const address = artifact.codeBase + BigInt(range.start);
    const bytes = artifact.code.subarray(range.start, range.end);
    let decoded = 0;
    for (const instruction of disassemble(artifact.target, bytes, address)) {
      const hex = Buffer.from(instruction.bytes)
        .toString("hex")
        .replace(/(..)(?!$)/g, "$1 ");
      const text = `${instruction.mnemonic} ${instruction.opStr}`.trim();
      out.push(`    0x${instruction.address.toString(16)}  ${hex.padEnd(30)} ${text}\n`);
      decoded += instruction.size;
    }
    if (decoded < bytes.length) out.push(`    (${bytes.length - decoded} bytes Capstone does not decode)\n`);
  }
  return `${out.join("")}\n`;
}

/** `function <index> $<name> (param ...) (result ...)`, as the listings title a function. */
export function functionTitle(validated: ValidatedModule, funcIndex: number): string {
  const name = functionName(validated, funcIndex);
  const type = validated.funcTypes[funcIndex]!;
  const signature = [
    type.params.length ? ` (param ${type.params.join(" ")})` : "",
    type.results.length ? ` (result ${type.results.join(" ")})` : "",
  ].join("");
  return `function ${funcIndex}${name === null ? "" : ` $${name}`}${signature}`;
}

function owner(artifact: Artifact, range: Exclude<SourceMapEntry, { kind: "exit" }>): number {
  return range.kind === "trap-stub" ? artifact.trapSites[range.site]!.funcIndex : range.funcIndex;
}

function rangeTitle(validated: ValidatedModule, artifact: Artifact, range: SourceMapEntry): string {
  switch (range.kind) {
    case "prologue":
      return "prologue (belongs to the caller's call)";
    case "instr": {
      const body = validated.module.bodies[range.funcIndex - artifact.imports.length]!;
      return `${range.instrIndex}: ${instructionText(validated, range.funcIndex, body.code[range.instrIndex]!)}`;
    }
    case "trap-stub": {
      const site = artifact.trapSites[range.site]!;
      const at = site.instrIndex === null ? "the prologue" : `instruction ${site.instrIndex}`;
      return `trap stub: ${site.kind} at ${at}`;
    }
    case "exit":
      return `exit ${range.exit}`;
  }
}

/** Bytes SP is below the function's reference where the range starts. */
function depthAt(artifact: Artifact, funcIndex: number, range: SourceMapEntry): number | string {
  if (range.kind === "instr") return artifact.stackMap[funcIndex]?.[range.instrIndex]?.depthAtStart ?? "?";
  return unwindAt(artifact, funcIndex, range.start)?.spBelowReference ?? "?";
}
