/**
 * Capstone's decoding of whole code ranges as columns (struct-of-arrays), for readers that visit
 * every instruction and need a few facts of each (the static verifier): one native call decodes
 * every range of a buffer (emulators/native/disasm_columns.c, which remembers the instructions it
 * has decoded, by their bytes), and the columns are typed arrays over the helper's memory, with no
 * object per instruction. An instruction's text is decoded on request (`instruction(i)`).
 */
import koffi from "koffi";
import type { Target } from "../../src/compiler/target.js";
import { helperArch } from "../native/arch.js";
import { type SsColumnsPointer, ssColumns } from "../native/bindings.js";
import {
  DisassemblyError,
  disassembleOne,
  GROUP_NAMES,
  type Instruction,
  type InstructionGroup,
} from "./capstone.js";

/** Column numbers (the COLUMN_* enum of disasm_columns.h). */
const COLUMN = {
  offset: 0,
  size: 1,
  flags: 2,
  mnemonic: 3,
  firstOperand: 4,
  firstWritten: 5,
  operandType: 6,
  operandReg: 7,
  operandIndex: 8,
  operandShift: 9,
  operandShiftAmount: 10,
  operandValue: 11,
  written: 12,
  rangeFirst: 13,
} as const;

/** Bit 0 of an instruction's flags; bit g is Capstone's common group g. */
const FLAG_WRITEBACK = 1;
/** Above every register id of Capstone 4 (x86 and AArch64 have fewer than 300). */
const MAX_REGISTER_ID = 512;
/** The flag bit of each common group, for `inGroup` (bit g for Capstone's group number g). */
export const GROUP_BIT: Readonly<Record<InstructionGroup, number>> = Object.freeze(
  Object.fromEntries(Object.entries(GROUP_NAMES).map(([id, name]) => [name, 1 << Number(id)])) as Record<
    InstructionGroup,
    number
  >,
);

/** The storage of every column, as typed arrays over the helper's memory. */
interface Storage {
  readonly offset: Uint32Array;
  readonly size: Uint8Array;
  readonly flags: Uint8Array;
  readonly mnemonic: Uint16Array;
  readonly firstOperand: Uint32Array;
  readonly firstWritten: Uint32Array;
  readonly operandType: Uint8Array;
  readonly operandReg: Uint16Array;
  readonly operandIndex: Uint16Array;
  readonly operandShift: Uint8Array;
  readonly operandShiftAmount: Uint8Array;
  readonly operandValue: Float64Array;
  readonly written: Uint16Array;
  readonly rangeFirst: Uint32Array;
}

/**
 * The instructions of `code` (mapped at `address`), range by range. Instruction `i` is at byte
 * `offset[i]` of `code`; its operands are the pool entries `firstOperand[i]` to `firstOperand[i + 1]`
 * (type: Capstone's OP_* numbers; reg: the register, or a memory operand's base, 0 for none; value:
 * an immediate — branch targets absolute —, a memory displacement or a float), its registers written
 * `written[firstWritten[i]]`… to `firstWritten[i + 1]`. Range `k`'s instructions are `rangeFirst[k]`
 * to `rangeFirst[k + 1]`. Valid until the next `decodeColumns` for the same target: the arrays are
 * views of the helper's buffers, which the next decoding overwrites.
 */
export interface DecodedColumns extends Storage {
  readonly target: Target;
  readonly code: Uint8Array;
  readonly address: bigint;
  readonly count: number;
  /** The mnemonic as Capstone prints it. */
  mnemonicOf(i: number): string;
  /** Whether instruction `i` is in the group of `bit` (a `GROUP_BIT` value). */
  inGroup(i: number, bit: number): boolean;
  /** AArch64 pre-/post-index writeback of the base register; always false on x86. */
  writeback(i: number): boolean;
  writes(i: number, reg: number): boolean;
  /** The pool index of operand `k` of instruction `i` (negative: from the last), or -1. */
  operand(i: number, k: number): number;
  /** Instruction `i` decoded with everything, text included (one Capstone call). */
  instruction(i: number): Instruction;
}

/** One decoding's columns; methods on the prototype, so that readers' calls stay monomorphic. */
class Columns implements DecodedColumns {
  readonly target: Target;
  readonly offset: Uint32Array;
  readonly size: Uint8Array;
  readonly flags: Uint8Array;
  readonly mnemonic: Uint16Array;
  readonly firstOperand: Uint32Array;
  readonly firstWritten: Uint32Array;
  readonly operandType: Uint8Array;
  readonly operandReg: Uint16Array;
  readonly operandIndex: Uint16Array;
  readonly operandShift: Uint8Array;
  readonly operandShiftAmount: Uint8Array;
  readonly operandValue: Float64Array;
  readonly written: Uint16Array;
  readonly rangeFirst: Uint32Array;

  constructor(
    storage: Storage,
    private readonly decoder: ColumnsDecoder,
    readonly code: Uint8Array,
    readonly address: bigint,
    readonly count: number,
  ) {
    this.target = decoder.target;
    this.offset = storage.offset;
    this.size = storage.size;
    this.flags = storage.flags;
    this.mnemonic = storage.mnemonic;
    this.firstOperand = storage.firstOperand;
    this.firstWritten = storage.firstWritten;
    this.operandType = storage.operandType;
    this.operandReg = storage.operandReg;
    this.operandIndex = storage.operandIndex;
    this.operandShift = storage.operandShift;
    this.operandShiftAmount = storage.operandShiftAmount;
    this.operandValue = storage.operandValue;
    this.written = storage.written;
    this.rangeFirst = storage.rangeFirst;
  }

  mnemonicOf(i: number): string {
    return this.decoder.mnemonicName(this.mnemonic[i]!);
  }

