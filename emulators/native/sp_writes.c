#include "sp_writes.h"

#include "capstone_open.h"
#include <stdlib.h>

struct sp_writes {
  csh handle;
  cs_insn *insn;
  int arch;
};

sp_writes *sp_writes_open(int arch) {
  sp_writes *decoder = calloc(1, sizeof *decoder);
  if (!decoder) return NULL;
  decoder->arch = arch;
  if (capstone_open(arch, 1, &decoder->handle) != CS_ERR_OK) {
    free(decoder);
    return NULL;
  }
  decoder->insn = cs_malloc(decoder->handle);
  if (!decoder->insn) {
    sp_writes_close(decoder);
    return NULL;
  }
  return decoder;
}

void sp_writes_close(sp_writes *decoder) {
  if (decoder->insn) cs_free(decoder->insn, 1);
  cs_close(&decoder->handle);
  free(decoder);
}

static int is_stack_pointer(int arch, uint16_t reg) {
  if (arch == ARCH_X64) return reg == X86_REG_RSP || reg == X86_REG_ESP || reg == X86_REG_SP || reg == X86_REG_SPL;
  return reg == ARM64_REG_SP || reg == ARM64_REG_WSP;
}

int sp_writes_instruction(sp_writes *decoder, const uint8_t *bytes, size_t size, uint64_t address) {
  const uint8_t *code = bytes;
  if (!cs_disasm_iter(decoder->handle, &code, &size, &address, decoder->insn)) return 1;
  cs_regs read, written;
  uint8_t read_count, written_count;
  if (cs_regs_access(decoder->handle, decoder->insn, read, &read_count, written, &written_count) != CS_ERR_OK) {
    return 1;
  }
  for (uint8_t i = 0; i < written_count; i++) {
    if (is_stack_pointer(decoder->arch, written[i])) return 1;
  }
  return 0;
}
