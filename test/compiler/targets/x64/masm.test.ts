/**
 * The x64 MacroAssembler, read back through Capstone: the instruction sequences it chooses for
 * representative operations, its labels, relocations, trap stubs and unwind records, and the
 * stack-pointer invariants it enforces. Semantics are checked by executing code: masm-exec.test.ts,
 * masm-float-exec.test.ts.
 */
import { describe, expect, it } from "vitest";
import { disassemble } from "../../../../emulators/disasm/capstone.js";
import { CompilerInvariantError } from "../../../../src/compiler/errors.js";
import type { AssembledFunction } from "../../../../src/compiler/masm.js";
import { patchRelocation } from "../../../../src/compiler/targets/x64/link.js";
import { createMasm } from "../../../../src/compiler/targets/x64/masm.js";

type Masm = ReturnType<typeof createMasm>;

function texts(code: Uint8Array, address = 0n): string[] {
  const instructions = disassemble("x64", code, address);
  expect(instructions.reduce((sum, i) => sum + i.size, 0)).toBe(code.length);
  return instructions.map((i) => `${i.mnemonic} ${i.opStr}`.trim());
}

/**
 * The instructions `emit` adds to a function whose frame record is pushed (prologue not shown),
 * decoded at their offsets in the function, so branch targets read as function offsets.
 */
function body(emit: (masm: Masm) => void): string[] {
  const masm = createMasm();
  masm.pushFrameRecord();
  const start = masm.offset();
  emit(masm);
  const end = masm.offset();
  return texts(masm.finish().code.subarray(start, end), BigInt(start));
}

/** A non-negative number as Capstone prints it: decimal up to 9, hex above. */
function hex(n: number): string {
  return n > 9 ? `0x${n.toString(16)}` : `${n}`;
}

function assemble(emit: (masm: Masm) => void): AssembledFunction {
  const masm = createMasm();
  emit(masm);
  return masm.finish();
}

