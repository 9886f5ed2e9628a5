/* Which instructions may write the stack pointer, decided with Capstone from their bytes. */
#ifndef SAMESTACK_SP_WRITES_H
#define SAMESTACK_SP_WRITES_H

#include "capstone_decoder.h"

/* 1 if the instruction in `bytes` may write sp (explicitly or implicitly, e.g. push, call, pre-index
 * writeback), 0 if it cannot; 1 as well when Capstone cannot tell (conservative). `decoder` decodes
 * with operand details. */
int sp_writes_instruction(capstone_decoder *decoder, const uint8_t *bytes, size_t size, uint64_t address);

#endif
