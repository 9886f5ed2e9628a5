/*
 * samestack's native helper around Unicorn 2.0.1: everything that runs per emulated instruction, and
 * one `ss_run` entry that resets the per-run state, emulates, and reports in a single FFI call.
 *
 * Instrumented range [begin, begin + size): one C code hook covers it (installed before anything is
 * translated, so every translation block in it calls the hook). Per instruction the hook
 *   - stores the instruction's address (the exact pc of a fault: Unicorn reports the block start),
 *   - counts it (`steps`),
 *   - when recording, folds sp into the running minimum and, at watched addresses, appends a record,
 *   - at alignment-checked addresses, appends a violation when sp % 16 != 0,
 *   - at JS-hooked addresses, calls the JS callback.
 * Which addresses are watched / checked / hooked is one flag byte per byte of the range (O(1) lookup).
 *
 * Record semantics (sp values are read before the instruction at that address executes):
 *   record j = { pc_j, sp_j, min_sp_j, step_j } where min_sp_j is the minimum sp over every
 *   instrumented instruction after record j-1 up to and including pc_j (from the run start for j = 0);
 *   step_j counts the instrumented instructions executed before pc_j in this run.
 *   `tail_min_sp` is the same minimum after the last stored record, including sp when the run stopped.
 * Records and violations never vanish silently: past `capacity` they are counted as dropped.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicorn/unicorn.h>

enum { ARCH_X64 = 0, ARCH_AARCH64 = 1 };
enum { FLAG_WATCH = 1, FLAG_ALIGN = 2, FLAG_JS_HOOK = 4 };
enum { STOP_NONE, STOP_MEMORY_FAULT, STOP_INTERRUPT, STOP_JS_HOOK, STOP_INVALID_INSTRUCTION, STOP_CPU_EXCEPTION };
/* QEMU's AArch64 exception numbers (target/arm/cpu.h) as Unicorn passes them to interrupt hooks. */
enum { EXCP_UDEF = 1, EXCP_SWI = 2, EXCP_BKPT = 7, EXCP_HVC = 11, EXCP_SMC = 13 };

typedef struct {
  uint64_t pc, sp, min_sp, step;
} ss_record;

typedef struct {
  uint64_t pc, sp;
} ss_violation;

typedef struct {
  void *items;
  uint64_t count, dropped, allocated;
} ss_buffer;

/* Called with the engine's token; returns non-zero to stop emulation. */
typedef int (*ss_js_hook)(uint64_t token, uint64_t address);

typedef struct {
  uc_engine *uc;
  int arch, pc_reg, sp_reg;
  uc_hook code_hook, memory_hook, interrupt_hook;
  uint64_t begin, size; /* instrumented range; size 0 = none */
  uint8_t *flags;       /* size bytes */
  uint64_t watch_count; /* addresses with FLAG_WATCH; recording is on iff > 0 */
  uint64_t capacity;    /* max records / violations kept per run */
  ss_js_hook js_hook;
  uint64_t js_token;
  /* per run */
  uint64_t current_pc, steps, min_sp;
  ss_buffer records, violations;
  uint64_t stop, fault_type, fault_address, interrupt_number;
} ss_engine;

/* Layout of the result array filled by ss_run; mirrored in emulators/native.ts. */
enum {
  R_UC_ERR,
  R_STOP,
  R_PC,
  R_CURRENT_PC,
  R_FAULT_TYPE,
  R_FAULT_ADDRESS,
  R_INTERRUPT_NUMBER,
  R_STEPS,
  R_RECORDS,
  R_RECORDS_DROPPED,
  R_VIOLATIONS,
  R_VIOLATIONS_DROPPED,
  R_TAIL_MIN_SP,
  R_SP,
  R_COUNT
};

