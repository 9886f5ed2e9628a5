#include "arch.h"

#include <string.h>

#define COUNT(array) (sizeof(array) / sizeof *(array))

static const named_register x64_named[] = {
    {"rax", UC_X86_REG_RAX}, {"rbx", UC_X86_REG_RBX},       {"rcx", UC_X86_REG_RCX},    {"rdx", UC_X86_REG_RDX},
    {"rsi", UC_X86_REG_RSI}, {"rdi", UC_X86_REG_RDI},       {"rbp", UC_X86_REG_RBP},    {"rsp", UC_X86_REG_RSP},
    {"rip", UC_X86_REG_RIP}, {"rflags", UC_X86_REG_RFLAGS}, {"mxcsr", UC_X86_REG_MXCSR}};
static const register_family x64_families[] = {{"r", 8, 8, UC_X86_REG_R8}, {"xmm", 0, 16, UC_X86_REG_XMM0}};
static const named_register aarch64_named[] = {
    {"x29", UC_ARM64_REG_X29},   {"x30", UC_ARM64_REG_X30},   {"sp", UC_ARM64_REG_SP},  {"pc", UC_ARM64_REG_PC},
    {"nzcv", UC_ARM64_REG_NZCV}, {"fpcr", UC_ARM64_REG_FPCR}, {"fpsr", UC_ARM64_REG_FPSR}};
static const register_family aarch64_families[] = {{"x", 0, 29, UC_ARM64_REG_X0}, {"d", 0, 32, UC_ARM64_REG_D0}};

/* x86-64: Haswell, with LZCNT/TZCNT (ABM, BMI1), SSE4.1 (ROUNDSD) and, in Unicorn 2.1, POPCNT.
 * AArch64: Cortex-A72 (ARMv8-A with FP/AdvSIMD). */
const arch_facts ARCH_FACTS[ARCH_COUNT] = {
    [ARCH_X64] = {"x64", {UC_ARCH_X86, UC_MODE_64, UC_CPU_X86_HASWELL, UC_X86_REG_RIP, UC_X86_REG_RSP},
                  {CS_ARCH_X86, CS_MODE_64, {X86_REG_RSP, X86_REG_ESP, X86_REG_SP, X86_REG_SPL}},
                  {.fixed = 0, .max = 15},
                  {x64_named, COUNT(x64_named), x64_families, COUNT(x64_families)}},
    [ARCH_AARCH64] = {"aarch64", {UC_ARCH_ARM64, UC_MODE_ARM, UC_CPU_ARM64_A72, UC_ARM64_REG_PC, UC_ARM64_REG_SP},
                      {CS_ARCH_ARM64, CS_MODE_LITTLE_ENDIAN, {ARM64_REG_SP, ARM64_REG_WSP}},
                      {.fixed = 4, .max = 4},
                      {aarch64_named, COUNT(aarch64_named), aarch64_families, COUNT(aarch64_families)}},
};

int ss_arch(const char *target) {
  for (int arch = 0; arch < ARCH_COUNT; arch++) {
    if (strcmp(target, ARCH_FACTS[arch].target) == 0) return arch;
  }
  return -1;
}

const arch_facts *arch_facts_of(int arch) { return arch >= 0 && arch < ARCH_COUNT ? &ARCH_FACTS[arch] : NULL; }
