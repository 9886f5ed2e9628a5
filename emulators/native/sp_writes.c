#include "sp_writes.h"

static int is_stack_pointer(const arch_facts *arch, uint16_t reg) {
  for (const uint16_t *sp = arch->capstone.sp_registers; *sp; sp++) {
    if (reg == *sp) return 1;
  }
  return 0;
}

int sp_writes_instruction(capstone_decoder *decoder, const uint8_t *bytes, size_t size, uint64_t address) {
  if (!cs_disasm_iter(decoder->handle, &bytes, &size, &address, decoder->insn)) return 1;
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
