/* How many instructions a run of machine code holds, decided with Capstone from its bytes. */
#ifndef SAMESTACK_INSTRUCTION_COUNT_H
#define SAMESTACK_INSTRUCTION_COUNT_H

#include "capstone_decoder.h"

/* The instructions in `bytes` (a translation block: it starts at `address`), each undecodable byte
 * counted as one. */
uint64_t instruction_count(capstone_decoder *decoder, const uint8_t *bytes, size_t size, uint64_t address);

#endif
