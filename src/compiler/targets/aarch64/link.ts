// Relocation patching for AArch64 (the convention is stated in masm.ts): the linker calls
// `patchRelocation(code, offset, displacement)` with `offset` the byte offset in `code` of the
// relocated `b`/`bl` (function start + Relocation.offset) and `displacement` the target address
// minus that instruction's address; the imm26 field receives displacement / 4.
import { CompilerInvariantError } from "../../errors.js";
import { branchFieldOf, withDisplacement } from "./encoder.js";

export function patchRelocation(code: Uint8Array, offset: number, displacement: number): void {
  const view = new DataView(code.buffer, code.byteOffset, code.byteLength);
  const word = view.getUint32(offset, true);
  if (branchFieldOf(word) !== 26) {
    throw new CompilerInvariantError(`relocation at ${offset} is not a b/bl`);
  }
  view.setUint32(offset, withDisplacement(word, displacement), true);
}
