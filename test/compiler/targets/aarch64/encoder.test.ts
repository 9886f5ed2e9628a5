/**
 * Byte-exact AArch64 encoder table. The instruction words were produced by GNU as 2.40
 * (`aarch64-linux-gnu-as` from Debian's binutils-aarch64-linux-gnu, then `aarch64-linux-gnu-objdump
 * -d`), from the assembly given in each row's comment, and pasted as objdump prints them (the 32-bit
 * word; the bytes are its little-endian encoding). Branch rows were assembled as `b .±disp`. The
 * text column is Capstone 4's rendering (`mnemonic opStr`) of those bytes decoded at `BASE`, which
 * differs from objdump in places (`#0x10` vs `#16`, aliases such as `movz` vs `mov`, `lo` vs `cc`).
 */
import { describe, expect, it } from "vitest";
import { disassemble } from "../../../../emulators/disasm/capstone.js";
import { CodeBuffer } from "../../../../src/compiler/code-buffer.js";
import * as enc from "../../../../src/compiler/targets/aarch64/encoder.js";
import {
  Imm12,
  LogicalImm,
  MoveWide,
  SImm7Scaled,
  SImm9,
  UImm12Scaled,
} from "../../../../src/compiler/targets/aarch64/imm.js";
import { SP, ZR } from "../../../../src/compiler/targets/aarch64/regs.js";
import { words } from "../../../emulators/machine-code.js";

const BASE = 0x1000_0000n;

function defined<T>(value: T | null): T {
  if (value === null) throw new Error("immediate has no encoding");
  return value;
}
const imm12 = (n: number) => defined(Imm12.from(n));
const wide = (imm16: number, shift: 0 | 16 | 32 | 48 = 0) => defined(MoveWide.at(imm16, shift));
const bitmask = (n: bigint, size: 32 | 64) => defined(LogicalImm.from(n, size));
const scaled = (n: number) => defined(UImm12Scaled.from(n, 8));
const pair = (n: number) => defined(SImm7Scaled.from(n, 8));
const simm9 = (n: number) => defined(SImm9.from(n));

type Row = [instruction: (c: CodeBuffer) => void, word: string, text: string];

