/**
 * Capstone wrapper on both ISAs. Instruction bytes come from GNU as 2.40 (x86-64: `as --64` with
 * `.intel_syntax noprefix`; AArch64: `aarch64-linux-gnu-as`) and were pasted from objdump's listing,
 * shown beside each line. The expected text is Capstone 4's, which differs from objdump in places
 * (immediates in hex, `#0x10` vs `#16`).
 */
import { describe, expect, it } from "vitest";
import {
  DisassemblyError,
  disassemble,
  disassembleOne,
  type Instruction,
} from "../../../emulators/disasm/capstone.js";
import { hex, words } from "../machine-code.js";

const R = { read: true, write: false };
const W = { read: false, write: true };
const RW = { read: true, write: true };

function texts(instructions: Instruction[]): string[] {
  return instructions.map((i) => `${i.mnemonic} ${i.opStr}`.trim());
}

describe("x64", () => {
  const code = hex(`
    55                  // push rbp
    48 89 e5            // mov rbp, rsp
    48 83 ec 20         // sub rsp, 0x20
    48 8b 44 cc 10      // mov rax, QWORD PTR [rsp+rcx*8+0x10]
    e8 00 00 00 00      // call 0x12
    75 00               // jne 0x14
    c3                  // ret
    5d                  // pop rbp
  `);
  const listing = disassemble("x64", code, 0x1000n);

  it("decodes every instruction with address, size, bytes and Capstone's text", () => {
    expect(texts(listing)).toEqual([
      "push rbp",
      "mov rbp, rsp",
      "sub rsp, 0x20",
      "mov rax, qword ptr [rsp + rcx*8 + 0x10]",
      "call 0x1012",
      "jne 0x1014",
      "ret",
      "pop rbp",
    ]);
    expect(listing.map((i) => Number(i.address - 0x1000n))).toEqual([0, 1, 4, 8, 13, 18, 20, 21]);
    expect(listing.reduce((sum, i) => sum + i.size, 0)).toBe(code.length);
    expect([...listing[3]!.bytes]).toEqual([0x48, 0x8b, 0x44, 0xcc, 0x10]);
  });

  it("reports implicit stack-pointer effects of push, pop, call and ret", () => {
    const [push, , , , call, , ret, pop] = listing;
    expect(push!.regsRead).toEqual(["rsp", "rbp"]);
    expect(push!.regsWritten).toEqual(["rsp"]);
    expect(pop!.regsWritten).toEqual(["rsp", "rbp"]);
    expect(call!.regsWritten).toContain("rsp");
    expect(ret!.regsWritten).toContain("rsp");
  });

  it("reads register, immediate and memory operands with their access", () => {
    expect(listing[2]!.operands).toEqual([
      { kind: "reg", reg: "rsp", access: RW },
      { kind: "imm", value: 0x20n, access: { read: false, write: false } },
    ]);
    expect(listing[3]!.operands).toEqual([
      { kind: "reg", reg: "rax", access: W },
      { kind: "mem", base: "rsp", index: "rcx", scale: 8, disp: 0x10, access: R },
    ]);
    expect(listing[2]!.regsWritten).toEqual(["rflags", "rsp"]);
  });

  it("classifies control flow into groups", () => {
    expect(listing.map((i) => i.groups.filter((g) => g !== "branch_relative"))).toEqual([
      [],
      [],
      [],
      [],
      ["call"],
      ["jump"],
      ["ret"],
      [],
    ]);
    expect(listing[4]!.operands).toEqual([{ kind: "imm", value: 0x1012n, access: expect.anything() }]);
  });

  it("keeps 64-bit immediates exact", () => {
    // 48 b8 ef cd ab 89 67 45 23 81    movabs rax, 0x8123456789abcdef
    const movabs = disassembleOne("x64", hex("48b8efcdab8967452381"));
    expect(movabs.operands[1]).toEqual({
      kind: "imm",
      value: -0x7edcba9876543211n,
      access: expect.anything(),
    });
  });
});

