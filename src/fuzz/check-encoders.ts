// P6 encoders: the machine code of generated modules round-trips through Capstone on both ISAs —
// each function's bytes decode as consecutive instructions that consume exactly those bytes.
// (The exit block before the first function is zeros, never executed, and not code.) All functions
// of a target are decoded in one call, as columns; text only for a failure's report.
import { decodeColumns } from "../../emulators/disasm/columns.js";
import { type Strategy, TARGETS } from "../compiler/index.js";
import type { Machines } from "./machines.js";
import type { TestCase } from "./test-case.js";
import { fail, PASS, type Verdict } from "./verdict.js";

export function checkEncoders(machines: Machines, c: TestCase, strategy: Strategy): Verdict {
  for (const target of TARGETS) {
    const artifact = machines.artifact(c, target, strategy);
    const first = artifact.imports.length;
    const starts = Uint32Array.from(artifact.entries.slice(first));
    const columns = decodeColumns(target, artifact.code, artifact.codeBase, starts);
    for (let k = 0; k < starts.length; k++) {
      const funcIndex = first + k;
      const start = starts[k]!;
      const end = starts[k + 1] ?? artifact.code.length;
      const [from, to] = [columns.rangeFirst[k]!, columns.rangeFirst[k + 1]!];
      const consumed = to > from ? columns.offset[to - 1]! + columns.size[to - 1]! - start : 0;
      if (consumed !== end - start) {
        const undecodable = Buffer.from(
          artifact.code.subarray(start + consumed, start + consumed + 16),
        ).toString("hex");
        const before = [];
        for (let i = Math.max(from, to - 3); i < to; i++) {
          const instruction = columns.instruction(i);
          before.push(`${instruction.mnemonic} ${instruction.opStr}`);
        }
        return fail(
          `${target}: Capstone decodes ${consumed} of function ${funcIndex}'s ${end - start} bytes`,
          {
            strategy,
            target,
            funcIndex,
            offset: start + consumed,
            undecodable,
            before,
          },
        );
      }
    }
  }
  return PASS;
}
