/**
 * Capstone 4.0.2 (`libcapstone.so.4`) through koffi, for x86-64 and AArch64.
 *
 * Decoding uses `cs_disasm_iter` on one `cs_malloc`'d instruction per target, and reads `cs_insn` and
 * `cs_detail` straight from native memory through fixed `koffi.view`s: koffi's struct decoding is ~30×
 * slower. The byte offsets below were measured with `offsetof` against /usr/include/capstone/*.h
 * (Capstone 4.0.2, LP64); the tests decode known instructions, so a layout mismatch fails them.
 */
import koffi from "koffi";
import type { Target } from "../src/compiler/target.js";

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
  /** All registers read / written, explicit and implicit (`cs_regs_access`), as Capstone names them. */
  regsRead: string[];
  regsWritten: string[];
  /**
   * Common groups only (architecture-specific groups such as "sse4.1" are dropped). Capstone 4 files
   * AArch64 `bl`/`blr` under "jump" only and gives `brk` no group; see `correctArm64`.
   */
  groups: InstructionGroup[];
  /** AArch64 pre-/post-index writeback of the base register; always false on x86. */
  writeback: boolean;
}

// cs_insn (240 bytes)
const INSN_ADDRESS = 8;
const INSN_SIZE = 16;
const INSN_MNEMONIC = 34;
const INSN_OP_STR = 66;
const INSN_DETAIL = 232;
const INSN_STRUCT_SIZE = 240;
// cs_detail (1848 bytes); the architecture union starts at 80.
const DETAIL_GROUPS = 67;
const DETAIL_GROUPS_COUNT = 75;
const DETAIL_ARCH = 80;
const DETAIL_STRUCT_SIZE = 1848;
// cs_x86: op_count at +64, operands (48 bytes each) at +72.
// cs_arm64: writeback at +5, op_count at +6, operands (56 bytes each) at +8.

const CS_ARCH_ARM64 = 1;
const CS_ARCH_X86 = 3;
const CS_MODE_LITTLE_ENDIAN = 0;
const CS_MODE_64 = 8;
const CS_OPT_DETAIL = 2;
const CS_OPT_ON = 3;
const OP_REG = 1;
const OP_IMM = 2;
const OP_MEM = 3;
const OP_FP = 4;

const GROUP_NAMES: Record<number, InstructionGroup> = {
  1: "jump",
  2: "call",
  3: "ret",
  4: "int",
  5: "iret",
  6: "privilege",
  7: "branch_relative",
};
const SHIFTS = [undefined, "lsl", "msl", "lsr", "asr", "ror"] as const;
const EXTENDS = [undefined, "uxtb", "uxth", "uxtw", "uxtx", "sxtb", "sxth", "sxtw", "sxtx"] as const;

const lib = koffi.load("libcapstone.so.4");
const csOpen = lib.func("int cs_open(int arch, int mode, _Out_ size_t *handle)");
const csOption = lib.func("int cs_option(size_t handle, int type, size_t value)");
const csMalloc = lib.func("void *cs_malloc(size_t handle)");
const csDisasmIter = lib.func(
  "bool cs_disasm_iter(size_t handle, void *code, void *size, void *address, void *insn)",
);
const csRegsAccess = lib.func(
  "int cs_regs_access(size_t handle, void *insn, void *regsRead, void *readCount, void *regsWrite, void *writeCount)",
);

/** A small native array, allocated once, with typed views of its memory. */
class NativeCell {
  readonly pointer: unknown;
  readonly u64: BigUint64Array;
  readonly u16: Uint16Array;
  readonly u8: Uint8Array;

  constructor(type: "uint64_t" | "uint16_t" | "uint8_t", length: number) {
    this.pointer = koffi.alloc(type, length);
    const memory = koffi.view(this.pointer, koffi.sizeof(type) * length);
    this.u64 = new BigUint64Array(memory, 0, memory.byteLength >> 3);
    this.u16 = new Uint16Array(memory, 0, memory.byteLength >> 1);
    this.u8 = new Uint8Array(memory);
  }
}
const csRegName = lib.func("const char *cs_reg_name(size_t handle, unsigned int reg)");

