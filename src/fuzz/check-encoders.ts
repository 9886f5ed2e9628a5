// P6 encoders: the machine code of generated modules round-trips through Capstone on both ISAs —
// each function's bytes decode as consecutive instructions that consume exactly those bytes.
// (The exit block before the first function is zeros, never executed, and not code.)
import { disassemble } from "../../emulators/disasm/capstone.js";
import { type Strategy, TARGETS } from "../compiler/index.js";
import type { Machines } from "./machines.js";
import type { TestCase } from "./test-case.js";
import { fail, PASS, type Verdict } from "./verdict.js";

export function checkEncoders(machines: Machines, c: TestCase, strategy: Strategy): Verdict {
  for (const target of TARGETS) {
    const artifact = machines.artifact(c, target, strategy);
    const first = artifact.imports.length;
    for (let funcIndex = first; funcIndex < artifact.entries.length; funcIndex++) {
      const start = artifact.entries[funcIndex]!;
      const end = artifact.entries[funcIndex + 1] ?? artifact.code.length;
      const bytes = artifact.code.subarray(start, end);
      const decoded = disassemble(target, bytes, artifact.codeBase + BigInt(start));
      const consumed = decoded.reduce((sum, instruction) => sum + instruction.size, 0);
      if (consumed !== bytes.length) {
        const undecodable = Buffer.from(bytes.subarray(consumed, consumed + 16)).toString("hex");
        return fail(
          `${target}: Capstone decodes ${consumed} of function ${funcIndex}'s ${bytes.length} bytes`,
          {
            strategy,
            target,
            funcIndex,
            offset: start + consumed,
            undecodable,
            before: decoded.slice(-3).map((i) => `${i.mnemonic} ${i.opStr}`),
          },
        );
      }
    }
  }
  return PASS;
}
