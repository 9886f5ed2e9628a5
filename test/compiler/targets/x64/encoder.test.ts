/**
 * Byte-exact table for every x64 encoder. How the columns were obtained (never from our encoder):
 * - hex: GNU as 2.40 (`as --64`, `.intel_syntax noprefix`; the rel32 branches written as
 *   `{disp32} jmp .+5+DISP` so as keeps the 32-bit form), copied from `objdump -d --insn-width=16`.
 *   The assembler source line is the comment after each row.
 * - text: Capstone 4.0.2 (emulators/disasm/capstone.ts) decoding those bytes at address 0x1000000.
 * The test asserts that our encoder produces the hex, and that Capstone decodes the hex to exactly
 * one instruction that consumes all bytes, printing the text.
 */
import { describe, expect, it } from "vitest";
import { Gpr, Xmm } from "../../../../src/compiler/targets/x64/regs.js";
import {
  type BoundEncoders,
  count,
  decodeOne,
  ENCODER_NAMES,
  encode,
  mem,
  memIndex,
  s32,
  toHex,
  u32,
} from "./helpers.js";

const { rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15 } = Gpr;
const { xmm0, xmm1, xmm2, xmm3, xmm8, xmm9, xmm10, xmm11, xmm12, xmm13, xmm14, xmm15 } = Xmm;
const ADDRESS = 0x1000000n;

type Row = [emit: (e: BoundEncoders) => void, hex: string, text: string];