static int push(ss_buffer *buffer, const void *item, size_t item_size, uint64_t capacity) {
  if (buffer->count >= capacity) {
    buffer->dropped++;
    return 0;
  }
  if (buffer->count == buffer->allocated) {
    uint64_t next = buffer->allocated ? buffer->allocated * 2 : 1024;
    if (next > capacity) next = capacity;
    void *grown = realloc(buffer->items, next * item_size);
    if (!grown) {
      buffer->dropped++;
      return 0;
    }
    buffer->items = grown;
    buffer->allocated = next;
  }
  memcpy((char *)buffer->items + buffer->count * item_size, item, item_size);
  buffer->count++;
  return 1;
}

static uint64_t read_sp(ss_engine *e) {
  uint64_t sp = 0;
  uc_reg_read(e->uc, e->sp_reg, &sp);
  return sp;
}

static void on_code(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
  (void)size;
  ss_engine *e = user;
  uint64_t offset = address - e->begin;
  e->current_pc = address;
  uint64_t step = e->steps++;
  if (offset >= e->size) return;
  uint8_t flags = e->flags[offset];
  if (e->watch_count == 0 && flags == 0) return;
  uint64_t sp = read_sp(e);
  if (sp < e->min_sp) e->min_sp = sp;
  if (flags & FLAG_WATCH) {
    ss_record record = {address, sp, e->min_sp, step};
    if (push(&e->records, &record, sizeof record, e->capacity)) e->min_sp = UINT64_MAX;
  }
  if ((flags & FLAG_ALIGN) && (sp & 15) != 0) {
    ss_violation violation = {address, sp};
    push(&e->violations, &violation, sizeof violation, e->capacity);
  }
  if ((flags & FLAG_JS_HOOK) && e->js_hook && e->js_hook(e->js_token, address)) {
    e->stop = STOP_JS_HOOK;
    uc_emu_stop(uc);
  }
}

static bool on_memory_fault(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value,
                            void *user) {
  (void)uc, (void)size, (void)value;
  ss_engine *e = user;
  e->stop = STOP_MEMORY_FAULT;
  e->fault_type = type;
  e->fault_address = address;
  return false;
}

/* x86: every interrupt, by vector (#UD is not one: Unicorn returns UC_ERR_INSN_INVALID).
 * AArch64: brk/svc/hvc/smc by their imm16, which all keep it in bits 5..20 of the instruction at the exact
 * pc (ESR does not carry it in Unicorn 2.0.1); UDEF is an invalid instruction; any other exception is
 * reported with its QEMU number. */
static void on_interrupt(uc_engine *uc, uint32_t number, void *user) {
  ss_engine *e = user;
  e->stop = STOP_INTERRUPT;
  e->interrupt_number = number;
  if (e->arch == ARCH_AARCH64) {
    uint32_t word;
    if (number == EXCP_UDEF) {
      e->stop = STOP_INVALID_INSTRUCTION;
    } else if (number != EXCP_SWI && number != EXCP_BKPT && number != EXCP_HVC && number != EXCP_SMC) {
      e->stop = STOP_CPU_EXCEPTION;
    } else if (uc_mem_read(uc, e->current_pc, &word, 4) == UC_ERR_OK) {
      e->interrupt_number = (word >> 5) & 0xffff;
    }
  }
  uc_emu_stop(uc);
}

/* x86-64: Haswell. In Unicorn 2.0.1 the model only changes CPUID's family/model: every model has the
 * same features, with LZCNT/TZCNT (ABM, BMI1) and SSE4.1 (ROUNDSD) but without POPCNT (#UD).
 * AArch64: Cortex-A72 (ARMv8-A with FP/AdvSIMD). */
