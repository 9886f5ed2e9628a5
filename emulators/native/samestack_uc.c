/*
 * samestack's native helper around Unicorn 2.0.1: everything that runs per emulated instruction, and
 * one `ss_run` entry that resets the per-run state, emulates, and reports in a single FFI call.
 *
 * Instrumented range [begin, begin + size): one C code hook covers it (installed before anything is
 * translated, so every translation block in it calls the hook). An instrumented engine executes code
 * only there (engine.ts enforces it), so the hook also meters the fuel, replacing Unicorn's own
 * instruction counter (a second code hook on every instruction). A code hook on every instruction
 * doubles the cost of translating code, which dominates runs of code executed once; an engine that
 * needs only fuel and exact fault pcs meters blocks instead (ss_meter_blocks, below). Per instruction
 * the hook
 *   - stores the instruction's address (the exact pc of a fault: Unicorn reports the block start),
 *   - stops the run when the fuel is used up, before the instruction,
 *   - at JS-hooked addresses, calls the JS callback, which may stop the run before the instruction,
 *   - counts the instruction (`steps`),
 *   - when recording, folds sp into the running minimum and, at watched addresses, appends a record,
 *   - at alignment-checked addresses, appends a violation when sp % 16 != 0.
 * Reading sp costs 10-40 ns in Unicorn 2.0.1, several times the instruction itself, so while recording
 * the hook keeps sp cached and rereads it only after an instruction that may write it (push, call,
 * pre-index writeback...: Capstone's registers written, decided once per address and forgotten when
 * the code there is rewritten) or after a JS hook (which may set it).
 * Which addresses are watched / checked / hooked is one flag byte per byte of the range (O(1) lookup);
 * the addresses carrying each flag are also listed, so replacing a set costs its size, not the range's.
 *
 * Guest memory is host memory the helper maps itself (uc_mem_map_ptr), so a region can be zeroed in
 * place (ss_zero) and reused: Unicorn 2.0.1's uc_mem_unmap has a fixed cost plus about 0.25 us per page.
 *
 * Record semantics (sp values are read before the instruction at that address executes):
 *   record j = { pc_j, sp_j, min_sp_j, step_j } where min_sp_j is the minimum sp over every
 *   instrumented instruction after record j-1 up to and including pc_j (from the run start for j = 0);
 *   step_j counts the instrumented instructions executed before pc_j in this run.
 *   `tail_min_sp` is the same minimum after the last stored record, including sp when the run stopped.
 * Records and violations never vanish silently: past `capacity` they are counted as dropped.
 */
#define _DEFAULT_SOURCE /* MAP_NORESERVE, madvise */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unicorn/unicorn.h>

#include "arch.h"
#include "instruction_count.h"
#include "sp_writes.h"

/* Regions up to this size are zeroed with memset rather than by dropping their pages. */
enum { ZERO_IN_PLACE = 0x40000 };
/* Bytes before a written range where a block holding some of them may start: two pages. */
enum { BLOCK_REACH = 0x2000 };
/* Per-address flags. KNOWN: the instruction starting there was classified; WRITES_SP: it may write sp. */
enum { FLAG_WATCH = 1, FLAG_ALIGN = 2, FLAG_JS_HOOK = 4, FLAG_KNOWN = 8, FLAG_WRITES_SP = 16 };
enum {
  STOP_NONE,
  STOP_MEMORY_FAULT,
  STOP_INTERRUPT,
  STOP_JS_HOOK,
  STOP_INVALID_INSTRUCTION,
  STOP_CPU_EXCEPTION,
  STOP_FUEL
};
/* QEMU's AArch64 exception numbers (target/arm/cpu.h) as Unicorn passes them to interrupt hooks. */
enum { EXCP_UDEF = 1, EXCP_SWI = 2, EXCP_BKPT = 7, EXCP_HVC = 11, EXCP_SMC = 13 };

/* Stored as doubles, exact below 2^53 (all mapped addresses), so JS reads them with one memcpy. */
typedef struct {
  double pc, sp, min_sp, step;
} ss_record;

typedef struct {
  double pc, sp;
} ss_violation;

typedef struct {
  void *items;
  uint64_t count, dropped, allocated;
} ss_buffer;

/* A guest region and the host memory behind it. */
typedef struct {
  uint64_t address, size;
  void *host;
} ss_region;

/* Point flags, each with the list of offsets that carry it (indexed by log2 of the flag). */
enum { POINT_KINDS = 3 };
typedef struct {
  uint64_t *offsets;
  uint64_t count;
} ss_points;

