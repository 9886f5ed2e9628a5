/*
 * samestack's native helper around Unicorn 2.1: everything that runs per emulated instruction or
 * block, and one `ss_run` entry that resets the per-run state, emulates, and reports in a single FFI
 * call.
 *
 * An engine holds one or two Unicorn machines over the same host memory (every region is the helper's
 * own memory, mapped with uc_mem_map_ptr into each machine):
 *   - bare (no covered range): Unicorn's own instruction `count` meters the fuel;
 *   - instrumented (ss_instrument): one PRECISE machine, a C code hook over the covered range;
 *   - block-metered (ss_meter_blocks): a FAST machine (a block hook, no code hook, no memory hook:
 *     any memory hook sends every load and store of the machine through Unicorn's slow path) and a
 *     PRECISE twin, created on first need, that carries a run on exactly where FAST cannot.
 *
 * PRECISE, per instruction of the covered range (the code hook):
 *   - stores the instruction's address (the exact pc of a fault: Unicorn reports the block start),
 *   - stops the run before the instruction when its fuel charge does not fit,
 *   - at JS-hooked addresses, calls the JS callback, which may stop the run before the instruction,
 *   - charges the fuel (`steps`),
 *   - when recording, folds sp into the running minimum and, at watched addresses, appends a record,
 *   - at alignment-checked addresses, appends a violation when sp % 16 != 0.
 * Reading sp costs several emulated instructions, so while recording the hook keeps sp cached and
 * rereads it only after an instruction that may write it (push, call, pre-index writeback...:
 * Capstone's registers written, decided once per address and forgotten when the code there is
 * rewritten) or after a JS hook (which may set it).
 *
 * FAST, per translation block as it starts (the block hook): charges the block's fuel at once; a
 * block the fuel does not cover hands the run over to PRECISE at its start, which stops at the exact
 * instruction. A fault inside a block is reported at the block's start by Unicorn, and the block's
 * prefix has run, so FAST must never fault: the WARNING ZONE, bytes just above the stack limit, is
 * mapped without access in FAST only. Its first touch opens it (the access completes; only the stack
 * is there) and the next block start hands the run over to PRECISE, where every register is in sync,
 * so a later fault in the guard below the limit is exact. This holds when the zone is at least as
 * deep as the stack drops within one block (the runner sizes it from the frames); a fault in FAST
 * regardless is reported with `pc_exact` = 0.
 *
 * Fuel: one unit per instruction of the covered range, or, once FUEL POINTS are set (ss_set_fuel_points),
 * one unit per point at the address where an instruction starts (an address may carry several: the
 * runner's points are Wasm instruction starts, empty instructions included); a block's charge is the
 * sum over its bytes.
 *
 * Record semantics (sp values are read before the instruction at that address executes):
 *   record j = { pc_j, sp_j, min_sp_j, step_j } where min_sp_j is the minimum sp over every
 *   instrumented instruction after record j-1 up to and including pc_j (from the run start for j = 0);
 *   step_j is the fuel charged before pc_j in this run.
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
#include "profile.h"
#include "sp_writes.h"

/* Host pages (the regions' host memory is page aligned), and how many a zeroing stretch asks the
 * kernel about at once. */
enum { HOST_PAGE = 0x1000, ZERO_STRETCH_PAGES = 1024 };
/* A stretch with up to this many resident pages has them cleared in place rather than dropped. */
enum { ZERO_IN_PLACE_PAGES = 64 };
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
/* Why FAST handed a run over to PRECISE (HANDOVER_* in the result). */
enum { HANDOVER_NONE, HANDOVER_ZONE, HANDOVER_FUEL };
/* QEMU's AArch64 exception numbers (target/arm/cpu.h) as Unicorn passes them to interrupt hooks. */
enum { EXCP_UDEF = 1, EXCP_SWI = 2, EXCP_BKPT = 7, EXCP_HVC = 11, EXCP_SMC = 13 };
/* The machines of an engine: PRIMARY always exists (bare, instrumented, or FAST); PRECISE_TWIN only on
 * a block-metered engine. */
enum { PRIMARY, PRECISE_TWIN, MACHINES };
enum { COVER_NONE, COVER_CODE, COVER_BLOCKS };

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
  uint32_t perms;
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
  int cover; /* COVER_*: the hook over the covered range */
  uc_hook fault_hook, interrupt_hook, range_hook, profile_hook;
} ss_machine;

