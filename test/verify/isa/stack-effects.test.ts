// Bytes assembled with GNU as 2.40 (x86-64: `as`; AArch64: `aarch64-linux-gnu-as`, Debian
// binutils-aarch64-linux-gnu), extracted with objcopy -O binary; decoded here by the real Capstone.
import { describe, expect, it } from "vitest";
import { decodeColumns } from "../../../emulators/disasm/columns.js";
import type { Target } from "../../../src/compiler/target.js";
import type { StackState } from "../../../src/verify/isa/effect.js";
import { lookupIsa } from "../../../src/verify/isa/index.js";

interface Row {
  text: string;
  sp: number;
  fp: number | null;
  accesses: number[];
  control: string;
}

/** Runs the abstract interpreter straight through and reports the state after each instruction. */
function trace(target: Target, hex: string): (Row | string)[] {
  const isa = lookupIsa(target);
  let state: StackState = { sp: isa.entrySp, fp: null };
  const columns = decodeColumns(target, Buffer.from(hex, "hex"), 0x1000n, Uint32Array.of(0));
  const rows: (Row | string)[] = [];
  for (let i = 0; i < columns.count; i++) {
    const effect = isa.effect(columns, i, state);
    if (!effect.known) {
      rows.push(effect.reason);
      continue;
    }
    state = effect.after;
    const { mnemonic, opStr } = columns.instruction(i);
    rows.push({
      text: `${mnemonic} ${opStr}`.trim(),
      sp: state.sp,
      fp: state.fp,
      accesses: Array.from({ length: effect.accessCount }, (_, k) => effect.access(k).depth),
      control: effect.control.kind,
    });
  }
  return rows;
}

describe("x86-64 stack effects", () => {
  // push rbp; mov rbp, rsp; sub rsp, 32; mov [rsp+8], rax; mov rax, [rbp-16]; call .; add rsp, 32;
  // lea rsp, [rsp-16]; mov rsp, rbp; pop rbp; ret; mov [rsp-8], rax; mov rsp, rax
  const rows = trace(
    "x64",
    "554889e54883ec204889442408488b45f0e8fbffffff4883c420488d6424f04889ec5dc348894424f84889c4",
  );

  it("follows pushes, frame-pointer moves and explicit SP arithmetic", () => {
    expect(rows.slice(0, 11)).toEqual([
      { text: "push rbp", sp: 16, fp: null, accesses: [16], control: "next" },
      { text: "mov rbp, rsp", sp: 16, fp: 16, accesses: [], control: "next" },
      { text: "sub rsp, 0x20", sp: 48, fp: 16, accesses: [], control: "next" },
      { text: "mov qword ptr [rsp + 8], rax", sp: 48, fp: 16, accesses: [40], control: "next" },
      { text: "mov rax, qword ptr [rbp - 0x10]", sp: 48, fp: 16, accesses: [32], control: "next" },
      { text: "call 0x1011", sp: 48, fp: 16, accesses: [], control: "call" },
      { text: "add rsp, 0x20", sp: 16, fp: 16, accesses: [], control: "next" },
      { text: "lea rsp, [rsp - 0x10]", sp: 32, fp: 16, accesses: [], control: "next" },
      { text: "mov rsp, rbp", sp: 16, fp: 16, accesses: [], control: "next" },
      { text: "pop rbp", sp: 8, fp: null, accesses: [16], control: "next" },
      { text: "ret", sp: 0, fp: null, accesses: [8], control: "return" },
    ]);
  });

  it("reports an access below SP, and refuses an SP it cannot follow", () => {
    const below = rows[11] as Row;
    expect(below.accesses).toEqual([8]);
    expect(rows[12]).toBe("mov rsp, rax: unrecognised write to rsp");
  });
});

describe("AArch64 stack effects", () => {
  // stp x29, x30, [sp, #-16]!; mov x29, sp; sub sp, sp, #32; str x9, [sp, #8]; ldr x9, [sp], #16;
  // str x9, [sp, #-16]!; add sp, sp, #16; ldp x29, x30, [sp], #16; bl .; ret; mov sp, x29;
  // sub sp, sp, #1, lsl #12; stur x9, [x29, #-8]
  const rows = trace(
    "aarch64",
    "fd7bbfa9fd030091ff8300d1e90700f9e90741f8e90f1ff8ff430091fd7bc1a800000094c0035fd6bf030091ff0740d1a9831ff8",
  );

  it("applies pre-index writeback before the access and post-index after it", () => {
    expect(rows.map((r) => (typeof r === "string" ? r : [r.sp, r.fp, r.accesses, r.control]))).toEqual([
      [16, null, [16], "next"],
      [16, 16, [], "next"],
      [48, 16, [], "next"],
      [48, 16, [40], "next"],
      [32, 16, [48], "next"],
      [48, 16, [48], "next"],
      [32, 16, [], "next"],
      [16, null, [32], "next"],
      [16, null, [], "call"],
      [16, null, [], "return"],
      "mov sp, x29: unrecognised write to sp",
      [16 + 4096, null, [], "next"],
      "stur x9, [x29, #-8]: x29-relative access with x29 unknown",
    ]);
  });
});
