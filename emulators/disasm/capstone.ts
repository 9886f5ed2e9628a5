/**
 * Capstone 4.0.2 (`libcapstone.so.4`) for x86-64 and AArch64, through the native helper
 * (emulators/native/disasm.c): one FFI call decodes up to CAPACITY instructions of a buffer into flat
 * records, read here through a fixed `koffi.view` (per-instruction FFI calls cost more than decoding).
 * Result arrays are allocated at their exact size: callers keep whole listings, so memory is GC time.
 */
import koffi from "koffi";
import type { Target } from "../../src/compiler/target.js";
import { helperArch } from "../native/arch.js";
import { type SsDecoderPointer, ss } from "../native/bindings.js";

export class DisassemblyError extends Error {
  override name = "DisassemblyError";
}

/** How an instruction accesses an operand (Capstone's `cs_ac_type`). */
export interface Access {
  readonly read: boolean;
  readonly write: boolean;
}

/** AArch64 operand modifiers; absent on x86. */
export interface Arm64Modifiers {
  /** e.g. `{ type: "lsl", amount: 12 }` for `add x0, x1, #1, lsl #12`. */
  shift?: { type: "lsl" | "msl" | "lsr" | "asr" | "ror"; amount: number };
  /** e.g. `"sxtw"` for `ldr x0, [x1, w2, sxtw]`. */
  extend?: "uxtb" | "uxth" | "uxtw" | "uxtx" | "sxtb" | "sxth" | "sxtw" | "sxtx";
}

export type Operand = (
  | { kind: "reg"; reg: string }
  | { kind: "imm"; value: bigint }
  | { kind: "fp"; value: number }
  /** Effective address `base + index * scale + disp` (scale is 1 on AArch64; shifts are in `shift`). */
  | { kind: "mem"; base: string | null; index: string | null; scale: number; disp: number }
  /** AArch64 system operands (barriers, prefetch, MRS/MSR registers, ...), by Capstone type number. */
  | { kind: "other"; capstoneType: number; value: number }
) & { access: Access } & Arm64Modifiers;

export type InstructionGroup = "jump" | "call" | "ret" | "int" | "iret" | "privilege" | "branch_relative";

export interface Instruction {
  address: bigint;
  size: number;
  /** A view of the instruction's bytes in the input given to `disassemble` (not a copy). */
  bytes: Uint8Array;
  mnemonic: string;
  /** Operand text exactly as Capstone prints it. */
  opStr: string;
  operands: Operand[];
  /**
   * All registers read / written, explicit and implicit (`cs_regs_access`), as Capstone names them; a
   * bare AArch64 `ret` reads x30, which Capstone 4 does not list: the helper adds it.
   */
  regsRead: string[];
  regsWritten: string[];
  /**
   * Common groups only (architecture-specific groups such as "sse4.1" are dropped). Capstone 4 files
   * AArch64 `bl`/`blr` under "jump" only and gives `brk` no group: the helper corrects both (disasm.c).
   */
  groups: InstructionGroup[];
  /** AArch64 pre-/post-index writeback of the base register; always false on x86. */
  writeback: boolean;
}

// ss_instruction records (emulators/native/disasm.h, which asserts these offsets).
const INSN_BYTES = 736;
const INSN_SIZE = 8;
const INSN_MNEMONIC_LENGTH = 10;
const INSN_OP_STR_LENGTH = 11;
const INSN_OPERAND_COUNT = 12;
const INSN_REGS_READ_COUNT = 13;
const INSN_REGS_WRITTEN_COUNT = 14;
const INSN_GROUP_COUNT = 15;
const INSN_WRITEBACK = 16;
const INSN_GROUPS = 17;
const INSN_OPERANDS = 32;
const INSN_REGS_READ = 288;
const INSN_REGS_WRITTEN = 416;
const INSN_MNEMONIC = 544;
const INSN_OP_STR = 576;
// ss_operand (32 bytes): the value union at 0.
const OPERAND_BYTES = 32;
const OPERAND_REG = 8;
const OPERAND_INDEX = 12;
const OPERAND_SCALE = 16;
const OPERAND_SHIFT_AMOUNT = 20;
const OPERAND_TYPE = 24;
const OPERAND_ACCESS = 25;
const OPERAND_SHIFT = 26;
const OPERAND_EXTEND = 27;
/** Records per native call. */
const CAPACITY = 256;

