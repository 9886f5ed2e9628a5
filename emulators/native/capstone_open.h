/* A Capstone handle for one of samestack's architectures (arch.h). */
#ifndef SAMESTACK_CAPSTONE_OPEN_H
#define SAMESTACK_CAPSTONE_OPEN_H

#include <capstone/capstone.h>

#include "arch.h"

/* Opens `*handle` for `arch`, with operand details when `detail` is set. */
static inline cs_err capstone_open(int arch, int detail, csh *handle) {
  int x64 = arch == ARCH_X64;
  cs_err err = cs_open(x64 ? CS_ARCH_X86 : CS_ARCH_ARM64, x64 ? CS_MODE_64 : CS_MODE_LITTLE_ENDIAN, handle);
  if (err != CS_ERR_OK || !detail) return err;
  err = cs_option(*handle, CS_OPT_DETAIL, CS_OPT_ON);
  if (err != CS_ERR_OK) cs_close(handle);
  return err;
}

#endif
