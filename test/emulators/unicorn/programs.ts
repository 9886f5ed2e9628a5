/**
 * Hand-written test programs, one table per target with the same entries, so that the tests are
 * written once. Bytes come from GNU as 2.40 (x86-64: `as --64`, `.intel_syntax noprefix`; AArch64:
 * `aarch64-linux-gnu-as`), pasted from objdump's listing shown beside them. Each program is assembled
 * at offset 0 with the label `exit` at 0x1000; the fixture loads it at CODE with the exit at CODE + 0x1000.
 * Offsets (`at`) are byte offsets of the instructions the tests refer to.
 */
import type { Target } from "../../../src/compiler/target.js";
import { hex, words } from "../machine-code.js";

export interface Program {
  code: Uint8Array;
  /** Byte offsets of instructions the tests name. */
  at: Record<string, number>;
}

export type ProgramName =
  | "stackPairs"
  | "callReturn"
  | "countedLoop"
  | "pushPopLoop"
  | "guardStore"
  | "recorder"
  | "spWriters"
  | "spRewrite"
  | "misalignment"
  | "cpuFeatures"
  | "traps"
  | "tiny"
  | "pushesTwoBlocks";

export const PROGRAMS: Record<Target, Record<ProgramName, Program>> = {
  x64: {
    /** Saves arg0, arg1 and restores them swapped: ret0 = arg1, arg2 register (rdx) = arg0. */
    stackPairs: {
      code: hex(`
        57               // 0: push rdi
        56               // 1: push rsi
        58               // 2: pop  rax
        5a               // 3: pop  rdx
        e9 f7 0f 00 00   // 4: jmp  1000 <exit>
      `),
      at: { afterPushes: 2 },
    },
    /** ret0 = the return address the call pushed. */
    callReturn: {
      code: hex(`
        e8 05 00 00 00   // 0: call a <f>
        e9 f6 0f 00 00   // 5: jmp  1000 <exit>
        48 8b 04 24      // a: mov  rax, QWORD PTR [rsp]
        c3               // e: ret
      `),
      at: { returnAddress: 0x5, callee: 0xa },
    },
    /** ret0 = arg0 + (arg0 - 1) + ... + 1; 2 + 3 * arg0 + 1 instructions. */
    countedLoop: {
      code: hex(`
        48 89 f9         // 0: mov  rcx, rdi
        31 c0            // 3: xor  eax, eax
        48 01 c8         // 5: add  rax, rcx   <l>
        48 ff c9         // 8: dec  rcx
        75 f8            // b: jne  5 <l>
        e9 ee 0f 00 00   // d: jmp  1000 <exit>
      `),
      at: { loop: 0x5 },
    },
    /** countedLoop with a push and a pop in its body: 2 + 5 * arg0 + 1 instructions. */
    pushPopLoop: {
      code: hex(`
        48 89 f9         // 0: mov  rcx, rdi
        31 c0            // 3: xor  eax, eax
        51               // 5: push rcx   <l>
        5a               // 6: pop  rdx
        48 01 d0         // 7: add  rax, rdx
        48 ff c9         // a: dec  rcx
        75 f6            // d: jne  5 <l>
        e9 ec 0f 00 00   // f: jmp  1000 <exit>
      `),
      at: { loop: 0x5 },
    },
    /** A store below the stack base, in the middle of a basic block. */
    /** One push, a branch that ends the block, then two pushes in the next block. */
    pushesTwoBlocks: {
      code: hex(`
        50               // 0: push rax
        eb 00            // 1: jmp  3
        50               // 3: push rax
        50               // 4: push rax
        e9 f6 0f 00 00   // 5: jmp  1000 <exit>
      `),
      at: { second: 0x3, third: 0x4 },
    },
    guardStore: {
      code: hex(`
        b8 01 00 00 00         // 0: mov  eax, 0x1
        48 83 c0 02            // 5: add  rax, 0x2
        48 89 84 24 f8 ef ff ff // 9: mov  QWORD PTR [rsp-0x1008], rax
        48 83 c0 03            // 11: add rax, 0x3
        e9 e6 0f 00 00         // 15: jmp 1000 <exit>
      `),
      at: { store: 0x9 },
    },
    /** Stack depth (in slots) before each instruction: 0 1 2 1 2 1 0. */
    recorder: {
      code: hex(`
        50               // 0: push rax
        50               // 1: push rax
        58               // 2: pop  rax
        50               // 3: push rax
        58               // 4: pop  rax
        58               // 5: pop  rax
        e9 f5 0f 00 00   // 6: jmp  1000 <exit>
      `),
      at: { first: 0, middle: 3, last: 6 },
    },
    /** Every kind of sp write the compilers use; the tests list the depth before each instruction. */
    spWriters: {
      code: hex(`
        55                    // 0: push rbp
        48 89 e5              // 1: mov  rbp, rsp
        48 83 ec 20           // 4: sub  rsp, 0x20
        48 83 c4 10           // 8: add  rsp, 0x10
        48 8d 64 24 c0        // c: lea  rsp, [rsp-0x40]
        50                    // 11: push rax
        58                    // 12: pop  rax
        e8 06 00 00 00        // 13: call 1e <f>
        c9                    // 18: leave
        e9 e2 0f 00 00        // 19: jmp  1000 <exit>
        48 81 ec 00 01 00 00  // 1e: sub  rsp, 0x100   <f>
        48 81 c4 00 01 00 00  // 25: add  rsp, 0x100
        c3                    // 2c: ret
      `),
      at: {},
    },
    /** `replaced` is a 3-byte non-writer of sp (mov rax, rbx); tests overwrite it with mov rsp, rbx. */
    spRewrite: {
      code: hex(`
        48 89 e3         // 0: mov  rbx, rsp
        48 83 eb 40      // 3: sub  rbx, 0x40
        48 89 d8         // 7: mov  rax, rbx
        e9 f1 0f 00 00   // a: jmp  1000 <exit>
      `),
      at: { replaced: 0x7, last: 0xa },
    },
    /** Calls `f` once with sp misaligned by 8 and once aligned (SysV: 16-aligned before `call`). */
    misalignment: {
      code: hex(`
        48 83 ec 08      // 0: sub  rsp, 0x8
        e8 0e 00 00 00   // 4: call 17 <f>
        48 83 c4 08      // 9: add  rsp, 0x8
        e8 05 00 00 00   // d: call 17 <f>
        e9 e9 0f 00 00   // 12: jmp 1000 <exit>
        c3               // 17: ret   <f>
      `),
      at: { misalignedAccess: 0x4, alignedAccess: 0xd },
    },
    /**
     * rbx = lzcnt(rsi), rcx = tzcnt(rdx), r9 = bits of roundsd(nearest even, bits r8); entered at
     * `popcnt`: rax = popcnt(rdi). Without ABM/BMI1, lzcnt/tzcnt silently decode as bsr/bsf, and
     * lzcnt(1) = 63 where bsr(1) = 0.
     */
    cpuFeatures: {
      code: hex(`
        f3 48 0f bd de    // 0: lzcnt   rbx, rsi
        f3 48 0f bc ca    // 5: tzcnt   rcx, rdx
        66 49 0f 6e c8    // a: movq    xmm1, r8
        66 0f 3a 0b c1 00 // f: roundsd xmm0, xmm1, 0x0
        66 49 0f 7e c1    // 15: movq   r9, xmm0
        e9 e1 0f 00 00    // 1a: jmp    1000 <exit>
        f3 48 0f b8 c7    // 1f: popcnt rax, rdi
        e9 d7 0f 00 00    // 24: jmp    1000 <exit>
      `),
      at: { popcnt: 0x1f },
    },
    /** Entered at `interrupt` (int3), `invalid` (ud2), `divide` (div rcx), `syscall` (int 0x80). */
    traps: {
      code: hex(`
        b8 01 00 00 00   // 0: mov  eax, 0x1
        cc               // 5: int3
        0f 0b            // 6: ud2
        48 f7 f1         // 8: div  rcx
        cd 80            // b: int  0x80
      `),
      at: { interrupt: 0x5, invalid: 0x6, divide: 0x8, syscall: 0xb },
    },
    tiny: {
      code: hex(`
        b8 78 56 34 12   // 0: mov  eax, 0x12345678
        e9 f6 0f 00 00   // 5: jmp  1000 <exit>
      `),
      at: { second: 0x5 },
    },
  },
  aarch64: {
    stackPairs: {
      code: words(
        0xa9bf07e0, // 0: stp x0, x1, [sp, #-16]!
        0xf81f0fe2, // 4: str x2, [sp, #-16]!
        0xf84107e5, // 8: ldr x5, [sp], #16
        0xa8c113e3, // c: ldp x3, x4, [sp], #16
        0x140003fc, // 10: b 1000 <exit>
      ),
      at: { afterPushes: 0x8 },
    },
    callReturn: {
      code: words(
        0x94000002, // 0: bl  8 <f>
        0x140003ff, // 4: b   1000 <exit>
        0xaa1e03e0, // 8: mov x0, x30   <f>
        0xd65f03c0, // c: ret
      ),
      at: { returnAddress: 0x4, callee: 0x8 },
    },
    countedLoop: {
      code: words(
        0xaa0003e1, // 0: mov  x1, x0
        0xd2800000, // 4: mov  x0, #0x0
        0x8b010000, // 8: add  x0, x0, x1   <l>
        0xf1000421, // c: subs x1, x1, #0x1
        0x54ffffc1, // 10: b.ne 8 <l>
        0x140003fb, // 14: b 1000 <exit>
      ),
      at: { loop: 0x8 },
    },
    pushPopLoop: {
      code: words(
        0xaa0003e1, // 0: mov  x1, x0
        0xd2800000, // 4: mov  x0, #0x0
        0xf81f0fe1, // 8: str  x1, [sp, #-16]!   <l>
        0xf84107e2, // c: ldr  x2, [sp], #16
        0x8b020000, // 10: add x0, x0, x2
        0xf1000421, // 14: subs x1, x1, #0x1
        0x54ffff81, // 18: b.ne 8 <l>
        0x140003f9, // 1c: b 1000 <exit>
      ),
      at: { loop: 0x8 },
    },
    /** One pre-indexed store, a branch that ends the block, then two more in the next block. */
    pushesTwoBlocks: {
      code: words(
        0xf81f0fe0, // 0: str x0, [sp, #-16]!
        0x14000001, // 4: b 8
        0xf81f0fe0, // 8: str x0, [sp, #-16]!
        0xf81f0fe0, // c: str x0, [sp, #-16]!
        0x140003fc, // 10: b 1000 <exit>
      ),
      at: { second: 0x8, third: 0xc },
    },
    guardStore: {
      code: words(
        0xd2800020, // 0: mov x0, #0x1
        0x91000800, // 4: add x0, x0, #0x2
        0xf81f0fe0, // 8: str x0, [sp, #-16]!
        0x91000c00, // c: add x0, x0, #0x3
        0x140003fc, // 10: b 1000 <exit>
      ),
      at: { store: 0x8 },
    },
    /** Stack depth (in 16-byte slots) before each instruction: 0 1 2 1 2 1 0. */
    recorder: {
      code: words(
        0xf81f0fe0, // 0: str x0, [sp, #-16]!
        0xf81f0fe0, // 4: str x0, [sp, #-16]!
        0xf84107e0, // 8: ldr x0, [sp], #16
        0xf81f0fe0, // c: str x0, [sp, #-16]!
        0xf84107e0, // 10: ldr x0, [sp], #16
        0xf84107e0, // 14: ldr x0, [sp], #16
        0x140003fa, // 18: b 1000 <exit>
      ),
      at: { first: 0, middle: 0xc, last: 0x18 },
    },
    spWriters: {
      code: words(
        0x910003fd, // 0: mov x29, sp
        0xd10083ff, // 4: sub sp, sp, #0x20
        0x910043ff, // 8: add sp, sp, #0x10
        0xa9bf07e0, // c: stp x0, x1, [sp, #-16]!
        0xa8c107e0, // 10: ldp x0, x1, [sp], #16
        0x910003bf, // 14: mov sp, x29
        0x94000002, // 18: bl 20 <f>
        0x140003f9, // 1c: b 1000 <exit>
        0xd10403ff, // 20: sub sp, sp, #0x100   <f>
        0x910403ff, // 24: add sp, sp, #0x100
        0xd65f03c0, // 28: ret
      ),
      at: {},
    },
    /** `replaced` is mov x2, x1; tests overwrite it with mov sp, x1. */
    spRewrite: {
      code: words(
        0x910003e1, // 0: mov x1, sp
        0xd1010021, // 4: sub x1, x1, #0x40
        0xaa0103e2, // 8: mov x2, x1
        0x140003fd, // c: b 1000 <exit>
      ),
      at: { replaced: 0x8, last: 0xc },
    },
    /** Unicorn does not fault on a misaligned sp (SCTLR.SA is ignored): only the checker sees it. */
    misalignment: {
      code: words(
        0xd10023ff, // 0: sub sp, sp, #0x8
        0xf90003e0, // 4: str x0, [sp]
        0x910023ff, // 8: add sp, sp, #0x8
        0xf81f0fe0, // c: str x0, [sp, #-16]!
        0x910043ff, // 10: add sp, sp, #0x10
        0x140003fb, // 14: b 1000 <exit>
      ),
      at: { misalignedAccess: 0x4, alignedAccess: 0xc },
    },
    /** x1 = popcount(x0) (cnt + addv), x3 = bits of frintn(bits x2). */
    cpuFeatures: {
      code: words(
        0x9e670000, // 0: fmov d0, x0
        0x0e205800, // 4: cnt v0.8b, v0.8b
        0x0e31b800, // 8: addv b0, v0.8b
        0x9e660001, // c: fmov x1, d0
        0x9e670041, // 10: fmov d1, x2
        0x1e644022, // 14: frintn d2, d1
        0x9e660043, // 18: fmov x3, d2
        0x140003f9, // 1c: b 1000 <exit>
      ),
      at: {},
    },
    traps: {
      code: words(
        0xd2800020, // 0: mov x0, #0x1
        0xd4207d00, // 4: brk #0x3e8
        0x00000000, // 8: udf #0
        0xd4000841, // c: svc #0x42
      ),
      at: { interrupt: 0x4, invalid: 0x8, syscall: 0xc },
    },
    tiny: {
      code: words(
        0xd28acf00, // 0: mov  x0, #0x5678
        0xf2a24680, // 4: movk x0, #0x1234, lsl #16
        0x140003fe, // 8: b 1000 <exit>
      ),
      at: { second: 0x4 },
    },
  },
};