describe("x64 masm: instruction selection", () => {
  it("builds the frame record, moves SP in 16-byte steps and addresses slots from SP", () => {
    const fn = assemble((m) => {
      m.pushFrameRecord();
      m.reserve(32);
      m.storeSlot(48, 0);
      m.loadSlot(2, 24);
      m.release(32);
      m.popFrameRecordAndReturn();
    });
    expect(texts(fn.code)).toEqual([
      "push rbp",
      "mov rbp, rsp",
      "sub rsp, 0x20",
      "mov qword ptr [rsp], rax",
      "mov rdx, qword ptr [rsp + 0x18]",
      "add rsp, 0x20",
      "pop rbp",
      "ret",
    ]);
    expect(fn.unwind).toEqual([
      { offset: 0, spBelowReference: 8, returnAddress: "stack" },
      { offset: 1, spBelowReference: 16, returnAddress: "stack" },
      { offset: 8, spBelowReference: 48, returnAddress: "stack" },
      { offset: 21, spBelowReference: 16, returnAddress: "stack" },
      { offset: 22, spBelowReference: 8, returnAddress: "stack" },
    ]);
    expect(fn.deepestSp).toBe(48);
  });

  it("picks the shortest immediate move", () => {
    expect(
      body((m) => {
        m.movImm(0, 0n, 64);
        m.movImm(1, -1n, 32);
        m.movImm(2, 0xffffffffn, 64);
        m.movImm(0, -1n, 64);
        m.movImm(1, 0x123456789n, 64);
      }),
    ).toEqual([
      "xor eax, eax",
      "mov ecx, 0xffffffff",
      "mov edx, 0xffffffff",
      "mov rax, -1",
      "movabs rcx, 0x123456789",
    ]);
  });

  it("uses the 32-bit forms for i32 so results are zero-extended", () => {
    expect(
      body((m) => {
        m.intBinop("add", 32, 0, 1);
        m.intBinop("mul", 64, 1, 2);
        m.intUnop("clz", 32, 0);
        m.intUnop("ctz", 64, 1);
        m.convert("wrap", 0);
        m.convert("extend_u", 1);
        m.convert("extend_s", 2);
      }),
    ).toEqual([
      "add eax, ecx",
      "imul rcx, rdx",
      "lzcnt eax, eax",
      "tzcnt rcx, rcx",
      "mov eax, eax",
      "mov ecx, ecx",
      "movsxd rdx, edx",
    ]);
  });

  it("counts bits without popcnt (#UD under Unicorn's Haswell model): pairs, nibbles, bytes, then a multiply", () => {
    expect(body((m) => m.intUnop("popcnt", 32, 2))).toEqual([
      "mov r10d, edx",
      "shr r10d, 1",
      "and r10d, 0x55555555",
      "sub edx, r10d",
      "mov r10d, edx",
      "shr r10d, 2",
      "and r10d, 0x33333333",
      "and edx, 0x33333333",
      "add edx, r10d",
      "mov r10d, edx",
      "shr r10d, 4",
      "add edx, r10d",
      "and edx, 0xf0f0f0f",
      "mov r11d, 0x1010101",
      "imul edx, r11d",
      "shr edx, 0x18",
    ]);
    const wide = body((m) => m.intUnop("popcnt", 64, 0));
    expect(wide.filter((text) => text.startsWith("movabs"))).toEqual([
      "movabs r11, 0x5555555555555555",
      "movabs r11, 0x3333333333333333",
      "movabs r11, 0xf0f0f0f0f0f0f0f",
      "movabs r11, 0x101010101010101",
    ]);
    expect(wide.at(-1)).toBe("shr rax, 0x38");
  });

  it("shifts by cl, parking rcx in r11 when the count is elsewhere", () => {
    expect(body((m) => m.intBinop("shl", 32, 0, 1))).toEqual(["shl eax, cl"]);
    expect(body((m) => m.intBinop("rotl", 64, 2, 0))).toEqual([
      "mov r11, rcx",
      "mov rcx, rax",
      "rol rdx, cl",
      "mov rcx, r11",
    ]);
    expect(body((m) => m.intBinop("shr_s", 32, 1, 2))).toEqual([
      "mov r11, rcx",
      "mov rcx, rdx",
      "sar r11d, cl",
      "mov rcx, r11",
    ]);
  });

  it("divides through rdx:rax, restoring the scratch registers it borrows", () => {
    expect(body((m) => m.intBinop("div_s", 32, 0, 1))).toEqual([
      "mov r10, rcx",
      "mov r11, rdx",
      "cdq",
      "idiv r10d",
      "mov rdx, r11",
    ]);
    expect(body((m) => m.intBinop("rem_u", 64, 1, 0))).toEqual([
      "mov r10, rax",
      "xchg rax, rcx",
      "mov r11, rdx",
      "xor edx, edx",
      "div r10",
      "mov rax, rdx",
      "mov rdx, r11",
      "xchg rax, rcx",
    ]);
    expect(body((m) => m.intBinop("rem_s", 64, 2, 2))).toEqual([
      "mov r10, rdx",
      "xchg rax, rdx",
      "mov r11, rdx",
      "cqo",
      "idiv r10",
      "mov rax, rdx",
      "mov rdx, r11",
      "xchg rax, rdx",
    ]);
  });

  it("materialises comparisons with setcc + movzx and selects with cmove", () => {
    expect(
      body((m) => {
        m.compare("lt_u", 64, 0, 1, 2);
        m.compare("ge_s", 32, 1, 1, 0);
        m.eqz(32, 2);
        m.select(0, 1, 2);
      }),
    ).toEqual([
      "cmp rcx, rdx",
      "setb al",
      "movzx eax, al",
      "cmp ecx, eax",
      "setge cl",
      "movzx ecx, cl",
      "test edx, edx",
      "sete dl",
      "movzx edx, dl",
      "test edx, edx",
      "cmove rax, rcx",
    ]);
  });

  it("bounds-checks memory accesses against the VM context before using membase + address", () => {
    let oobAt = 0;
    const code = body((m) => {
      const oob = m.newLabel();
      m.load("i32.load8_s", 1, 0, 0, oob);
      m.load("i64.load32_s", 0, 2, 16, oob);
      m.store("i64.store16", 1, 0, 0xffffffff, oob);
      oobAt = m.offset();
      m.bind(oob);
    });
    const toOob = `ja ${hex(oobAt)}`;
    expect(code).toEqual([
      "lea r10, [rax + 1]",
      "cmp r10, qword ptr [r14]",
      toOob,
      "movsx ecx, byte ptr [r15 + rax]",
      "add rdx, 0x10",
      "lea r10, [rdx + 4]",
      "cmp r10, qword ptr [r14]",
      toOob,
      "movsxd rax, dword ptr [r15 + rdx]",
      "mov r10d, 0xffffffff",
      "add rcx, r10",
      "lea r10, [rcx + 2]",
      "cmp r10, qword ptr [r14]",
      toOob,
      "mov word ptr [r15 + rcx], ax",
    ]);
  });

  it("reads globals from the VM context and checks the stack limit against it", () => {
    let overflowAt = 0;
    const code = body((m) => {
      const overflow = m.newLabel();
      m.loadVmField(0, 64);
      m.storeVmField(72, 1);
      // SP is 16 below the reference: reference − 64 = rsp − 48.
      m.branchIfStackBelowLimit(64, overflow);
      overflowAt = m.offset();
      m.bind(overflow);
    });
    expect(code).toEqual([
      "mov rax, qword ptr [r14 + 0x40]",
      "mov qword ptr [r14 + 0x48], rcx",
      "lea r10, [rsp - 0x30]",
      "cmp r10, qword ptr [r14 + 0x18]",
      `jb ${hex(overflowAt)}`,
    ]);
  });

  it("moves arguments between slots, argument registers and the outgoing area", () => {
    expect(
      body((m) => {
        m.reserve(16);
        m.loadSlotToArgReg(0, 32);
        m.loadSlotToArgReg(5, 24);
        m.storeArgRegToSlot(32, 2);
        m.storeOutgoingStackArg(1, 2);
        m.loadIncomingStackArg(0, 1);
        m.moveToResultReg(1);
        m.moveFromResultReg(0);
      }),
    ).toEqual([
      "sub rsp, 0x10",
      "mov rdi, qword ptr [rsp]",
      "mov r9, qword ptr [rsp + 8]",
      "mov qword ptr [rsp], rdx",
      "mov qword ptr [rsp + 8], rdx",
      "mov rax, qword ptr [rsp + 0x28]",
      "mov rax, rcx",
    ]);
  });
});

