/**
 * The columns decoding (one helper call per buffer, instructions remembered as templates: their
 * bytes with the immediate and displacement fields masked) against Capstone's detailed
 * per-instruction decoding (`disassemble`), instruction by instruction, on real compiled code of
 * both ISAs — a C program and the largest spec modules: as compiled, at a second code address
 * (remembered instructions whose branch targets must move with them), with other values written
 * where instructions keep their immediates and displacements (a template that reads a field wrongly
 * shows here), with random bytes written into it, cut into ranges that end inside instructions, and
 * as wholly random bytes. Random choices use fixed seeds; a failure prints the seed and the command
 * that replays it.
 */
import { readdirSync, readFileSync } from "node:fs";
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
import { TARGETS, type Target } from "../../../src/compiler/target.js";
import { decodeModule, validateModule } from "../../../src/wasm/index.js";
import type { ValidatedModule } from "../../../src/wasm/ir.js";
import { readSpecFile, SPEC_FOLDERS, specSuiteDir } from "../../wasm/spec-suite.js";

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

/** Decodes `code` both ways, range by range, and returns the first instruction they disagree on. */
function firstDifference(target: Target, code: Uint8Array, codeBase: bigint, starts: Uint32Array) {
  const columns = decodeColumns(target, code, codeBase, starts);
  const regName = (id: number) => registerName(target, id);
  let decoded = 0;
  for (let range = 0; range < starts.length; range++) {
    const start = starts[range]!;
    const end = starts[range + 1] ?? code.length;
    const detailed = disassemble(target, code.subarray(start, end), codeBase + BigInt(start));
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

/** The functions of a compiled artifact, as ranges. */
function functionStarts(artifact: Pick<Artifact, "entries" | "imports">): Uint32Array {
  return Uint32Array.from(artifact.entries.slice(artifact.imports.length));
}

function bigints(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `0x${value.toString(16)}` : value;
}

/** xorshift32 from `seed`: numbers in [0, 1). */
function randomFrom(seed: number): () => number {
  let state = seed;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

/** A value for a field of `width` bits: one of its edges (0, 1, all ones, the sign bit alone, the
 * largest positive) or a random one. */
function fieldValue(random: () => number, width: number): bigint {
  const all = (1n << BigInt(width)) - 1n;
  const sign = 1n << BigInt(width - 1);
  const edges = [0n, 1n, all, sign, sign - 1n];
  const pick = Math.floor(random() * (edges.length + 2));
  return (
    edges[pick] ?? BigInt(Math.floor(random() * 2 ** 32)) * 2n ** 32n + BigInt(Math.floor(random() * 2 ** 32))
  );
}

/** Writes `value`'s low `width` bits into `bytes` from bit `first` (little-endian). */
function writeBits(bytes: Uint8Array, first: number, width: number, value: bigint): void {
  for (let bit = 0; bit < width; bit++) {
    const at = first + bit;
    const mask = 1 << (at % 8);
    if ((value >> BigInt(bit)) & 1n) bytes[at >> 3]! |= mask;
    else bytes[at >> 3]! &= ~mask;
  }
}

/**
 * `code` with other values where its instructions keep their immediates and displacements: on
 * x86-64 the last 1, 2 or 4 bytes of an instruction (an immediate ends it; a displacement ends it
 * when there is no immediate), on AArch64 the bit ranges where A64 encodings keep them (bits 0–25,
 * 5–23, 5–18, 5–20, 10–21, 12–20, 15–21).
 */
function withOtherFields(
  target: Target,
  code: Uint8Array,
  codeBase: bigint,
  starts: Uint32Array,
  seed: number,
) {
  const random = randomFrom(seed);
  const columns = decodeColumns(target, code, codeBase, starts);
  const changed = new Uint8Array(code);
  let rewritten = 0;
  const aarch64Fields = [
    [0, 26],
    [5, 19],
    [5, 14],
    [5, 16],
    [10, 12],
    [12, 9],
    [15, 7],
  ] as const;
  for (let i = 0; i < columns.count; i++) {
    if (random() < 0.3) continue;
    const offset = columns.offset[i]!;
    const size = columns.size[i]!;
    const instruction = changed.subarray(offset, offset + size);
    const original = instruction.slice();
    if (target === "aarch64") {
      const [first, width] = aarch64Fields[Math.floor(random() * aarch64Fields.length)]!;
      writeBits(instruction, first, width, fieldValue(random, width));
    } else if (size > 1) {
      const bytes = [1, 2, 4].filter((n) => n < size);
      const n = bytes[Math.floor(random() * bytes.length)]!;
      writeBits(instruction, 8 * (size - n), 8 * n, fieldValue(random, 8 * n));
    }
    // Keep the instructions in step: one that no longer decodes, or to another size, goes back.
    const decoded = disassemble(target, instruction, codeBase + BigInt(offset));
    if (decoded.length !== 1 || decoded[0]!.size !== size) instruction.set(original);
    else rewritten++;
  }
  return { code: changed, rewritten };
}

const validated = validateModule(decodeModule(new Uint8Array(readFileSync(realProgram))));

/** The largest modules of the spec suite that validate (spec code: many forms, distinct immediates). */
function largestSpecModules(count: number): ValidatedModule[] {
  const files = SPEC_FOLDERS.flatMap((folder) =>
    readdirSync(specSuiteDir(folder))
      .filter((file) => file.endsWith(".wasm"))
      .map((file) => readSpecFile(file, folder)),
  ).sort((a, b) => b.length - a.length);
  const chosen: ValidatedModule[] = [];
  for (const bytes of files) {
    try {
      chosen.push(validateModule(decodeModule(bytes)));
    } catch {
      // malformed or invalid modules of the suite: no code to compare
    }
    if (chosen.length === count) break;
  }
  return chosen;
}

const specModules = largestSpecModules(4);

describe.each(TARGETS)("columns decoding on %s", (target) => {
  const compile = (module: ValidatedModule) =>
    compileModule(module, { target, strategy: "intersect", layout: { codeBase: BigInt(CODE_BASE) } });
  const artifact = compile(validated);
  const specArtifacts = specModules.map(compile);

  it("gives every instruction of a compiled C program as the detailed decoding does, at two addresses", () => {
    const starts = functionStarts(artifact);
    expect(firstDifference(target, artifact.code, artifact.codeBase, starts)).toBeNull();
    // Remembered now: the same bytes elsewhere must still give targets relative to their new place.
    expect(firstDifference(target, artifact.code, artifact.codeBase + 0x12_3450n, starts)).toBeNull();
  });

  it("gives every instruction of the largest spec modules as the detailed decoding does, at two addresses", () => {
    expect(specArtifacts.length).toBe(4);
    for (const spec of specArtifacts) {
      const starts = functionStarts(spec);
      expect(firstDifference(target, spec.code, spec.codeBase, starts)).toBeNull();
      expect(firstDifference(target, spec.code, spec.codeBase + 0x4_5670n, starts)).toBeNull();
    }
  });

  it("gives the same as the detailed decoding with other values in immediates and displacements", () => {
    const seed = 0xf1e1d;
    for (const [round, compiled] of [artifact, ...specArtifacts].entries()) {
      const starts = functionStarts(compiled);
      const { code, rewritten } = withOtherFields(
        target,
        compiled.code,
        compiled.codeBase,
        starts,
        seed + round,
      );
      // Most instructions take other values (the rest no longer decode with them).
      expect(rewritten).toBeGreaterThan(compiled.code.length / 40);
      const difference = firstDifference(target, code, compiled.codeBase, starts);
      expect(difference, `module ${round} (seed ${seed} + ${round}); replay: ${REPLAY}`).toBeNull();
    }
  });

  it("gives the same as the detailed decoding on code with random bytes written into it", () => {
    const random = randomFrom(SEED);
    for (let round = 0; round < 6; round++) {
      const code = new Uint8Array(artifact.code);
      for (let flip = 0; flip < 400; flip++)
        code[Math.floor(random() * code.length)] = Math.floor(random() * 256);
      const difference = firstDifference(target, code, artifact.codeBase, functionStarts(artifact));
      expect(difference, `round ${round} (seed ${SEED}); replay: ${REPLAY}`).toBeNull();
    }
  });

  it("gives the same as the detailed decoding on ranges that end inside instructions", () => {
    const random = randomFrom(SEED + 1);
    for (const compiled of [artifact, ...specArtifacts]) {
      const cuts = new Set<number>();
      while (cuts.size < 400) cuts.add(Math.floor(random() * compiled.code.length));
      const starts = Uint32Array.from([...cuts].sort((a, b) => a - b));
      const difference = firstDifference(target, compiled.code, compiled.codeBase, starts);
      expect(difference, `(seed ${SEED + 1}); replay: ${REPLAY}`).toBeNull();
    }
  });

  it("gives the same as the detailed decoding on random bytes", () => {
    const random = randomFrom(SEED + 2);
    const code = new Uint8Array(1 << 16);
    for (let i = 0; i < code.length; i++) code[i] = Math.floor(random() * 256);
    // Every 64 bytes a range, so that decoding goes on after an undecodable byte.
    const starts = Uint32Array.from({ length: code.length / 64 }, (_, k) => 64 * k);
    const difference = firstDifference(target, code, 0x40_0000n, starts);
    expect(difference, `(seed ${SEED + 2}); replay: ${REPLAY}`).toBeNull();
  });
});