  inGroup(i: number, bit: number): boolean {
    return (this.flags[i]! & bit) !== 0;
  }

  writeback(i: number): boolean {
    return (this.flags[i]! & FLAG_WRITEBACK) !== 0;
  }

  writes(i: number, reg: number): boolean {
    for (let at = this.firstWritten[i]!; at < this.firstWritten[i + 1]!; at++) {
      if (this.written[at] === reg) return true;
    }
    return false;
  }

  operand(i: number, k: number): number {
    const first = this.firstOperand[i]!;
    const end = this.firstOperand[i + 1]!;
    const at = k < 0 ? end + k : first + k;
    return at >= first && at < end ? at : -1;
  }

  instruction(i: number): Instruction {
    const offset = this.offset[i]!;
    const bytes = this.code.subarray(offset, offset + this.size[i]!);
    return disassembleOne(this.target, bytes, this.address + BigInt(offset));
  }
}

class ColumnsDecoder {
  private readonly native: SsColumnsPointer;
  private storage: Storage | null = null;
  private generation = -1;
  private readonly mnemonics: string[] = [];
  private registers: Map<string, number> | null = null;

  constructor(readonly target: Target) {
    const error = [0];
    const native = ssColumns.open(helperArch(target), error);
    if (native === null) throw new DisassemblyError(`no Capstone for ${target} (cs_err ${error[0]})`);
    this.native = native;
  }

  decode(code: Uint8Array, address: bigint, starts: Uint32Array): DecodedColumns {
    const count = ssColumns.decode(
      this.native,
      code,
      code.length,
      BigInt.asUintN(64, address),
      starts,
      starts.length,
    );
    if (count < 0) throw new DisassemblyError(`Capstone failed (cs_err ${-count})`);
    return new Columns(this.currentStorage(), this, code, address, count);
  }

  /** The text of mnemonic `id`. */
  mnemonicName(id: number): string {
    let name = this.mnemonics[id];
    if (name === undefined) {
      name = ssColumns.mnemonic(this.native, id) ?? undefined;
      if (name === undefined) throw new DisassemblyError(`no mnemonic ${id}`);
      this.mnemonics[id] = name;
    }
    return name;
  }

  /** Capstone's ids of the registers by name (one scan of the ids, on first use). */
  registerIds(): ReadonlyMap<string, number> {
    if (this.registers === null) {
      this.registers = new Map();
      for (let id = 1; id < MAX_REGISTER_ID; id++) {
        const name = ssColumns.regName(this.native, id);
        if (name !== null && !this.registers.has(name)) this.registers.set(name, id);
      }
    }
    return this.registers;
  }

  /** Views of the helper's columns, made again when its storage has moved. */
  private currentStorage(): Storage {
    const generation = ssColumns.generation(this.native);
    if (this.storage !== null && generation === this.generation) return this.storage;
    const view = <T>(column: number, bytes: number, make: (buffer: ArrayBuffer) => T): T => {
      const length = ssColumns.length(this.native, column);
      return make(koffi.view(ssColumns.column(this.native, column), length * bytes));
    };
    this.storage = {
      offset: view(COLUMN.offset, 4, (b) => new Uint32Array(b)),
      size: view(COLUMN.size, 1, (b) => new Uint8Array(b)),
      flags: view(COLUMN.flags, 1, (b) => new Uint8Array(b)),
      mnemonic: view(COLUMN.mnemonic, 2, (b) => new Uint16Array(b)),
      firstOperand: view(COLUMN.firstOperand, 4, (b) => new Uint32Array(b)),
      firstWritten: view(COLUMN.firstWritten, 4, (b) => new Uint32Array(b)),
      operandType: view(COLUMN.operandType, 1, (b) => new Uint8Array(b)),
      operandReg: view(COLUMN.operandReg, 2, (b) => new Uint16Array(b)),
      operandIndex: view(COLUMN.operandIndex, 2, (b) => new Uint16Array(b)),
      operandShift: view(COLUMN.operandShift, 1, (b) => new Uint8Array(b)),
      operandShiftAmount: view(COLUMN.operandShiftAmount, 1, (b) => new Uint8Array(b)),
      operandValue: view(COLUMN.operandValue, 8, (b) => new Float64Array(b)),
      written: view(COLUMN.written, 2, (b) => new Uint16Array(b)),
      rangeFirst: view(COLUMN.rangeFirst, 4, (b) => new Uint32Array(b)),
    };
    this.generation = generation;
    return this.storage;
  }
}

const decoders = new Map<Target, ColumnsDecoder>();

function decoder(target: Target): ColumnsDecoder {
  let d = decoders.get(target);
  if (d === undefined) {
    d = new ColumnsDecoder(target);
    decoders.set(target, d);
  }
  return d;
}

/**
 * Decodes the ranges of `code` (mapped at `address`) that start at `starts` (ascending offsets;
 * each range ends where the next starts, the last at the end of `code`), each up to its first
 * undecodable byte.
 */
export function decodeColumns(
  target: Target,
  code: Uint8Array,
  address: bigint,
  starts: Uint32Array,
): DecodedColumns {
  return decoder(target).decode(code, address, starts);
}

/** Capstone's name of `target`'s register `id`. */
export function registerName(target: Target, id: number): string {
  for (const [name, known] of decoder(target).registerIds()) if (known === id) return name;
  throw new DisassemblyError(`Capstone has no ${target} register ${id}`);
}

/** Capstone's id of `target`'s register named `name` (as Capstone prints it). */
export function registerId(target: Target, name: string): number {
  const id = decoder(target).registerIds().get(name);
  if (id === undefined) throw new DisassemblyError(`Capstone has no ${target} register ${name}`);
  return id;
}