describe("x64 masm: floats, table loads and indirect calls", () => {
  it("moves raw bits through xmm0/xmm1 with movd (f32, zero-extending back) and movq (f64)", () => {
    expect(
      body((m) => {
        m.floatBinop("mul", 32, 2, 0);
        m.floatUnop("nearest", 64, 1);
        m.floatUnop("sqrt", 32, 0);
        m.convertFloat(32, 64, 0);
        m.convertFloat(64, 32, 1);
      }),
    ).toEqual([
      "movd xmm0, edx",
      "movd xmm1, eax",
      "mulss xmm0, xmm1",
      "movd edx, xmm0",
      "movq xmm0, rcx",
      "roundsd xmm0, xmm0, 0",
      "movq rcx, xmm0",
      "movd xmm0, eax",
      "sqrtss xmm0, xmm0",
      "movd eax, xmm0",
      "movd xmm0, eax",
      "cvtss2sd xmm0, xmm0",
      "movq rax, xmm0",
      "movq xmm0, rcx",
      "cvtsd2ss xmm0, xmm0",
      "movd ecx, xmm0",
    ]);
  });

  it("builds min/max from ucomis: NaN → add, equal → or (min) / and (max) of the bits, else minss/maxss", () => {
    // Offsets after the frame record: ucomisd at 14, jp at 18, jne at 24, orps at 30, jmp at 33,
    // minsd at 38, jmp at 42, addsd at 47, movq back at 51.
    expect(body((m) => m.floatBinop("min", 64, 0, 1))).toEqual([
      "movq xmm0, rax",
      "movq xmm1, rcx",
      "ucomisd xmm0, xmm1",
      "jp 0x2f",
      "jne 0x26",
      "orps xmm0, xmm1",
      "jmp 0x33",
      "minsd xmm0, xmm1",
      "jmp 0x33",
      "addsd xmm0, xmm1",
      "movq rax, xmm0",
    ]);
    expect(body((m) => m.floatBinop("max", 32, 1, 0)).filter((t) => !t.startsWith("j"))).toEqual([
      "movd xmm0, ecx",
      "movd xmm1, eax",
      "ucomiss xmm0, xmm1",
      "andps xmm0, xmm1",
      "maxss xmm0, xmm1",
      "addss xmm0, xmm1",
      "movd ecx, xmm0",
    ]);
  });

  it("compares with ucomis and setcc into a zeroed destination; eq/ne also read the parity flag", () => {
    expect(
      body((m) => {
        m.floatCompare("eq", 32, 0, 0, 1);
        m.floatCompare("ne", 64, 1, 2, 0);
        m.floatCompare("lt", 64, 2, 0, 1);
        m.floatCompare("ge", 32, 0, 1, 2);
      }),
    ).toEqual([
      "movd xmm0, eax",
      "movd xmm1, ecx",
      "xor eax, eax",
      "xor r11d, r11d",
      "ucomiss xmm0, xmm1",
      "sete al",
      "setnp r11b",
      "and eax, r11d",
      "movq xmm0, rdx",
      "movq xmm1, rax",
      "xor ecx, ecx",
      "xor r11d, r11d",
      "ucomisd xmm0, xmm1",
      "setne cl",
      "setp r11b",
      "or ecx, r11d",
      "movq xmm0, rax",
      "movq xmm1, rcx",
      "xor edx, edx",
      "ucomisd xmm1, xmm0",
      "seta dl",
      "movd xmm0, ecx",
      "movd xmm1, edx",
      "xor eax, eax",
      "ucomiss xmm0, xmm1",
      "setae al",
    ]);
  });

  it("truncates u64 branch-free: the second conversion of x − 2^63 is masked by the sign of the first", () => {
    expect(body((m) => m.truncateToInt(32, 64, false, 2))).toEqual([
      "movd xmm0, edx",
      "cvttss2si rdx, xmm0",
      "mov r10d, 0x5f000000",
      "movd xmm1, r10d",
      "subss xmm0, xmm1",
      "cvttss2si r10, xmm0",
      "mov r11, rdx",
      "sar r11, 0x3f",
      "and r10, r11",
      "or rdx, r10",
    ]);
    expect(body((m) => m.truncateToInt(64, 32, false, 0))).toEqual(["movq xmm0, rax", "cvttsd2si rax, xmm0"]);
    expect(body((m) => m.truncateToInt(64, 32, true, 0))).toEqual(["movq xmm0, rax", "cvttsd2si eax, xmm0"]);
  });

  it("converts u32 through its 64-bit zero extension and u64 ≥ 2^63 by halving with a sticky bit", () => {
    expect(body((m) => m.convertToFloat(32, 64, false, 1))).toEqual([
      "mov r10d, ecx",
      "cvtsi2sd xmm0, r10",
      "movq rcx, xmm0",
    ]);
    // Offsets after the frame record: test at 4, js at 7, cvtsi2ss at 13, jmp at 18, the halving
    // from 23 (0x17), the movd back at 48 (0x30).
    expect(body((m) => m.convertToFloat(64, 32, false, 2))).toEqual([
      "test rdx, rdx",
      "js 0x17",
      "cvtsi2ss xmm0, rdx",
      "jmp 0x30",
      "mov r10, rdx",
      "shr r10, 1",
      "mov r11d, edx",
      "and r11d, 1",
      "or r10, r11",
      "cvtsi2ss xmm0, r10",
      "addss xmm0, xmm0",
      "movd edx, xmm0",
    ]);
  });

  it("loads a table entry from base + offset and calls through a slot via r11, with no relocation", () => {
    const fn = assemble((m) => {
      m.pushFrameRecord();
      m.reserve(32);
      m.loadFromAddress(0, 1, 16);
      m.storeSlot(48, 0);
      m.loadSlotToArgReg(0, 40);
      m.callIndirectFromSlot(48);
      m.release(32);
      m.popFrameRecordAndReturn();
    });
    expect(texts(fn.code).slice(3, -3)).toEqual([
      "mov rax, qword ptr [rcx + 0x10]",
      "mov qword ptr [rsp], rax",
      "mov rdi, qword ptr [rsp + 8]",
      "mov r11, qword ptr [rsp]",
      "call r11",
    ]);
    expect(fn.relocations).toEqual([]);
  });

  it("rejects a misaligned indirect call, a slot below SP, a table offset beyond disp32, a same-width convertFloat", () => {
    const masm = createMasm();
    expect(() => masm.callIndirectFromSlot(8)).toThrow(/aligned/);
    masm.pushFrameRecord();
    expect(() => masm.callIndirectFromSlot(24)).toThrow(/below SP/);
    expect(() => masm.loadFromAddress(0, 1, 2 ** 31)).toThrow(CompilerInvariantError);
    expect(() => masm.convertFloat(64, 64, 0)).toThrow(CompilerInvariantError);
  });
});