ss_engine *ss_open(int arch, int *error) {
  ss_engine *e = calloc(1, sizeof *e);
  if (!e) {
    *error = UC_ERR_NOMEM;
    return NULL;
  }
  e->arch = arch;
  e->capacity = 1u << 22;
  uc_arch uc_arch = arch == ARCH_X64 ? UC_ARCH_X86 : UC_ARCH_ARM64;
  uc_mode uc_mode = arch == ARCH_X64 ? UC_MODE_64 : UC_MODE_ARM;
  e->pc_reg = arch == ARCH_X64 ? UC_X86_REG_RIP : UC_ARM64_REG_PC;
  e->sp_reg = arch == ARCH_X64 ? UC_X86_REG_RSP : UC_ARM64_REG_SP;
  uc_err err = uc_open(uc_arch, uc_mode, &e->uc);
  /* The CPU model must be set before anything else touches the CPU. */
  if (err == UC_ERR_OK) err = uc_ctl_set_cpu_model(e->uc, arch == ARCH_X64 ? UC_CPU_X86_HASWELL : UC_CPU_ARM64_A72);
  if (err == UC_ERR_OK) err = uc_ctl_exits_enable(e->uc);
  if (err == UC_ERR_OK) {
    err = uc_hook_add(e->uc, &e->memory_hook, UC_HOOK_MEM_INVALID, (void *)on_memory_fault, e, 1, 0);
  }
  if (err == UC_ERR_OK) {
    err = uc_hook_add(e->uc, &e->interrupt_hook, UC_HOOK_INTR, (void *)on_interrupt, e, 1, 0);
  }
  if (err != UC_ERR_OK) {
    if (e->uc) uc_close(e->uc);
    free(e);
    *error = err;
    return NULL;
  }
  *error = UC_ERR_OK;
  return e;
}

uc_engine *ss_uc(ss_engine *e) { return e->uc; }

void ss_close(ss_engine *e) {
  uc_close(e->uc);
  free(e->flags);
  free(e->records.items);
  free(e->violations.items);
  free(e);
}

/* Installs the code hook over [begin, begin + size). Once per engine, before the first run. */
int ss_instrument(ss_engine *e, uint64_t begin, uint64_t size) {
  if (e->size != 0 || size == 0) return UC_ERR_ARG;
  e->flags = calloc(size, 1);
  if (!e->flags) return UC_ERR_NOMEM;
  uc_err err = uc_hook_add(e->uc, &e->code_hook, UC_HOOK_CODE, (void *)on_code, e, begin, begin + size - 1);
  if (err != UC_ERR_OK) {
    free(e->flags);
    e->flags = NULL;
    return err;
  }
  e->begin = begin;
  e->size = size;
  return UC_ERR_OK;
}

/* Replaces the set of addresses carrying `flag`. All addresses must be in the instrumented range. */
int ss_set_points(ss_engine *e, int flag, const uint64_t *addresses, uint64_t count) {
  for (uint64_t i = 0; i < count; i++) {
    if (addresses[i] - e->begin >= e->size) return UC_ERR_ARG;
  }
  for (uint64_t i = 0; i < e->size; i++) e->flags[i] &= (uint8_t)~flag;
  uint64_t distinct = 0;
  for (uint64_t i = 0; i < count; i++) {
    uint8_t *slot = &e->flags[addresses[i] - e->begin];
    distinct += (*slot & flag) == 0;
    *slot |= (uint8_t)flag;
  }
  if (flag == FLAG_WATCH) e->watch_count = distinct;
  return UC_ERR_OK;
}

void ss_set_js_hook(ss_engine *e, ss_js_hook hook, uint64_t token) {
  e->js_hook = hook;
  e->js_token = token;
}

void ss_set_capacity(ss_engine *e, uint64_t capacity) { e->capacity = capacity; }

/* Exits are compiled into translation blocks (a block ends before an exit, a block at an exit halts),
 * and Unicorn 2.0.1 keeps cached blocks when exits change: an exit added inside a translated block would
 * be run through. So the blocks containing an old or a new exit are dropped. (UC_CTL_TB_FLUSH would do
 * too, but costs 0.1-3 s.) */
