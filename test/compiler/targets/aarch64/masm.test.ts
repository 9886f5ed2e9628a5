// The AArch64 MacroAssembler's instruction selection and stack bookkeeping, read back through
// Capstone (texts are Capstone 4's), and the invariant errors it raises.
import { describe, expect, it } from "vitest";
import { disassemble } from "../../../../emulators/disasm/capstone.js";
import { CompilerInvariantError } from "../../../../src/compiler/errors.js";
import type { AssembledFunction, MacroAssembler } from "../../../../src/compiler/masm.js";
import { patchRelocation } from "../../../../src/compiler/targets/aarch64/link.js";
import { createMasm } from "../../../../src/compiler/targets/aarch64/masm.js";

function assemble(build: (masm: MacroAssembler) => void): AssembledFunction {
  const masm = createMasm();
  build(masm);
  return masm.finish();
}

function texts(code: Uint8Array, address = 0n): string[] {
  const listing = disassemble("aarch64", code, address);
  expect(listing.reduce((bytes, i) => bytes + i.size, 0)).toBe(code.length);
  return listing.map((i) => `${i.mnemonic} ${i.opStr}`.trim());
}

function listing(build: (masm: MacroAssembler) => void): string[] {
  return texts(assemble(build).code);
}

describe("frame record, SP adjustments and unwind records", () => {
  it("emits the AAPCS64 prologue and epilogue and records each SP / return-address change", () => {
    const fn = assemble((m) => {
      m.pushFrameRecord();
      m.reserve(32);
      m.release(32);
      m.popFrameRecordAndReturn();
    });
    expect(texts(fn.code)).toEqual([
      "stp x29, x30, [sp, #-0x10]!",
      "mov x29, sp",
      "sub sp, sp, #0x20",
      "add sp, sp, #0x20",
      "ldp x29, x30, [sp], #0x10",
      "ret",
    ]);
    expect(fn.unwind).toEqual([
      { offset: 0, spBelowReference: 0, returnAddress: "lr" },
      { offset: 4, spBelowReference: 16, returnAddress: "frame-record" },
      { offset: 12, spBelowReference: 48, returnAddress: "frame-record" },
      { offset: 16, spBelowReference: 16, returnAddress: "frame-record" },
      { offset: 20, spBelowReference: 0, returnAddress: "lr" },
    ]);
    expect(fn.deepestSp).toBe(48);
  });

  it("splits large adjustments into 16-aligned immediate steps, one unwind record each", () => {
    const fn = assemble((m) => {
      m.reserve(0x12340);
      m.reserve(0x1000_0000);
      m.release(0x1001_2340);
      m.returnWithoutFrameRecord();
    });
    expect(texts(fn.code)).toEqual([
      "sub sp, sp, #0x12, lsl #12",
      "sub sp, sp, #0x340",
      ...Array(16).fill("sub sp, sp, #0xfff, lsl #12"),
      "sub sp, sp, #0x10, lsl #12",
      ...Array(16).fill("add sp, sp, #0xfff, lsl #12"),
      "add sp, sp, #0x22, lsl #12",
      "add sp, sp, #0x340",
      "ret",
    ]);
    expect(fn.unwind.slice(1, 3).map((r) => r.spBelowReference)).toEqual([0x12000, 0x12340]);
    expect(fn.unwind.map((r) => r.spBelowReference).every((sp) => sp % 16 === 0)).toBe(true);
    expect(fn.unwind.at(-1)).toEqual({
      offset: fn.code.length - 4,
      spBelowReference: 0,
      returnAddress: "lr",
    });
    expect(fn.deepestSp).toBe(0x1001_2340);
  });

  it("resets the static state without code and restores the frame-record return address", () => {
    const fn = assemble((m) => {
      m.pushFrameRecord();
      m.reserve(16);
      m.release(16);
      m.popFrameRecordAndReturn();
      m.resetStackPointer(48);
      expect(m.spBelowReference).toBe(48);
      m.release(32);
      m.popFrameRecordAndReturn();
    });
    expect(fn.unwind.slice(5)).toEqual([
      { offset: 24, spBelowReference: 48, returnAddress: "frame-record" },
      { offset: 28, spBelowReference: 16, returnAddress: "frame-record" },
      { offset: 32, spBelowReference: 0, returnAddress: "lr" },
    ]);
  });
});