/** One open Capstone handle with its reusable instruction slot and scratch buffers. */
class Decoder {
  private readonly handle: number | bigint;
  private readonly insn: unknown;
  private readonly insnView: DataView;
  private readonly insnBytes: Uint8Array;
  private readonly detailView: DataView;
  private readonly regNameCache = new Map<number, string>();
  private input: { pointer: unknown; address: bigint; bytes: Uint8Array } | null = null;
  /** Arguments of cs_disasm_iter and cs_regs_access in native memory: koffi passes those fastest. */
  private readonly code = new NativeCell("uint64_t", 1);
  private readonly remaining = new NativeCell("uint64_t", 1);
  private readonly nextAddress = new NativeCell("uint64_t", 1);
  private readonly regsRead = new NativeCell("uint16_t", 64);
  private readonly regsWritten = new NativeCell("uint16_t", 64);
  private readonly readCount = new NativeCell("uint8_t", 1);
  private readonly writeCount = new NativeCell("uint8_t", 1);

  constructor(readonly target: Target) {
    const out: (number | bigint)[] = [0];
    const arch = target === "x64" ? CS_ARCH_X86 : CS_ARCH_ARM64;
    const mode = target === "x64" ? CS_MODE_64 : CS_MODE_LITTLE_ENDIAN;
    const err = csOpen(arch, mode, out);
    if (err !== 0) throw new DisassemblyError(`cs_open failed for ${target} (cs_err ${err})`);
    this.handle = out[0]!;
    if (csOption(this.handle, CS_OPT_DETAIL, CS_OPT_ON) !== 0) {
      throw new DisassemblyError("cs_option(CS_OPT_DETAIL) failed");
    }
    this.insn = csMalloc(this.handle);
    const insnMemory = koffi.view(this.insn, INSN_STRUCT_SIZE);
    this.insnView = new DataView(insnMemory);
    this.insnBytes = new Uint8Array(insnMemory);
    const detail = koffi.decode(this.insn, INSN_DETAIL, "void *");
    this.detailView = new DataView(koffi.view(detail, DETAIL_STRUCT_SIZE));
  }

  disassemble(bytes: Uint8Array, address: bigint, limit: number): Instruction[] {
    this.code.u64[0] = this.copyIn(bytes).address;
    this.remaining.u64[0] = BigInt(bytes.length);
    this.nextAddress.u64[0] = address;
    const { pointer: code } = this.code;
    const { pointer: remaining } = this.remaining;
    const { pointer: next } = this.nextAddress;
    const result: Instruction[] = [];
    let offset = 0;
    while (result.length < limit && csDisasmIter(this.handle, code, remaining, next, this.insn)) {
      const instruction = this.readInstruction(
        bytes.subarray(offset, offset + this.insnView.getUint16(INSN_SIZE, true)),
      );
      offset += instruction.size;
      result.push(instruction);
    }
    return result;
  }

  /** Copies `bytes` into a native buffer that stays valid across the iteration. */
  private copyIn(bytes: Uint8Array): { address: bigint } {
    if (this.input === null || this.input.bytes.length < bytes.length) {
      const capacity = Math.max(256, 2 ** Math.ceil(Math.log2(bytes.length)));
      const pointer = koffi.alloc("uint8_t", capacity);
      this.input = {
        pointer,
        address: koffi.address(pointer),
        bytes: new Uint8Array(koffi.view(pointer, capacity)),
      };
    }
    this.input.bytes.set(bytes);
    return this.input;
  }

  /** Reads the decoded instruction; `bytes` are its bytes in the caller's input (a view, not a copy). */
  private readInstruction(bytes: Uint8Array): Instruction {
    const insn = this.insnView;
    const isX64 = this.target === "x64";
    const instruction: Instruction = {
      address: insn.getBigUint64(INSN_ADDRESS, true),
      size: bytes.length,
      bytes,
      mnemonic: readCString(this.insnBytes, INSN_MNEMONIC),
      opStr: readCString(this.insnBytes, INSN_OP_STR),
      operands: isX64 ? this.readX64Operands() : this.readArm64Operands(),
      ...this.readRegisterAccess(),
      groups: this.readGroups(),
      writeback: isX64 ? false : this.detailView.getUint8(DETAIL_ARCH + 5) !== 0,
    };
    return isX64 ? instruction : correctArm64(instruction);
  }

  private readX64Operands(): Operand[] {
    const d = this.detailView;
    const count = d.getUint8(DETAIL_ARCH + 64);
    const operands: Operand[] = [];
    for (let i = 0; i < count; i++) {
      const at = DETAIL_ARCH + 72 + i * 48;
      const access = readAccess(d.getUint8(at + 33));
      const type = d.getUint32(at, true);
      if (type === OP_REG) {
        operands.push({ kind: "reg", reg: this.regName(d.getUint32(at + 8, true)), access });
      } else if (type === OP_IMM) {
        operands.push({ kind: "imm", value: d.getBigInt64(at + 8, true), access });
      } else {
        operands.push({
          kind: "mem",
          base: this.optionalRegName(d.getUint32(at + 12, true)),
          index: this.optionalRegName(d.getUint32(at + 16, true)),
          scale: d.getInt32(at + 20, true),
          disp: Number(d.getBigInt64(at + 24, true)),
          access,
        });
      }
    }
    return operands;
  }

