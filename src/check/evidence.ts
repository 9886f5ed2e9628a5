// The evidence of a divergence: the machine code of both targets around the first differing Wasm
// instruction (Capstone's disassembly, each line annotated with the Wasm instruction it belongs to
// and the stack map's depth), and the Wasm function it is in.
import { disassemble } from "../../emulators/disasm/capstone.js";
import type { Artifact, SourceMapEntry } from "../compiler/artifact.js";
import { instructionText } from "../wasm/instruction-text.js";
import type { Instr, ValidatedModule } from "../wasm/ir.js";
import type { WasmLocation } from "../wasm/outcome.js";
import { locationText } from "../wasm/outcome-text.js";
import type { CodeLine, CodeListing } from "./model.js";

/** Wasm instructions shown before and after the differing one. */
const CONTEXT = 3;

/**
 * The code of the Wasm instructions around `location` (in function `location.funcIndex`), and for a
 * call, the callee's prologue, which belongs to the call (samestack attributes it so everywhere).
 * A null location is the host's call into `entryFunc`: its prologue is shown.
 */
export function codeListing(
  validated: ValidatedModule,
  artifact: Artifact,
  location: WasmLocation | null,
  entryFunc: number,
): CodeListing {
  const body = (funcIndex: number) =>
    validated.module.bodies[funcIndex - (validated.funcTypes.length - validated.module.bodies.length)];
  const ranges: { entry: SourceMapEntry; highlight: boolean; belongsTo: string }[] = [];
  const prologueOf = (funcIndex: number, highlight: boolean) => {
    for (const entry of artifact.sourceMap) {
      if (entry.kind === "prologue" && entry.funcIndex === funcIndex) {
        ranges.push({ entry, highlight, belongsTo: locationText({ funcIndex, instrIndex: "prologue" }) });
      }
    }
  };
  if (location === null) {
    prologueOf(entryFunc, true);
    return { target: artifact.target, lines: linesOf(artifact, ranges) };
  }
  const { funcIndex, instrIndex } = location;
  const code = body(funcIndex)?.code ?? [];
  for (const entry of artifact.sourceMap) {
    if (entry.kind !== "instr" || entry.funcIndex !== funcIndex) continue;
    if (Math.abs(entry.instrIndex - instrIndex) > CONTEXT) continue;
    const instr = code[entry.instrIndex];
    const text = instr ? instructionText(validated, funcIndex, instr) : "?";
    ranges.push({
      entry,
      highlight: entry.instrIndex === instrIndex,
      belongsTo: `${locationText({ funcIndex, instrIndex: entry.instrIndex })} ${text}`,
    });
  }
  const callee = directCallee(code[instrIndex]);
  if (callee !== null && body(callee) !== undefined) prologueOf(callee, true);
  return { target: artifact.target, lines: linesOf(artifact, ranges) };
}

function directCallee(instr: Instr | undefined): number | null {
  return instr?.op === "call" ? instr.func : null;
}

function linesOf(
  artifact: Artifact,
  ranges: readonly { entry: SourceMapEntry; highlight: boolean; belongsTo: string }[],
): CodeLine[] {
  return ranges.flatMap(({ entry, highlight, belongsTo }) => {
    const bytes = artifact.code.subarray(entry.start, entry.end);
    const depth =
      entry.kind === "instr"
        ? (artifact.stackMap[entry.funcIndex]?.[entry.instrIndex]?.depthAtStart ?? null)
        : null;
    return disassemble(artifact.target, bytes, artifact.codeBase + BigInt(entry.start)).map(
      (instruction, i) => ({
        address: `0x${instruction.address.toString(16)}`,
        bytes: Buffer.from(instruction.bytes).toString("hex"),
        text: `${instruction.mnemonic} ${instruction.opStr}`.trim(),
        belongsTo,
        depthAtStart: i === 0 ? depth : null,
        highlight,
      }),
    );
  });
}