const TABLE: Row[] = [
  [(e) => e.movRR(64, rax, rcx), "48 89 c8", "mov rax, rcx"], // mov rax, rcx
  [(e) => e.movRR(32, rax, rcx), "89 c8", "mov eax, ecx"], // mov eax, ecx
  [(e) => e.movRR(64, r10, rax), "49 89 c2", "mov r10, rax"], // mov r10, rax
  [(e) => e.movRR(64, rax, r11), "4c 89 d8", "mov rax, r11"], // mov rax, r11
  [(e) => e.movRR(64, r15, r8), "4d 89 c7", "mov r15, r8"], // mov r15, r8
  [(e) => e.movRR(32, r9, r12), "45 89 e1", "mov r9d, r12d"], // mov r9d, r12d
  [(e) => e.movRM(64, rax, mem(rsp, 0)), "48 8b 04 24", "mov rax, qword ptr [rsp]"], // mov rax, [rsp]
  [(e) => e.movRM(64, rax, mem(rsp, 8)), "48 8b 44 24 08", "mov rax, qword ptr [rsp + 8]"], // mov rax, [rsp+8]
  [(e) => e.movRM(32, rax, mem(rbp, 0)), "8b 45 00", "mov eax, dword ptr [rbp]"], // mov eax, [rbp]
  [(e) => e.movRM(64, rcx, mem(r12, 0x100)), "49 8b 8c 24 00 01 00 00", "mov rcx, qword ptr [r12 + 0x100]"], // mov rcx, [r12+0x100]
  [(e) => e.movRM(64, rdx, mem(r13, 0)), "49 8b 55 00", "mov rdx, qword ptr [r13]"], // mov rdx, [r13]
  [(e) => e.movRM(64, r10, mem(r14, 0)), "4d 8b 16", "mov r10, qword ptr [r14]"], // mov r10, [r14]
  [(e) => e.movRM(64, rax, mem(rcx, 127)), "48 8b 41 7f", "mov rax, qword ptr [rcx + 0x7f]"], // mov rax, [rcx+127]
  [(e) => e.movRM(64, rax, mem(rcx, 128)), "48 8b 81 80 00 00 00", "mov rax, qword ptr [rcx + 0x80]"], // mov rax, [rcx+128]
  [(e) => e.movRM(64, rax, mem(rcx, -128)), "48 8b 41 80", "mov rax, qword ptr [rcx - 0x80]"], // mov rax, [rcx-128]
  [(e) => e.movRM(64, rax, mem(rcx, -129)), "48 8b 81 7f ff ff ff", "mov rax, qword ptr [rcx - 0x81]"], // mov rax, [rcx-129]
  [
    (e) => e.movRM(64, rax, mem(rbx, -0x80000000)),
    "48 8b 83 00 00 00 80",
    "mov rax, qword ptr [rbx - 0x80000000]",
  ], // mov rax, [rbx-0x80000000]
  [
    (e) => e.movRM(64, rax, mem(rbx, 0x7fffffff)),
    "48 8b 83 ff ff ff 7f",
    "mov rax, qword ptr [rbx + 0x7fffffff]",
  ], // mov rax, [rbx+0x7fffffff]
  [(e) => e.movRM(64, rax, memIndex(r15, rax, 0)), "49 8b 04 07", "mov rax, qword ptr [r15 + rax]"], // mov rax, [r15+rax]
  [(e) => e.movRM(32, rax, memIndex(r15, rcx, 0)), "41 8b 04 0f", "mov eax, dword ptr [r15 + rcx]"], // mov eax, [r15+rcx]
  [(e) => e.movRM(64, r11, memIndex(r13, r12, 0)), "4f 8b 5c 25 00", "mov r11, qword ptr [r13 + r12]"], // mov r11, [r13+r12]
  [(e) => e.movRM(64, rax, memIndex(rbp, r9, 16)), "4a 8b 44 0d 10", "mov rax, qword ptr [rbp + r9 + 0x10]"], // mov rax, [rbp+r9+16]
  [(e) => e.movRM(64, rax, memIndex(rsp, rcx, -8)), "48 8b 44 0c f8", "mov rax, qword ptr [rsp + rcx - 8]"], // mov rax, [rsp+rcx-8]
  [(e) => e.movMR(8, memIndex(r15, rax, 0), rcx), "41 88 0c 07", "mov byte ptr [r15 + rax], cl"], // mov byte ptr [r15+rax], cl
  [(e) => e.movMR(8, mem(rax, 0), rsi), "40 88 30", "mov byte ptr [rax], sil"], // mov byte ptr [rax], sil
  [(e) => e.movMR(8, mem(r8, 0), r9), "45 88 08", "mov byte ptr [r8], r9b"], // mov byte ptr [r8], r9b
  [(e) => e.movMR(16, memIndex(r15, rax, 0), rdx), "66 41 89 14 07", "mov word ptr [r15 + rax], dx"], // mov word ptr [r15+rax], dx
  [(e) => e.movMR(16, mem(rsp, 2), r10), "66 44 89 54 24 02", "mov word ptr [rsp + 2], r10w"], // mov word ptr [rsp+2], r10w
  [(e) => e.movMR(32, mem(r14, 64), rax), "41 89 46 40", "mov dword ptr [r14 + 0x40], eax"], // mov dword ptr [r14+64], eax
  [
    (e) => e.movMR(32, memIndex(r15, rdx, 0x1000), rcx),
    "41 89 8c 17 00 10 00 00",
    "mov dword ptr [r15 + rdx + 0x1000], ecx",
  ], // mov dword ptr [r15+rdx+0x1000], ecx
  [(e) => e.movMR(64, mem(rsp, 16), rdx), "48 89 54 24 10", "mov qword ptr [rsp + 0x10], rdx"], // mov qword ptr [rsp+16], rdx
  [(e) => e.movMR(64, mem(rsp, 0), rdi), "48 89 3c 24", "mov qword ptr [rsp], rdi"], // mov qword ptr [rsp], rdi
  [(e) => e.movMR(64, mem(r13, -8), r12), "4d 89 65 f8", "mov qword ptr [r13 - 8], r12"], // mov qword ptr [r13-8], r12
  [(e) => e.movRI32(rax, u32(0)), "b8 00 00 00 00", "mov eax, 0"], // mov eax, 0
  [(e) => e.movRI32(rdx, u32(7)), "ba 07 00 00 00", "mov edx, 7"], // mov edx, 7
  [(e) => e.movRI32(r11, u32(0xffffffff)), "41 bb ff ff ff ff", "mov r11d, 0xffffffff"], // mov r11d, 0xffffffff
  [(e) => e.movRI64(rax, s32(-1)), "48 c7 c0 ff ff ff ff", "mov rax, -1"], // mov rax, -1
  [(e) => e.movRI64(r10, s32(0x7fffffff)), "49 c7 c2 ff ff ff 7f", "mov r10, 0x7fffffff"], // mov r10, 0x7fffffff
  [(e) => e.movRI64(rcx, s32(-0x80000000)), "48 c7 c1 00 00 00 80", "mov rcx, -0x80000000"], // mov rcx, -0x80000000
  [
    (e) => e.movabsRI(rax, 0x8123456789abcdefn),
    "48 b8 ef cd ab 89 67 45 23 81",
    "movabs rax, 0x8123456789abcdef",
  ], // movabs rax, 0x8123456789abcdef
  [(e) => e.movabsRI(r10, 0x100000000n), "49 ba 00 00 00 00 01 00 00 00", "movabs r10, 0x100000000"], // movabs r10, 0x100000000
  [(e) => e.movabsRI(rdx, -1n), "48 ba ff ff ff ff ff ff ff ff", "movabs rdx, 0xffffffffffffffff"], // movabs rdx, 0xffffffffffffffff
  [(e) => e.movzxRR(8, rax, rax), "0f b6 c0", "movzx eax, al"], // movzx eax, al
  [(e) => e.movzxRR(8, rcx, rsi), "40 0f b6 ce", "movzx ecx, sil"], // movzx ecx, sil
  [(e) => e.movzxRR(8, r10, r11), "45 0f b6 d3", "movzx r10d, r11b"], // movzx r10d, r11b
  [(e) => e.movzxRR(16, rax, rcx), "0f b7 c1", "movzx eax, cx"], // movzx eax, cx
  [(e) => e.movzxRM(8, rax, memIndex(r15, rax, 0)), "41 0f b6 04 07", "movzx eax, byte ptr [r15 + rax]"], // movzx eax, byte ptr [r15+rax]
  [
    (e) => e.movzxRM(16, rdx, memIndex(r15, rcx, 4)),
    "41 0f b7 54 0f 04",
    "movzx edx, word ptr [r15 + rcx + 4]",
  ], // movzx edx, word ptr [r15+rcx+4]
  [(e) => e.movzxRM(8, r8, mem(rsp, 0)), "44 0f b6 04 24", "movzx r8d, byte ptr [rsp]"], // movzx r8d, byte ptr [rsp]
  [(e) => e.movsxRR("lq", rax, rax), "48 63 c0", "movsxd rax, eax"], // movsxd rax, eax
  [(e) => e.movsxRR("lq", rdx, r10), "49 63 d2", "movsxd rdx, r10d"], // movsxd rdx, r10d
  [(e) => e.movsxRR("bl", rax, rdi), "40 0f be c7", "movsx eax, dil"], // movsx eax, dil
  [(e) => e.movsxRR("bq", rcx, rdx), "48 0f be ca", "movsx rcx, dl"], // movsx rcx, dl
  [(e) => e.movsxRR("wl", rax, rcx), "0f bf c1", "movsx eax, cx"], // movsx eax, cx
  [(e) => e.movsxRR("wq", r8, r9), "4d 0f bf c1", "movsx r8, r9w"], // movsx r8, r9w
  [(e) => e.movsxRM("bl", rax, memIndex(r15, rax, 0)), "41 0f be 04 07", "movsx eax, byte ptr [r15 + rax]"], // movsx eax, byte ptr [r15+rax]
  [(e) => e.movsxRM("bq", rdx, memIndex(r15, rcx, 0)), "49 0f be 14 0f", "movsx rdx, byte ptr [r15 + rcx]"], // movsx rdx, byte ptr [r15+rcx]
  [
    (e) => e.movsxRM("wl", rcx, memIndex(r15, rdx, 2)),
    "41 0f bf 4c 17 02",
    "movsx ecx, word ptr [r15 + rdx + 2]",
  ], // movsx ecx, word ptr [r15+rdx+2]
  [(e) => e.movsxRM("wq", rax, mem(r13, 0)), "49 0f bf 45 00", "movsx rax, word ptr [r13]"], // movsx rax, word ptr [r13]
  [(e) => e.movsxRM("lq", r11, mem(r12, -4)), "4d 63 5c 24 fc", "movsxd r11, dword ptr [r12 - 4]"], // movsxd r11, dword ptr [r12-4]
  [(e) => e.leaRM(r10, mem(rax, 8)), "4c 8d 50 08", "lea r10, [rax + 8]"], // lea r10, [rax+8]
  [(e) => e.leaRM(r10, mem(rsp, -16)), "4c 8d 54 24 f0", "lea r10, [rsp - 0x10]"], // lea r10, [rsp-16]
  [(e) => e.leaRM(rax, mem(rsp, 0x1000)), "48 8d 84 24 00 10 00 00", "lea rax, [rsp + 0x1000]"], // lea rax, [rsp+0x1000]
  [(e) => e.leaRM(rcx, memIndex(r12, r10, 1)), "4b 8d 4c 14 01", "lea rcx, [r12 + r10 + 1]"], // lea rcx, [r12+r10+1]
  [(e) => e.xchgRR(rax, rcx), "48 91", "xchg rax, rcx"], // xchg rax, rcx
  [(e) => e.xchgRR(rdx, rax), "48 92", "xchg rax, rdx"], // xchg rdx, rax
  [(e) => e.xchgRR(rax, r10), "49 92", "xchg rax, r10"], // xchg rax, r10
  [(e) => e.xchgRR(rcx, rdx), "48 87 d1", "xchg rcx, rdx"], // xchg rcx, rdx
  [(e) => e.xchgRR(r11, r9), "4d 87 cb", "xchg r11, r9"], // xchg r11, r9
  [(e) => e.cmovccRR("e", 64, rax, rcx), "48 0f 44 c1", "cmove rax, rcx"], // cmove rax, rcx
  [(e) => e.cmovccRR("e", 32, rcx, rdx), "0f 44 ca", "cmove ecx, edx"], // cmove ecx, edx
  [(e) => e.cmovccRR("ne", 64, r10, r11), "4d 0f 45 d3", "cmovne r10, r11"], // cmovne r10, r11
  [(e) => e.cmovccRR("l", 64, rdx, r8), "49 0f 4c d0", "cmovl rdx, r8"], // cmovl rdx, r8
  [(e) => e.cmovccRR("p", 32, rdx, r11), "41 0f 4a d3", "cmovp edx, r11d"], // cmovp edx, r11d
  [(e) => e.setcc("e", rax), "0f 94 c0", "sete al"], // sete al
  [(e) => e.setcc("ne", rcx), "0f 95 c1", "setne cl"], // setne cl
  [(e) => e.setcc("b", rdx), "0f 92 c2", "setb dl"], // setb dl
  [(e) => e.setcc("ae", rsi), "40 0f 93 c6", "setae sil"], // setae sil
  [(e) => e.setcc("be", rbx), "0f 96 c3", "setbe bl"], // setbe bl
  [(e) => e.setcc("a", r10), "41 0f 97 c2", "seta r10b"], // seta r10b
  [(e) => e.setcc("l", rdi), "40 0f 9c c7", "setl dil"], // setl dil
  [(e) => e.setcc("ge", rbp), "40 0f 9d c5", "setge bpl"], // setge bpl
  [(e) => e.setcc("le", rsp), "40 0f 9e c4", "setle spl"], // setle spl
  [(e) => e.setcc("g", r15), "41 0f 9f c7", "setg r15b"], // setg r15b
  [(e) => e.setcc("s", rax), "0f 98 c0", "sets al"], // sets al
  [(e) => e.setcc("p", r11), "41 0f 9a c3", "setp r11b"], // setp r11b
  [(e) => e.setcc("np", rdx), "0f 9b c2", "setnp dl"], // setnp dl
  [(e) => e.aluRR("add", 64, rax, rcx), "48 01 c8", "add rax, rcx"], // add rax, rcx
  [(e) => e.aluRR("or", 32, rax, rdx), "09 d0", "or eax, edx"], // or eax, edx
  [(e) => e.aluRR("and", 64, rcx, r10), "4c 21 d1", "and rcx, r10"], // and rcx, r10
  [(e) => e.aluRR("sub", 64, r11, rax), "49 29 c3", "sub r11, rax"], // sub r11, rax
  [(e) => e.aluRR("xor", 32, rax, rax), "31 c0", "xor eax, eax"], // xor eax, eax
  [(e) => e.aluRR("cmp", 64, rdx, rcx), "48 39 ca", "cmp rdx, rcx"], // cmp rdx, rcx
  [(e) => e.aluRR("cmp", 32, r10, r9), "45 39 ca", "cmp r10d, r9d"], // cmp r10d, r9d
  [(e) => e.aluRI("add", 64, rax, s32(8)), "48 83 c0 08", "add rax, 8"], // add rax, 8
  [(e) => e.aluRI("sub", 64, rsp, s32(16)), "48 83 ec 10", "sub rsp, 0x10"], // sub rsp, 16
  [(e) => e.aluRI("add", 64, rsp, s32(0x7f)), "48 83 c4 7f", "add rsp, 0x7f"], // add rsp, 0x7f
  [(e) => e.aluRI("sub", 64, rsp, s32(0x80)), "48 81 ec 80 00 00 00", "sub rsp, 0x80"], // sub rsp, 0x80
  [(e) => e.aluRI("cmp", 32, rax, s32(-1)), "83 f8 ff", "cmp eax, -1"], // cmp eax, -1
  [(e) => e.aluRI("cmp", 32, rcx, s32(-128)), "83 f9 80", "cmp ecx, -0x80"], // cmp ecx, -128
  [(e) => e.aluRI("cmp", 32, rdx, s32(-129)), "81 fa 7f ff ff ff", "cmp edx, 0xffffff7f"], // cmp edx, -129
  [(e) => e.aluRI("cmp", 64, rax, s32(0x1000)), "48 3d 00 10 00 00", "cmp rax, 0x1000"], // cmp rax, 0x1000
  [(e) => e.aluRI("add", 32, rax, s32(0x7fffffff)), "05 ff ff ff 7f", "add eax, 0x7fffffff"], // add eax, 0x7fffffff
  [(e) => e.aluRI("and", 64, rcx, s32(0x100)), "48 81 e1 00 01 00 00", "and rcx, 0x100"], // and rcx, 0x100
  [(e) => e.aluRI("xor", 64, r10, s32(-0x80000000)), "49 81 f2 00 00 00 80", "xor r10, 0xffffffff80000000"], // xor r10, -0x80000000
  [(e) => e.aluRI("or", 32, r9, s32(0)), "41 83 c9 00", "or r9d, 0"], // or r9d, 0
  [(e) => e.aluRI("cmp", 64, rdx, s32(127)), "48 83 fa 7f", "cmp rdx, 0x7f"], // cmp rdx, 127
  [(e) => e.aluRM("cmp", 64, r10, mem(r14, 0)), "4d 3b 16", "cmp r10, qword ptr [r14]"], // cmp r10, qword ptr [r14]
  [(e) => e.aluRM("cmp", 64, r10, mem(r14, 24)), "4d 3b 56 18", "cmp r10, qword ptr [r14 + 0x18]"], // cmp r10, qword ptr [r14+24]
  [(e) => e.aluRM("add", 32, rax, mem(rsp, 8)), "03 44 24 08", "add eax, dword ptr [rsp + 8]"], // add eax, dword ptr [rsp+8]
  [(e) => e.aluRM("sub", 64, rcx, mem(r13, 0)), "49 2b 4d 00", "sub rcx, qword ptr [r13]"], // sub rcx, qword ptr [r13]
  [(e) => e.aluRM("and", 32, rdx, memIndex(r15, rax, 0)), "41 23 14 07", "and edx, dword ptr [r15 + rax]"], // and edx, dword ptr [r15+rax]
  [(e) => e.aluRM("or", 64, r8, mem(rbp, -0x100)), "4c 0b 85 00 ff ff ff", "or r8, qword ptr [rbp - 0x100]"], // or r8, qword ptr [rbp-0x100]
  [(e) => e.aluRM("xor", 64, rax, mem(r12, 0)), "49 33 04 24", "xor rax, qword ptr [r12]"], // xor rax, qword ptr [r12]
  [(e) => e.testRR(32, rax, rax), "85 c0", "test eax, eax"], // test eax, eax
  [(e) => e.testRR(64, rcx, rcx), "48 85 c9", "test rcx, rcx"], // test rcx, rcx
  [(e) => e.testRR(64, rax, rcx), "48 85 c8", "test rax, rcx"], // test rax, rcx
  [(e) => e.testRR(32, r10, r11), "45 85 da", "test r10d, r11d"], // test r10d, r11d
  [(e) => e.imulRR(64, rax, rcx), "48 0f af c1", "imul rax, rcx"], // imul rax, rcx
  [(e) => e.imulRR(32, rax, rdx), "0f af c2", "imul eax, edx"], // imul eax, edx
  [(e) => e.imulRR(64, r10, r11), "4d 0f af d3", "imul r10, r11"], // imul r10, r11
  [(e) => e.imulRR(32, rcx, r8), "41 0f af c8", "imul ecx, r8d"], // imul ecx, r8d
  [(e) => e.shiftRCl("shl", 64, rax), "48 d3 e0", "shl rax, cl"], // shl rax, cl
  [(e) => e.shiftRCl("shr", 32, rax), "d3 e8", "shr eax, cl"], // shr eax, cl
  [(e) => e.shiftRCl("sar", 64, rdx), "48 d3 fa", "sar rdx, cl"], // sar rdx, cl
  [(e) => e.shiftRCl("rol", 32, rcx), "d3 c1", "rol ecx, cl"], // rol ecx, cl
  [(e) => e.shiftRCl("ror", 64, r11), "49 d3 cb", "ror r11, cl"], // ror r11, cl
  [(e) => e.shiftRCl("shl", 32, r10), "41 d3 e2", "shl r10d, cl"], // shl r10d, cl
  [(e) => e.shiftRI("shr", 64, r10, count(1, 64)), "49 d1 ea", "shr r10, 1"], // shr r10, 1
  [(e) => e.shiftRI("shr", 32, r10, count(1, 32)), "41 d1 ea", "shr r10d, 1"], // shr r10d, 1
  [(e) => e.shiftRI("shr", 64, r10, count(2, 64)), "49 c1 ea 02", "shr r10, 2"], // shr r10, 2
  [(e) => e.shiftRI("shr", 32, rax, count(24, 32)), "c1 e8 18", "shr eax, 0x18"], // shr eax, 24
  [(e) => e.shiftRI("shr", 64, rdx, count(56, 64)), "48 c1 ea 38", "shr rdx, 0x38"], // shr rdx, 56
  [(e) => e.shiftRI("shl", 32, rcx, count(31, 32)), "c1 e1 1f", "shl ecx, 0x1f"], // shl ecx, 31
  [(e) => e.shiftRI("sar", 64, rdx, count(63, 64)), "48 c1 fa 3f", "sar rdx, 0x3f"], // sar rdx, 63
  [(e) => e.shiftRI("rol", 32, r11, count(0, 32)), "41 c1 c3 00", "rol r11d, 0"], // rol r11d, 0
  [(e) => e.shiftRI("ror", 64, r8, count(7, 64)), "49 c1 c8 07", "ror r8, 7"], // ror r8, 7
  [(e) => e.shiftRI("shl", 64, r15, count(1, 64)), "49 d1 e7", "shl r15, 1"], // shl r15, 1
  [(e) => e.divR(64, r10), "49 f7 f2", "div r10"], // div r10
  [(e) => e.divR(32, r10), "41 f7 f2", "div r10d"], // div r10d
  [(e) => e.divR(64, rcx), "48 f7 f1", "div rcx"], // div rcx
  [(e) => e.idivR(64, r10), "49 f7 fa", "idiv r10"], // idiv r10
  [(e) => e.idivR(32, r10), "41 f7 fa", "idiv r10d"], // idiv r10d
  [(e) => e.idivR(32, rcx), "f7 f9", "idiv ecx"], // idiv ecx
  [(e) => e.cdq(), "99", "cdq"], // cdq
  [(e) => e.cqo(), "48 99", "cqo"], // cqo
  [(e) => e.lzcnt(32, rax, rax), "f3 0f bd c0", "lzcnt eax, eax"], // lzcnt eax, eax
  [(e) => e.lzcnt(64, rcx, rcx), "f3 48 0f bd c9", "lzcnt rcx, rcx"], // lzcnt rcx, rcx
  [(e) => e.lzcnt(64, r10, rdx), "f3 4c 0f bd d2", "lzcnt r10, rdx"], // lzcnt r10, rdx
  [(e) => e.tzcnt(32, rax, rcx), "f3 0f bc c1", "tzcnt eax, ecx"], // tzcnt eax, ecx
  [(e) => e.tzcnt(64, r11, r11), "f3 4d 0f bc db", "tzcnt r11, r11"], // tzcnt r11, r11
  [(e) => e.movdXR(32, xmm0, rax), "66 0f 6e c0", "movd xmm0, eax"], // movd xmm0, eax
  [(e) => e.movdXR(64, xmm0, rax), "66 48 0f 6e c0", "movq xmm0, rax"], // movq xmm0, rax
  [(e) => e.movdXR(64, xmm1, rcx), "66 48 0f 6e c9", "movq xmm1, rcx"], // movq xmm1, rcx
  [(e) => e.movdXR(32, xmm2, r11), "66 41 0f 6e d3", "movd xmm2, r11d"], // movd xmm2, r11d
  [(e) => e.movdXR(64, xmm9, rdx), "66 4c 0f 6e ca", "movq xmm9, rdx"], // movq xmm9, rdx
  [(e) => e.movdXR(64, xmm15, r10), "66 4d 0f 6e fa", "movq xmm15, r10"], // movq xmm15, r10
  [(e) => e.movdRX(32, rax, xmm0), "66 0f 7e c0", "movd eax, xmm0"], // movd eax, xmm0
  [(e) => e.movdRX(64, rax, xmm0), "66 48 0f 7e c0", "movq rax, xmm0"], // movq rax, xmm0
  [(e) => e.movdRX(32, rdx, xmm1), "66 0f 7e ca", "movd edx, xmm1"], // movd edx, xmm1
  [(e) => e.movdRX(64, r11, xmm2), "66 49 0f 7e d3", "movq r11, xmm2"], // movq r11, xmm2
  [(e) => e.movdRX(64, rcx, xmm12), "66 4c 0f 7e e1", "movq rcx, xmm12"], // movq rcx, xmm12
  [(e) => e.movdRX(32, r9, xmm8), "66 45 0f 7e c1", "movd r9d, xmm8"], // movd r9d, xmm8
  [(e) => e.sseXX("add", 32, xmm0, xmm1), "f3 0f 58 c1", "addss xmm0, xmm1"], // addss xmm0, xmm1
  [(e) => e.sseXX("add", 64, xmm0, xmm1), "f2 0f 58 c1", "addsd xmm0, xmm1"], // addsd xmm0, xmm1
  [(e) => e.sseXX("sub", 32, xmm2, xmm0), "f3 0f 5c d0", "subss xmm2, xmm0"], // subss xmm2, xmm0
  [(e) => e.sseXX("sub", 64, xmm0, xmm8), "f2 41 0f 5c c0", "subsd xmm0, xmm8"], // subsd xmm0, xmm8
  [(e) => e.sseXX("mul", 32, xmm1, xmm1), "f3 0f 59 c9", "mulss xmm1, xmm1"], // mulss xmm1, xmm1
  [(e) => e.sseXX("mul", 64, xmm10, xmm3), "f2 44 0f 59 d3", "mulsd xmm10, xmm3"], // mulsd xmm10, xmm3
  [(e) => e.sseXX("div", 32, xmm0, xmm1), "f3 0f 5e c1", "divss xmm0, xmm1"], // divss xmm0, xmm1
  [(e) => e.sseXX("div", 64, xmm15, xmm14), "f2 45 0f 5e fe", "divsd xmm15, xmm14"], // divsd xmm15, xmm14
  [(e) => e.sseXX("sqrt", 32, xmm0, xmm0), "f3 0f 51 c0", "sqrtss xmm0, xmm0"], // sqrtss xmm0, xmm0
  [(e) => e.sseXX("sqrt", 64, xmm1, xmm2), "f2 0f 51 ca", "sqrtsd xmm1, xmm2"], // sqrtsd xmm1, xmm2
  [(e) => e.sseXX("min", 32, xmm0, xmm1), "f3 0f 5d c1", "minss xmm0, xmm1"], // minss xmm0, xmm1
  [(e) => e.sseXX("min", 64, xmm0, xmm1), "f2 0f 5d c1", "minsd xmm0, xmm1"], // minsd xmm0, xmm1
  [(e) => e.sseXX("max", 32, xmm0, xmm1), "f3 0f 5f c1", "maxss xmm0, xmm1"], // maxss xmm0, xmm1
  [(e) => e.sseXX("max", 64, xmm9, xmm1), "f2 44 0f 5f c9", "maxsd xmm9, xmm1"], // maxsd xmm9, xmm1
  [(e) => e.ucomisXX(32, xmm0, xmm1), "0f 2e c1", "ucomiss xmm0, xmm1"], // ucomiss xmm0, xmm1
  [(e) => e.ucomisXX(64, xmm0, xmm1), "66 0f 2e c1", "ucomisd xmm0, xmm1"], // ucomisd xmm0, xmm1
  [(e) => e.ucomisXX(32, xmm1, xmm0), "0f 2e c8", "ucomiss xmm1, xmm0"], // ucomiss xmm1, xmm0
  [(e) => e.ucomisXX(64, xmm11, xmm2), "66 44 0f 2e da", "ucomisd xmm11, xmm2"], // ucomisd xmm11, xmm2
  [(e) => e.ucomisXX(32, xmm3, xmm13), "41 0f 2e dd", "ucomiss xmm3, xmm13"], // ucomiss xmm3, xmm13
  [(e) => e.roundXX(32, "nearest", xmm0, xmm0), "66 0f 3a 0a c0 00", "roundss xmm0, xmm0, 0"], // roundss xmm0, xmm0, 0
  [(e) => e.roundXX(64, "floor", xmm0, xmm0), "66 0f 3a 0b c0 01", "roundsd xmm0, xmm0, 1"], // roundsd xmm0, xmm0, 1
  [(e) => e.roundXX(32, "ceil", xmm1, xmm2), "66 0f 3a 0a ca 02", "roundss xmm1, xmm2, 2"], // roundss xmm1, xmm2, 2
  [(e) => e.roundXX(64, "trunc", xmm0, xmm1), "66 0f 3a 0b c1 03", "roundsd xmm0, xmm1, 3"], // roundsd xmm0, xmm1, 3
  [(e) => e.roundXX(64, "ceil", xmm8, xmm15), "66 45 0f 3a 0b c7 02", "roundsd xmm8, xmm15, 2"], // roundsd xmm8, xmm15, 2
  [(e) => e.andpsXX(xmm0, xmm1), "0f 54 c1", "andps xmm0, xmm1"], // andps xmm0, xmm1
  [(e) => e.andpsXX(xmm9, xmm2), "44 0f 54 ca", "andps xmm9, xmm2"], // andps xmm9, xmm2
  [(e) => e.orpsXX(xmm0, xmm1), "0f 56 c1", "orps xmm0, xmm1"], // orps xmm0, xmm1
  [(e) => e.orpsXX(xmm3, xmm12), "41 0f 56 dc", "orps xmm3, xmm12"], // orps xmm3, xmm12
  [(e) => e.cvtts2siRX(32, 32, rax, xmm0), "f3 0f 2c c0", "cvttss2si eax, xmm0"], // cvttss2si eax, xmm0
  [(e) => e.cvtts2siRX(32, 64, rax, xmm0), "f3 48 0f 2c c0", "cvttss2si rax, xmm0"], // cvttss2si rax, xmm0
  [(e) => e.cvtts2siRX(64, 32, rax, xmm0), "f2 0f 2c c0", "cvttsd2si eax, xmm0"], // cvttsd2si eax, xmm0
  [(e) => e.cvtts2siRX(64, 64, rax, xmm0), "f2 48 0f 2c c0", "cvttsd2si rax, xmm0"], // cvttsd2si rax, xmm0
  [(e) => e.cvtts2siRX(64, 64, r11, xmm1), "f2 4c 0f 2c d9", "cvttsd2si r11, xmm1"], // cvttsd2si r11, xmm1
  [(e) => e.cvtts2siRX(32, 32, rdx, xmm9), "f3 41 0f 2c d1", "cvttss2si edx, xmm9"], // cvttss2si edx, xmm9
  [(e) => e.cvtsi2sXR(32, 32, xmm0, rax), "f3 0f 2a c0", "cvtsi2ss xmm0, eax"], // cvtsi2ss xmm0, eax
  [(e) => e.cvtsi2sXR(32, 64, xmm0, rax), "f3 48 0f 2a c0", "cvtsi2ss xmm0, rax"], // cvtsi2ss xmm0, rax
  [(e) => e.cvtsi2sXR(64, 32, xmm0, rax), "f2 0f 2a c0", "cvtsi2sd xmm0, eax"], // cvtsi2sd xmm0, eax
  [(e) => e.cvtsi2sXR(64, 64, xmm0, rax), "f2 48 0f 2a c0", "cvtsi2sd xmm0, rax"], // cvtsi2sd xmm0, rax
  [(e) => e.cvtsi2sXR(32, 64, xmm1, r11), "f3 49 0f 2a cb", "cvtsi2ss xmm1, r11"], // cvtsi2ss xmm1, r11
  [(e) => e.cvtsi2sXR(64, 32, xmm10, rcx), "f2 44 0f 2a d1", "cvtsi2sd xmm10, ecx"], // cvtsi2sd xmm10, ecx
  [(e) => e.cvtss2sdXX(xmm0, xmm0), "f3 0f 5a c0", "cvtss2sd xmm0, xmm0"], // cvtss2sd xmm0, xmm0
  [(e) => e.cvtss2sdXX(xmm1, xmm9), "f3 41 0f 5a c9", "cvtss2sd xmm1, xmm9"], // cvtss2sd xmm1, xmm9
  [(e) => e.cvtsd2ssXX(xmm0, xmm0), "f2 0f 5a c0", "cvtsd2ss xmm0, xmm0"], // cvtsd2ss xmm0, xmm0
  [(e) => e.cvtsd2ssXX(xmm14, xmm2), "f2 44 0f 5a f2", "cvtsd2ss xmm14, xmm2"], // cvtsd2ss xmm14, xmm2
  [(e) => e.pushR(rbp), "55", "push rbp"], // push rbp
  [(e) => e.pushR(r12), "41 54", "push r12"], // push r12
  [(e) => e.popR(rbp), "5d", "pop rbp"], // pop rbp
  [(e) => e.popR(r15), "41 5f", "pop r15"], // pop r15
  [(e) => e.ret(), "c3", "ret"], // ret
  [(e) => e.jmpRel32(s32(0)), "e9 00 00 00 00", "jmp 0x1000005"], // {disp32} jmp .+5
  [(e) => e.jmpRel32(s32(-5)), "e9 fb ff ff ff", "jmp 0x1000000"], // {disp32} jmp .
  [(e) => e.jmpRel32(s32(0x100)), "e9 00 01 00 00", "jmp 0x1000105"], // {disp32} jmp .+5+0x100
  [(e) => e.jmpRel32(s32(-0x80000000)), "e9 00 00 00 80", "jmp 0xffffffff81000005"], // {disp32} jmp .+5-0x80000000
  [(e) => e.jmpRel32(s32(0x7fffffff)), "e9 ff ff ff 7f", "jmp 0x81000004"], // {disp32} jmp .+5+0x7fffffff
  [(e) => e.jccRel32("e", s32(0)), "0f 84 00 00 00 00", "je 0x1000006"], // {disp32} je .+6
  [(e) => e.jccRel32("ne", s32(0x10)), "0f 85 10 00 00 00", "jne 0x1000016"], // {disp32} jne .+6+0x10
  [(e) => e.jccRel32("b", s32(-0x20)), "0f 82 e0 ff ff ff", "jb 0xffffe6"], // {disp32} jb .+6-0x20
  [(e) => e.jccRel32("ae", s32(0x1000)), "0f 83 00 10 00 00", "jae 0x1001006"], // {disp32} jae .+6+0x1000
  [(e) => e.jccRel32("be", s32(-6)), "0f 86 fa ff ff ff", "jbe 0x1000000"], // {disp32} jbe .
  [(e) => e.jccRel32("a", s32(0x7fffffff)), "0f 87 ff ff ff 7f", "ja 0x81000005"], // {disp32} ja .+6+0x7fffffff
  [(e) => e.jccRel32("l", s32(-0x80000000)), "0f 8c 00 00 00 80", "jl 0xffffffff81000006"], // {disp32} jl .+6-0x80000000
  [(e) => e.jccRel32("ge", s32(1)), "0f 8d 01 00 00 00", "jge 0x1000007"], // {disp32} jge .+6+1
  [(e) => e.jccRel32("le", s32(0x80)), "0f 8e 80 00 00 00", "jle 0x1000086"], // {disp32} jle .+6+0x80
  [(e) => e.jccRel32("g", s32(-0x81)), "0f 8f 7f ff ff ff", "jg 0xffff85"], // {disp32} jg .+6-0x81
  [(e) => e.jccRel32("s", s32(0)), "0f 88 00 00 00 00", "js 0x1000006"], // {disp32} js .+6
  [(e) => e.jccRel32("p", s32(0x40)), "0f 8a 40 00 00 00", "jp 0x1000046"], // {disp32} jp .+6+0x40
  [(e) => e.jccRel32("np", s32(-0x20)), "0f 8b e0 ff ff ff", "jnp 0xffffe6"], // {disp32} jnp .+6-0x20
  [(e) => e.callR(r11), "41 ff d3", "call r11"], // call r11
  [(e) => e.callR(rax), "ff d0", "call rax"], // call rax
  [(e) => e.callR(r10), "41 ff d2", "call r10"], // call r10
  [(e) => e.callR(rdi), "ff d7", "call rdi"], // call rdi
  [(e) => e.callRel32(s32(0)), "e8 00 00 00 00", "call 0x1000005"], // call .+5
  [(e) => e.callRel32(s32(-5)), "e8 fb ff ff ff", "call 0x1000000"], // call .
  [(e) => e.callRel32(s32(0x12345678)), "e8 78 56 34 12", "call 0x1334567d"], // call .+5+0x12345678
  [(e) => e.callRel32(s32(-0x80000000)), "e8 00 00 00 80", "call 0xffffffff81000005"], // call .+5-0x80000000
];

describe("x64 encoders, byte-exact against GNU as", () => {
  it.each(TABLE)("%#: %s", (emit, hex, text) => {
    const { bytes, called } = encode(emit);
    expect(called).toHaveLength(1);
    expect(toHex(bytes)).toBe(hex);
    expect(decodeOne(bytes, ADDRESS)).toBe(text);
  });

  it("covers every encoder function", () => {
    const covered = new Set(TABLE.flatMap(([emit]) => encode(emit).called));
    expect(ENCODER_NAMES.filter((name) => !covered.has(name))).toEqual([]);
  });
});