describe("slots and arguments", () => {
  it("addresses slots SP-relative as reference − below", () => {
    expect(
      listing((m) => {
        m.reserve(48);
        m.loadSlot(0, 48);
        m.storeSlot(8, 1);
        m.loadIncomingStackArg(2, 1);
        m.storeOutgoingStackArg(3, 0);
        m.loadSlotToArgReg(7, 16);
        m.storeArgRegToSlot(24, 0);
        m.moveToResultReg(2);
        m.moveFromResultReg(1);
      }),
    ).toEqual([
      "sub sp, sp, #0x30",
      "ldr x9, [sp]",
      "str x10, [sp, #0x28]",
      "ldr x11, [sp, #0x38]",
      "str x9, [sp, #0x18]",
      "ldr x7, [sp, #0x20]",
      "str x0, [sp, #0x18]",
      "mov x0, x11",
      "mov x10, x0",
    ]);
  });

  it("puts offsets beyond the scaled 12-bit range in x16", () => {
    expect(
      listing((m) => {
        m.reserve(0x10000);
        m.loadSlot(0, 8);
        m.storeSlot(0x8008, 1);
        m.storeSlot(0x8000, 1);
        m.loadVmField(2, 64 + 8 * 5000);
      }),
    ).toEqual([
      "sub sp, sp, #0x10, lsl #12",
      "movz x16, #0xfff8",
      "ldr x9, [sp, x16]",
      "str x10, [sp, #0x7ff8]",
      "movz x16, #0x8000",
      "str x10, [sp, x16]",
      "movz x16, #0x9c80",
      "ldr x11, [x27, x16]",
    ]);
  });
});

