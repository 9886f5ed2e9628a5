/**
 * The MacroAssembler core's invariants (src/compiler/masm-core.ts), each made to fire on every
 * target. Where a target's own ABI never lets a check fire (x64 keeps its return address on the
 * stack, AArch64's SP moves only in 16-byte steps), the case runs that target's masm under ABI
 * constants changed in one field: the checks follow AbiConstants, never the target's name.
 */
import { describe, expect, it } from "vitest";
import { ABI, type AbiConstants } from "../../src/compiler/abi.js";
import { CompilerInvariantError } from "../../src/compiler/errors.js";
import type { MacroAssembler } from "../../src/compiler/masm.js";
import type { Target } from "../../src/compiler/target.js";
import { createMasm as createAarch64Masm } from "../../src/compiler/targets/aarch64/masm.js";
import { createMasm as createX64Masm } from "../../src/compiler/targets/x64/masm.js";

const CREATE: Readonly<Record<Target, (abi: AbiConstants) => MacroAssembler>> = {
  x64: createX64Masm,
  aarch64: createAarch64Masm,
};

describe.each(["x64", "aarch64"] as const)("%s masm: the core's invariants", (target) => {
  const abi = ABI[target];
  /** A masm for this target, under its ABI with `changes` applied. */
  const masmWith = (changes: Partial<AbiConstants> = {}) => CREATE[target]({ ...abi, ...changes });
  /** A masm with the frame record pushed: SP 16 bytes below the reference on both targets. */
  const framed = (changes: Partial<AbiConstants> = {}) => {
    const masm = masmWith(changes);
    masm.pushFrameRecord();
    return masm;
  };
  const base = abi.returnAddressBytes + abi.frameRecordBytes;
  const fails = (build: (masm: MacroAssembler) => void, message: RegExp) => {
    const attempt = () => {
      const masm = framed();
      build(masm);
      masm.finish();
    };
    expect(attempt).toThrow(CompilerInvariantError);
    expect(attempt).toThrow(message);
  };

  it("starts SP at the entry value its ABI gives and the frame record below it", () => {
    const masm = masmWith();
    expect(masm.spBelowReference).toBe(abi.returnAddressBytes);
    masm.pushFrameRecord();
    expect(masm.spBelowReference).toBe(base);
    expect(base).toBe(16);
  });

  it("rule 3: moves SP only in non-negative multiples of 16", () => {
    fails((m) => m.reserve(8), /reserve 8 bytes: SP moves only in non-negative multiples of 16/);
    fails((m) => m.reserve(-16), /reserve -16 bytes/);
    fails((m) => m.release(24), /release 24 bytes/);
    fails((m) => m.resetStackPointer(base + 8), /reset to depth 24 bytes: not 16 \(entry and frame record\)/);
    fails((m) => m.resetStackPointer(base + 0.5), /reset to depth 16.5 bytes/);
  });

  it("rule 2: never lets SP rise above its entry value", () => {
    fails((m) => m.release(32), /release of 32 bytes from depth 16: negative depth/);
    fails((m) => {
      m.reserve(16);
      m.release(48);
    }, /release of 48 bytes from depth 32: negative depth/);
    fails((m) => m.resetStackPointer(0), /reset to depth 0 bytes/);
  });

  it("rule 4: rejects a jump into a label from a second stack state", () => {
    fails((m) => {
      const join = m.newLabel();
      m.branchIfZero(32, 0, join);
      m.reserve(16);
      m.jump(join);
    }, /label \d+ is jumped to with SP 32 bytes below the reference .* and with SP 16/);
    fails((m) => {
      const stub = m.trapStub(0, 0x1000n);
      m.branchIfNonZero(64, 1, stub);
      m.reserve(32);
      m.branchIfCompareImm("eq", 32, 2, 5, stub);
    }, /jumped to with SP 48 .* and with SP 16/);
  });

  it("rule 4: rejects a label bound where the stack state differs from its jumps', forward or backward", () => {
    fails((m) => {
      const join = m.newLabel();
      m.branchIfZero(32, 0, join);
      m.reserve(16);
      m.bind(join);
      m.release(16);
    }, /label \d+ at offset \d+: SP 32 bytes below the reference .* there but SP 16 .* at the jumps to it/);
    fails((m) => {
      const top = m.newLabel();
      m.bind(top);
      m.reserve(16);
      m.jump(top);
      m.resetStackPointer(32);
    }, /there but SP 32 .* at the jumps to it/);
  });

  it("rule 4: takes the state declared by resetStackPointer at the label's offset, before or after bind", () => {
    for (const resetFirst of [true, false]) {
      const masm = framed();
      const join = masm.newLabel();
      masm.branchIfZero(32, 0, join);
      masm.reserve(32);
      masm.jump(masm.trapStub(0, 0x1000n));
      if (resetFirst) masm.resetStackPointer(16);
      masm.bind(join);
      if (!resetFirst) masm.resetStackPointer(16);
      masm.popFrameRecordAndReturn();
      expect(() => masm.finish()).not.toThrow();
    }
  });

  it("rejects a label jumped to but never bound, bound twice, or from a finished function", () => {
    fails((m) => m.jump(m.newLabel()), /label \d+ is jumped to but never bound/);
    fails((m) => {
      const label = m.newLabel();
      m.bind(label);
      m.bind(label);
    }, /label \d+ is bound twice/);
    const masm = framed();
    const stale = masm.newLabel();
    masm.bind(stale);
    masm.popFrameRecordAndReturn();
    masm.finish();
    expect(() => masm.jump(stale)).toThrow(/does not belong to this function/);
  });

  it("rule 5: accesses slots only at or above SP and below the reference", () => {
    fails((m) => {
      m.reserve(16);
      m.loadSlot(0, 40);
    }, /slot 40 bytes below the reference is below SP \(32\): no red zone/);
    fails((m) => m.storeSlot(24, 0), /slot 24 bytes below the reference is below SP \(16\)/);
    fails((m) => m.loadSlotToArgReg(0, 24), /below SP/);
    fails((m) => m.callIndirectFromSlot(24), /below SP/);
    fails((m) => m.loadSlot(0, 0), /slot 0 bytes below the reference is not below the reference/);
    fails((m) => m.loadIncomingStackArg(0, -1), /bad stack argument index -1/);
    fails((m) => m.storeOutgoingStackArg(0.5, 0), /bad stack argument index 0.5/);
    expect(() => framed().loadSlot(0, 16)).not.toThrow();
  });

  it("rule 6: returns only from the entry state", () => {
    fails((m) => {
      m.reserve(16);
      m.popFrameRecordAndReturn();
    }, /epilogue with SP 32 bytes below the reference .*, not at the frame record/);
    expect(() => masmWith().popFrameRecordAndReturn()).toThrow(/not at the frame record/);
    const leaf = masmWith({ leafMayOmitFrameRecord: true });
    leaf.reserve(16);
    expect(() => leaf.returnWithoutFrameRecord()).toThrow(
      /return with SP \d+ bytes below the reference .*, not at entry/,
    );
    expect(() => framed({ leafMayOmitFrameRecord: true }).returnWithoutFrameRecord()).toThrow(/not at entry/);
    expect(() => masmWith({ leafMayOmitFrameRecord: false }).returnWithoutFrameRecord()).toThrow(
      /always have a frame record/,
    );
    fails((m) => {
      m.reserve(16);
      m.pushFrameRecord();
    }, /the frame record is pushed at function entry only/);
  });

  it("rule 7: calls only with SP 16-aligned", () => {
    // An 8-byte frame record leaves SP 8 bytes off on both targets.
    const misaligned = framed({ frameRecordBytes: 8, returnAddressBytes: 0 });
    expect(misaligned.spBelowReference).toBe(8);
    for (const call of [
      (m: MacroAssembler) => m.callFunction(0),
      (m: MacroAssembler) => m.callAddress(0x1000n),
    ]) {
      expect(() => call(misaligned)).toThrow(/call with SP 8 bytes below the reference: not 16-aligned/);
    }
    expect(() => framed().callFunction(0)).not.toThrow();
  });

  it("rule 7: never calls while the return address is only in the link register", () => {
    const leaf = masmWith({ returnAddressBytes: 0 });
    expect(() => leaf.callFunction(0)).toThrow(
      /call without a frame record would overwrite the return address in the link register/,
    );
    leaf.reserve(16);
    expect(() => leaf.callIndirectFromSlot(16)).toThrow(/call without a frame record/);
  });

  it("rule 8: SP is 16-aligned at every SP-relative access exactly where the ABI demands it", () => {
    const accesses: ((m: MacroAssembler) => void)[] = [
      (m) => m.loadSlot(0, 8),
      (m) => m.storeSlot(8, 0),
      (m) => m.loadIncomingStackArg(0, 0),
      (m) => m.storeOutgoingStackArg(0, 0),
      (m) => m.loadSlotToArgReg(0, 8),
      (m) => m.storeArgRegToSlot(8, 0),
    ];
    const offBy8 = { frameRecordBytes: 8, returnAddressBytes: 0 };
    for (const access of accesses) {
      expect(() => access(framed({ ...offBy8, spAlignedAtEveryAccess: true }))).toThrow(
        /memory access through SP at 8 bytes below the reference: not 16-aligned/,
      );
      expect(() => access(framed({ ...offBy8, spAlignedAtEveryAccess: false }))).not.toThrow();
    }
  });

  it("rejects argument registers the ABI does not have", () => {
    fails((m) => m.loadSlotToArgReg(abi.intArgRegs, 16), /argument register \d+ does not exist/);
    fails((m) => m.storeArgRegToSlot(16, abi.intArgRegs), /the ABI passes \d+ in registers/);
    expect(() => framed().loadSlotToArgReg(abi.intArgRegs - 1, 16)).not.toThrow();
  });

  it("rejects a store as a load and back, a shared address/value register and offsets beyond u32", () => {
    fails((m) => m.load("f32.store", 0, 1, 0, m.newLabel()), /f32.store is not a load/);
    fails((m) => m.store("f64.load", 0, 1, 0, m.newLabel()), /f64.load is not a store/);
    fails((m) => m.store("i32.store", 1, 1, 0, m.newLabel()), /same register/);
    fails((m) => m.load("i32.load", 0, 1, 2 ** 32, m.newLabel()), /memory offset 4294967296 is not a u32/);
    fails((m) => m.store("i64.store", 0, 1, -1, m.newLabel()), /not a u32/);
  });

  it("rejects a bulk copy or store through one register for both roles, and an addend beyond 32 bits", () => {
    fails((m) => m.copyAndAdvance(1, 1, 16, "forward"), /copyAndAdvance: dst and src are the same register/);
    fails((m) => m.storeAndAdvance(2, 2, 8), /storeAndAdvance: dst and value are the same register/);
    fails((m) => m.addImmediate(0, 2 ** 31), /addImmediate: 2147483648 is not a signed 32-bit integer/);
    fails((m) => m.addImmediate(0, 0.5), /not a signed 32-bit integer/);
  });

  it("rejects a float conversion to its own width", () => {
    fails((m) => m.convertFloat(32, 32, 0), /convertFloat from f32 to itself/);
  });

  it("starts the next function after finish()", () => {
    const masm = framed();
    masm.reserve(32);
    masm.release(32);
    masm.popFrameRecordAndReturn();
    const first = masm.finish();
    expect(first.deepestSp).toBe(base + 32);
    expect(masm.offset()).toBe(0);
    expect(masm.spBelowReference).toBe(abi.returnAddressBytes);
    masm.pushFrameRecord();
    masm.popFrameRecordAndReturn();
    const second = masm.finish();
    expect(second.deepestSp).toBe(base);
    expect(second.unwind.map((r) => [r.offset === 0, r.spBelowReference])).toEqual([
      [true, abi.returnAddressBytes],
      [false, base],
      [false, abi.returnAddressBytes],
    ]);
  });
});
