#include "disasm.h"

#include <stddef.h>
#include <string.h>

/* The layout capstone.ts reads. */
_Static_assert(sizeof(ss_operand) == 32 && offsetof(ss_operand, reg) == 8 && offsetof(ss_operand, type) == 24,
               "ss_operand layout");
_Static_assert(sizeof(ss_instruction) == 736 && offsetof(ss_instruction, operands) == 32 &&
                   offsetof(ss_instruction, regs_read) == 288 && offsetof(ss_instruction, regs_written) == 416 &&
                   offsetof(ss_instruction, mnemonic) == 544 && offsetof(ss_instruction, op_str) == 576,
               "ss_instruction layout");

ss_decoder *ss_decoder_open(int arch, int *error) {
  const arch_facts *facts = arch_facts_of(arch);
  cs_err err = CS_ERR_ARCH;
  ss_decoder *d = facts ? capstone_decoder_open(facts, 1, &err) : NULL;
  *error = err;
  return d;
}

const char *ss_decoder_reg_name(ss_decoder *d, unsigned reg) { return cs_reg_name(d->handle, reg); }

static void copy_x86_operand(const cs_x86_op *op, ss_operand *o) {
  if (op->type == X86_OP_REG) {
    o->type = X86_OP_REG;
    o->reg = op->reg;
  } else if (op->type == X86_OP_IMM) {
    o->type = X86_OP_IMM;
    o->value.imm = op->imm;
  } else {
    o->type = X86_OP_MEM;
    o->reg = op->mem.base;
    o->index = op->mem.index;
    o->scale = op->mem.scale;
    o->value.fp = (double)op->mem.disp;
  }
}

static void copy_arm64_operand(const cs_arm64_op *op, ss_operand *o) {
  o->type = op->type;
  o->shift = op->shift.type;
  o->shift_amount = op->shift.value;
  o->extend = op->ext;
  if (op->type == ARM64_OP_REG) {
    o->reg = op->reg;
  } else if (op->type == ARM64_OP_IMM) {
    o->value.imm = op->imm;
  } else if (op->type == ARM64_OP_FP) {
    o->value.fp = op->fp;
  } else if (op->type == ARM64_OP_MEM) {
    o->reg = op->mem.base;
    o->index = op->mem.index;
    o->scale = 1;
    o->value.fp = op->mem.disp;
  } else {
    o->value.other = (uint32_t)op->imm; /* the union's first 32 bits (little-endian) */
  }
}

/* Fills in what Capstone 4 omits for AArch64 control flow: bl/blr are calls (it says jump), brk is an
 * interrupt (no group), and a bare ret reads x30 (its implicit operand is not listed). */
static void correct_arm64(const cs_insn *insn, ss_instruction *o) {
  switch (insn->id) {
  case ARM64_INS_BL:
  case ARM64_INS_BLR:
    for (uint8_t i = 0; i < o->group_count; i++) {
      if (o->groups[i] == CS_GRP_JUMP) o->groups[i] = CS_GRP_CALL;
    }
    break;
  case ARM64_INS_BRK:
    if (o->group_count < sizeof o->groups) o->groups[o->group_count++] = CS_GRP_INT;
    break;
  case ARM64_INS_RET:
    if (o->operand_count == 0 && o->regs_read_count < sizeof o->regs_read / sizeof *o->regs_read) {
      o->regs_read[o->regs_read_count++] = ARM64_REG_X30;
    }
    break;
  default:
    break;
  }
}

/* Operands as one record shape: the per-architecture details differ (x86 has no shifts, extends or
 * writeback), so this is the one place that branches on the architecture. */
static void copy_operands(const ss_decoder *d, const cs_insn *insn, ss_instruction *o) {
  const cs_detail *detail = insn->detail;
  memset(o->operands, 0, sizeof o->operands);
  o->writeback = 0;
  switch (d->arch->capstone.arch) {
  case CS_ARCH_X86:
    o->operand_count = detail->x86.op_count;
    for (uint8_t i = 0; i < o->operand_count; i++) {
      o->operands[i].access = detail->x86.operands[i].access;
      copy_x86_operand(&detail->x86.operands[i], &o->operands[i]);
    }
    break;
  case CS_ARCH_ARM64:
    o->operand_count = detail->arm64.op_count;
    o->writeback = detail->arm64.writeback;
    for (uint8_t i = 0; i < o->operand_count; i++) {
      o->operands[i].access = detail->arm64.operands[i].access;
      copy_arm64_operand(&detail->arm64.operands[i], &o->operands[i]);
    }
    correct_arm64(insn, o);
    break;
  default:
    o->operand_count = 0;
    break;
  }
}

int ss_decode_detailed(ss_decoder *d, const uint8_t **bytes, size_t *size, uint64_t *address, ss_instruction *o) {
  cs_insn *insn = d->insn;
  if (!cs_disasm_iter(d->handle, bytes, size, address, insn)) return 0;
  o->address = insn->address;
  o->size = insn->size;
  o->mnemonic_length = (uint8_t)strlen(insn->mnemonic);
  o->op_str_length = (uint8_t)strlen(insn->op_str);
  memcpy(o->mnemonic, insn->mnemonic, o->mnemonic_length);
  memcpy(o->op_str, insn->op_str, o->op_str_length);
  cs_err err = cs_regs_access(d->handle, insn, o->regs_read, &o->regs_read_count, o->regs_written,
                              &o->regs_written_count);
  if (err != CS_ERR_OK) return -(int)err;
  o->group_count = insn->detail->groups_count;
  memcpy(o->groups, insn->detail->groups, sizeof o->groups);
  copy_operands(d, insn, o);
  return 1;
}

int ss_disassemble(ss_decoder *d, const uint8_t *bytes, size_t size, uint64_t address, ss_instruction *out,
                   int capacity) {
  int count = 0;
  for (; count < capacity; count++) {
    int decoded = ss_decode_detailed(d, &bytes, &size, &address, &out[count]);
    if (decoded < 0) return decoded;
    if (decoded == 0) break;
  }
  return count;
}
