/* Capstone disassembly of a whole buffer in one call, into flat records that emulators/disasm/capstone.ts
 * reads through a typed-array view (one FFI call per buffer instead of several per instruction). */
#ifndef SAMESTACK_DISASM_H
#define SAMESTACK_DISASM_H

#include "capstone_decoder.h"

/* One operand (32 bytes). Offsets are mirrored in capstone.ts (OPERAND_*). */
typedef struct {
  union {
    int64_t imm;    /* imm */
    double fp;      /* fp; mem: the displacement */
    uint32_t other; /* any other type: the first 32 bits of Capstone's value (an enum, a C-immediate) */
  } value;
  uint32_t reg;   /* reg: the register; mem: the base (0: none) */
  uint32_t index; /* mem: the index register (0: none) */
  int32_t scale;  /* mem: 1 on AArch64 */
  uint32_t shift_amount;
  uint8_t type;   /* Capstone's operand type: 1 reg, 2 imm, 3 mem (x86: every other type too), 4 fp, ... */
  uint8_t access; /* cs_ac_type bits */
  uint8_t shift;  /* arm64_shifter, 0 on x86 */
  uint8_t extend; /* arm64_extender, 0 on x86 */
  uint8_t padding[4];
} ss_operand;

/* One instruction (736 bytes). Offsets are mirrored in capstone.ts (INSN_*). */
typedef struct {
  uint64_t address;
  uint16_t size;
  uint8_t mnemonic_length, op_str_length;
  uint8_t operand_count, regs_read_count, regs_written_count, group_count;
  uint8_t writeback; /* AArch64 pre-/post-index writeback; 0 on x86 */
  uint8_t groups[8];
  uint8_t padding[7];
  ss_operand operands[8];
  uint16_t regs_read[64], regs_written[64];
  char mnemonic[32], op_str[160];
} ss_instruction;

typedef capstone_decoder ss_decoder;

/* A decoder for ARCH_*, or NULL with `*error` set to Capstone's cs_err. */
ss_decoder *ss_decoder_open(int arch, int *error);

/* Capstone's name of register `reg`, or NULL. */
const char *ss_decoder_reg_name(ss_decoder *d, unsigned reg);

/* Decodes the instruction at `*bytes` into `o` and advances `*bytes`, `*size` and `*address` past it.
 * Returns 1, 0 when no instruction decodes there, or -cs_err if cs_regs_access failed. */
int ss_decode_detailed(ss_decoder *d, const uint8_t **bytes, size_t *size, uint64_t *address, ss_instruction *o);

/* Decodes instructions from `bytes` (at `address`) into `out`, stopping at the first undecodable
 * byte or after `capacity` instructions. Returns how many, or -cs_err if cs_regs_access failed. */
int ss_disassemble(ss_decoder *d, const uint8_t *bytes, size_t size, uint64_t address, ss_instruction *out,
                   int capacity);

#endif
