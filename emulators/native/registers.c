/* Unicorn register ids by the names Capstone prints, for the registers the harness exposes. */
#include <stdlib.h>
#include <string.h>
#include <unicorn/unicorn.h>

#include "arch.h"

typedef struct {
  const char *name;
  int id;
} named_register;

/* Registers numbered consecutively in unicorn.h: prefix + [first, first + count). */
typedef struct {
  const char *prefix;
  int first, count, id;
} register_family;

typedef struct {
  const named_register *named;
  size_t named_count;
  const register_family *families;
  size_t family_count;
} register_table;

static const named_register x64_named[] = {
    {"rax", UC_X86_REG_RAX}, {"rbx", UC_X86_REG_RBX}, {"rcx", UC_X86_REG_RCX},       {"rdx", UC_X86_REG_RDX},
    {"rsi", UC_X86_REG_RSI}, {"rdi", UC_X86_REG_RDI}, {"rbp", UC_X86_REG_RBP},       {"rsp", UC_X86_REG_RSP},
    {"rip", UC_X86_REG_RIP}, {"rflags", UC_X86_REG_RFLAGS}, {"mxcsr", UC_X86_REG_MXCSR}};
static const register_family x64_families[] = {{"r", 8, 8, UC_X86_REG_R8}, {"xmm", 0, 16, UC_X86_REG_XMM0}};
static const named_register aarch64_named[] = {
    {"x29", UC_ARM64_REG_X29},   {"x30", UC_ARM64_REG_X30},   {"sp", UC_ARM64_REG_SP},  {"pc", UC_ARM64_REG_PC},
    {"nzcv", UC_ARM64_REG_NZCV}, {"fpcr", UC_ARM64_REG_FPCR}, {"fpsr", UC_ARM64_REG_FPSR}};
static const register_family aarch64_families[] = {{"x", 0, 29, UC_ARM64_REG_X0}, {"d", 0, 32, UC_ARM64_REG_D0}};
static const register_table register_tables[] = {
    [ARCH_X64] = {x64_named, sizeof x64_named / sizeof *x64_named, x64_families,
                  sizeof x64_families / sizeof *x64_families},
    [ARCH_AARCH64] = {aarch64_named, sizeof aarch64_named / sizeof *aarch64_named, aarch64_families,
                      sizeof aarch64_families / sizeof *aarch64_families},
};

/* Unicorn register id for a name as Capstone prints it ("rsp", "x28", "xmm0", "d0"), or -1. */
int ss_reg_id(int arch, const char *name) {
  const register_table *table = &register_tables[arch];
  for (size_t i = 0; i < table->named_count; i++) {
    if (strcmp(name, table->named[i].name) == 0) return table->named[i].id;
  }
  for (size_t i = 0; i < table->family_count; i++) {
    const register_family *family = &table->families[i];
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
