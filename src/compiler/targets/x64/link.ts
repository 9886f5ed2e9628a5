// Linking x64 code: how the linker applies a masm `Relocation` once the code base is known.
import { CompilerInvariantError } from "../../errors.js";
import { Simm32 } from "./imm.js";

const CALL_REL32 = 0xe8;
const JMP_REL32 = 0xe9;
const INSTRUCTION_BYTES = 5;

/**
 * Patches the relocated instruction at `offset` in `code`. Every x64 relocation is a 5-byte
 * `call rel32` (e8: `callFunction`, `callAddress`) or `jmp rel32` (e9: a trap stub's jump to its
 * exit) whose rel32 field, bytes offset+1 .. offset+4, counts from the end of the instruction.
 * `displacement` is target address − address of the instruction's first byte (ISA-neutral: the
 * linker never needs to know the instruction's length).
 */
export function patchRelocation(code: Uint8Array, offset: number, displacement: number): void {
  const opcode = code[offset];
  if (opcode !== CALL_REL32 && opcode !== JMP_REL32) {
    throw new CompilerInvariantError(`no call/jmp rel32 to relocate at offset ${offset}`);
  }
  const rel32 = Simm32.from(displacement - INSTRUCTION_BYTES);
  if (rel32 === null)
    throw new CompilerInvariantError(`relocation target ${displacement} bytes away is out of rel32 range`);
  new DataView(code.buffer, code.byteOffset, code.byteLength).setInt32(offset + 1, rel32.value, true);
}