// biome-ignore format: one row per line reads as a table
const TABLE: Row[] = [
  [(c) => enc.movz(c, 64, 9, wide(0)), "d2800009", "movz x9, #0"], // movz x9, #0
  [(c) => enc.movz(c, 32, 9, wide(0xffff)), "529fffe9", "movz w9, #0xffff"], // movz w9, #0xffff
  [(c) => enc.movz(c, 64, 0, wide(0x1234, 16)), "d2a24680", "movz x0, #0x1234, lsl #16"], // movz x0, #0x1234, lsl #16
  [(c) => enc.movz(c, 64, 30, wide(0xffff, 48)), "d2fffffe", "movz x30, #0xffff, lsl #48"], // movz x30, #0xffff, lsl #48
  [(c) => enc.movz(c, 32, 17, wide(0x8000, 16)), "52b00011", "movz w17, #0x8000, lsl #16"], // movz w17, #0x8000, lsl #16
  [(c) => enc.movn(c, 64, 9, wide(0)), "92800009", "movn x9, #0"], // movn x9, #0
  [(c) => enc.movn(c, 32, 10, wide(0x1234, 16)), "12a2468a", "movn w10, #0x1234, lsl #16"], // movn w10, #0x1234, lsl #16
  [(c) => enc.movn(c, 64, 11, wide(0xffff, 32)), "92dfffeb", "movn x11, #0xffff, lsl #32"], // movn x11, #0xffff, lsl #32
  [(c) => enc.movk(c, 64, 16, wide(0xbeef, 48)), "f2f7ddf0", "movk x16, #0xbeef, lsl #48"], // movk x16, #0xbeef, lsl #48
  [(c) => enc.movk(c, 32, 17, wide(0xffff, 16)), "72bffff1", "movk w17, #0xffff, lsl #16"], // movk w17, #0xffff, lsl #16
  [(c) => enc.movk(c, 64, 9, wide(1)), "f2800029", "movk x9, #0x1"], // movk x9, #1
  [(c) => enc.movk(c, 64, 9, wide(0, 32)), "f2c00009", "movk x9, #0, lsl #32"], // movk x9, #0, lsl #32

  [(c) => enc.addImm(c, 64, 9, 10, imm12(0)), "91000149", "add x9, x10, #0"], // add x9, x10, #0
  [(c) => enc.addImm(c, 32, 9, 10, imm12(4095)), "113ffd49", "add w9, w10, #0xfff"], // add w9, w10, #4095
  [(c) => enc.addImm(c, 64, 16, 16, imm12(0x1000)), "91400610", "add x16, x16, #1, lsl #12"], // add x16, x16, #1, lsl #12
  [(c) => enc.addImm(c, 64, 17, 16, imm12(0xfff000)), "917ffe11", "add x17, x16, #0xfff, lsl #12"], // add x17, x16, #4095, lsl #12
  [(c) => enc.addImm(c, 64, 17, SP, imm12(0)), "910003f1", "mov x17, sp"], // add x17, sp, #0
  [(c) => enc.addImm(c, 64, SP, SP, imm12(16)), "910043ff", "add sp, sp, #0x10"], // add sp, sp, #16
  [(c) => enc.subImm(c, 64, SP, SP, imm12(0xfff000)), "d17fffff", "sub sp, sp, #0xfff, lsl #12"], // sub sp, sp, #4095, lsl #12
  [(c) => enc.subImm(c, 64, 16, SP, imm12(0x20)), "d10083f0", "sub x16, sp, #0x20"], // sub x16, sp, #0x20
  [(c) => enc.subImm(c, 32, 9, 9, imm12(1)), "51000529", "sub w9, w9, #1"], // sub w9, w9, #1
  [(c) => enc.addsImm(c, 64, ZR, 9, imm12(1)), "b100053f", "cmn x9, #1"], // adds xzr, x9, #1
  [(c) => enc.addsImm(c, 32, ZR, 10, imm12(4095)), "313ffd5f", "cmn w10, #0xfff"], // adds wzr, w10, #4095
  [(c) => enc.subsImm(c, 64, ZR, 9, imm12(0)), "f100013f", "cmp x9, #0"], // subs xzr, x9, #0
  [(c) => enc.subsImm(c, 32, ZR, 11, imm12(0xfff000)), "717ffd7f", "cmp w11, #0xfff, lsl #12"], // subs wzr, w11, #4095, lsl #12
  [(c) => enc.subsImm(c, 64, 9, SP, imm12(8)), "f10023e9", "subs x9, sp, #8"], // subs x9, sp, #8

  [(c) => enc.orrImm(c, 64, 9, ZR, bitmask(0x5555_5555_5555_5555n, 64)), "b200f3e9", "orr x9, xzr, #0x5555555555555555"], // orr x9, xzr, #0x5555555555555555
  [(c) => enc.orrImm(c, 32, 10, ZR, bitmask(0xffn, 32)), "32001fea", "orr w10, wzr, #0xff"], // orr w10, wzr, #0xff
  [(c) => enc.orrImm(c, 64, 16, 16, bitmask(0xffff_0000_ffff_0000n, 64)), "b2103e10", "orr x16, x16, #0xffff0000ffff0000"], // orr x16, x16, #0xffff0000ffff0000
  [(c) => enc.orrImm(c, 32, 11, ZR, bitmask(0x8000_0000n, 32)), "320103eb", "orr w11, wzr, #0x80000000"], // orr w11, wzr, #0x80000000
  [(c) => enc.orrImm(c, 64, 0, ZR, bitmask(0x7fff_ffff_ffff_ffffn, 64)), "b240fbe0", "orr x0, xzr, #0x7fffffffffffffff"], // orr x0, xzr, #0x7fffffffffffffff
  [(c) => enc.orrImm(c, 64, 0, ZR, bitmask(0xffff_ffff_ffff_fffen, 64)), "b27ffbe0", "orr x0, xzr, #0xfffffffffffffffe"], // orr x0, xzr, #0xfffffffffffffffe
  [(c) => enc.orrImm(c, 32, 30, ZR, bitmask(0xffff_fffen, 32)), "321f7bfe", "orr w30, wzr, #0xfffffffe"], // orr w30, wzr, #0xfffffffe

  [(c) => enc.addReg(c, 64, 9, 10, 11), "8b0b0149", "add x9, x10, x11"], // add x9, x10, x11
  [(c) => enc.addReg(c, 32, 0, 30, 16), "0b1003c0", "add w0, w30, w16"], // add w0, w30, w16
  [(c) => enc.subReg(c, 64, 9, ZR, 10), "cb0a03e9", "neg x9, x10"], // sub x9, xzr, x10
  [(c) => enc.subReg(c, 32, 16, ZR, 9), "4b0903f0", "neg w16, w9"], // sub w16, wzr, w9
  [(c) => enc.subReg(c, 64, 11, 10, 9), "cb09014b", "sub x11, x10, x9"], // sub x11, x10, x9
  [(c) => enc.subsReg(c, 64, ZR, 9, 10), "eb0a013f", "cmp x9, x10"], // subs xzr, x9, x10
  [(c) => enc.subsReg(c, 32, ZR, 9, 11), "6b0b013f", "cmp w9, w11"], // subs wzr, w9, w11
  [(c) => enc.subsReg(c, 64, 16, 17, 30), "eb1e0230", "subs x16, x17, x30"], // subs x16, x17, x30
  [(c) => enc.andReg(c, 64, 9, 9, 10), "8a0a0129", "and x9, x9, x10"], // and x9, x9, x10
  [(c) => enc.andReg(c, 32, 11, 10, 9), "0a09014b", "and w11, w10, w9"], // and w11, w10, w9
  [(c) => enc.orrReg(c, 64, 9, ZR, 10), "aa0a03e9", "mov x9, x10"], // orr x9, xzr, x10
  [(c) => enc.orrReg(c, 32, 16, ZR, 9), "2a0903f0", "mov w16, w9"], // orr w16, wzr, w9
  [(c) => enc.orrReg(c, 64, 0, 1, 2), "aa020020", "orr x0, x1, x2"], // orr x0, x1, x2
  [(c) => enc.eorReg(c, 64, 9, 10, 11), "ca0b0149", "eor x9, x10, x11"], // eor x9, x10, x11
  [(c) => enc.eorReg(c, 32, 9, 9, 9), "4a090129", "eor w9, w9, w9"], // eor w9, w9, w9

  [(c) => enc.udiv(c, 64, 9, 9, 10), "9aca0929", "udiv x9, x9, x10"], // udiv x9, x9, x10
  [(c) => enc.udiv(c, 32, 9, 10, 11), "1acb0949", "udiv w9, w10, w11"], // udiv w9, w10, w11
  [(c) => enc.sdiv(c, 64, 16, 9, 10), "9aca0d30", "sdiv x16, x9, x10"], // sdiv x16, x9, x10
  [(c) => enc.sdiv(c, 32, 16, 9, 10), "1aca0d30", "sdiv w16, w9, w10"], // sdiv w16, w9, w10
  [(c) => enc.lslv(c, 64, 9, 9, 10), "9aca2129", "lsl x9, x9, x10"], // lsl x9, x9, x10
  [(c) => enc.lslv(c, 32, 11, 11, 9), "1ac9216b", "lsl w11, w11, w9"], // lsl w11, w11, w9
  [(c) => enc.lsrv(c, 64, 9, 9, 10), "9aca2529", "lsr x9, x9, x10"], // lsr x9, x9, x10
  [(c) => enc.lsrv(c, 32, 9, 9, 10), "1aca2529", "lsr w9, w9, w10"], // lsr w9, w9, w10
  [(c) => enc.asrv(c, 64, 9, 9, 10), "9aca2929", "asr x9, x9, x10"], // asr x9, x9, x10
  [(c) => enc.asrv(c, 32, 9, 9, 10), "1aca2929", "asr w9, w9, w10"], // asr w9, w9, w10
  [(c) => enc.rorv(c, 64, 9, 9, 16), "9ad02d29", "ror x9, x9, x16"], // ror x9, x9, x16
  [(c) => enc.rorv(c, 32, 9, 9, 16), "1ad02d29", "ror w9, w9, w16"], // ror w9, w9, w16
  [(c) => enc.madd(c, 64, 9, 9, 10, ZR), "9b0a7d29", "mul x9, x9, x10"], // madd x9, x9, x10, xzr
  [(c) => enc.madd(c, 32, 9, 9, 10, ZR), "1b0a7d29", "mul w9, w9, w10"], // madd w9, w9, w10, wzr
  [(c) => enc.madd(c, 64, 0, 1, 2, 3), "9b020c20", "madd x0, x1, x2, x3"], // madd x0, x1, x2, x3
  [(c) => enc.msub(c, 64, 9, 16, 10, 9), "9b0aa609", "msub x9, x16, x10, x9"], // msub x9, x16, x10, x9
  [(c) => enc.msub(c, 32, 9, 16, 10, 9), "1b0aa609", "msub w9, w16, w10, w9"], // msub w9, w16, w10, w9
  [(c) => enc.rbit(c, 64, 9, 9), "dac00129", "rbit x9, x9"], // rbit x9, x9
  [(c) => enc.rbit(c, 32, 10, 11), "5ac0016a", "rbit w10, w11"], // rbit w10, w11
  [(c) => enc.clz(c, 64, 9, 9), "dac01129", "clz x9, x9"], // clz x9, x9
  [(c) => enc.clz(c, 32, 30, 0), "5ac0101e", "clz w30, w0"], // clz w30, w0
  [(c) => enc.sxtw(c, 9, 9), "93407d29", "sxtw x9, w9"], // sbfm x9, x9, #0, #31
  [(c) => enc.sxtw(c, 0, 30), "93407fc0", "sxtw x0, w30"], // sbfm x0, x30, #0, #31
  [(c) => enc.sxtb(c, 32, 9, 9), "13001d29", "sxtb w9, w9"], // sxtb w9, w9
  [(c) => enc.sxtb(c, 64, 9, 9), "93401d29", "sxtb x9, w9"], // sxtb x9, w9
  [(c) => enc.sxth(c, 32, 10, 11), "13003d6a", "sxth w10, w11"], // sxth w10, w11
  [(c) => enc.sxth(c, 64, 0, 30), "93403fc0", "sxth x0, w30"], // sxth x0, w30
  [(c) => enc.sbfm(c, 64, 9, 10, 3, 40), "9343a149", "sbfx x9, x10, #3, #0x26"], // sbfm x9, x10, #3, #40
  [(c) => enc.sbfm(c, 32, 1, 2, 0, 31), "13007c41", "asr w1, w2, #0"], // sbfm w1, w2, #0, #31

  [(c) => enc.csel(c, 64, 9, 9, 10, "ne"), "9a8a1129", "csel x9, x9, x10, ne"], // csel x9, x9, x10, ne
  [(c) => enc.csel(c, 32, 11, 9, 10, "lo"), "1a8a312b", "csel w11, w9, w10, lo"], // csel w11, w9, w10, lo
  [(c) => enc.csel(c, 64, 9, 10, 11, "eq"), "9a8b0149", "csel x9, x10, x11, eq"], // csel x9, x10, x11, eq
  [(c) => enc.cset(c, 32, 9, "eq"), "1a9f17e9", "cset w9, eq"], // cset w9, eq
  [(c) => enc.cset(c, 32, 9, "ne"), "1a9f07e9", "cset w9, ne"], // cset w9, ne
  [(c) => enc.cset(c, 32, 10, "hs"), "1a9f37ea", "cset w10, hs"], // cset w10, hs
  [(c) => enc.cset(c, 32, 11, "lo"), "1a9f27eb", "cset w11, lo"], // cset w11, lo
  [(c) => enc.cset(c, 32, 9, "hi"), "1a9f97e9", "cset w9, hi"], // cset w9, hi
  [(c) => enc.cset(c, 32, 9, "ls"), "1a9f87e9", "cset w9, ls"], // cset w9, ls
  [(c) => enc.cset(c, 32, 9, "ge"), "1a9fb7e9", "cset w9, ge"], // cset w9, ge
  [(c) => enc.cset(c, 32, 9, "lt"), "1a9fa7e9", "cset w9, lt"], // cset w9, lt
  [(c) => enc.cset(c, 32, 9, "gt"), "1a9fd7e9", "cset w9, gt"], // cset w9, gt
  [(c) => enc.cset(c, 32, 9, "le"), "1a9fc7e9", "cset w9, le"], // cset w9, le
  [(c) => enc.cset(c, 32, 9, "mi"), "1a9f57e9", "cset w9, mi"], // cset w9, mi
  [(c) => enc.cset(c, 32, 9, "pl"), "1a9f47e9", "cset w9, pl"], // cset w9, pl
  [(c) => enc.cset(c, 64, 9, "eq"), "9a9f17e9", "cset x9, eq"], // cset x9, eq

  [(c) => enc.fmovFromGpr(c, 64, 16, 9), "9e670130", "fmov d16, x9"], // fmov d16, x9
  [(c) => enc.fmovFromGpr(c, 32, 16, 9), "1e270130", "fmov s16, w9"], // fmov s16, w9
  [(c) => enc.fmovToGpr(c, 64, 9, 16), "9e660209", "fmov x9, d16"], // fmov x9, d16
  [(c) => enc.fmovToGpr(c, 32, 9, 16), "1e260209", "fmov w9, s16"], // fmov w9, s16
  [(c) => enc.cnt8b(c, 16, 16), "0e205a10", "cnt v16.8b, v16.8b"], // cnt v16.8b, v16.8b
  [(c) => enc.cnt8b(c, 0, 31), "0e205be0", "cnt v0.8b, v31.8b"], // cnt v0.8b, v31.8b
  [(c) => enc.addv8b(c, 16, 16), "0e31ba10", "addv b16, v16.8b"], // addv b16, v16.8b
  [(c) => enc.addv8b(c, 31, 0), "0e31b81f", "addv b31, v0.8b"], // addv b31, v0.8b

  [(c) => enc.fadd(c, 32, 16, 16, 17), "1e312a10", "fadd s16, s16, s17"], // fadd s16, s16, s17
  [(c) => enc.fadd(c, 64, 16, 16, 17), "1e712a10", "fadd d16, d16, d17"], // fadd d16, d16, d17
  [(c) => enc.fadd(c, 64, 0, 31, 1), "1e612be0", "fadd d0, d31, d1"], // fadd d0, d31, d1
  [(c) => enc.fsub(c, 32, 16, 16, 17), "1e313a10", "fsub s16, s16, s17"], // fsub s16, s16, s17
  [(c) => enc.fsub(c, 64, 16, 16, 17), "1e713a10", "fsub d16, d16, d17"], // fsub d16, d16, d17
  [(c) => enc.fmul(c, 32, 16, 16, 17), "1e310a10", "fmul s16, s16, s17"], // fmul s16, s16, s17
  [(c) => enc.fmul(c, 64, 9, 10, 11), "1e6b0949", "fmul d9, d10, d11"], // fmul d9, d10, d11
  [(c) => enc.fdiv(c, 32, 16, 16, 17), "1e311a10", "fdiv s16, s16, s17"], // fdiv s16, s16, s17
  [(c) => enc.fdiv(c, 64, 16, 16, 17), "1e711a10", "fdiv d16, d16, d17"], // fdiv d16, d16, d17
  [(c) => enc.fmin(c, 32, 16, 16, 17), "1e315a10", "fmin s16, s16, s17"], // fmin s16, s16, s17
  [(c) => enc.fmin(c, 64, 16, 16, 17), "1e715a10", "fmin d16, d16, d17"], // fmin d16, d16, d17
  [(c) => enc.fmax(c, 32, 16, 16, 17), "1e314a10", "fmax s16, s16, s17"], // fmax s16, s16, s17
  [(c) => enc.fmax(c, 64, 0, 1, 2), "1e624820", "fmax d0, d1, d2"], // fmax d0, d1, d2
  [(c) => enc.fsqrt(c, 32, 16, 16), "1e21c210", "fsqrt s16, s16"], // fsqrt s16, s16
  [(c) => enc.fsqrt(c, 64, 16, 16), "1e61c210", "fsqrt d16, d16"], // fsqrt d16, d16
  [(c) => enc.frintn(c, 32, 16, 16), "1e244210", "frintn s16, s16"], // frintn s16, s16
  [(c) => enc.frintn(c, 64, 16, 17), "1e644230", "frintn d16, d17"], // frintn d16, d17
  [(c) => enc.frintp(c, 32, 16, 16), "1e24c210", "frintp s16, s16"], // frintp s16, s16
  [(c) => enc.frintp(c, 64, 16, 16), "1e64c210", "frintp d16, d16"], // frintp d16, d16
  [(c) => enc.frintm(c, 32, 16, 16), "1e254210", "frintm s16, s16"], // frintm s16, s16
  [(c) => enc.frintm(c, 64, 31, 0), "1e65401f", "frintm d31, d0"], // frintm d31, d0
  [(c) => enc.frintz(c, 32, 16, 16), "1e25c210", "frintz s16, s16"], // frintz s16, s16
  [(c) => enc.frintz(c, 64, 16, 16), "1e65c210", "frintz d16, d16"], // frintz d16, d16
  [(c) => enc.fcvt(c, 64, 16, 32, 16), "1e22c210", "fcvt d16, s16"], // fcvt d16, s16
  [(c) => enc.fcvt(c, 32, 16, 64, 16), "1e624210", "fcvt s16, d16"], // fcvt s16, d16
  [(c) => enc.fcvt(c, 64, 0, 32, 31), "1e22c3e0", "fcvt d0, s31"], // fcvt d0, s31
  [(c) => enc.fcmp(c, 32, 16, 17), "1e312200", "fcmp s16, s17"], // fcmp s16, s17
  [(c) => enc.fcmp(c, 64, 16, 17), "1e712200", "fcmp d16, d17"], // fcmp d16, d17
  [(c) => enc.fcmp(c, 64, 31, 0), "1e6023e0", "fcmp d31, d0"], // fcmp d31, d0
  [(c) => enc.fcvtzs(c, 32, 9, 32, 16), "1e380209", "fcvtzs w9, s16"], // fcvtzs w9, s16
  [(c) => enc.fcvtzs(c, 64, 9, 32, 16), "9e380209", "fcvtzs x9, s16"], // fcvtzs x9, s16
  [(c) => enc.fcvtzs(c, 32, 9, 64, 16), "1e780209", "fcvtzs w9, d16"], // fcvtzs w9, d16
  [(c) => enc.fcvtzs(c, 64, 10, 64, 17), "9e78022a", "fcvtzs x10, d17"], // fcvtzs x10, d17
  [(c) => enc.fcvtzu(c, 32, 9, 32, 16), "1e390209", "fcvtzu w9, s16"], // fcvtzu w9, s16
  [(c) => enc.fcvtzu(c, 64, 9, 32, 16), "9e390209", "fcvtzu x9, s16"], // fcvtzu x9, s16
  [(c) => enc.fcvtzu(c, 32, 11, 64, 16), "1e79020b", "fcvtzu w11, d16"], // fcvtzu w11, d16
  [(c) => enc.fcvtzu(c, 64, 9, 64, 16), "9e790209", "fcvtzu x9, d16"], // fcvtzu x9, d16
  [(c) => enc.scvtf(c, 32, 16, 32, 9), "1e220130", "scvtf s16, w9"], // scvtf s16, w9
  [(c) => enc.scvtf(c, 32, 16, 64, 9), "9e220130", "scvtf s16, x9"], // scvtf s16, x9
  [(c) => enc.scvtf(c, 64, 16, 32, 9), "1e620130", "scvtf d16, w9"], // scvtf d16, w9
  [(c) => enc.scvtf(c, 64, 16, 64, 10), "9e620150", "scvtf d16, x10"], // scvtf d16, x10
  [(c) => enc.ucvtf(c, 32, 16, 32, 9), "1e230130", "ucvtf s16, w9"], // ucvtf s16, w9
  [(c) => enc.ucvtf(c, 32, 16, 64, 9), "9e230130", "ucvtf s16, x9"], // ucvtf s16, x9
  [(c) => enc.ucvtf(c, 64, 16, 32, 11), "1e630170", "ucvtf d16, w11"], // ucvtf d16, w11
  [(c) => enc.ucvtf(c, 64, 16, 64, 9), "9e630130", "ucvtf d16, x9"], // ucvtf d16, x9

  [(c) => enc.ldrReg(c, "ldrb", 9, 28, 16), "38706b89", "ldrb w9, [x28, x16]"], // ldrb w9, [x28, x16]
  [(c) => enc.ldrReg(c, "ldrh", 9, 28, 16), "78706b89", "ldrh w9, [x28, x16]"], // ldrh w9, [x28, x16]
  [(c) => enc.ldrReg(c, "ldrW", 9, 28, 16), "b8706b89", "ldr w9, [x28, x16]"], // ldr w9, [x28, x16]
  [(c) => enc.ldrReg(c, "ldrX", 9, 28, 16), "f8706b89", "ldr x9, [x28, x16]"], // ldr x9, [x28, x16]
  [(c) => enc.ldrReg(c, "ldrsbW", 9, 28, 16), "38f06b89", "ldrsb w9, [x28, x16]"], // ldrsb w9, [x28, x16]
  [(c) => enc.ldrReg(c, "ldrshW", 10, 28, 16), "78f06b8a", "ldrsh w10, [x28, x16]"], // ldrsh w10, [x28, x16]
  [(c) => enc.ldrReg(c, "ldrsbX", 11, 28, 16), "38b06b8b", "ldrsb x11, [x28, x16]"], // ldrsb x11, [x28, x16]
  [(c) => enc.ldrReg(c, "ldrshX", 9, 28, 16), "78b06b89", "ldrsh x9, [x28, x16]"], // ldrsh x9, [x28, x16]
  [(c) => enc.ldrReg(c, "ldrswX", 9, 28, 16), "b8b06b89", "ldrsw x9, [x28, x16]"], // ldrsw x9, [x28, x16]
  [(c) => enc.ldrReg(c, "ldrX", 9, SP, 16), "f8706be9", "ldr x9, [sp, x16]"], // ldr x9, [sp, x16]
  [(c) => enc.ldrReg(c, "ldrX", 0, 1, 30), "f87e6820", "ldr x0, [x1, x30]"], // ldr x0, [x1, x30]
  [(c) => enc.strReg(c, "strb", 9, 28, 16), "38306b89", "strb w9, [x28, x16]"], // strb w9, [x28, x16]
  [(c) => enc.strReg(c, "strh", 10, 28, 16), "78306b8a", "strh w10, [x28, x16]"], // strh w10, [x28, x16]
  [(c) => enc.strReg(c, "strW", 11, 28, 16), "b8306b8b", "str w11, [x28, x16]"], // str w11, [x28, x16]
  [(c) => enc.strReg(c, "strX", 9, 28, 16), "f8306b89", "str x9, [x28, x16]"], // str x9, [x28, x16]
  [(c) => enc.strReg(c, "strX", 9, SP, 16), "f8306be9", "str x9, [sp, x16]"], // str x9, [sp, x16]
  [(c) => enc.ldrImm(c, 9, SP, scaled(0)), "f94003e9", "ldr x9, [sp]"], // ldr x9, [sp]
  [(c) => enc.ldrImm(c, 9, SP, scaled(8)), "f94007e9", "ldr x9, [sp, #8]"], // ldr x9, [sp, #8]
  [(c) => enc.ldrImm(c, 7, SP, scaled(32760)), "f97fffe7", "ldr x7, [sp, #0x7ff8]"], // ldr x7, [sp, #32760]
  [(c) => enc.ldrImm(c, 16, 27, scaled(24)), "f9400f70", "ldr x16, [x27, #0x18]"], // ldr x16, [x27, #24]
  [(c) => enc.ldrImm(c, 10, 27, scaled(0)), "f940036a", "ldr x10, [x27]"], // ldr x10, [x27]
  [(c) => enc.strImm(c, 9, SP, scaled(0)), "f90003e9", "str x9, [sp]"], // str x9, [sp]
  [(c) => enc.strImm(c, 0, SP, scaled(16)), "f9000be0", "str x0, [sp, #0x10]"], // str x0, [sp, #16]
  [(c) => enc.strImm(c, 11, SP, scaled(32760)), "f93fffeb", "str x11, [sp, #0x7ff8]"], // str x11, [sp, #32760]
  [(c) => enc.strImm(c, 9, 27, scaled(64)), "f9002369", "str x9, [x27, #0x40]"], // str x9, [x27, #64]
  [(c) => enc.stpPre(c, 29, 30, SP, pair(-16)), "a9bf7bfd", "stp x29, x30, [sp, #-0x10]!"], // stp x29, x30, [sp, #-16]!
  [(c) => enc.stpPre(c, 29, 30, SP, pair(-512)), "a9a07bfd", "stp x29, x30, [sp, #-0x200]!"], // stp x29, x30, [sp, #-512]!
  [(c) => enc.stpPre(c, 0, 1, SP, pair(504)), "a99f87e0", "stp x0, x1, [sp, #0x1f8]!"], // stp x0, x1, [sp, #504]!
  [(c) => enc.stpPre(c, 9, 10, 16, pair(0)), "a9802a09", "stp x9, x10, [x16, #0]!"], // stp x9, x10, [x16, #0]!
  [(c) => enc.ldpPost(c, 29, 30, SP, pair(16)), "a8c17bfd", "ldp x29, x30, [sp], #0x10"], // ldp x29, x30, [sp], #16
  [(c) => enc.ldpPost(c, 29, 30, SP, pair(-512)), "a8e07bfd", "ldp x29, x30, [sp], #-0x200"], // ldp x29, x30, [sp], #-512
  [(c) => enc.ldpPost(c, 0, 1, 16, pair(504)), "a8df8600", "ldp x0, x1, [x16], #0x1f8"], // ldp x0, x1, [x16], #504
  [(c) => enc.ldpPre(c, 16, 17, 10, pair(-16)), "a9ff4550", "ldp x16, x17, [x10, #-0x10]!"], // ldp x16, x17, [x10, #-16]!
  [(c) => enc.ldpPre(c, 0, 1, SP, pair(504)), "a9df87e0", "ldp x0, x1, [sp, #0x1f8]!"], // ldp x0, x1, [sp, #504]!
  [(c) => enc.stpPost(c, 16, 17, 9, pair(16)), "a8814530", "stp x16, x17, [x9], #0x10"], // stp x16, x17, [x9], #16
  [(c) => enc.stpPost(c, 16, 17, SP, pair(-512)), "a8a047f0", "stp x16, x17, [sp], #-0x200"], // stp x16, x17, [sp], #-512
  [(c) => enc.ldrIndexed(c, "ldrX", "post", 16, 10, simm9(8)), "f8408550", "ldr x16, [x10], #8"], // ldr x16, [x10], #8
  [(c) => enc.ldrIndexed(c, "ldrX", "pre", 16, 10, simm9(-8)), "f85f8d50", "ldr x16, [x10, #-8]!"], // ldr x16, [x10, #-8]!
  [(c) => enc.ldrIndexed(c, "ldrb", "post", 16, 10, simm9(1)), "38401550", "ldrb w16, [x10], #1"], // ldrb w16, [x10], #1
  [(c) => enc.ldrIndexed(c, "ldrb", "pre", 16, 10, simm9(-1)), "385ffd50", "ldrb w16, [x10, #-1]!"], // ldrb w16, [x10, #-1]!
  // Capstone 4 prints a negative post-index amount as its 64-bit two's complement.
  [(c) => enc.ldrIndexed(c, "ldrX", "post", 16, 10, simm9(-256)), "f8500550", "ldr x16, [x10], #0xffffffffffffff00"], // ldr x16, [x10], #-256
  [(c) => enc.ldrIndexed(c, "ldrX", "pre", 0, SP, simm9(255)), "f84fffe0", "ldr x0, [sp, #0xff]!"], // ldr x0, [sp, #255]!
  [(c) => enc.strIndexed(c, "strX", "post", 16, 9, simm9(8)), "f8008530", "str x16, [x9], #8"], // str x16, [x9], #8
  [(c) => enc.strIndexed(c, "strX", "pre", 16, 9, simm9(-8)), "f81f8d30", "str x16, [x9, #-8]!"], // str x16, [x9, #-8]!
  [(c) => enc.strIndexed(c, "strb", "post", 16, 9, simm9(1)), "38001530", "strb w16, [x9], #1"], // strb w16, [x9], #1
  [(c) => enc.strIndexed(c, "strb", "pre", 16, 9, simm9(-1)), "381ffd30", "strb w16, [x9, #-1]!"], // strb w16, [x9, #-1]!
  [(c) => enc.strIndexed(c, "strX", "post", 10, 9, simm9(255)), "f80ff52a", "str x10, [x9], #0xff"], // str x10, [x9], #255
  [(c) => enc.strIndexed(c, "strb", "pre", 10, SP, simm9(-256)), "38100fea", "strb w10, [sp, #-0x100]!"], // strb w10, [sp, #-256]!

  [(c) => enc.b(c, 0), "14000000", "b #0x10000000"], // b .
  [(c) => enc.b(c, 4), "14000001", "b #0x10000004"], // b .+4
  [(c) => enc.b(c, -4), "17ffffff", "b #0xffffffc"], // b .-4
  [(c) => enc.b(c, 0x7ff_fffc), "15ffffff", "b #0x17fffffc"], // b .+0x7fffffc
  [(c) => enc.b(c, -0x800_0000), "16000000", "b #0x8000000"], // b .-0x8000000
  [(c) => enc.bl(c, 0), "94000000", "bl #0x10000000"], // bl .
  [(c) => enc.bl(c, 0x100), "94000040", "bl #0x10000100"], // bl .+0x100
  [(c) => enc.bl(c, -0x800_0000), "96000000", "bl #0x8000000"], // bl .-0x8000000
  [(c) => enc.bl(c, 0x7ff_fffc), "95ffffff", "bl #0x17fffffc"], // bl .+0x7fffffc
  [(c) => enc.bCond(c, "eq", 0), "54000000", "b.eq #0x10000000"], // b.eq .
  [(c) => enc.bCond(c, "ne", 8), "54000041", "b.ne #0x10000008"], // b.ne .+8
  [(c) => enc.bCond(c, "hs", -8), "54ffffc2", "b.hs #0xffffff8"], // b.hs .-8
  [(c) => enc.bCond(c, "lo", 0xf_fffc), "547fffe3", "b.lo #0x100ffffc"], // b.lo .+0xffffc
  [(c) => enc.bCond(c, "hi", -0x10_0000), "54800008", "b.hi #0xff00000"], // b.hi .-0x100000
  [(c) => enc.bCond(c, "ls", 4), "54000029", "b.ls #0x10000004"], // b.ls .+4
  [(c) => enc.bCond(c, "ge", 4), "5400002a", "b.ge #0x10000004"], // b.ge .+4
  [(c) => enc.bCond(c, "lt", 4), "5400002b", "b.lt #0x10000004"], // b.lt .+4
  [(c) => enc.bCond(c, "gt", 4), "5400002c", "b.gt #0x10000004"], // b.gt .+4
  [(c) => enc.bCond(c, "le", 4), "5400002d", "b.le #0x10000004"], // b.le .+4
  [(c) => enc.bCond(c, "mi", 4), "54000024", "b.mi #0x10000004"], // b.mi .+4
  [(c) => enc.bCond(c, "pl", 4), "54000025", "b.pl #0x10000004"], // b.pl .+4
  [(c) => enc.cbz(c, 32, 9, 0), "34000009", "cbz w9, #0x10000000"], // cbz w9, .
  [(c) => enc.cbz(c, 64, 10, 0xf_fffc), "b47fffea", "cbz x10, #0x100ffffc"], // cbz x10, .+0xffffc
  [(c) => enc.cbz(c, 64, 11, -0x10_0000), "b480000b", "cbz x11, #0xff00000"], // cbz x11, .-0x100000
  [(c) => enc.cbnz(c, 32, 9, 8), "35000049", "cbnz w9, #0x10000008"], // cbnz w9, .+8
  [(c) => enc.cbnz(c, 64, 9, -4), "b5ffffe9", "cbnz x9, #0xffffffc"], // cbnz x9, .-4
  [(c) => enc.addRegLsl(c, 9, 16, 9, 3), "8b090e09", "add x9, x16, x9, lsl #3"], // add x9, x16, x9, lsl #3
  [(c) => enc.addRegLsl(c, 10, 10, 11, 4), "8b0b114a", "add x10, x10, x11, lsl #4"], // add x10, x10, x11, lsl #4
  [(c) => enc.addRegLsl(c, 9, 9, 10, 0), "8b0a0129", "add x9, x9, x10"], // add x9, x9, x10
  [(c) => enc.addRegLsl(c, 9, ZR, 10, 63), "8b0affe9", "add x9, xzr, x10, lsl #63"], // add x9, xzr, x10, lsl #63
  [(c) => enc.blr(c, 16), "d63f0200", "blr x16"], // blr x16
  [(c) => enc.blr(c, 0), "d63f0000", "blr x0"], // blr x0
  [(c) => enc.blr(c, 30), "d63f03c0", "blr x30"], // blr x30
  [(c) => enc.ret(c), "d65f03c0", "ret"], // ret
];