describe("values", () => {
  it.each([
    [0n, 32, ["movz w9, #0"]],
    [0n, 64, ["movz x9, #0"]],
    [0xffffn, 32, ["movz w9, #0xffff"]],
    [0x1234_5678n, 32, ["movz w9, #0x5678", "movk w9, #0x1234, lsl #16"]],
    [-1n, 32, ["movn w9, #0"]],
    [-1n, 64, ["movn x9, #0"]],
    [-2n, 32, ["movn w9, #0x1"]],
    [0x8000_0000n, 64, ["movz x9, #0x8000, lsl #16"]],
    [0xffff_1234_ffff_ffffn, 64, ["movn x9, #0xedcb, lsl #32"]],
    [0x5555_5555_5555_5555n, 64, ["orr x9, xzr, #0x5555555555555555"]],
    [0xffff_ffffn, 64, ["orr x9, xzr, #0xffffffff"]],
    [
      0x1234_5678_9abc_def0n,
      64,
      [
        "movz x9, #0xdef0",
        "movk x9, #0x9abc, lsl #16",
        "movk x9, #0x5678, lsl #32",
        "movk x9, #0x1234, lsl #48",
      ],
    ],
    [0xffff_0000_ffff_1234n, 64, ["movn x9, #0xedcb", "movk x9, #0, lsl #32"]],
    [0x1_0000_0001n, 32, ["movz w9, #0x1"]],
  ] as const)("movImm %s (%i-bit)", (value, width, expected) => {
    expect(listing((m) => m.movImm(0, value, width))).toEqual(expected);
  });

  it.each([
    ["add", ["add w9, w9, w10"]],
    ["sub", ["sub w9, w9, w10"]],
    ["mul", ["mul w9, w9, w10"]],
    ["and", ["and w9, w9, w10"]],
    ["or", ["orr w9, w9, w10"]],
    ["xor", ["eor w9, w9, w10"]],
    ["shl", ["lsl w9, w9, w10"]],
    ["shr_s", ["asr w9, w9, w10"]],
    ["shr_u", ["lsr w9, w9, w10"]],
    ["rotr", ["ror w9, w9, w10"]],
    ["rotl", ["neg w16, w10", "ror w9, w9, w16"]],
    ["div_s", ["sdiv w9, w9, w10"]],
    ["div_u", ["udiv w9, w9, w10"]],
    ["rem_s", ["sdiv w16, w9, w10", "msub w9, w16, w10, w9"]],
    ["rem_u", ["udiv w16, w9, w10", "msub w9, w16, w10, w9"]],
  ] as const)("i32 %s", (op, expected) => {
    expect(listing((m) => m.intBinop(op, 32, 0, 1))).toEqual(expected);
    const wide = expected.map((t) => t.replace(/\bw(\d+)/g, "x$1"));
    expect(listing((m) => m.intBinop(op, 64, 0, 1))).toEqual(wide);
  });

  it("lowers clz, ctz and popcnt", () => {
    expect(listing((m) => m.intUnop("clz", 32, 2))).toEqual(["clz w11, w11"]);
    expect(listing((m) => m.intUnop("ctz", 64, 2))).toEqual(["rbit x11, x11", "clz x11, x11"]);
    expect(listing((m) => m.intUnop("popcnt", 64, 0))).toEqual([
      "fmov d16, x9",
      "cnt v16.8b, v16.8b",
      "addv b16, v16.8b",
      "fmov w9, s16",
    ]);
    expect(listing((m) => m.intUnop("popcnt", 32, 0))[0]).toBe("fmov s16, w9");
  });

  it("compares, tests for zero, converts and selects", () => {
    expect(
      listing((m) => {
        m.compare("le_u", 64, 2, 0, 1);
        m.compare("gt_s", 32, 0, 1, 2);
        m.eqz(64, 1);
        m.convert("wrap", 0);
        m.convert("extend_s", 1);
        m.convert("extend_u", 2);
        m.select(0, 1, 2);
        m.move(1, 2);
        m.move(1, 1);
      }),
    ).toEqual([
      "cmp x9, x10",
      "cset w11, ls",
      "cmp w10, w11",
      "cset w9, gt",
      "cmp x10, #0",
      "cset w10, eq",
      "mov w9, w9",
      "sxtw x10, w10",
      "mov w11, w11",
      "cmp w11, #0",
      "csel x9, x9, x10, ne",
      "mov x10, x11",
    ]);
  });
});

