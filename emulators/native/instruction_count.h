/* How many instructions a run of machine code holds, decided with Capstone from its bytes. */
#ifndef SAMESTACK_INSTRUCTION_COUNT_H
#define SAMESTACK_INSTRUCTION_COUNT_H

#include <stddef.h>
#include <stdint.h>

#include "arch.h"

typedef struct instruction_counter instruction_counter;

instruction_counter *instruction_counter_open(int arch);
void instruction_counter_close(instruction_counter *counter);

/* The instructions in `bytes` (a translation block: it starts at `address`), each undecodable byte
 * counted as one. */
uint64_t instruction_count(instruction_counter *counter, const uint8_t *bytes, size_t size, uint64_t address);

#endif