typedef struct {
  const arch_facts *arch;
  ss_machine machines[MACHINES];
  int current;          /* the machine holding the CPU state */
  uc_context *context;  /* for moving the CPU state between the machines */
  uint64_t begin, size; /* covered range; size 0 = none */
  int meter_blocks;     /* the engine has a FAST machine */
  /* FAST: fuel charge + 1 of the block starting at each offset; 0 = unknown */
  uint32_t *block_charges;
  capstone_decoder *decoder;      /* classifies sp writes (operand details) and counts block instructions */
  uint8_t *flags;                 /* size bytes */
  uint16_t *fuel_points;          /* size entries, or NULL: one unit per instruction */
  uint64_t fuel_points_end;       /* the fuel points past this offset are all zero */
  ss_points points[POINT_KINDS];
  ss_region *regions;
  uint64_t region_count, regions_allocated;
  uint64_t watch_count; /* addresses with FLAG_WATCH; recording is on iff > 0 */
  uint64_t capacity;    /* max records / violations kept per run */
  uint64_t zone_address, zone_size;
  int zone_protected; /* FAST maps the zone without access now */
  int precise_only;   /* block-metered: every run on PRECISE from its start (ss_set_precise_only) */
  ss_js_hook js_hook;
  uint64_t js_token;
  stack_profile *profile; /* built per block while active (profile.h); NULL until code is given */
  /* per run */
  int running;  /* the machine emulating */
  int handover; /* HANDOVER_*: set in FAST, acted on at the next block start */
  uint64_t fuel, current_pc, steps, precise_steps, min_sp;
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
  R_PC_EXACT,
  R_HANDOVER,
  R_PRECISE_STEPS,
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

/* Buffers grow on demand and are reused by the next run; one past this many items that the last run
 * filled to less than a quarter is given back, so an engine's memory follows its recent use rather
 * than its largest run. */
enum { KEPT_ITEMS = 1u << 16 };
static void start_buffer(ss_buffer *buffer) {
  int oversized = buffer->allocated > KEPT_ITEMS && buffer->count < buffer->allocated / 4;
  buffer->count = buffer->dropped = 0;
  if (!oversized) return;
  free(buffer->items);
  buffer->items = NULL;
  buffer->allocated = 0;
}

static uc_engine *uc_of(ss_engine *e, int machine) { return e->machines[machine].uc; }

static uint64_t read_sp(ss_engine *e) {
  uint64_t sp = 0;
  uc_reg_read(uc_of(e, e->running), e->arch->unicorn.sp, &sp);
  return sp;
}

/* Flags of the instruction at `offset`, classifying it on its first execution. */
static uint8_t classified(ss_engine *e, uint64_t offset, uint32_t size) {
  uint8_t flags = e->flags[offset];
  if (flags & FLAG_KNOWN) return flags;
  uint8_t bytes[16];
  int writes = size > sizeof bytes ||
               uc_mem_read(uc_of(e, e->running), e->begin + offset, bytes, size) != UC_ERR_OK ||
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
  uint64_t charge = e->fuel_points ? e->fuel_points[offset] : 1;
  if (e->steps + charge > e->fuel) {
    e->stop = STOP_FUEL;
    uc_emu_stop(uc);
    return;
  }
  uint8_t flags = e->flags[offset];
  if (flags & FLAG_JS_HOOK) {
    /* A JS hook that stops the run leaves its instruction unexecuted, uncharged and unrecorded. */
    if (e->js_hook && e->js_hook(e->js_token, address)) {
      e->stop = STOP_JS_HOOK;
      uc_emu_stop(uc);
      return;
    }
    e->sp_stale = 1;
  }
  uint64_t step = e->steps;
  e->steps += charge;
  e->precise_steps += charge;
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

static int in_zone(ss_engine *e, uint64_t address) {
  return e->zone_size && address - e->zone_address < e->zone_size;
}

/* The host byte behind guest `address`, or NULL. */
static uint8_t *host_byte(ss_engine *e, uint64_t address) {
  for (uint64_t i = 0; i < e->region_count; i++) {
    const ss_region *r = &e->regions[i];
    if (address - r->address < r->size) return (uint8_t *)r->host + (address - r->address);
  }
  return NULL;
}

static bool on_memory_fault(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value,
                            void *user) {
  ss_engine *e = user;
  int protection = type == UC_MEM_READ_PROT || type == UC_MEM_WRITE_PROT;
  if (e->running == PRIMARY && e->meter_blocks && protection && in_zone(e, address)) {
    /* The zone's first touch in FAST: let the access complete, hand over at the next block start. A
     * store is also made here: Unicorn drops some (an x86 `call`'s push) after the hook opens the zone.
     * The first touch is never a load of live data: the run starts with sp above the zone. */
    if (uc_mem_protect(uc, e->zone_address, e->zone_size, UC_PROT_READ | UC_PROT_WRITE) == UC_ERR_OK) {
      e->zone_protected = 0;
      e->handover = HANDOVER_ZONE;
      uint8_t *host = type == UC_MEM_WRITE_PROT && size > 0 && size <= 8 ? host_byte(e, address) : NULL;
      if (host && host_byte(e, address + (uint64_t)size - 1) == host + size - 1) memcpy(host, &value, (size_t)size);
      return true;
    }
  }
  e->stop = STOP_MEMORY_FAULT;
  e->fault_type = type;
  e->fault_address = address;
  return false;
}

/* Whether the running machine sees every instruction of the covered range. */
static int running_precise(ss_engine *e) { return e->machines[e->running].cover == COVER_CODE; }

/* The instruction that raised interrupt `number`. The code hook saw it on PRECISE; otherwise Unicorn's
 * pc is past it after x86 int/int3 (left so: lengths vary) and AArch64 svc/hvc/smc, and at it after brk
 * and udf. */
static uint64_t exception_pc(ss_engine *e, uint32_t number) {
  if (running_precise(e)) return e->current_pc;
  uint64_t pc = 0;
  uc_reg_read(uc_of(e, e->running), e->arch->unicorn.pc, &pc);
  int past =
      e->arch->unicorn.arch == UC_ARCH_ARM64 && (number == EXCP_SWI || number == EXCP_HVC || number == EXCP_SMC);
  return past ? pc - e->arch->instruction_bytes.fixed : pc;
}

/* x86: every interrupt, by vector (#UD is not one: Unicorn returns UC_ERR_INSN_INVALID).
 * AArch64: brk/svc/hvc/smc by their imm16, which all keep it in bits 5..20 of the instruction word (ESR
 * does not carry it in Unicorn); UDEF is an invalid instruction; any other exception is reported
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

/* The profile's view of the block at `offset`. */
static uint64_t running_sp(void *e) { return read_sp(e); }

/* Fuel charge of the block at `offset` on its first execution: its fuel points, or its instructions
 * (fixed-size ones by division, others counted with Capstone); kept for block_charge. Out of line,
 * so that the block hook's common path saves no registers. */
__attribute__((noinline)) static uint64_t first_block_charge(ss_engine *e, uint64_t offset, uint32_t size) {
  uint64_t charge = 0;
  if (e->fuel_points) {
    uint64_t end = offset + size < e->size ? offset + size : e->size;
    for (uint64_t i = offset; i < end; i++) charge += e->fuel_points[i];
  } else if (e->arch->instruction_bytes.fixed) {
    charge = size / e->arch->instruction_bytes.fixed;
  } else {
    uint8_t *bytes = malloc(size);
    charge = bytes && uc_mem_read(uc_of(e, PRIMARY), e->begin + offset, bytes, size) == UC_ERR_OK
                 ? instruction_count(e->decoder, bytes, size, e->begin + offset)
                 : size; /* unreadable: at most one instruction per byte */
    free(bytes);
  }
  if (charge < UINT32_MAX) e->block_charges[offset] = (uint32_t)charge + 1;
  return charge;
}

/* Fuel charge of the block at `offset`. */
static inline uint64_t block_charge(ss_engine *e, uint64_t offset, uint32_t size) {
  uint32_t known = e->block_charges[offset];
  return known ? known - 1 : first_block_charge(e, offset, size);
}

/* FAST, before a block runs: a pending hand-over, or a block the fuel does not cover, stops the run at
 * the block's start (every register in sync there) for PRECISE to carry on; otherwise the block's
 * charge is taken at once. A block cut short by a fault counts whole (the run ends there). */
static void on_block(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
  ss_engine *e = user;
  uint64_t offset = address - e->begin;
  e->current_pc = address;
  if (offset >= e->size) return;
  if (e->handover == HANDOVER_NONE) {
    uint64_t charge = block_charge(e, offset, size);
    if (e->steps + charge <= e->fuel) {
      e->steps += charge;
      if (e->profile) profile_block(e->profile, offset, size, running_sp, e);
      return;
    }
    e->handover = HANDOVER_FUEL;
  }
  uc_emu_stop(uc);
}

/* PRECISE, before a block runs: the profile's view of it (the code hook meters the fuel). */
static void on_profile_block(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
  (void)uc;
  ss_engine *e = user;
  uint64_t offset = address - e->begin;
  if (offset < e->size && e->profile) profile_block(e->profile, offset, size, running_sp, e);
}

/* The instruction a run's stop is attributed to: the one that raised an interrupt; on PRECISE, the one
 * the hook saw last (exact: its code runs only there); on FAST, Unicorn's pc (a fault's block start:
 * see `pc_exact`); otherwise, and after reaching an exit, Unicorn's pc, which is exact for faults on a
 * bare machine because its instruction counter hooks every instruction. */
static uint64_t stop_pc(ss_engine *e, uc_err err, uint64_t pc) {
  if (e->stop == STOP_INTERRUPT || e->stop == STOP_INVALID_INSTRUCTION || e->stop == STOP_CPU_EXCEPTION) {
    return e->exception_pc;
  }
  int exited = e->stop == STOP_NONE && err == UC_ERR_OK;
  return running_precise(e) && !exited ? e->current_pc : pc;
}

/* Opens a Unicorn machine for the engine's architecture, with the fault and interrupt hooks. */
static uc_err open_machine(ss_engine *e, ss_machine *m) {
  const arch_facts *facts = e->arch;
  uc_err err = uc_open(facts->unicorn.arch, facts->unicorn.mode, &m->uc);
  /* The CPU model must be set before anything else touches the CPU. */
  if (err == UC_ERR_OK) err = uc_ctl_set_cpu_model(m->uc, facts->unicorn.cpu_model);
  if (err == UC_ERR_OK) err = uc_ctl_exits_enable(m->uc);
  if (err == UC_ERR_OK) {
    err = uc_hook_add(m->uc, &m->fault_hook, UC_HOOK_MEM_INVALID, (void *)on_memory_fault, e, 1, 0);
  }
  if (err == UC_ERR_OK) {
    err = uc_hook_add(m->uc, &m->interrupt_hook, UC_HOOK_INTR, (void *)on_interrupt, e, 1, 0);
  }
  if (err != UC_ERR_OK && m->uc) {
    uc_close(m->uc);
    m->uc = NULL;
  }
  return err;
}

/* Covers the engine's range on machine `m` with its hook; a PRECISE machine also gets the profile's
 * block hook (FAST's block hook serves both). */
static uc_err cover(ss_engine *e, ss_machine *m, int kind) {
  uint64_t end = e->begin + e->size - 1;
  uc_err err = kind == COVER_CODE
                   ? uc_hook_add(m->uc, &m->range_hook, UC_HOOK_CODE, (void *)on_code, e, e->begin, end)
                   : uc_hook_add(m->uc, &m->range_hook, UC_HOOK_BLOCK, (void *)on_block, e, e->begin, end);
  if (err == UC_ERR_OK && kind == COVER_CODE) {
    err = uc_hook_add(m->uc, &m->profile_hook, UC_HOOK_BLOCK, (void *)on_profile_block, e, e->begin, end);
  }
  if (err == UC_ERR_OK) m->cover = kind;
  return err;
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
  uc_err err = open_machine(e, &e->machines[PRIMARY]);
  if (err != UC_ERR_OK) {
    free(e);
    *error = err;
    return NULL;
  }
  *error = UC_ERR_OK;
  return e;
}

void ss_close(ss_engine *e) {
  for (int i = 0; i < MACHINES; i++) {
    if (e->machines[i].uc) uc_close(e->machines[i].uc);
  }
  if (e->context) uc_context_free(e->context);
  for (uint64_t i = 0; i < e->region_count; i++) munmap(e->regions[i].host, e->regions[i].size);
  free(e->regions);
  for (int i = 0; i < POINT_KINDS; i++) free(e->points[i].offsets);
  if (e->decoder) capstone_decoder_close(e->decoder);
  profile_close(e->profile);
  free(e->block_charges);
  free(e->fuel_points);
  free(e->flags);
  free(e->records.items);
  free(e->violations.items);
  free(e);
}

/* Takes [begin, begin + size) as the engine's one covered range: opens its Capstone decoder (with
 * operand details), allocates the per-byte tables (`charges`: FAST's block charges too) and covers
 * the range on the primary machine with `kind`. Once per engine, before the first run; on failure the
 * engine is as before. */
static int cover_range(ss_engine *e, uint64_t begin, uint64_t size, int kind, int charges) {
  if (e->size != 0 || size == 0) return UC_ERR_ARG;
  cs_err cs_error;
  capstone_decoder *decoder = capstone_decoder_open(e->arch, 1, &cs_error);
  uint8_t *flags = calloc(size, sizeof *flags);
  uint32_t *block_charges = charges ? calloc(size, sizeof *block_charges) : NULL;
  int ok = decoder && flags && (!charges || block_charges);
  e->begin = begin;
  e->size = size;
  uc_err err = ok ? cover(e, &e->machines[PRIMARY], kind) : UC_ERR_NOMEM;
  if (err != UC_ERR_OK) {
    if (decoder) capstone_decoder_close(decoder);
    free(flags);
    free(block_charges);
    e->begin = e->size = 0;
    return err;
  }
  e->decoder = decoder;
  e->flags = flags;
  e->block_charges = block_charges;
  return UC_ERR_OK;
}

/* A PRECISE machine over [begin, begin + size): every run there is metered per instruction. */
int ss_instrument(ss_engine *e, uint64_t begin, uint64_t size) { return cover_range(e, begin, size, COVER_CODE, 0); }

/* A FAST machine over [begin, begin + size), metered per block, with a PRECISE twin for exact stops. */
int ss_meter_blocks(ss_engine *e, uint64_t begin, uint64_t size) {
  int err = cover_range(e, begin, size, COVER_BLOCKS, 1);
  if (err == UC_ERR_OK) e->meter_blocks = 1;
  return err;
}

/* The PRECISE twin of a block-metered engine, created on first need: same regions (same host memory),
 * same exits, a code hook over the range. */
static uc_err precise_twin(ss_engine *e) {
  ss_machine *twin = &e->machines[PRECISE_TWIN];
  if (twin->uc) return UC_ERR_OK;
  uc_err err = open_machine(e, twin);
  if (err != UC_ERR_OK) return err;
  err = cover(e, twin, COVER_CODE);
  for (uint64_t i = 0; err == UC_ERR_OK && i < e->region_count; i++) {
    const ss_region *r = &e->regions[i];
    err = uc_mem_map_ptr(twin->uc, r->address, r->size, r->perms, r->host);
  }
  size_t exit_count = 0;
  uint64_t *exits = NULL;
  if (err == UC_ERR_OK) err = uc_ctl_get_exits_cnt(uc_of(e, PRIMARY), &exit_count);
  if (err == UC_ERR_OK && exit_count) {
    exits = malloc(exit_count * sizeof *exits);
    err = exits ? uc_ctl_get_exits(uc_of(e, PRIMARY), exits, exit_count) : UC_ERR_NOMEM;
  }
  if (err == UC_ERR_OK) err = uc_ctl_set_exits(twin->uc, exits, exit_count);
  free(exits);
  if (err != UC_ERR_OK) {
    uc_close(twin->uc);
    *twin = (ss_machine){0};
  }
  return err;
}

/* Moves the CPU state to machine `to`. */
static uc_err move_state(ss_engine *e, int to) {
  if (e->current == to) return UC_ERR_OK;
  uc_err err = e->context ? UC_ERR_OK : uc_context_alloc(uc_of(e, e->current), &e->context);
  if (err == UC_ERR_OK) err = uc_context_save(uc_of(e, e->current), e->context);
  if (err == UC_ERR_OK) err = uc_context_restore(uc_of(e, to), e->context);
  if (err == UC_ERR_OK) e->current = to;
  return err;
}

/* Replaces the set of addresses carrying `flag`. All addresses must be in the covered range. */
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

/* Meters the fuel in points: each occurrence of an address in `addresses` is one unit charged when an
 * instruction starts there (`enabled` 0: one unit per instruction again). Addresses must be in the
 * covered range, at most 65535 per address. */
int ss_set_fuel_points(ss_engine *e, int enabled, const uint64_t *addresses, uint64_t count) {
  if (e->size == 0) return UC_ERR_ARG;
  for (uint64_t i = 0; i < count; i++) {
    if (addresses[i] - e->begin >= e->size) return UC_ERR_ARG;
  }
  /* A block's charge is the sum of the points over its bytes: a block starting past the old points and
   * the new ones is charged nothing either way (its instructions, when either meters per instruction). */
  uint64_t stale = e->fuel_points ? e->fuel_points_end : e->size;
  int overflow = 0;
  if (!enabled) {
    free(e->fuel_points);
    e->fuel_points = NULL;
    e->fuel_points_end = 0;
    stale = e->size;
  } else {
    uint16_t *points = e->fuel_points ? e->fuel_points : calloc(e->size, sizeof *points);
    if (!points) return UC_ERR_NOMEM;
    if (e->fuel_points) memset(points, 0, e->fuel_points_end * sizeof *points);
    uint64_t end = 0;
    for (uint64_t i = 0; i < count; i++) {
      uint64_t offset = addresses[i] - e->begin;
      if (points[offset] == UINT16_MAX) {
        if (!e->fuel_points) {
          free(points);
          return UC_ERR_ARG;
        }
        overflow = 1; /* the old points are gone, the new ones partly set: all of it is stale */
        end = stale = e->size;
        break;
      }
      points[offset]++;
      if (offset >= end) end = offset + 1;
    }
    e->fuel_points = points;
    e->fuel_points_end = end;
    if (end > stale) stale = end;
  }
  if (e->block_charges) memset(e->block_charges, 0, stale * sizeof *e->block_charges);
  return overflow ? UC_ERR_ARG : UC_ERR_OK;
}

/* The warning zone [address, address + size) of a block-metered engine (size 0: none): FAST maps it
 * without access from the next run on. It must lie in one region mapped read-write. */
int ss_set_zone(ss_engine *e, uint64_t address, uint64_t size) {
  if (!e->meter_blocks) return UC_ERR_ARG;
  if (e->zone_protected && (address != e->zone_address || size != e->zone_size)) {
    uc_err err = uc_mem_protect(uc_of(e, PRIMARY), e->zone_address, e->zone_size, UC_PROT_READ | UC_PROT_WRITE);
    if (err != UC_ERR_OK) return err;
    e->zone_protected = 0;
  }
  e->zone_address = address;
  e->zone_size = size;
  return UC_ERR_OK;
}

static ss_region *region_at(ss_engine *e, uint64_t address, uint64_t size) {
  for (uint64_t i = 0; i < e->region_count; i++) {
    if (e->regions[i].address == address && e->regions[i].size == size) return &e->regions[i];
  }
  return NULL;
}

/* A new mapping of the zone's addresses has full access in FAST. */
static void forget_zone_protection(ss_engine *e, uint64_t address, uint64_t size) {
  if (e->zone_size && address < e->zone_address + e->zone_size && e->zone_address < address + size) {
    e->zone_protected = 0;
  }
}

/* Maps [address, address + size) with `perms` onto fresh, zeroed host memory, in every machine. */
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
  int mapped = 0;
  uc_err err = UC_ERR_OK;
  for (; err == UC_ERR_OK && mapped < MACHINES; mapped++) {
    if (e->machines[mapped].uc) err = uc_mem_map_ptr(uc_of(e, mapped), address, size, perms, host);
  }
  if (err != UC_ERR_OK) {
    for (int i = 0; i < mapped - 1; i++) {
      if (e->machines[i].uc) uc_mem_unmap(uc_of(e, i), address, size);
    }
    munmap(host, size);
    return err;
  }
  forget_zone_protection(e, address, size);
  e->regions[e->region_count++] = (ss_region){address, size, perms, host};
  return UC_ERR_OK;
}

/* Unmaps a region exactly as it was mapped by ss_map. */
int ss_unmap(ss_engine *e, uint64_t address, uint64_t size) {
  ss_region *region = region_at(e, address, size);
  if (!region) return UC_ERR_ARG;
  for (int i = 0; i < MACHINES; i++) {
    if (!e->machines[i].uc) continue;
    uc_err err = uc_mem_unmap(uc_of(e, i), address, size);
    if (err != UC_ERR_OK) return err;
  }
  forget_zone_protection(e, address, size);
  munmap(region->host, size);
  *region = e->regions[--e->region_count];
  return UC_ERR_OK;
}

/* Zeroes [host, host + pages pages): only its resident pages, since a page never touched reads as
 * zeros. A few are cleared in place; more are dropped and read back as zeros, at the cost of a TLB
 * shootdown (an inter-processor interrupt: slow in a VM) and of refaulting the pages used again, and
 * the next zeroing finds only those resident. */
static int zero_stretch(uint8_t *host, uint64_t pages) {
  unsigned char resident[ZERO_STRETCH_PAGES];
  if (mincore(host, pages * HOST_PAGE, resident) != 0) {
    memset(host, 0, pages * HOST_PAGE);
    return 0;
  }
  uint64_t count = 0;
  for (uint64_t i = 0; i < pages; i++) count += resident[i] & 1;
  if (count > ZERO_IN_PLACE_PAGES) return madvise(host, pages * HOST_PAGE, MADV_DONTNEED);
  for (uint64_t i = 0; i < pages; i++) {
    if (resident[i] & 1) memset(host + i * HOST_PAGE, 0, HOST_PAGE);
  }
  return 0;
}

/* Zeroes a region mapped by ss_map, stretch by stretch (zero_stretch). Translations of code there are
 * the caller's to drop (ss_invalidate). */
int ss_zero(ss_engine *e, uint64_t address, uint64_t size) {
  ss_region *region = region_at(e, address, size);
  if (!region) return UC_ERR_ARG;
  uint64_t pages = size / HOST_PAGE;
  for (uint64_t first = 0; first < pages; first += ZERO_STRETCH_PAGES) {
    uint64_t stretch = pages - first < ZERO_STRETCH_PAGES ? pages - first : ZERO_STRETCH_PAGES;
    if (zero_stretch((uint8_t *)region->host + first * HOST_PAGE, stretch) != 0) return UC_ERR_NOMEM;
  }
  return UC_ERR_OK;
}

/* Copies between the host and guest memory through the regions' host memory, whatever the machines'
 * protections (FAST maps the warning zone without access). `to_guest` selects the direction. */
static int copy_guest(ss_engine *e, uint64_t address, uint8_t *bytes, uint64_t size, int to_guest) {
  while (size > 0) {
    const ss_region *region = NULL;
    for (uint64_t i = 0; i < e->region_count && !region; i++) {
      if (address - e->regions[i].address < e->regions[i].size) region = &e->regions[i];
    }
    if (!region) return to_guest ? UC_ERR_WRITE_UNMAPPED : UC_ERR_READ_UNMAPPED;
    uint64_t offset = address - region->address;
    uint64_t chunk = region->size - offset < size ? region->size - offset : size;
    uint8_t *host = (uint8_t *)region->host + offset;
    if (to_guest) memcpy(host, bytes, chunk);
    else memcpy(bytes, host, chunk);
    address += chunk, bytes += chunk, size -= chunk;
  }
  return UC_ERR_OK;
}

/* Host writes do not drop translations of code written over: the caller's (ss_invalidate). */
int ss_mem_write(ss_engine *e, uint64_t address, const uint8_t *bytes, uint64_t size) {
  return copy_guest(e, address, (uint8_t *)bytes, size, 1);
}

int ss_mem_read(ss_engine *e, uint64_t address, uint8_t *bytes, uint64_t size) {
  return copy_guest(e, address, bytes, size, 0);
}

void ss_set_js_hook(ss_engine *e, ss_js_hook hook, uint64_t token) {
  e->js_hook = hook;
  e->js_token = token;
}

void ss_set_capacity(ss_engine *e, uint64_t capacity) { e->capacity = capacity; }

/* Exits are compiled into translation blocks (a block ends before an exit, a block at an exit halts),
 * and Unicorn keeps cached blocks when exits change: an exit added inside a translated block would
 * be run through. So the blocks containing an exit that is added or removed are dropped; an exit in both
 * sets keeps its blocks. (UC_CTL_TB_FLUSH would do too, but costs 0.1-3 s.) */
static int contains(const uint64_t *addresses, size_t count, uint64_t address) {
  for (size_t i = 0; i < count; i++) {
    if (addresses[i] == address) return 1;
  }
  return 0;
}

static uc_err set_exits(uc_engine *uc, uint64_t *exits, uint64_t count) {
  size_t old_count = 0;
  uc_err err = uc_ctl_get_exits_cnt(uc, &old_count);
  uint64_t *old = old_count ? malloc(old_count * sizeof *old) : NULL;
  if (err == UC_ERR_OK && old_count && !old) err = UC_ERR_NOMEM;
  if (err == UC_ERR_OK && old_count) err = uc_ctl_get_exits(uc, old, old_count);
  if (err == UC_ERR_OK) err = uc_ctl_set_exits(uc, exits, count);
  for (size_t i = 0; err == UC_ERR_OK && i < old_count; i++) {
    if (!contains(exits, count, old[i])) err = uc_ctl_remove_cache(uc, old[i], old[i] + 1);
  }
  for (size_t i = 0; err == UC_ERR_OK && i < count; i++) {
    if (!contains(old, old_count, exits[i])) err = uc_ctl_remove_cache(uc, exits[i], exits[i] + 1);
  }
  free(old);
  return err;
}

int ss_set_exits(ss_engine *e, uint64_t *exits, uint64_t count) {
  uc_err err = UC_ERR_OK;
  for (int i = 0; err == UC_ERR_OK && i < MACHINES; i++) {
    if (e->machines[i].uc) err = set_exits(uc_of(e, i), exits, count);
  }
  return err;
}

/* Drops translations of [begin, end) in every machine, and what the helper knows of the instructions
 * that may overlap it: their sp-write classification and the charges of the blocks. Needed after new
 * code is written there: uc_mem_write does NOT invalidate translated blocks in Unicorn, so stale code
 * would run. */
int ss_invalidate(ss_engine *e, uint64_t begin, uint64_t end) {
  if (e->size) {
    /* An instruction that starts up to its longest size before may hold written bytes. */
    uint64_t reach = e->arch->instruction_bytes.max;
    uint64_t from = begin > e->begin + reach ? begin - reach - e->begin : 0;
    uint64_t to = end - e->begin < e->size ? end - e->begin : e->size;
    uint8_t *flags = e->flags;
    for (uint64_t i = from; i < to; i++) flags[i] &= (uint8_t) ~(FLAG_KNOWN | FLAG_WRITES_SP);
  }
  if (e->size) {
    /* What is known per block start: a block may start up to a page before the bytes it holds
     * (QEMU's blocks span at most two pages). */
    uint64_t from = begin > e->begin + BLOCK_REACH ? begin - BLOCK_REACH - e->begin : 0;
    uint64_t to = end - e->begin < e->size ? end - e->begin : e->size;
    if (e->block_charges && from < to) memset(&e->block_charges[from], 0, (to - from) * sizeof *e->block_charges);
    if (e->profile) profile_forget(e->profile, from, to);
  }
  uc_err err = UC_ERR_OK;
  for (int i = 0; err == UC_ERR_OK && i < MACHINES; i++) {
    if (e->machines[i].uc) err = uc_ctl_remove_cache(uc_of(e, i), begin, end);
  }
  return err;
}

int ss_reg_read(ss_engine *e, int reg, uint64_t *value) {
  uint8_t wide[64] = {0}; /* vector registers are read whole; the low 64 bits are returned */
  uc_err err = uc_reg_read(uc_of(e, e->current), reg, wide);
  memcpy(value, wide, 8);
  return err;
}

int ss_reg_write(ss_engine *e, int reg, uint64_t value) {
  uint8_t wide[64] = {0};
  uc_engine *uc = uc_of(e, e->current);
  uc_err err = uc_reg_read(uc, reg, wide); /* keep the upper lanes of vector registers */
  if (err != UC_ERR_OK) return err;
  memcpy(wide, &value, 8);
  return uc_reg_write(uc, reg, wide);
}

/* Emulates on machine `machine` from `begin`; Unicorn's `count` meters a bare machine. */
static uc_err emulate(ss_engine *e, int machine, uint64_t begin) {
  e->running = machine;
  e->current_pc = begin;
  uint64_t count = e->machines[machine].cover == COVER_NONE ? e->fuel : 0;
  return uc_emu_start(uc_of(e, machine), begin, 0, 0, count);
}

/* Whether a run needs PRECISE from its start: recording, alignment checks and JS hooks are per
 * instruction, and a block-metered engine may be asked to run as an instruction-metered one. */
static int needs_precise(ss_engine *e) {
  return e->precise_only || e->watch_count || e->points[1].count || e->points[2].count;
}

/* A block-metered engine's runs from the next on: on PRECISE from their start (`on`), where they are
 * metered per instruction as on an instrumented engine, or FAST first again. */
int ss_set_precise_only(ss_engine *e, int on) {
  if (!e->meter_blocks) return UC_ERR_ARG;
  e->precise_only = on != 0;
  return UC_ERR_OK;
}

/* A block-metered run: FAST, then PRECISE from the block start FAST handed over at, if it did. */
static uc_err run_blocks(ss_engine *e, uint64_t begin) {
  uc_err err = UC_ERR_OK;
  uint64_t sp = 0;
  uc_reg_read(uc_of(e, e->current), e->arch->unicorn.sp, &sp);
  /* With sp in or below the zone, live stack data may be there: FAST must not meet the zone first. */
  int zone_clear = e->zone_size == 0 || sp >= e->zone_address + e->zone_size;
  if (!needs_precise(e) && zone_clear) {
    err = move_state(e, PRIMARY);
    if (err == UC_ERR_OK && e->zone_size && !e->zone_protected) {
      err = uc_mem_protect(uc_of(e, PRIMARY), e->zone_address, e->zone_size, UC_PROT_NONE);
      if (err == UC_ERR_OK) e->zone_protected = 1;
    }
    if (err != UC_ERR_OK) return err;
    err = emulate(e, PRIMARY, begin);
    if (err != UC_ERR_OK || e->stop != STOP_NONE || e->handover == HANDOVER_NONE) return err;
    /* Stopped at a block start: only an exit reached at the same time ends the run there. */
    uint64_t pc = 0;
    uc_reg_read(uc_of(e, PRIMARY), e->arch->unicorn.pc, &pc);
    if (pc != e->current_pc) return err;
    begin = pc;
  }
  err = precise_twin(e);
  if (err == UC_ERR_OK) err = move_state(e, PRECISE_TWIN);

  if (err == UC_ERR_OK) err = emulate(e, PRECISE_TWIN, begin);
  return err;
}

/* Runs at most `fuel` units from `begin`: metered by the code hook on PRECISE, per block on FAST, by
 * Unicorn's `count` on a bare engine. */
void ss_run(ss_engine *e, uint64_t begin, uint64_t fuel, uint64_t *result) {
  e->fuel = fuel;
  e->sp_stale = 1;
  e->steps = e->precise_steps = 0;
  e->handover = HANDOVER_NONE;
  e->min_sp = UINT64_MAX;
  start_buffer(&e->records);
  start_buffer(&e->violations);
  e->stop = STOP_NONE;
  e->fault_type = e->fault_address = e->interrupt_number = 0;

  uc_err err = e->meter_blocks ? run_blocks(e, begin) : emulate(e, PRIMARY, begin);
  if (e->running == PRIMARY && e->handover == HANDOVER_FUEL && e->stop == STOP_NONE) e->stop = STOP_FUEL;

  uint64_t pc = 0;
  uc_reg_read(uc_of(e, e->running), e->arch->unicorn.pc, &pc);
  if (e->watch_count != 0) {
    uint64_t sp = read_sp(e);
    if (sp < e->min_sp) e->min_sp = sp;
  }
  int fast_fault = e->stop == STOP_MEMORY_FAULT && e->machines[e->running].cover == COVER_BLOCKS;
  uint64_t stopped_at = stop_pc(e, err, pc);
  if (e->profile) {
    /* A fault or an exception stops at an instruction whose start was seen; an exit, the fuel or a
     * hook stop before it. */
    int at_stop = e->stop == STOP_MEMORY_FAULT || e->stop == STOP_INTERRUPT || e->stop == STOP_CPU_EXCEPTION;
    profile_run_end(e->profile, stopped_at - e->begin, at_stop, running_sp, e);
  }
  result[R_UC_ERR] = err;
  result[R_STOP] = e->stop;
  result[R_STOP_PC] = stopped_at;
  result[R_FAULT_TYPE] = e->fault_type;
  result[R_FAULT_ADDRESS] = e->fault_address;
  result[R_INTERRUPT_NUMBER] = e->interrupt_number;
  result[R_STEPS] = e->steps;
  result[R_RECORDS] = e->records.count;
  result[R_RECORDS_DROPPED] = e->records.dropped;
  result[R_VIOLATIONS] = e->violations.count;
  result[R_VIOLATIONS_DROPPED] = e->violations.dropped;
  result[R_TAIL_MIN_SP] = e->min_sp;
  result[R_PC_EXACT] = !fast_fault;
  result[R_HANDOVER] = e->running == PRECISE_TWIN ? (uint64_t)e->handover : HANDOVER_NONE;
  result[R_PRECISE_STEPS] = e->precise_steps;
}

/* Copies the last run's records (4 doubles each) / violations (2 each) into `out`. */
void ss_copy_records(ss_engine *e, double *out) { memcpy(out, e->records.items, e->records.count * sizeof(ss_record)); }

void ss_copy_violations(ss_engine *e, double *out) {
  memcpy(out, e->violations.items, e->violations.count * sizeof(ss_violation));
}

/* The code's tables for stack profiles (profile.h), one entry per byte from the covered range's start. */
int ss_set_profile_code(ss_engine *e, const int32_t *rel, const uint8_t *kinds, const int32_t *locs,
                        const int32_t *checks, uint64_t size, const uint64_t *keys, uint64_t key_count,
                        uint32_t return_address_bytes) {
  if (e->size == 0 || size > e->size) return UC_ERR_ARG;
  if (!e->profile && !(e->profile = profile_open())) return UC_ERR_NOMEM;
  profile_code code = {size, rel, kinds, locs, checks, keys, key_count, return_address_bytes};
  return profile_set_code(e->profile, &code) == 0 ? UC_ERR_OK : UC_ERR_NOMEM;
}

/* Starts a stack profile with reference SP `reference`: every run adds to it until ss_profile_finish. */
int ss_profile_start(ss_engine *e, uint64_t reference) {
  if (!e->profile) return UC_ERR_ARG;
  profile_start(e->profile, reference);
  return UC_ERR_OK;
}

void ss_profile_host_call(ss_engine *e, uint64_t sp, uint64_t deepest_sp) {
  if (e->profile) profile_host_call(e->profile, sp, deepest_sp);
}

/* Ends the profile: its summary (PS_* in profile.h) into `summary`, then its rows with the copy calls. */
void ss_profile_finish(ss_engine *e, double *summary) { profile_finish(e->profile, summary); }

void ss_profile_copy(ss_engine *e, double *changes, double *nodes, double *misaligned) {
  profile_copy_changes(e->profile, changes);
  profile_copy_nodes(e->profile, nodes);
  profile_copy_misaligned(e->profile, misaligned);
}
