// Every target's ISA facts, reached through lookup(): the ABI constants that follow from them, and the
// rules the register roles must keep whatever a target names.
import { describe, expect, it } from "vitest";
import { TARGETS, type Target } from "../../../src/compiler/target.js";
import { lookup } from "../../../src/compiler/targets/index.js";

/** The calling conventions' numbers, by hand from the SysV x86-64 and AAPCS64 documents. */
const CALLING_CONVENTION: Record<
  Target,
  { intArgRegs: number; returnAddressBytes: number; frameRecordBytes: number }
> = {
  x64: { intArgRegs: 6, returnAddressBytes: 8, frameRecordBytes: 8 },
  aarch64: { intArgRegs: 8, returnAddressBytes: 0, frameRecordBytes: 16 },
};

describe.each(TARGETS)("%s ISA facts", (target) => {
  const { isa, abi } = lookup(target);
  const { registers } = isa;

  it("give the ABI constants of the calling convention", () => {
    expect(abi).toMatchObject({ target, ...CALLING_CONVENTION[target] });
    expect(abi.intArgRegs).toBe(registers.intArgs.length);
  });

  it("pin registers that nothing else uses", () => {
    const pinned = [registers.vmctx, registers.memoryBase];
    const others = [
      registers.pc,
      registers.sp,
      registers.fp,
      registers.lr,
      registers.result,
      registers.trapSite,
      ...registers.intArgs,
    ];
    expect(new Set(pinned).size).toBe(2);
    for (const register of pinned) expect(others).not.toContain(register);
  });

  it("name each argument register once, apart from the stack and frame pointers", () => {
    expect(new Set(registers.intArgs).size).toBe(registers.intArgs.length);
    for (const register of [registers.pc, registers.sp, registers.fp, registers.lr]) {
      expect(registers.intArgs).not.toContain(register);
    }
  });
});
