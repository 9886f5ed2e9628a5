#include "capstone_decoder.h"

#include <stdlib.h>

capstone_decoder *capstone_decoder_open(const arch_facts *arch, int detail, cs_err *error) {
  capstone_decoder *decoder = calloc(1, sizeof *decoder);
  *error = CS_ERR_MEM;
  if (!decoder) return NULL;
  decoder->arch = arch;
  *error = cs_open(arch->capstone.arch, arch->capstone.mode, &decoder->handle);
  if (*error != CS_ERR_OK) {
    free(decoder);
    return NULL;
  }
  if (detail) *error = cs_option(decoder->handle, CS_OPT_DETAIL, CS_OPT_ON);
  if (*error == CS_ERR_OK && !(decoder->insn = cs_malloc(decoder->handle))) *error = cs_errno(decoder->handle);
  if (*error != CS_ERR_OK) {
    capstone_decoder_close(decoder);
    return NULL;
  }
  return decoder;
}

void capstone_decoder_close(capstone_decoder *decoder) {
  if (decoder->insn) cs_free(decoder->insn, 1);
  cs_close(&decoder->handle);
  free(decoder);
}