describe("floats", () => {
  it.each([
    ["add", "fadd"],
    ["sub", "fsub"],
    ["mul", "fmul"],
    ["div", "fdiv"],
    ["min", "fmin"],
    ["max", "fmax"],
  ] as const)("%s is one %s between v16 and v17", (op, mnemonic) => {
    expect(listing((m) => m.floatBinop(op, 32, 1, 2))).toEqual([
      "fmov s16, w10",
      "fmov s17, w11",
      `${mnemonic} s16, s16, s17`,
      "fmov w10, s16",
    ]);
    expect(listing((m) => m.floatBinop(op, 64, 0, 1))).toEqual([
      "fmov d16, x9",
      "fmov d17, x10",
      `${mnemonic} d16, d16, d17`,
      "fmov x9, d16",
    ]);
  });

  it.each([
    ["sqrt", "fsqrt"],
    ["ceil", "frintp"],
    ["floor", "frintm"],
    ["trunc", "frintz"],
    ["nearest", "frintn"],
  ] as const)("%s is %s", (op, mnemonic) => {
    expect(listing((m) => m.floatUnop(op, 32, 0))).toEqual([
      "fmov s16, w9",
      `${mnemonic} s16, s16`,
      "fmov w9, s16",
    ]);
    expect(listing((m) => m.floatUnop(op, 64, 2))).toEqual([
      "fmov d16, x11",
      `${mnemonic} d16, d16`,
      "fmov x11, d16",
    ]);
  });

  it.each([
    ["eq", "eq"],
    ["ne", "ne"],
    ["lt", "mi"],
    ["gt", "gt"],
    ["le", "ls"],
    ["ge", "ge"],
  ] as const)("%s is fcmp + cset %s", (cond, condition) => {
    expect(listing((m) => m.floatCompare(cond, 64, 2, 0, 1))).toEqual([
      "fmov d16, x9",
      "fmov d17, x10",
      "fcmp d16, d17",
      `cset w11, ${condition}`,
    ]);
    expect(listing((m) => m.floatCompare(cond, 32, 0, 1, 2)).slice(0, 3)).toEqual([
      "fmov s16, w10",
      "fmov s17, w11",
      "fcmp s16, s17",
    ]);
  });

  it("converts between floats and integers of either width and signedness", () => {
    expect(
      listing((m) => {
        m.truncateToInt(32, 32, true, 0);
        m.truncateToInt(64, 32, false, 1);
        m.truncateToInt(32, 64, false, 2);
        m.truncateToInt(64, 64, true, 0);
        m.convertToFloat(32, 32, false, 1);
        m.convertToFloat(64, 32, true, 2);
        m.convertToFloat(32, 64, true, 0);
        m.convertToFloat(64, 64, false, 1);
        m.convertFloat(32, 64, 2);
        m.convertFloat(64, 32, 0);
      }),
    ).toEqual([
      "fmov s16, w9",
      "fcvtzs w9, s16",
      "fmov d16, x10",
      "fcvtzu w10, d16",
      "fmov s16, w11",
      "fcvtzu x11, s16",
      "fmov d16, x9",
      "fcvtzs x9, d16",
      "ucvtf s16, w10",
      "fmov w10, s16",
      "scvtf s16, x11",
      "fmov w11, s16",
      "scvtf d16, w9",
      "fmov x9, d16",
      "ucvtf d16, x10",
      "fmov x10, d16",
      "fmov s16, w11",
      "fcvt d16, s16",
      "fmov x11, d16",
      "fmov d16, x9",
      "fcvt s16, d16",
      "fmov w9, s16",
    ]);
  });
});

describe("memory", () => {
  it("bounds-checks zext(addr) + offset + width against the VM context's size, then accesses [x28 + ea]", () => {
    const fn = assemble((m) => {
      const oob = m.newLabel();
      m.load("i32.load8_s", 0, 1, 0, oob);
      m.store("i64.store", 1, 2, 0x1_0010, oob);
      m.load("i64.load32_s", 2, 2, 0xffff_ffff, oob);
      m.bind(oob);
    });
    expect(texts(fn.code)).toEqual([
      "mov w16, w10",
      "add x17, x16, #1",
      "ldr x10, [x27]",
      "cmp x17, x10",
      "b.hi #0x58",
      "ldrsb w9, [x28, x16]",
      "mov w16, w10",
      "add x16, x16, #0x10, lsl #12",
      "add x16, x16, #0x10",
      "add x17, x16, #8",
      "ldr x10, [x27]",
      "cmp x17, x10",
      "b.hi #0x58",
      "str x11, [x28, x16]",
      "mov w16, w11",
      "orr x17, xzr, #0xffffffff",
      "add x16, x16, x17",
      "add x17, x16, #4",
      "ldr x11, [x27]",
      "cmp x17, x11",
      "b.hi #0x58",
      "ldrsw x11, [x28, x16]",
    ]);
  });

  it.each([
    ["i32.load", "ldr w9"],
    ["i64.load", "ldr x9"],
    ["i32.load8_u", "ldrb w9"],
    ["i32.load16_s", "ldrsh w9"],
    ["i32.load16_u", "ldrh w9"],
    ["i64.load8_s", "ldrsb x9"],
    ["i64.load8_u", "ldrb w9"],
    ["i64.load16_s", "ldrsh x9"],
    ["i64.load16_u", "ldrh w9"],
    ["i64.load32_u", "ldr w9"],
    ["f32.load", "ldr w9"],
    ["f64.load", "ldr x9"],
  ] as const)("%s uses %s", (op, access) => {
    const code = listing((m) => {
      const oob = m.newLabel();
      m.load(op, 0, 1, 0, oob);
      m.bind(oob);
    });
    expect(code.at(-1)).toBe(`${access}, [x28, x16]`);
  });

  it.each([
    ["i32.store", "str w9", 4],
    ["i32.store8", "strb w9", 1],
    ["i32.store16", "strh w9", 2],
    ["i64.store8", "strb w9", 1],
    ["i64.store16", "strh w9", 2],
    ["i64.store32", "str w9", 4],
    ["f32.store", "str w9", 4],
    ["f64.store", "str x9", 8],
  ] as const)("%s uses %s and checks %i bytes", (op, access, bytes) => {
    const code = listing((m) => {
      const oob = m.newLabel();
      m.store(op, 1, 0, 0, oob);
      m.bind(oob);
    });
    expect(code[1]).toBe(`add x17, x16, #${bytes}`);
    expect(code.at(-1)).toBe(`${access}, [x28, x16]`);
  });
});

