#include "instruction_count.h"

#include <capstone/capstone.h>
#include <stdlib.h>

struct instruction_counter {
  csh handle;
  cs_insn *insn;
};

instruction_counter *instruction_counter_open(int arch) {
  instruction_counter *counter = calloc(1, sizeof *counter);
  if (!counter) return NULL;
  cs_arch cs_arch = arch == ARCH_X64 ? CS_ARCH_X86 : CS_ARCH_ARM64;
  cs_mode cs_mode = arch == ARCH_X64 ? CS_MODE_64 : CS_MODE_LITTLE_ENDIAN;
  if (cs_open(cs_arch, cs_mode, &counter->handle) != CS_ERR_OK) {
    free(counter);
    return NULL;
  }
  counter->insn = cs_malloc(counter->handle);
  if (!counter->insn) {
    instruction_counter_close(counter);
    return NULL;
  }
  return counter;
}

void instruction_counter_close(instruction_counter *counter) {
  if (counter->insn) cs_free(counter->insn, 1);
  cs_close(&counter->handle);
  free(counter);
}

uint64_t instruction_count(instruction_counter *counter, const uint8_t *bytes, size_t size, uint64_t address) {
  uint64_t count = 0;
  while (size > 0) {
    if (!cs_disasm_iter(counter->handle, &bytes, &size, &address, counter->insn)) {
      bytes++, size--, address++;
    }
    count++;
  }
  return count;
}
