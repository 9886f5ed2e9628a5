/* Every per-architecture fact of the helper, in one table (ARCH_FACTS in arch.c) indexed by ARCH_*.
 * Each row is keyed by samestack's target name: the TypeScript side finds its row with ss_arch, so
 * the Unicorn and Capstone ids are stated only here, compiled against their headers. */
#ifndef SAMESTACK_ARCH_H
#define SAMESTACK_ARCH_H

#include <capstone/capstone.h>
#include <stddef.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

enum { ARCH_X64, ARCH_AARCH64, ARCH_COUNT };

/* A register the harness can name, by the name Capstone prints. */
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
  uc_arch arch;
  uc_mode mode;
  int cpu_model;
  int pc, sp; /* register ids */
} unicorn_facts;

typedef struct {
  cs_arch arch;
  cs_mode mode;
  uint16_t sp_registers[5]; /* the registers that are sp or a part of it, 0-terminated */
} capstone_facts;

typedef struct {
  uint8_t fixed; /* every instruction's size, 0 when sizes vary */
  uint8_t max;
} instruction_size;

/* Unicorn register ids by name, for ss_reg_id. */
typedef struct {
  const named_register *named;
  size_t named_count;
  const register_family *families;
  size_t family_count;
} register_names;

typedef struct {
  const char *target; /* samestack's name of the target */
  unicorn_facts unicorn;
  capstone_facts capstone;
  instruction_size instruction_bytes;
  register_names registers;
} arch_facts;

extern const arch_facts ARCH_FACTS[ARCH_COUNT];

/* The row of samestack's target `target`, or -1. */
int ss_arch(const char *target);

/* The row `arch`, or NULL when there is none. */
const arch_facts *arch_facts_of(int arch);

#endif