/* Called with the engine's token; returns non-zero to stop emulation. */
typedef int (*ss_js_hook)(uint64_t token, uint64_t address);

typedef struct {
  uc_engine *uc;
  const arch_facts *arch;
  uc_hook code_hook, memory_hook, interrupt_hook, block_hook, access_hook;
  uint64_t begin, size; /* instrumented or block-metered range; size 0 = none */
  int meter_blocks;     /* the range is metered per block (ss_meter_blocks), not per instruction */
  uint16_t *block_counts; /* block-metered: instructions of the block starting at each offset; 0 = unknown */
  /* instrumented: classifies sp writes (with operand details); block-metered: counts block instructions */
  capstone_decoder *decoder;
  uint8_t *flags;       /* size bytes */
  ss_points points[POINT_KINDS];
  ss_region *regions;
  uint64_t region_count, regions_allocated;
  uint64_t watch_count; /* addresses with FLAG_WATCH; recording is on iff > 0 */
  uint64_t capacity;    /* max records / violations kept per run */
  ss_js_hook js_hook;
  uint64_t js_token;
  /* per run */
  uint64_t fuel, current_pc, steps, min_sp;
  uint64_t exception_pc; /* the instruction that raised an interrupt */
  uint64_t sp; /* while recording: sp before the current instruction, unless sp_stale */
  int sp_stale;
  ss_buffer records, violations;
  uint64_t stop, fault_type, fault_address, interrupt_number;
} ss_engine;

/* Layout of the result array filled by ss_run; mirrored in emulators/native/bindings.ts. */
enum {
  R_UC_ERR,
  R_STOP,
  R_STOP_PC,
  R_FAULT_TYPE,
  R_FAULT_ADDRESS,
  R_INTERRUPT_NUMBER,
  R_STEPS,
  R_RECORDS,
  R_RECORDS_DROPPED,
  R_VIOLATIONS,
  R_VIOLATIONS_DROPPED,
  R_TAIL_MIN_SP,
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
  uc_reg_read(e->uc, e->arch->unicorn.sp, &sp);
  return sp;
}

/* Flags of the instruction at `offset`, classifying it on its first execution. */
static uint8_t classified(ss_engine *e, uint64_t offset, uint32_t size) {
  uint8_t flags = e->flags[offset];
  if (flags & FLAG_KNOWN) return flags;
  uint8_t bytes[16];
  int writes = size > sizeof bytes || uc_mem_read(e->uc, e->begin + offset, bytes, size) != UC_ERR_OK ||
               sp_writes_instruction(e->decoder, bytes, size, e->begin + offset);
  flags |= FLAG_KNOWN | (writes ? FLAG_WRITES_SP : 0);
  e->flags[offset] = flags;
  return flags;
}

static void check_alignment(ss_engine *e, uint64_t address, uint64_t sp) {
  if ((sp & 15) == 0) return;
  ss_violation violation = {(double)address, (double)sp};
  push(&e->violations, &violation, sizeof violation, e->capacity);
}