describe("control flow, calls and relocations", () => {
  it("patches forward and backward branches", () => {
    expect(
      listing((m) => {
        const top = m.newLabel();
        const bottom = m.newLabel();
        m.bind(top);
        m.branchIfZero(32, 0, bottom);
        m.branchIfNonZero(64, 1, top);
        m.branchIfCompare("lt_u", 64, 0, 1, bottom);
        m.branchIfCompareImm("ge_s", 32, 2, 4095, top);
        m.branchIfCompareImm("eq", 64, 2, -1, bottom);
        m.branchIfCompareImm("ne", 32, 2, 0x12345, bottom);
        m.jump(top);
        m.bind(bottom);
      }),
    ).toEqual([
      "cbz w9, #0x34",
      "cbnz x10, #0",
      "cmp x9, x10",
      "b.lo #0x34",
      "cmp w11, #0xfff",
      "b.ge #0",
      "cmn x11, #1",
      "b.eq #0x34",
      "movz w16, #0x2345",
      "movk w16, #0x1, lsl #16",
      "cmp w11, w16",
      "b.ne #0x34",
      "b #0",
    ]);
  });

  it("emits trap stubs at the end in the stack state of their branches, with exit relocations", () => {
    const fn = assemble((m) => {
      m.pushFrameRecord();
      m.reserve(32);
      const small = m.trapStub(7, 0x4000n);
      const large = m.trapStub(0x12345, 0x4010n);
      m.branchIfZero(32, 0, small);
      m.branchIfStackBelowLimit(0x20, large);
      m.release(32);
      m.popFrameRecordAndReturn();
    });
    expect(texts(fn.code)).toEqual([
      "stp x29, x30, [sp, #-0x10]!",
      "mov x29, sp",
      "sub sp, sp, #0x20",
      "cbz w9, #0x30",
      "ldr x16, [x27, #0x18]",
      "sub x16, x16, #0x10",
      "mov x17, sp",
      "cmp x17, x16",
      "b.lo #0x38",
      "add sp, sp, #0x20",
      "ldp x29, x30, [sp], #0x10",
      "ret",
      "movz w17, #0x7",
      "b #0x34",
      "movz w17, #0x2345",
      "movk w17, #0x1, lsl #16",
      "b #0x40",
    ]);
    expect(fn.trapStubs).toEqual([
      { site: 7, start: 0x30, end: 0x38 },
      { site: 0x12345, start: 0x38, end: 0x44 },
    ]);
    expect(fn.relocations).toEqual([
      { offset: 0x34, target: { kind: "exit", address: 0x4000n } },
      { offset: 0x40, target: { kind: "exit", address: 0x4010n } },
    ]);
    expect(fn.unwind.slice(-2)).toEqual([
      { offset: 0x30, spBelowReference: 48, returnAddress: "frame-record" },
      { offset: 0x38, spBelowReference: 48, returnAddress: "frame-record" },
    ]);
  });

  it("checks the stack limit against reference − bytes", () => {
    expect(
      listing((m) => {
        const overflow = m.newLabel();
        m.pushFrameRecord();
        m.branchIfStackBelowLimit(0x12_3450, overflow);
        m.branchIfStackBelowLimit(0x4000_1240, overflow);
        m.bind(overflow);
      }).slice(2),
    ).toEqual([
      "ldr x16, [x27, #0x18]",
      "add x16, x16, #0x123, lsl #12",
      "add x16, x16, #0x440",
      "mov x17, sp",
      "cmp x17, x16",
      "b.lo #0x3c",
      "ldr x16, [x27, #0x18]",
      "movz x17, #0x1230",
      "movk x17, #0x4000, lsl #16",
      "add x16, x16, x17",
      "mov x17, sp",
      "cmp x17, x16",
      "b.lo #0x3c",
    ]);
  });

  it("records bl relocations that patchRelocation resolves against the final code address", () => {
    const fn = assemble((m) => {
      m.pushFrameRecord();
      m.callFunction(3);
      m.callAddress(0x1_0000n);
      m.popFrameRecordAndReturn();
    });
    expect(fn.relocations).toEqual([
      { offset: 8, target: { kind: "function", funcIndex: 3 } },
      { offset: 12, target: { kind: "exit", address: 0x1_0000n } },
    ]);
    const codeBase = 0x10_0000n;
    const functionStart = 0x100;
    const code = new Uint8Array(functionStart + fn.code.length);
    code.set(fn.code, functionStart);
    patchRelocation(code, functionStart + 8, -0x80); // a function 0x80 bytes before the call
    patchRelocation(code, functionStart + 12, Number(0x1_0000n - (codeBase + BigInt(functionStart) + 12n)));
    const linked = texts(code.subarray(functionStart), codeBase + BigInt(functionStart));
    expect(linked.slice(2, 4)).toEqual(["bl #0x100088", "bl #0x10000"]);
  });

  it("loads from [base + offset], large or unaligned offsets through x16", () => {
    expect(
      listing((m) => {
        m.loadFromAddress(0, 1, 0);
        m.loadFromAddress(2, 2, 0x7ff8);
        m.loadFromAddress(1, 0, 0x8000);
        m.loadFromAddress(1, 0, 12);
      }),
    ).toEqual([
      "ldr x9, [x10]",
      "ldr x11, [x11, #0x7ff8]",
      "movz x16, #0x8000",
      "ldr x10, [x9, x16]",
      "movz x16, #0xc",
      "ldr x10, [x9, x16]",
    ]);
  });

  it("calls indirectly through x16, loaded from the slot after the argument registers", () => {
    const fn = assemble((m) => {
      m.pushFrameRecord();
      m.reserve(0x8000);
      m.loadSlotToArgReg(0, 0x20);
      m.callIndirectFromSlot(0x18);
      m.callIndirectFromSlot(0x8010);
      m.callIndirectFromSlot(0x10);
      m.release(0x8000);
      m.popFrameRecordAndReturn();
    });
    expect(texts(fn.code).slice(2, 12)).toEqual([
      "sub sp, sp, #8, lsl #12",
      "ldr x0, [sp, #0x7ff0]",
      "ldr x16, [sp, #0x7ff8]",
      "blr x16",
      "ldr x16, [sp]",
      "blr x16",
      "movz x16, #0x8000",
      "ldr x16, [sp, x16]",
      "blr x16",
      "add sp, sp, #8, lsl #12",
    ]);
    expect(fn.relocations).toEqual([]);
  });

  it("refuses to patch anything but b/bl, or out of range", () => {
    const code = assemble((m) => {
      m.pushFrameRecord();
      m.callFunction(0);
    }).code;
    expect(() => patchRelocation(code, 0, 0)).toThrow(CompilerInvariantError);
    expect(() => patchRelocation(code, 8, 0x800_0000)).toThrow(/does not fit imm26/);
  });
});

// The invariants of the stack state, labels and operands are the core's: ../../masm-core.test.ts.
describe("invariants of the AArch64 lowering", () => {
  it("rejects a negative offset from a table base", () => {
    expect(() => assemble((m) => m.loadFromAddress(0, 1, -8))).toThrow(/address offset -8/);
  });
});
