#include "instruction_count.h"

#include "capstone_open.h"
#include <stdlib.h>

struct instruction_counter {
  csh handle;
  cs_insn *insn;
};

instruction_counter *instruction_counter_open(int arch) {
  instruction_counter *counter = calloc(1, sizeof *counter);
  if (!counter) return NULL;
  if (capstone_open(arch, 0, &counter->handle) != CS_ERR_OK) {
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