static void on_code(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
  ss_engine *e = user;
  uint64_t offset = address - e->begin;
  e->current_pc = address;
  if (offset >= e->size) return;
  if (e->steps == e->fuel) {
    e->stop = STOP_FUEL;
    uc_emu_stop(uc);
    return;
  }
  uint8_t flags = e->flags[offset];
  if (flags & FLAG_JS_HOOK) {
    /* A JS hook that stops the run leaves its instruction unexecuted, uncounted and unrecorded. */
    if (e->js_hook && e->js_hook(e->js_token, address)) {
      e->stop = STOP_JS_HOOK;
      uc_emu_stop(uc);
      return;
    }
    e->sp_stale = 1;
  }
  uint64_t step = e->steps++;
  if (e->watch_count == 0) {
    if (flags & FLAG_ALIGN) check_alignment(e, address, read_sp(e));
    return;
  }
  if (e->sp_stale) {
    e->sp = read_sp(e);
    e->sp_stale = 0;
  }
  uint64_t sp = e->sp;
  if (sp < e->min_sp) e->min_sp = sp;
  if (flags & FLAG_WATCH) {
    ss_record record = {(double)address, (double)sp, (double)e->min_sp, (double)step};
    if (push(&e->records, &record, sizeof record, e->capacity)) e->min_sp = UINT64_MAX;
  }
  if (flags & FLAG_ALIGN) check_alignment(e, address, sp);
  if (classified(e, offset, size) & FLAG_WRITES_SP) e->sp_stale = 1;
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

/* The instruction that raised interrupt `number`. The hook saw it on an instrumented engine; otherwise
 * Unicorn's pc is past it after x86 int/int3 (left so: lengths vary) and AArch64 svc/hvc/smc, and at it
 * after brk and udf. */
static uint64_t exception_pc(ss_engine *e, uint32_t number) {
  if (e->size && !e->meter_blocks) return e->current_pc;
  uint64_t pc = 0;
  uc_reg_read(e->uc, e->arch->unicorn.pc, &pc);
  int past =
      e->arch->unicorn.arch == UC_ARCH_ARM64 && (number == EXCP_SWI || number == EXCP_HVC || number == EXCP_SMC);
  return past ? pc - e->arch->instruction_bytes.fixed : pc;
}

/* x86: every interrupt, by vector (#UD is not one: Unicorn returns UC_ERR_INSN_INVALID).
 * AArch64: brk/svc/hvc/smc by their imm16, which all keep it in bits 5..20 of the instruction word (ESR
 * does not carry it in Unicorn 2.0.1); UDEF is an invalid instruction; any other exception is reported
 * with its QEMU number. */
static void on_interrupt(uc_engine *uc, uint32_t number, void *user) {
  ss_engine *e = user;
  e->stop = STOP_INTERRUPT;
  e->interrupt_number = number;
  e->exception_pc = exception_pc(e, number);
  if (e->arch->unicorn.arch == UC_ARCH_ARM64) {
    uint32_t word;
    if (number == EXCP_UDEF) {
      e->stop = STOP_INVALID_INSTRUCTION;
    } else if (number != EXCP_SWI && number != EXCP_BKPT && number != EXCP_HVC && number != EXCP_SMC) {
      e->stop = STOP_CPU_EXCEPTION;
    } else if (uc_mem_read(uc, e->exception_pc, &word, 4) == UC_ERR_OK) {
      e->interrupt_number = (word >> 5) & 0xffff;
    }
  }
  uc_emu_stop(uc);
}

/* The instruction a run's stop is attributed to: the one that raised an interrupt; on an instrumented
 * engine, the one the hook saw last (exact: its code runs only there); on a block-metered engine, the
 * block the fuel did not cover, or Unicorn's pc (exact for faults: see ss_meter_blocks); otherwise, and
 * after reaching an exit, Unicorn's pc, which is exact for faults on a bare engine because its
 * instruction counter hooks every instruction. */
static uint64_t stop_pc(ss_engine *e, uc_err err, uint64_t pc) {
  if (e->stop == STOP_INTERRUPT || e->stop == STOP_INVALID_INSTRUCTION || e->stop == STOP_CPU_EXCEPTION) {
    return e->exception_pc;
  }
  if (e->meter_blocks) return e->stop == STOP_FUEL ? e->current_pc : pc;
  int exited = e->stop == STOP_NONE && err == UC_ERR_OK;
  return e->size && !exited ? e->current_pc : pc;
}

/* An engine for architecture row `arch` (arch.h), with that row's CPU model. */
ss_engine *ss_open(int arch, int *error) {
  const arch_facts *facts = arch_facts_of(arch);
  ss_engine *e = facts ? calloc(1, sizeof *e) : NULL;
  if (!e) {
    *error = facts ? UC_ERR_NOMEM : UC_ERR_ARCH;
    return NULL;
  }
  e->arch = facts;
  e->capacity = 1u << 22;
  uc_err err = uc_open(facts->unicorn.arch, facts->unicorn.mode, &e->uc);
  /* The CPU model must be set before anything else touches the CPU. */
  if (err == UC_ERR_OK) err = uc_ctl_set_cpu_model(e->uc, facts->unicorn.cpu_model);
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
  for (uint64_t i = 0; i < e->region_count; i++) munmap(e->regions[i].host, e->regions[i].size);
  free(e->regions);
  for (int i = 0; i < POINT_KINDS; i++) free(e->points[i].offsets);
  if (e->decoder) capstone_decoder_close(e->decoder);
  free(e->block_counts);
  free(e->flags);
  free(e->records.items);
  free(e->violations.items);
  free(e);
}

/* A hook that covers an instrumented or block-metered range. */
typedef struct {
  uc_hook *hook;
  int type;
  void *callback;
} range_hook;

/* Takes [begin, begin + size) as the engine's one covered range: opens its Capstone decoder (with operand
 * details when `detail` is set), allocates `*table` (`entry_bytes` zeroed per byte of the range) and
 * adds `hooks` over it. Once per engine, before the first run; on failure the engine is as before. */
static int cover_range(ss_engine *e, uint64_t begin, uint64_t size, int detail, size_t entry_bytes, void **table,
                       const range_hook *hooks, size_t hook_count) {
  if (e->size != 0 || size == 0) return UC_ERR_ARG;
  cs_err cs_error;
  capstone_decoder *decoder = capstone_decoder_open(e->arch, detail, &cs_error);
  void *entries = calloc(size, entry_bytes);
  uc_err err = decoder && entries ? UC_ERR_OK : UC_ERR_NOMEM;
  size_t added = 0;
  while (err == UC_ERR_OK && added < hook_count) {
    const range_hook *h = &hooks[added];
    err = uc_hook_add(e->uc, h->hook, h->type, h->callback, e, begin, begin + size - 1);
    if (err == UC_ERR_OK) added++;
  }
  if (err != UC_ERR_OK) {
    while (added > 0) uc_hook_del(e->uc, *hooks[--added].hook);
    if (decoder) capstone_decoder_close(decoder);
    free(entries);
    return err;
  }
  e->decoder = decoder;
  *table = entries;
  e->begin = begin;
  e->size = size;
  return UC_ERR_OK;
}

/* Installs the code hook over [begin, begin + size). Once per engine, before the first run. */
int ss_instrument(ss_engine *e, uint64_t begin, uint64_t size) {
  const range_hook hooks[] = {{&e->code_hook, UC_HOOK_CODE, (void *)on_code}};
  void *flags = NULL;
  int err = cover_range(e, begin, size, 1, sizeof *e->flags, &flags, hooks, 1);
  if (err == UC_ERR_OK) e->flags = flags;
  return err;
}

/* Instructions of the block at `offset`, counted on its first execution. */
static uint64_t block_count(ss_engine *e, uint64_t offset, uint32_t size) {
  uint16_t known = e->block_counts[offset];
  if (known) return known;
  uint64_t count;
  if (e->arch->instruction_bytes.fixed) {
    count = size / e->arch->instruction_bytes.fixed;
  } else {
    uint8_t *bytes = malloc(size);
    count = bytes && uc_mem_read(e->uc, e->begin + offset, bytes, size) == UC_ERR_OK
                ? instruction_count(e->decoder, bytes, size, e->begin + offset)
                : size; /* unreadable: at most one instruction per byte */
    free(bytes);
  }
  if (count > 0 && count <= UINT16_MAX) e->block_counts[offset] = (uint16_t)count;
  return count;
}

/* Before a block runs: its instructions are counted against the fuel at once. A block the fuel does not
 * cover stops the run before its first instruction, so a run executes at most `fuel` instructions; a
 * block cut short by a fault counts whole (the run ends there). */
static void on_block(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
  ss_engine *e = user;
  uint64_t offset = address - e->begin;
  e->current_pc = address;
  if (offset >= e->size) return;
  uint64_t count = block_count(e, offset, size);
  if (e->steps + count > e->fuel) {
    e->stop = STOP_FUEL;
    uc_emu_stop(uc);
    return;
  }
  e->steps += count;
}

static void on_access(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value, void *user) {
  (void)uc, (void)type, (void)address, (void)size, (void)value, (void)user;
}

/* Meters the fuel per translation block over [begin, begin + size), instead of per instruction (the
 * alternative to ss_instrument, once per engine, before the first run). Unicorn 2.0.1 reports a fault
 * at its block's start, unless a memory hook covers the faulting instruction: then it keeps pc exact
 * before every memory access. So a no-op memory hook covers the range too (data accesses there are
 * rare: the range holds code). */
int ss_meter_blocks(ss_engine *e, uint64_t begin, uint64_t size) {
  const range_hook hooks[] = {{&e->block_hook, UC_HOOK_BLOCK, (void *)on_block},
                              {&e->access_hook, UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, (void *)on_access}};
  void *counts = NULL;
  int err = cover_range(e, begin, size, 0, sizeof *e->block_counts, &counts, hooks, 2);
  if (err == UC_ERR_OK) {
    e->block_counts = counts;
    e->meter_blocks = 1;
  }
  return err;
}

/* Replaces the set of addresses carrying `flag`. All addresses must be in the instrumented range. */
int ss_set_points(ss_engine *e, int flag, const uint64_t *addresses, uint64_t count) {
  int kind = flag == FLAG_WATCH ? 0 : flag == FLAG_ALIGN ? 1 : flag == FLAG_JS_HOOK ? 2 : -1;
  if (kind < 0) return UC_ERR_ARG;
  for (uint64_t i = 0; i < count; i++) {
    if (addresses[i] - e->begin >= e->size) return UC_ERR_ARG;
  }
  ss_points *points = &e->points[kind];
  uint64_t *offsets = count ? malloc(count * sizeof *offsets) : NULL;
  if (count && !offsets) return UC_ERR_NOMEM;
  for (uint64_t i = 0; i < points->count; i++) e->flags[points->offsets[i]] &= (uint8_t)~flag;
  uint64_t distinct = 0;
  for (uint64_t i = 0; i < count; i++) {
    uint64_t offset = addresses[i] - e->begin;
    if (e->flags[offset] & flag) continue;
    e->flags[offset] |= (uint8_t)flag;
    offsets[distinct++] = offset;
  }
  free(points->offsets);
  points->offsets = offsets;
  points->count = distinct;
  if (flag == FLAG_WATCH) e->watch_count = distinct;
  return UC_ERR_OK;
}

static ss_region *region_at(ss_engine *e, uint64_t address, uint64_t size) {
  for (uint64_t i = 0; i < e->region_count; i++) {
    if (e->regions[i].address == address && e->regions[i].size == size) return &e->regions[i];
  }
  return NULL;
}

/* Maps [address, address + size) with `perms` onto fresh, zeroed host memory. */
int ss_map(ss_engine *e, uint64_t address, uint64_t size, uint32_t perms) {
  if (e->region_count == e->regions_allocated) {
    uint64_t next = e->regions_allocated ? e->regions_allocated * 2 : 8;
    ss_region *grown = realloc(e->regions, next * sizeof *grown);
    if (!grown) return UC_ERR_NOMEM;
    e->regions = grown;
    e->regions_allocated = next;
  }
  void *host = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (host == MAP_FAILED) return UC_ERR_NOMEM;
  uc_err err = uc_mem_map_ptr(e->uc, address, size, perms, host);
  if (err != UC_ERR_OK) {
    munmap(host, size);
    return err;
  }
  e->regions[e->region_count++] = (ss_region){address, size, host};
  return UC_ERR_OK;
}

/* Unmaps a region exactly as it was mapped by ss_map. */
int ss_unmap(ss_engine *e, uint64_t address, uint64_t size) {
  ss_region *region = region_at(e, address, size);
  if (!region) return UC_ERR_ARG;
  uc_err err = uc_mem_unmap(e->uc, address, size);
  if (err != UC_ERR_OK) return err;
  munmap(region->host, size);
  *region = e->regions[--e->region_count];
  return UC_ERR_OK;
}

/* Zeroes a region mapped by ss_map. A small region is cleared in place; a large one's pages are dropped
 * and read back as zeros, at the cost of a TLB shootdown (an inter-processor interrupt: slow in a VM)
 * and of refaulting the pages used again. Translations of code there are the caller's to drop
 * (ss_invalidate). */
int ss_zero(ss_engine *e, uint64_t address, uint64_t size) {
  ss_region *region = region_at(e, address, size);
  if (!region) return UC_ERR_ARG;
  if (size <= ZERO_IN_PLACE) {
    memset(region->host, 0, size);
    return UC_ERR_OK;
  }
  return madvise(region->host, size, MADV_DONTNEED) == 0 ? UC_ERR_OK : UC_ERR_NOMEM;
}

void ss_set_js_hook(ss_engine *e, ss_js_hook hook, uint64_t token) {
  e->js_hook = hook;
  e->js_token = token;
}

void ss_set_capacity(ss_engine *e, uint64_t capacity) { e->capacity = capacity; }

/* Exits are compiled into translation blocks (a block ends before an exit, a block at an exit halts),
 * and Unicorn 2.0.1 keeps cached blocks when exits change: an exit added inside a translated block would
 * be run through. So the blocks containing an exit that is added or removed are dropped; an exit in both
 * sets keeps its blocks. (UC_CTL_TB_FLUSH would do too, but costs 0.1-3 s.) */
static int contains(const uint64_t *addresses, size_t count, uint64_t address) {
  for (size_t i = 0; i < count; i++) {
    if (addresses[i] == address) return 1;
  }
  return 0;
}

int ss_set_exits(ss_engine *e, uint64_t *exits, uint64_t count) {
  size_t old_count = 0;
  uc_err err = uc_ctl_get_exits_cnt(e->uc, &old_count);
  uint64_t *old = old_count ? malloc(old_count * sizeof *old) : NULL;
  if (err == UC_ERR_OK && old_count && !old) err = UC_ERR_NOMEM;
  if (err == UC_ERR_OK && old_count) err = uc_ctl_get_exits(e->uc, old, old_count);
  if (err == UC_ERR_OK) err = uc_ctl_set_exits(e->uc, exits, count);
  for (size_t i = 0; err == UC_ERR_OK && i < old_count; i++) {
    if (!contains(exits, count, old[i])) err = uc_ctl_remove_cache(e->uc, old[i], old[i] + 1);
  }
  for (size_t i = 0; err == UC_ERR_OK && i < count; i++) {
    if (!contains(old, old_count, exits[i])) err = uc_ctl_remove_cache(e->uc, exits[i], exits[i] + 1);
  }
  free(old);
  return err;
}

/* Drops translations of [begin, end), and what the helper knows of the instructions that may overlap
 * it: their sp-write classification, or the instruction counts of the blocks. Needed after new code
 * is written there: uc_mem_write does NOT invalidate translated blocks in Unicorn 2.0.1, so stale code
 * would run. */
int ss_invalidate(ss_engine *e, uint64_t begin, uint64_t end) {
  if (e->meter_blocks) {
    /* A block may start up to a page before the bytes it holds (QEMU's blocks span at most two pages). */
    uint64_t from = begin > e->begin + BLOCK_REACH ? begin - BLOCK_REACH : e->begin;
    uint64_t to = end - e->begin < e->size ? end : e->begin + e->size;
    if (from < to) memset(&e->block_counts[from - e->begin], 0, (to - from) * sizeof *e->block_counts);
  } else if (e->size) {
    /* An instruction that starts up to its longest size before may hold written bytes. */
    uint64_t reach = e->arch->instruction_bytes.max;
    uint64_t from = begin > e->begin + reach ? begin - reach - e->begin : 0;
    uint64_t to = end - e->begin < e->size ? end - e->begin : e->size;
    uint8_t *flags = e->flags;
    for (uint64_t i = from; i < to; i++) flags[i] &= (uint8_t) ~(FLAG_KNOWN | FLAG_WRITES_SP);
  }
  return uc_ctl_remove_cache(e->uc, begin, end);
}

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

/* Runs at most `fuel` instructions from `begin`: metered by the code hook on an instrumented engine, by
 * Unicorn's `count` otherwise. (Switching one engine between the two would flush Unicorn's cache.) */
void ss_run(ss_engine *e, uint64_t begin, uint64_t fuel, uint64_t *result) {
  e->fuel = fuel;
  e->current_pc = begin;
  e->sp_stale = 1;
  e->steps = 0;
  e->min_sp = UINT64_MAX;
  e->records.count = e->records.dropped = 0;
  e->violations.count = e->violations.dropped = 0;
  e->stop = STOP_NONE;
  e->fault_type = e->fault_address = e->interrupt_number = 0;

  uc_err err = uc_emu_start(e->uc, begin, 0, 0, e->size ? 0 : fuel);

  uint64_t pc = 0;
  uc_reg_read(e->uc, e->arch->unicorn.pc, &pc);
  if (e->watch_count != 0) {
    uint64_t sp = read_sp(e);
    if (sp < e->min_sp) e->min_sp = sp;
  }
  result[R_UC_ERR] = err;
  result[R_STOP] = e->stop;
  result[R_STOP_PC] = stop_pc(e, err, pc);
  result[R_FAULT_TYPE] = e->fault_type;
  result[R_FAULT_ADDRESS] = e->fault_address;
  result[R_INTERRUPT_NUMBER] = e->interrupt_number;
  result[R_STEPS] = e->steps;
  result[R_RECORDS] = e->records.count;
  result[R_RECORDS_DROPPED] = e->records.dropped;
  result[R_VIOLATIONS] = e->violations.count;
  result[R_VIOLATIONS_DROPPED] = e->violations.dropped;
  result[R_TAIL_MIN_SP] = e->min_sp;
}

/* Copies the last run's records (4 doubles each) / violations (2 each) into `out`. */
void ss_copy_records(ss_engine *e, double *out) { memcpy(out, e->records.items, e->records.count * sizeof(ss_record)); }

void ss_copy_violations(ss_engine *e, double *out) {
  memcpy(out, e->violations.items, e->violations.count * sizeof(ss_violation));
}