// Capstone's operand types, the same numbers on x86 and AArch64.
export const OP_REG = 1;
export const OP_IMM = 2;
export const OP_MEM = 3;
export const OP_FP = 4;

/** Capstone's common groups by number (`cs_group_type`). */
export const GROUP_NAMES: Readonly<Record<number, InstructionGroup>> = {
  1: "jump",
  2: "call",
  3: "ret",
  4: "int",
  5: "iret",
  6: "privilege",
  7: "branch_relative",
};
/** AArch64 shift types by Capstone's number (`arm64_shifter`). */
export const SHIFTS = [undefined, "lsl", "msl", "lsr", "asr", "ror"] as const;
const EXTENDS = [undefined, "uxtb", "uxth", "uxtw", "uxtx", "sxtb", "sxth", "sxtw", "sxtx"] as const;

/** One open Capstone handle in the helper, with the native records it decodes into. */
class Decoder {
  private readonly native: SsDecoderPointer;
  private readonly records: unknown;
  private readonly view: DataView;
  private readonly u8: Uint8Array;
  /** Names by register id, filled as met; preallocated for fast elements (Capstone 4's ids are < 512). */
  private readonly regNameCache = new Array<string | undefined>(512).fill(undefined);

  constructor(readonly target: Target) {
    const error = [0];
    const native = ss.decoderOpen(helperArch(target), error);
    if (native === null) throw new DisassemblyError(`no Capstone for ${target} (cs_err ${error[0]})`);
    this.native = native;
    this.records = koffi.alloc("uint8_t", CAPACITY * INSN_BYTES);
    const memory = koffi.view(this.records, CAPACITY * INSN_BYTES);
    this.view = new DataView(memory);
    this.u8 = new Uint8Array(memory);
  }

  disassemble(bytes: Uint8Array, address: bigint, limit: number): Instruction[] {
    const result: Instruction[] = [];
    let offset = 0;
    while (result.length < limit) {
      const wanted = Math.min(CAPACITY, limit - result.length);
      const count = ss.disassemble(
        this.native,
        bytes.subarray(offset),
        bytes.length - offset,
        BigInt.asUintN(64, address + BigInt(offset)),
        this.records,
        wanted,
      );
      if (count < 0) throw new DisassemblyError(`cs_regs_access failed (cs_err ${-count})`);
      for (let i = 0; i < count; i++) {
        const instruction = this.readInstruction(i * INSN_BYTES, bytes, offset);
        offset += instruction.size;
        result.push(instruction);
      }
      if (count < wanted) break;
    }
    return result;
  }

  /** Reads the record at `at`; the instruction's bytes are a view of `input` from `offset`. */
  private readInstruction(at: number, input: Uint8Array, offset: number): Instruction {
    const { view, u8 } = this;
    const size = view.getUint16(at + INSN_SIZE, true);
    return {
      address: view.getBigUint64(at, true),
      size,
      bytes: input.subarray(offset, offset + size),
      mnemonic: readString(u8, at + INSN_MNEMONIC, u8[at + INSN_MNEMONIC_LENGTH]!),
      opStr: readString(u8, at + INSN_OP_STR, u8[at + INSN_OP_STR_LENGTH]!),
      operands: this.readOperands(at),
      regsRead: this.regNames(at + INSN_REGS_READ, u8[at + INSN_REGS_READ_COUNT]!),
      regsWritten: this.regNames(at + INSN_REGS_WRITTEN, u8[at + INSN_REGS_WRITTEN_COUNT]!),
      groups: readGroups(u8, at),
      writeback: u8[at + INSN_WRITEBACK] !== 0,
    };
  }

  private readOperands(at: number): Operand[] {
    const operands = new Array<Operand>(this.u8[at + INSN_OPERAND_COUNT]!);
    for (let i = 0; i < operands.length; i++)
      operands[i] = this.readOperand(at + INSN_OPERANDS + i * OPERAND_BYTES);
    return operands;
  }