int ss_set_exits(ss_engine *e, uint64_t *exits, uint64_t count) {
  size_t old_count = 0;
  uc_err err = uc_ctl_get_exits_cnt(e->uc, &old_count);
  uint64_t *old = old_count ? malloc(old_count * sizeof *old) : NULL;
  if (err == UC_ERR_OK && old_count && !old) err = UC_ERR_NOMEM;
  if (err == UC_ERR_OK && old_count) err = uc_ctl_get_exits(e->uc, old, old_count);
  if (err == UC_ERR_OK) err = uc_ctl_set_exits(e->uc, exits, count);
  for (size_t i = 0; err == UC_ERR_OK && i < old_count; i++) err = uc_ctl_remove_cache(e->uc, old[i], old[i] + 1);
  for (size_t i = 0; err == UC_ERR_OK && i < count; i++) err = uc_ctl_remove_cache(e->uc, exits[i], exits[i] + 1);
  free(old);
  return err;
}

/* Drops translations of [begin, end). Needed after new code is written there: uc_mem_write does NOT
 * invalidate translated blocks in Unicorn 2.0.1, so stale code would run. */
int ss_invalidate(ss_engine *e, uint64_t begin, uint64_t end) { return uc_ctl_remove_cache(e->uc, begin, end); }

int ss_reg_read(ss_engine *e, int reg, uint64_t *value) {
  uint8_t wide[64] = {0}; /* vector registers are read whole; the low 64 bits are returned */
  uc_err err = uc_reg_read(e->uc, reg, wide);
  memcpy(value, wide, 8);
  return err;
}

int ss_reg_write(ss_engine *e, int reg, uint64_t value) {
  uint8_t wide[64] = {0};
  uc_err err = uc_reg_read(e->uc, reg, wide); /* keep the upper lanes of vector registers */
  if (err != UC_ERR_OK) return err;
  memcpy(wide, &value, 8);
  return uc_reg_write(e->uc, reg, wide);
}

void ss_run(ss_engine *e, uint64_t begin, uint64_t fuel, uint64_t *result) {
  e->current_pc = begin;
  e->steps = 0;
  e->min_sp = UINT64_MAX;
  e->records.count = e->records.dropped = 0;
  e->violations.count = e->violations.dropped = 0;
  e->stop = STOP_NONE;
  e->fault_type = e->fault_address = e->interrupt_number = 0;

  uc_err err = uc_emu_start(e->uc, begin, 0, 0, fuel);

  uint64_t pc = 0;
  uc_reg_read(e->uc, e->pc_reg, &pc);
  uint64_t sp = read_sp(e);
  if (e->watch_count != 0 && sp < e->min_sp) e->min_sp = sp;
  result[R_UC_ERR] = err;
  result[R_STOP] = e->stop;
  result[R_PC] = pc;
  result[R_CURRENT_PC] = e->current_pc;
  result[R_FAULT_TYPE] = e->fault_type;
  result[R_FAULT_ADDRESS] = e->fault_address;
  result[R_INTERRUPT_NUMBER] = e->interrupt_number;
  result[R_STEPS] = e->steps;
  result[R_RECORDS] = e->records.count;
  result[R_RECORDS_DROPPED] = e->records.dropped;
  result[R_VIOLATIONS] = e->violations.count;
  result[R_VIOLATIONS_DROPPED] = e->violations.dropped;
  result[R_TAIL_MIN_SP] = e->min_sp;
  result[R_SP] = sp;
}

/* Copies the last run's records (4 numbers each) / violations (2 each) into `out`, as doubles: they are
 * exact for addresses below 2^53, and JS reads them without BigInt conversions. */
static void copy_as_doubles(const ss_buffer *buffer, size_t words_per_item, double *out) {
  const uint64_t *words = buffer->items;
  for (uint64_t i = 0; i < buffer->count * words_per_item; i++) out[i] = (double)words[i];
}

void ss_copy_records(ss_engine *e, double *out) { copy_as_doubles(&e->records, 4, out); }

void ss_copy_violations(ss_engine *e, double *out) { copy_as_doubles(&e->violations, 2, out); }

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
