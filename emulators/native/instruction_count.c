#include "instruction_count.h"

uint64_t instruction_count(capstone_decoder *decoder, const uint8_t *bytes, size_t size, uint64_t address) {
  uint64_t count = 0;
  while (size > 0) {
    if (!cs_disasm_iter(decoder->handle, &bytes, &size, &address, decoder->insn)) {
      bytes++, size--, address++;
    }
    count++;
  }
  return count;
}