describe("aarch64", () => {
  const code = words(
    0xa9bf7bfd, // stp x29, x30, [sp, #-16]!
    0x910003fd, // mov x29, sp
    0x94000002, // bl  10
    0xf862d820, // ldr x0, [x1, w2, sxtw #3]
    0x91400420, // add x0, x1, #0x1, lsl #12
    0xf84107e1, // ldr x1, [sp], #16
    0xd10083ff, // sub sp, sp, #0x20
    0x54000041, // b.ne 2c
    0xd4200020, // brk #0x1
    0xa8c17bfd, // ldp x29, x30, [sp], #16
    0xd65f03c0, // ret
  );
  const listing = disassemble("aarch64", code, 0x4000n);

  it("decodes every instruction with Capstone's text", () => {
    expect(texts(listing)).toEqual([
      "stp x29, x30, [sp, #-0x10]!",
      "mov x29, sp",
      "bl #0x4010",
      "ldr x0, [x1, w2, sxtw #3]",
      "add x0, x1, #1, lsl #12",
      "ldr x1, [sp], #0x10",
      "sub sp, sp, #0x20",
      "b.ne #0x4024",
      "brk #0x1",
      "ldp x29, x30, [sp], #0x10",
      "ret",
    ]);
    expect(listing.every((i) => i.size === 4)).toBe(true);
  });

  it("distinguishes pre-index (offset in the operand) from post-index (offset as a trailing immediate)", () => {
    const [stp] = listing;
    expect(stp!.writeback).toBe(true);
    expect(stp!.operands).toEqual([
      { kind: "reg", reg: "x29", access: R },
      { kind: "reg", reg: "x30", access: R },
      { kind: "mem", base: "sp", index: null, scale: 1, disp: -16, access: RW },
    ]);
    const ldp = listing[9]!;
    expect(ldp.writeback).toBe(true);
    expect(ldp.operands.slice(2)).toEqual([
      { kind: "mem", base: "sp", index: null, scale: 1, disp: 0, access: expect.anything() },
      { kind: "imm", value: 16n, access: expect.anything() },
    ]);
    expect(ldp.regsWritten).toEqual(["x29", "x30", "sp"]);
    expect(listing[1]!.writeback).toBe(false);
  });

  it("reads shifts and extends", () => {
    expect(listing[3]!.operands[1]).toEqual({
      kind: "mem",
      base: "x1",
      index: "w2",
      scale: 1,
      disp: 0,
      access: R,
      shift: { type: "lsl", amount: 3 },
      extend: "sxtw",
    });
    expect(listing[4]!.operands[2]).toMatchObject({
      kind: "imm",
      value: 1n,
      shift: { type: "lsl", amount: 12 },
    });
  });

  it("names sp and the link register, and classifies control flow", () => {
    expect(listing[6]!.operands.map((o) => o.kind === "reg" && o.reg)).toEqual(["sp", "sp", false]);
    const bl = listing[2]!;
    expect(bl.groups).toContain("call");
    expect(bl.regsWritten).toEqual(["x30"]);
    expect(listing[7]!.groups).toContain("jump");
    expect(listing[8]!.groups).toEqual(["int"]);
    expect(listing[10]!.groups).toEqual(["ret"]);
    expect(listing[10]!.regsRead).toEqual(["x30"]);
  });
});

describe("undecodable input", () => {
  it("stops at the first undecodable byte", () => {
    // 90 nop ; 06 (push es: invalid in 64-bit mode) ; 90 nop
    const listing = disassemble("x64", hex("90 06 90"));
    expect(texts(listing)).toEqual(["nop"]);
    expect(disassemble("aarch64", words(0xd503201f, 0x00000000))).toHaveLength(1); // nop ; udf #0
  });

  it("disassembleOne throws a DisassemblyError", () => {
    expect(() => disassembleOne("x64", hex("06"))).toThrow(DisassemblyError);
    expect(() => disassembleOne("aarch64", new Uint8Array())).toThrow(DisassemblyError);
  });

  it("decodes a long buffer in several native calls, with addresses and bytes running on", () => {
    const nops = new Uint8Array(5000).fill(0x90);
    expect(disassemble("x64", hex("c3"))).toHaveLength(1);
    const listing = disassemble("x64", nops, 0x1000n);
    expect(listing).toHaveLength(5000);
    expect(listing[4999]!.address).toBe(0x1000n + 4999n);
    expect(listing[4999]!.bytes.byteOffset).toBe(4999);
  });

  it("stops at an undecodable byte just past a native call's batch", () => {
    // 256 nops fill one batch (CAPACITY in capstone.ts); the next call meets 06 and decodes nothing.
    for (const length of [255, 256, 257]) {
      const bytes = new Uint8Array(length + 2).fill(0x90);
      bytes[length] = 0x06;
      expect(disassemble("x64", bytes)).toHaveLength(length);
    }
  });
});
