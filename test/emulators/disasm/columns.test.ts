/**
 * The columns decoding (one helper call per buffer, instructions remembered by their bytes) against
 * Capstone's detailed per-instruction decoding (`disassemble`), instruction by instruction, on real
 * compiled code of both ISAs: as compiled, at a second code address (remembered instructions whose
 * branch targets must move with them), and with random bytes written into it (fixed seed; a
 * failure prints the seed and the command that replays it).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { disassemble, GROUP_NAMES, type Instruction, SHIFTS } from "../../../emulators/disasm/capstone.js";
import {
  type DecodedColumns,
  decodeColumns,
  GROUP_BIT,
  registerName,
} from "../../../emulators/disasm/columns.js";
import { CODE_BASE } from "../../../emulators/runtime/layout.js";
import type { Artifact } from "../../../src/compiler/artifact.js";
import { compileModule } from "../../../src/compiler/compile.js";
import { TARGETS } from "../../../src/compiler/target.js";
import { decodeModule, validateModule } from "../../../src/wasm/index.js";

const SEED = 0x5eed_c01;
const REPLAY = "npx vitest run test/emulators/disasm/columns.test.ts";
const realProgram = path.resolve(import.meta.dirname, "../../../corpus/real/json.wasm");

/** What the columns say of an instruction, in the detailed decoding's terms. */
function fromColumns(c: DecodedColumns, i: number, regName: (id: number) => string) {
  const operands = [];
  for (let op = c.firstOperand[i]!; op < c.firstOperand[i + 1]!; op++) {
    operands.push({
      type: c.operandType[op],
      reg: c.operandReg[op] === 0 ? null : regName(c.operandReg[op]!),
      index: c.operandIndex[op] === 0 ? null : regName(c.operandIndex[op]!),
      value: c.operandValue[op],
      shift: SHIFTS[c.operandShift[op]!] ?? null,
      shiftAmount: c.operandShift[op] === 0 ? 0 : c.operandShiftAmount[op],
    });
  }
  const written = [];
  for (let at = c.firstWritten[i]!; at < c.firstWritten[i + 1]!; at++) written.push(regName(c.written[at]!));
  return {
    address: c.address + BigInt(c.offset[i]!),
    size: c.size[i],
    mnemonic: c.mnemonicOf(i),
    groups: Object.values(GROUP_NAMES)
      .filter((group) => c.inGroup(i, GROUP_BIT[group]))
      .sort(),
    writeback: c.writeback(i),
    operands,
    written,
  };
}

function fromDetailed(instruction: Instruction) {
  const type = { reg: 1, imm: 2, mem: 3, fp: 4 } as const;
  return {
    address: instruction.address,
    size: instruction.size,
    mnemonic: instruction.mnemonic,
    groups: [...instruction.groups].sort(),
    writeback: instruction.writeback,
    operands: instruction.operands.map((op) => ({
      type: op.kind === "other" ? op.capstoneType : type[op.kind],
      reg: op.kind === "reg" ? op.reg : op.kind === "mem" ? op.base : null,
      index: op.kind === "mem" ? op.index : null,
      value:
        op.kind === "imm" ? Number(op.value) : op.kind === "reg" ? 0 : op.kind === "mem" ? op.disp : op.value,
      shift: op.shift?.type ?? null,
      shiftAmount: op.shift?.amount ?? 0,
    })),
    written: instruction.regsWritten,
  };
}

/** Decodes both ways, function by function, and returns the first instruction they disagree on. */
function firstDifference(
  artifact: Pick<Artifact, "target" | "code" | "entries" | "imports">,
  codeBase: bigint,
) {
  const starts = Uint32Array.from(artifact.entries.slice(artifact.imports.length));
  const columns = decodeColumns(artifact.target, artifact.code, codeBase, starts);
  const regName = (id: number) => registerName(artifact.target, id);
  let decoded = 0;
  for (let range = 0; range < starts.length; range++) {
    const start = starts[range]!;
    const end = starts[range + 1] ?? artifact.code.length;
    const detailed = disassemble(
      artifact.target,
      artifact.code.subarray(start, end),
      codeBase + BigInt(start),
    );
    const first = columns.rangeFirst[range]!;
    expect(columns.rangeFirst[range + 1]! - first).toBe(detailed.length);
    for (const [k, instruction] of detailed.entries()) {
      const expected = fromDetailed(instruction);
      const actual = fromColumns(columns, first + k, regName);
      if (JSON.stringify(actual, bigints) !== JSON.stringify(expected, bigints)) return { actual, expected };
    }
    decoded += detailed.length;
  }
  expect(columns.count).toBe(decoded);
  return null;
}

function bigints(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `0x${value.toString(16)}` : value;
}

const validated = validateModule(decodeModule(new Uint8Array(readFileSync(realProgram))));

describe.each(TARGETS)("columns decoding on %s", (target) => {
  const artifact = compileModule(validated, {
    target,
    strategy: "intersect",
    layout: { codeBase: BigInt(CODE_BASE) },
  });

  it("gives every instruction of a compiled C program as the detailed decoding does, at two addresses", () => {
    expect(firstDifference(artifact, artifact.codeBase)).toBeNull();
    // Remembered now: the same bytes elsewhere must still give targets relative to their new place.
    expect(firstDifference(artifact, artifact.codeBase + 0x12_3450n)).toBeNull();
  });

  it("gives the same as the detailed decoding on code with random bytes written into it", () => {
    let state = SEED;
    const random = () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 2 ** 32;
    };
    for (let round = 0; round < 6; round++) {
      const code = new Uint8Array(artifact.code);
      for (let flip = 0; flip < 400; flip++)
        code[Math.floor(random() * code.length)] = Math.floor(random() * 256);
      const difference = firstDifference({ ...artifact, code }, artifact.codeBase);
      expect(difference, `round ${round} (seed ${SEED}); replay: ${REPLAY}`).toBeNull();
    }
  });
});