function encode(instruction: (c: CodeBuffer) => void): Uint8Array {
  const buf = new CodeBuffer();
  instruction(buf);
  return buf.finish();
}

describe("aarch64 encoders, byte-exact against GNU as", () => {
  it.each(TABLE)("%s → %s (%s)", (instruction, word, text) => {
    const expected = words(Number.parseInt(word, 16));
    expect(Buffer.from(encode(instruction)).toString("hex")).toBe(Buffer.from(expected).toString("hex"));
    const decoded = disassemble("aarch64", expected, BASE);
    expect(decoded).toHaveLength(1);
    expect(decoded[0]!.size).toBe(4);
    expect(`${decoded[0]!.mnemonic} ${decoded[0]!.opStr}`.trim()).toBe(text);
  });

  it("covers every exported encoder", () => {
    const helpers = ["invert", "branchFieldOf", "withDisplacement"];
    const encoders = Object.entries(enc)
      .filter(([name, value]) => typeof value === "function" && !helpers.includes(name))
      .map(([name]) => name);
    const used = new Set(
      TABLE.flatMap(([instruction]) =>
        [...instruction.toString().matchAll(/\.(\w+)\(c\b/g)].map((m) => m[1]),
      ),
    );
    expect(encoders.filter((name) => !used.has(name))).toEqual([]);
  });
});

describe("operand checks", () => {
  it("rejects branch displacements that are unaligned or out of range", () => {
    const buf = new CodeBuffer();
    expect(() => enc.b(buf, 2)).toThrow(/does not fit imm26/);
    expect(() => enc.b(buf, 0x800_0000)).toThrow(/does not fit imm26/);
    expect(() => enc.bl(buf, -0x800_0004)).toThrow(/does not fit imm26/);
    expect(() => enc.bCond(buf, "eq", 0x10_0000)).toThrow(/does not fit imm19/);
    expect(() => enc.cbz(buf, 64, 9, -0x10_0004)).toThrow(/does not fit imm19/);
    expect(buf.offset).toBe(0);
  });

  it("rejects a writeback load or store whose base is its register, and a shift past 63", () => {
    const buf = new CodeBuffer();
    expect(() => enc.ldrIndexed(buf, "ldrX", "post", 9, 9, simm9(8))).toThrow(/unpredictable/);
    expect(() => enc.strIndexed(buf, "strb", "pre", 10, 10, simm9(-1))).toThrow(/unpredictable/);
    expect(() => enc.addRegLsl(buf, 9, 9, 10, 64)).toThrow(/shift amount/);
    expect(buf.offset).toBe(0);
  });

  it("rejects an fcvt between equal sizes", () => {
    const buf = new CodeBuffer();
    expect(() => enc.fcvt(buf, 64, 16, 64, 16)).toThrow(/fcvt from 64 to 64/);
    expect(buf.offset).toBe(0);
  });

  it("rejects a 32-bit move-wide shifted past bit 31 and a 64-bit bitmask in a 32-bit orr", () => {
    const buf = new CodeBuffer();
    expect(() => enc.movz(buf, 32, 9, wide(1, 32))).toThrow(/cannot shift by 32/);
    expect(() => enc.orrImm(buf, 32, 9, ZR, bitmask(0x7fff_ffff_ffff_ffffn, 64))).toThrow(/32-bit orr/);
  });

  it("inverts every condition", () => {
    const pairs = [
      ["eq", "ne"],
      ["hs", "lo"],
      ["mi", "pl"],
      ["hi", "ls"],
      ["ge", "lt"],
      ["gt", "le"],
    ] as const;
    for (const [a, b] of pairs) {
      expect(enc.invert(a)).toBe(b);
      expect(enc.invert(b)).toBe(a);
    }
  });

  it("repatches the displacement field of each branch kind (words from GNU as, as above)", () => {
    expect(enc.withDisplacement(0x1400_0000, -0x800_0000)).toBe(0x1600_0000); // b . → b .-0x8000000
    expect(enc.withDisplacement(0x9400_0000, 0x7ff_fffc)).toBe(0x95ff_ffff); // bl . → bl .+0x7fffffc
    expect(enc.withDisplacement(0x5400_0008, -0x10_0000)).toBe(0x5480_0008); // b.hi . → b.hi .-0x100000
    expect(enc.withDisplacement(0xb400_000b, -0x10_0000)).toBe(0xb480_000b); // cbz x11, . → cbz x11, .-0x100000
    expect(enc.withDisplacement(0xb5ff_ffe9, 8)).toBe(0xb500_0049); // cbnz x9, .-4 → cbnz x9, .+8
    expect(() => enc.withDisplacement(0xd65f_03c0, 0)).toThrow(/not a b\/bl/); // ret
  });
});