describe("x64 masm: labels, branches, stubs and relocations", () => {
  it("patches forward branches at bind and encodes backward ones directly", () => {
    const at = { top: 0, done: 0 };
    const fn = assemble((m) => {
      m.pushFrameRecord();
      const top = m.newLabel();
      const done = m.newLabel();
      at.top = m.offset();
      m.bind(top);
      m.branchIfZero(32, 0, done);
      m.branchIfCompareImm("lt_s", 32, 1, -1, top);
      m.branchIfCompareImm("ne", 64, 2, 0x100000000, top);
      m.branchIfCompare("ge_u", 64, 0, 2, done);
      m.jump(top);
      at.done = m.offset();
      m.bind(done);
      m.popFrameRecordAndReturn();
    });
    expect(texts(fn.code)).toEqual([
      "push rbp",
      "mov rbp, rsp",
      "test eax, eax",
      `je ${hex(at.done)}`,
      "cmp ecx, -1",
      `jl ${hex(at.top)}`,
      "movabs r10, 0x100000000",
      "cmp rdx, r10",
      `jne ${hex(at.top)}`,
      "cmp rax, rdx",
      `jae ${hex(at.done)}`,
      `jmp ${hex(at.top)}`,
      "pop rbp",
      "ret",
    ]);
  });

  it("compares an i32 with an immediate by its low 32 bits", () => {
    let target = 0;
    const code = body((m) => {
      const l = m.newLabel();
      m.branchIfCompareImm("eq", 32, 0, 0xffffffff, l);
      m.branchIfCompareImm("gt_u", 64, 0, 127, l);
      target = m.offset();
      m.bind(l);
    });
    expect(code).toEqual(["cmp eax, -1", `je ${hex(target)}`, "cmp rax, 0x7f", `ja ${hex(target)}`]);
  });

  it("emits trap stubs after the body, each at the SP of the branch that reaches it", () => {
    const fn = assemble((m) => {
      m.pushFrameRecord();
      m.reserve(16);
      const trap = m.trapStub(7, 0x2040n);
      m.branchIfNonZero(64, 0, trap);
      m.release(16);
      m.popFrameRecordAndReturn();
    });
    const stubStart = fn.code.length - 11;
    // The jump to the exit is unpatched (rel32 0) until the linker applies its relocation.
    expect(texts(fn.code).slice(-2)).toEqual(["mov r11d, 7", `jmp ${hex(fn.code.length)}`]);
    expect(texts(fn.code).at(-6)).toBe(`jne ${hex(stubStart)}`);
    expect(fn.trapStubs).toEqual([{ site: 7, start: stubStart, end: fn.code.length }]);
    expect(fn.relocations).toEqual([{ offset: stubStart + 6, target: { kind: "exit", address: 0x2040n } }]);
    expect(fn.unwind.at(-1)).toEqual({ offset: stubStart, spBelowReference: 32, returnAddress: "stack" });
  });

  it("records a relocation for every call; the linker patches rel32 from the displacement", () => {
    const fn = assemble((m) => {
      m.pushFrameRecord();
      m.callFunction(3);
      m.callAddress(0x1000n);
      m.popFrameRecordAndReturn();
    });
    expect(fn.relocations).toEqual([
      { offset: 4, target: { kind: "function", funcIndex: 3 } },
      { offset: 9, target: { kind: "exit", address: 0x1000n } },
    ]);
    const code = fn.code.slice();
    const base = 0x40000;
    patchRelocation(code, 4, 0x50000 - (base + 4));
    patchRelocation(code, 9, 0x1000 - (base + 9));
    expect(texts(code, BigInt(base)).slice(2, 4)).toEqual(["call 0x50000", "call 0x1000"]);
  });

  it("refuses to patch anything but a call/jmp rel32, or a target out of range", () => {
    const code = assemble((m) => {
      m.pushFrameRecord();
      m.callFunction(0);
      m.popFrameRecordAndReturn();
    }).code;
    expect(() => patchRelocation(code, 0, 0)).toThrow(CompilerInvariantError);
    expect(() => patchRelocation(code, 4, 2 ** 31 + 5)).toThrow(CompilerInvariantError);
    expect(() => patchRelocation(code, 4, -(2 ** 31) + 5)).not.toThrow();
  });
});
