#include "disasm.h"

#include "capstone_open.h"
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The layout capstone.ts reads. */
_Static_assert(sizeof(ss_operand) == 32 && offsetof(ss_operand, reg) == 8 && offsetof(ss_operand, type) == 24,
               "ss_operand layout");
_Static_assert(sizeof(ss_instruction) == 736 && offsetof(ss_instruction, operands) == 32 &&
                   offsetof(ss_instruction, regs_read) == 288 && offsetof(ss_instruction, regs_written) == 416 &&
                   offsetof(ss_instruction, mnemonic) == 544 && offsetof(ss_instruction, op_str) == 576,
               "ss_instruction layout");

struct ss_decoder {
  csh handle;
  cs_insn *insn;
  int arch;
};

ss_decoder *ss_decoder_open(int arch, int *error) {
  ss_decoder *d = calloc(1, sizeof *d);
  *error = CS_ERR_MEM;
  if (!d) return NULL;
  d->arch = arch;
  *error = capstone_open(arch, 1, &d->handle);
  if (*error != CS_ERR_OK) {
    free(d);
    return NULL;
  }
  if (!(d->insn = cs_malloc(d->handle))) {
    *error = cs_errno(d->handle);
    cs_close(&d->handle);
    free(d);
    return NULL;
  }
  return d;
}

const char *ss_decoder_reg_name(ss_decoder *d, unsigned reg) { return cs_reg_name(d->handle, reg); }

static void copy_x64_operands(const cs_x86 *x86, ss_instruction *out) {
  out->operand_count = x86->op_count;
  for (uint8_t i = 0; i < x86->op_count; i++) {
    const cs_x86_op *op = &x86->operands[i];
    ss_operand *o = &out->operands[i];
    memset(o, 0, sizeof *o);
    o->access = op->access;
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
}

static void copy_arm64_operands(const cs_arm64 *arm64, ss_instruction *out) {
  out->operand_count = arm64->op_count;
  out->writeback = arm64->writeback;
  for (uint8_t i = 0; i < arm64->op_count; i++) {
    const cs_arm64_op *op = &arm64->operands[i];
    ss_operand *o = &out->operands[i];
    memset(o, 0, sizeof *o);
    o->type = op->type;
    o->access = op->access;
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
}

int ss_disassemble(ss_decoder *d, const uint8_t *bytes, size_t size, uint64_t address, ss_instruction *out,
              int capacity) {
  cs_insn *insn = d->insn;
  int count = 0;
  for (; count < capacity && cs_disasm_iter(d->handle, &bytes, &size, &address, insn); count++) {
    ss_instruction *o = &out[count];
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
    o->writeback = 0;
    if (d->arch == ARCH_X64) {
      copy_x64_operands(&insn->detail->x86, o);
    } else {
      copy_arm64_operands(&insn->detail->arm64, o);
    }
  }
  return count;
}
