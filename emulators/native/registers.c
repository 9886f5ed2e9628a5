/* Unicorn register ids by the names Capstone prints, for the registers the harness exposes (the
 * architecture rows' register lists, arch.c). */
#include <stdlib.h>
#include <string.h>

#include "arch.h"

/* Unicorn register id for a name as Capstone prints it ("rsp", "x28", "xmm0", "d0"), or -1. */
int ss_reg_id(int arch, const char *name) {
  const arch_facts *facts = arch_facts_of(arch);
  if (!facts) return -1;
  for (size_t i = 0; i < facts->registers.named_count; i++) {
    if (strcmp(name, facts->registers.named[i].name) == 0) return facts->registers.named[i].id;
  }
  for (size_t i = 0; i < facts->registers.family_count; i++) {
    const register_family *family = &facts->registers.families[i];
    size_t length = strlen(family->prefix);
    const char *digits = name + length;
    if (strncmp(name, family->prefix, length) != 0 || *digits < '0' || *digits > '9') continue;
    if (digits[0] == '0' && digits[1] != '\0') continue; /* no leading zeros */
    char *end;
    long n = strtol(digits, &end, 10);
    if (*end == '\0' && n >= family->first && n < family->first + family->count) {
      return family->id + (int)(n - family->first);
    }
  }
  return -1;
}
