/* A Capstone handle for one architecture row (arch.h), with the instruction its users decode into:
 * the sp-write classification, the block instruction counts and the disassembly. */
#ifndef SAMESTACK_CAPSTONE_DECODER_H
#define SAMESTACK_CAPSTONE_DECODER_H

#include "arch.h"

typedef struct capstone_decoder {
  csh handle;
  cs_insn *insn;
  const arch_facts *arch;
} capstone_decoder;

/* A decoder for `arch`, with operand details when `detail` is set; NULL with `*error` set. */
capstone_decoder *capstone_decoder_open(const arch_facts *arch, int detail, cs_err *error);
void capstone_decoder_close(capstone_decoder *decoder);

#endif
