/* Which instructions may write the stack pointer, decided with Capstone from their bytes. */
#ifndef SAMESTACK_SP_WRITES_H
#define SAMESTACK_SP_WRITES_H

#include <stddef.h>
#include <stdint.h>

#include "arch.h"

typedef struct sp_writes sp_writes;

sp_writes *sp_writes_open(int arch);
void sp_writes_close(sp_writes *decoder);

/* 1 if the instruction in `bytes` may write sp (explicitly or implicitly, e.g. push, call, pre-index
 * writeback), 0 if it cannot; 1 as well when Capstone cannot tell (conservative). */
int sp_writes_instruction(sp_writes *decoder, const uint8_t *bytes, size_t size, uint64_t address);

#endif