  private readArm64Operands(): Operand[] {
    const d = this.detailView;
    const count = d.getUint8(DETAIL_ARCH + 6);
    const operands: Operand[] = [];
    for (let i = 0; i < count; i++) {
      const at = DETAIL_ARCH + 8 + i * 56;
      const type = d.getUint32(at + 24, true);
      const common = { access: readAccess(d.getUint8(at + 48)), ...this.readArm64Modifiers(at) };
      if (type === OP_REG) {
        operands.push({ kind: "reg", reg: this.regName(d.getUint32(at + 32, true)), ...common });
      } else if (type === OP_IMM) {
        operands.push({ kind: "imm", value: d.getBigInt64(at + 32, true), ...common });
      } else if (type === OP_FP) {
        operands.push({ kind: "fp", value: d.getFloat64(at + 32, true), ...common });
      } else if (type === OP_MEM) {
        operands.push({
          kind: "mem",
          base: this.optionalRegName(d.getUint32(at + 32, true)),
          index: this.optionalRegName(d.getUint32(at + 36, true)),
          scale: 1,
          disp: d.getInt32(at + 40, true),
          ...common,
        });
      } else {
        operands.push({ kind: "other", capstoneType: type, value: d.getUint32(at + 32, true), ...common });
      }
    }
    return operands;
  }

  private readArm64Modifiers(at: number): Arm64Modifiers {
    const d = this.detailView;
    const shift = SHIFTS[d.getUint32(at + 12, true)];
    const extend = EXTENDS[d.getUint32(at + 20, true)];
    return {
      ...(shift && { shift: { type: shift, amount: d.getUint32(at + 16, true) } }),
      ...(extend && { extend }),
    };
  }

  private readRegisterAccess(): { regsRead: string[]; regsWritten: string[] } {
    const { regsRead, regsWritten, readCount, writeCount } = this;
    const err = csRegsAccess(
      this.handle,
      this.insn,
      regsRead.pointer,
      readCount.pointer,
      regsWritten.pointer,
      writeCount.pointer,
    );
    if (err !== 0) throw new DisassemblyError(`cs_regs_access failed (cs_err ${err})`);
    return {
      regsRead: this.regNames(regsRead.u16, readCount.u8[0]!),
      regsWritten: this.regNames(regsWritten.u16, writeCount.u8[0]!),
    };
  }

  private readGroups(): InstructionGroup[] {
    const d = this.detailView;
    const groups: InstructionGroup[] = [];
    for (let i = 0; i < d.getUint8(DETAIL_GROUPS_COUNT); i++) {
      const name = GROUP_NAMES[d.getUint8(DETAIL_GROUPS + i)];
      if (name) groups.push(name);
    }
    return groups;
  }

  private regNames(ids: Uint16Array, count: number): string[] {
    const names: string[] = [];
    for (let i = 0; i < count; i++) names.push(this.regName(ids[i]!));
    return names;
  }

  private regName(id: number): string {
    let name = this.regNameCache.get(id);
    if (name === undefined) {
      name = (csRegName(this.handle, id) as string | null) ?? `reg${id}`;
      this.regNameCache.set(id, name);
    }
    return name;
  }

  private optionalRegName(id: number): string | null {
    return id === 0 ? null : this.regName(id);
  }
}

/**
 * Fills in what Capstone 4 omits for AArch64 control flow: `bl`/`blr` are calls (it says "jump"),
 * `brk` is an interrupt (no group), and a bare `ret` reads x30 (its implicit operand is not listed).
 */
function correctArm64(instruction: Instruction): Instruction {
  switch (instruction.mnemonic) {
    case "bl":
    case "blr":
      return { ...instruction, groups: instruction.groups.map((g) => (g === "jump" ? "call" : g)) };
    case "brk":
      return { ...instruction, groups: [...instruction.groups, "int"] };
    case "ret":
      return instruction.operands.length === 0
        ? { ...instruction, regsRead: [...instruction.regsRead, "x30"] }
        : instruction;
    default:
      return instruction;
  }
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
function readCString(bytes: Uint8Array, offset: number): string {
  let text = "";
  for (let at = offset; bytes[at] !== 0; at++) text += String.fromCharCode(bytes[at]!);
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
