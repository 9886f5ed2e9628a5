/* Capstone's decoding of whole code ranges as columns (struct-of-arrays) that
 * emulators/disasm/columns.ts reads through typed arrays without an object per instruction: per
 * instruction its offset, size, mnemonic (interned), groups, writeback, operands and registers
 * written. No text: callers that need an instruction's text decode that one with ss_disassemble.
 *
 * Compiled code repeats a few thousand instruction forms that differ in their immediates and
 * displacements (spec modules: 60,000 distinct instructions of 100,000), so decoded instructions are
 * kept in a memo of templates (Capstone's detailed decoding costs more than 5 M instructions/s
 * allow): an instruction's bytes with its immediate and displacement fields masked, and how each
 * operand's value follows from those fields. x86 finds the fields in Capstone's encoding details,
 * AArch64 in a table of encoding classes; a template is kept only when the same bytes with other
 * values in the fields decode alike and every operand value follows one field linearly, else the
 * instruction is remembered by its bytes. A decoding depends on the bytes and, for address-relative
 * immediates (branch targets), on the address: the memo keeps those relative to the instruction's
 * address, and finds which they are by decoding the bytes a second time at another address. */
#ifndef SAMESTACK_DISASM_COLUMNS_H
#define SAMESTACK_DISASM_COLUMNS_H

#include "disasm.h"

/* Column numbers for ss_columns_column; the TypeScript side mirrors them (COLUMN in columns.ts). */
enum {
  /* one per instruction */
  COLUMN_OFFSET,        /* uint32: bytes from the start of the decoded buffer */
  COLUMN_SIZE,          /* uint8 */
  COLUMN_FLAGS,         /* uint8: bit 0 writeback (AArch64), bit g Capstone's common group g (1..7) */
  COLUMN_MNEMONIC,      /* uint16: id of the mnemonic as Capstone prints it (ss_columns_mnemonic) */
  COLUMN_FIRST_OPERAND, /* uint32, one more than instructions: instruction i's operands are [first[i], first[i+1]) */
  COLUMN_FIRST_WRITTEN, /* uint32, likewise for the registers written */
  /* one per operand */
  COLUMN_OPERAND_TYPE,  /* uint8: Capstone's operand type (1 reg, 2 imm, 3 mem, 4 fp, others) */
  COLUMN_OPERAND_REG,   /* uint16: reg: the register; mem: the base (0: none) */
  COLUMN_OPERAND_INDEX, /* uint16: mem: the index register (0: none) */
  COLUMN_OPERAND_SHIFT, /* uint8: AArch64 shift type (arm64_shifter), 0 on x86 */
  COLUMN_OPERAND_SHIFT_AMOUNT, /* uint8 */
  COLUMN_OPERAND_VALUE, /* double: imm (absolute), fp, mem displacement, or another type's first 32 bits */
  /* one per register written (cs_regs_access, with the AArch64 corrections of disasm.c) */
  COLUMN_WRITTEN,       /* uint16 */
  /* one per range, one more than ranges */
  COLUMN_RANGE_FIRST,   /* uint32: range k's instructions are [first[k], first[k+1]) */
  COLUMN_COUNT
};

typedef struct ss_columns ss_columns;

/* Columns decoding for ARCH_*, or NULL with `*error` set to Capstone's cs_err. */
ss_columns *ss_columns_open(int arch, int *error);
void ss_columns_close(ss_columns *c);

/* Decodes `range_count` ranges of `bytes` (mapped at `address`): range k starts at offset starts[k]
 * and ends where the next one starts (the last at `size`); each stops at its first undecodable
 * byte. Returns the number of instructions, or -cs_err. The columns hold the result until the
 * next call; their storage moves only when ss_columns_generation changes. */
int ss_columns_decode(ss_columns *c, const uint8_t *bytes, size_t size, uint64_t address, const uint32_t *starts,
                      int range_count);

/* Column `column`'s storage, and how many elements it holds (instructions, operands, registers or
 * ranges, plus one for the FIRST columns). */
void *ss_columns_column(ss_columns *c, int column);
int ss_columns_length(ss_columns *c, int column);

/* Counts the times the columns' storage moved: read ss_columns_column again when it changes. */
unsigned ss_columns_generation(ss_columns *c);

/* The text of mnemonic id `id`, or NULL. */
const char *ss_columns_mnemonic(ss_columns *c, unsigned id);

/* Capstone's name of register `reg`, or NULL. */
const char *ss_columns_reg_name(ss_columns *c, unsigned reg);

#endif