  private readOperand(at: number): Operand {
    const { view, u8 } = this;
    const type = u8[at + OPERAND_TYPE]!;
    const access = readAccess(u8[at + OPERAND_ACCESS]!);
    let operand: Operand;
    if (type === OP_REG) {
      operand = { kind: "reg", reg: this.regName(view.getUint32(at + OPERAND_REG, true)), access };
    } else if (type === OP_IMM) {
      operand = { kind: "imm", value: view.getBigInt64(at, true), access };
    } else if (type === OP_FP) {
      operand = { kind: "fp", value: view.getFloat64(at, true), access };
    } else if (type === OP_MEM) {
      operand = {
        kind: "mem",
        base: this.optionalRegName(view.getUint32(at + OPERAND_REG, true)),
        index: this.optionalRegName(view.getUint32(at + OPERAND_INDEX, true)),
        scale: view.getInt32(at + OPERAND_SCALE, true),
        disp: view.getFloat64(at, true),
        access,
      };
    } else {
      operand = { kind: "other", capstoneType: type, value: view.getUint32(at, true), access };
    }
    // AArch64 only: x86 records hold 0 (none).
    const shift = SHIFTS[u8[at + OPERAND_SHIFT]!];
    if (shift) operand.shift = { type: shift, amount: view.getUint32(at + OPERAND_SHIFT_AMOUNT, true) };
    const extend = EXTENDS[u8[at + OPERAND_EXTEND]!];
    if (extend) operand.extend = extend;
    return operand;
  }

  private regNames(at: number, count: number): string[] {
    const names = new Array<string>(count);
    for (let i = 0; i < count; i++) names[i] = this.regName(this.view.getUint16(at + 2 * i, true));
    return names;
  }

  private regName(id: number): string {
    this.regNameCache[id] ??= ss.decoderRegName(this.native, id) ?? `reg${id}`;
    return this.regNameCache[id];
  }

  private optionalRegName(id: number): string | null {
    return id === 0 ? null : this.regName(id);
  }
}

function readGroups(u8: Uint8Array, at: number): InstructionGroup[] {
  const ids = u8.subarray(at + INSN_GROUPS, at + INSN_GROUPS + u8[at + INSN_GROUP_COUNT]!);
  let count = 0;
  for (const id of ids) if (GROUP_NAMES[id]) count++;
  const groups = new Array<InstructionGroup>(count); // exact size: results are kept, so memory counts
  count = 0;
  for (const id of ids) {
    const name = GROUP_NAMES[id];
    if (name) groups[count++] = name;
  }
  return groups;
}

/** The four access values, shared (operands are read-only data). */
const ACCESS: readonly Access[] = [
  Object.freeze({ read: false, write: false }),
  Object.freeze({ read: true, write: false }),
  Object.freeze({ read: false, write: true }),
  Object.freeze({ read: true, write: true }),
];

function readAccess(bits: number): Access {
  return ACCESS[bits & 3]!;
}

/** Capstone's mnemonics and operand strings are ASCII. */
function readString(bytes: Uint8Array, offset: number, length: number): string {
  let text = "";
  for (let at = offset; at < offset + length; at++) text += String.fromCharCode(bytes[at]!);
  return text;
}

const decoders = new Map<Target, Decoder>();

function decoder(target: Target): Decoder {
  let d = decoders.get(target);
  if (d === undefined) {
    d = new Decoder(target);
    decoders.set(target, d);
  }
  return d;
}

/**
 * Decodes `bytes` as consecutive instructions starting at `address`. Decoding stops at the first
 * undecodable byte, so the result may cover only a prefix: compare the sizes with `bytes.length`.
 */
export function disassemble(target: Target, bytes: Uint8Array, address: bigint | number = 0n): Instruction[] {
  return decoder(target).disassemble(bytes, BigInt(address), Number.POSITIVE_INFINITY);
}

/** Decodes the first instruction of `bytes`; throws `DisassemblyError` when it is not decodable. */
export function disassembleOne(
  target: Target,
  bytes: Uint8Array,
  address: bigint | number = 0n,
): Instruction {
  const [first] = decoder(target).disassemble(bytes, BigInt(address), 1);
  if (first === undefined) {
    const hex = Buffer.from(bytes.subarray(0, 16)).toString("hex");
    throw new DisassemblyError(`no ${target} instruction decodes from ${hex}`);
  }
  return first;
}
