#include "disasm_columns.h"

#include <stdlib.h>
#include <string.h>

enum {
  MAX_OPERANDS = 8,      /* Capstone 4's limit on both ISAs */
  MAX_WRITTEN = 64,      /* cs_regs */
  KEY_BYTES = 16,        /* longer than any instruction (x86: 15) */
  MEMO_ENTRIES = 1 << 15,
  MEMO_SLOTS = 1 << 16,  /* twice the entries: probes stay short */
  MNEMONICS = 4096,
  MNEMONIC_SLOTS = 8192,
  MNEMONIC_BYTES = 32,
};

/* The second address an instruction is decoded at to find its address-relative immediates: not a
 * multiple of the page size, so page-relative values (AArch64 adrp) show as neither relative nor absolute. */
static const uint64_t SECOND_ADDRESS_SHIFT = 0x10000004u;

typedef struct {
  union {
    double value;  /* imm (absolute), fp, mem displacement, other */
    int64_t delta; /* imm relative to the instruction's address */
  } v;
  uint16_t reg, index;
  uint8_t type, shift, shift_amount, relative;
} fact_operand;

/* One decoded instruction: what the columns hold for it, address-relative immediates as deltas. */
typedef struct {
  uint8_t key[KEY_BYTES];
  uint8_t size, flags, operand_count, written_count;
  uint16_t mnemonic;
  fact_operand operands[MAX_OPERANDS];
  uint16_t written[MAX_WRITTEN];
} fact_entry;

typedef struct {
  uint32_t hash;
  uint32_t entry; /* index + 1; 0: empty */
} memo_slot;

struct ss_columns {
  ss_decoder *decoder;
  ss_instruction detailed, at_second_address;
  /* the memo */
  memo_slot *slots;
  fact_entry *entries;
  uint32_t entry_count, entry_capacity;
  /* interned mnemonics */
  char (*mnemonics)[MNEMONIC_BYTES];
  uint16_t *mnemonic_slots; /* id + 1; 0: empty */
  uint32_t mnemonic_count;
  /* the columns: instructions, operands, registers written, ranges */
  uint32_t *offset, *first_operand, *first_written, *range_first;
  uint8_t *size, *flags, *operand_type, *operand_shift, *operand_shift_amount;
  uint16_t *mnemonic, *operand_reg, *operand_index, *written;
  double *operand_value;
  uint32_t instruction_capacity, operand_capacity, written_capacity, range_capacity;
  unsigned generation;
};

ss_columns *ss_columns_open(int arch, int *error) {
  ss_columns *c = calloc(1, sizeof *c);
  if (!c) {
    *error = CS_ERR_MEM;
    return NULL;
  }
  c->decoder = ss_decoder_open(arch, error);
  c->slots = calloc(MEMO_SLOTS, sizeof *c->slots);
  c->mnemonics = calloc(MNEMONICS, MNEMONIC_BYTES);
  c->mnemonic_slots = calloc(MNEMONIC_SLOTS, sizeof *c->mnemonic_slots);
  if (!c->decoder || !c->slots || !c->mnemonics || !c->mnemonic_slots) {
    if (c->decoder) *error = CS_ERR_MEM;
    ss_columns_close(c);
    return NULL;
  }
  return c;
}

void ss_columns_close(ss_columns *c) {
  if (c->decoder) capstone_decoder_close(c->decoder);
  void *owned[] = {c->slots, c->entries, c->mnemonics, c->mnemonic_slots, c->offset, c->first_operand,
                   c->first_written, c->range_first, c->size, c->flags, c->operand_type, c->operand_shift,
                   c->operand_shift_amount, c->mnemonic, c->operand_reg, c->operand_index, c->written,
                   c->operand_value};
  for (size_t i = 0; i < sizeof owned / sizeof *owned; i++) free(owned[i]);
  free(c);
}

/* FNV-1a, one byte at a time, so that every prefix's hash comes on the way. */
static uint32_t hash_byte(uint32_t hash, uint8_t byte) { return (hash ^ byte) * 16777619u; }
static const uint32_t HASH_START = 2166136261u;

static uint32_t hash_length(uint32_t hash, size_t length) { return hash_byte(hash, (uint8_t)(0x80 | length)); }

static uint16_t intern_mnemonic(ss_columns *c, const char *text, uint8_t length, int *error) {
  uint32_t hash = HASH_START;
  for (uint8_t i = 0; i < length; i++) hash = hash_byte(hash, (uint8_t)text[i]);
  for (uint32_t slot = hash % MNEMONIC_SLOTS;; slot = (slot + 1) % MNEMONIC_SLOTS) {
    uint16_t id = c->mnemonic_slots[slot];
    if (id == 0) break;
    const char *known = c->mnemonics[id - 1];
    if (strncmp(known, text, length) == 0 && known[length] == '\0') return id - 1;
  }
  if (c->mnemonic_count == MNEMONICS || length >= MNEMONIC_BYTES) {
    *error = CS_ERR_MEM;
    return 0;
  }
  uint16_t id = (uint16_t)c->mnemonic_count++;
  memcpy(c->mnemonics[id], text, length);
  c->mnemonics[id][length] = '\0';
  for (uint32_t slot = hash % MNEMONIC_SLOTS;; slot = (slot + 1) % MNEMONIC_SLOTS) {
    if (c->mnemonic_slots[slot] == 0) {
      c->mnemonic_slots[slot] = (uint16_t)(id + 1);
      break;
    }
  }
  return id;
}

/* `entry` from the detailed decoding at `address`, and the one of the same bytes at a second
 * address. Returns 1 when every immediate is absolute or relative (the entry may be kept), 0 when
 * one moved otherwise (the entry holds the values at `address` and must not be kept). */
static int entry_of(ss_columns *c, const ss_instruction *at, const ss_instruction *second, fact_entry *entry,
                    int *error) {
  int keepable = at->size == second->size && at->operand_count == second->operand_count;
  entry->size = (uint8_t)at->size;
  entry->flags = at->writeback ? 1 : 0;
  for (uint8_t i = 0; i < at->group_count; i++) {
    if (at->groups[i] >= CS_GRP_JUMP && at->groups[i] <= CS_GRP_BRANCH_RELATIVE)
      entry->flags |= (uint8_t)(1u << at->groups[i]);
  }
  entry->mnemonic = intern_mnemonic(c, at->mnemonic, at->mnemonic_length, error);
  entry->operand_count = at->operand_count;
  for (uint8_t i = 0; i < at->operand_count; i++) {
    const ss_operand *o = &at->operands[i], *moved = &second->operands[i];
    fact_operand *f = &entry->operands[i];
    f->type = o->type;
    f->reg = (uint16_t)o->reg;
    f->index = (uint16_t)o->index;
    f->shift = o->shift;
    f->shift_amount = (uint8_t)o->shift_amount;
    f->relative = 0;
    if (o->type == CS_OP_IMM) {
      uint64_t shift = (uint64_t)moved->value.imm - (uint64_t)o->value.imm;
      f->relative = shift == SECOND_ADDRESS_SHIFT;
      if (f->relative) f->v.delta = (int64_t)((uint64_t)o->value.imm - at->address);
      else f->v.value = (double)o->value.imm;
      keepable &= shift == 0 || f->relative;
    } else if (o->type == CS_OP_MEM || o->type == CS_OP_FP) {
      f->v.value = o->value.fp;
      keepable &= memcmp(&o->value, &moved->value, sizeof o->value) == 0;
    } else {
      f->v.value = o->type == CS_OP_REG ? 0 : (double)o->value.other;
      keepable &= memcmp(&o->value, &moved->value, sizeof o->value) == 0;
    }
    keepable &= o->reg == moved->reg && o->index == moved->index;
  }
  entry->written_count = at->regs_written_count;
  memcpy(entry->written, at->regs_written, at->regs_written_count * sizeof *at->regs_written);
  return keepable;
}

/* Doubles `*capacity` until it holds `needed`, reallocating each of the `count` arrays in `arrays`. */
static int grow(uint32_t *capacity, uint32_t needed, void **arrays[], const size_t sizes[], size_t count) {
  uint32_t wanted = *capacity ? *capacity : 1024;
  while (wanted < needed) wanted *= 2;
  for (size_t i = 0; i < count; i++) {
    void *moved = realloc(*arrays[i], (size_t)wanted * sizes[i]);
    if (!moved) return 0;
    *arrays[i] = moved;
  }
  *capacity = wanted;
  return 1;
}

static int reserve_instructions(ss_columns *c, uint32_t needed) {
  if (needed + 1 <= c->instruction_capacity) return 1;
  void **arrays[] = {(void **)&c->offset, (void **)&c->size, (void **)&c->flags, (void **)&c->mnemonic,
                     (void **)&c->first_operand, (void **)&c->first_written};
  const size_t sizes[] = {4, 1, 1, 2, 4, 4};
  c->generation++;
  return grow(&c->instruction_capacity, needed + 1, arrays, sizes, 6);
}

static int reserve_operands(ss_columns *c, uint32_t needed) {
  if (needed <= c->operand_capacity) return 1;
  void **arrays[] = {(void **)&c->operand_type, (void **)&c->operand_reg, (void **)&c->operand_index,
                     (void **)&c->operand_shift, (void **)&c->operand_shift_amount, (void **)&c->operand_value};
  const size_t sizes[] = {1, 2, 2, 1, 1, 8};
  c->generation++;
  return grow(&c->operand_capacity, needed, arrays, sizes, 6);
}

static int reserve_written(ss_columns *c, uint32_t needed) {
  if (needed <= c->written_capacity) return 1;
  void **arrays[] = {(void **)&c->written};
  const size_t sizes[] = {2};
  c->generation++;
  return grow(&c->written_capacity, needed, arrays, sizes, 1);
}

static int reserve_ranges(ss_columns *c, uint32_t needed) {
  if (needed + 1 <= c->range_capacity) return 1;
  void **arrays[] = {(void **)&c->range_first};
  const size_t sizes[] = {4};
  c->generation++;
  return grow(&c->range_capacity, needed + 1, arrays, sizes, 1);
}

/* Appends instruction `n` (at `offset`, mapped at `address`) to the columns. */
static int emit(ss_columns *c, uint32_t n, uint32_t offset, uint64_t address, const fact_entry *entry) {
  uint32_t operands = n == 0 ? 0 : c->first_operand[n];
  uint32_t written = n == 0 ? 0 : c->first_written[n];
  if (!reserve_instructions(c, n + 1) || !reserve_operands(c, operands + entry->operand_count) ||
      !reserve_written(c, written + entry->written_count))
    return 0;
  c->offset[n] = offset;
  c->size[n] = entry->size;
  c->flags[n] = entry->flags;
  c->mnemonic[n] = entry->mnemonic;
  c->first_operand[n] = operands;
  for (uint8_t i = 0; i < entry->operand_count; i++, operands++) {
    const fact_operand *f = &entry->operands[i];
    c->operand_type[operands] = f->type;
    c->operand_reg[operands] = f->reg;
    c->operand_index[operands] = f->index;
    c->operand_shift[operands] = f->shift;
    c->operand_shift_amount[operands] = f->shift_amount;
    c->operand_value[operands] = f->relative ? (double)(int64_t)(address + (uint64_t)f->v.delta) : f->v.value;
  }
  c->first_operand[n + 1] = operands;
  c->first_written[n] = written;
  memcpy(&c->written[written], entry->written, entry->written_count * sizeof *entry->written);
  c->first_written[n + 1] = written + entry->written_count;
  return 1;
}

/* The memo's entry for the instruction at `bytes`: the one whose key is a prefix of them (x86
 * decoding is prefix-free: an instruction's bytes decode the same whatever follows them). */
static const fact_entry *remembered(const ss_columns *c, const uint8_t *bytes, size_t size) {
  const instruction_size sizes = c->decoder->arch->instruction_bytes;
  size_t longest = size < sizes.max ? size : sizes.max;
  uint32_t hash = HASH_START;
  for (size_t length = 1; length <= longest; length++) {
    hash = hash_byte(hash, bytes[length - 1]);
    if (sizes.fixed && length != sizes.fixed) continue;
    uint32_t keyed = hash_length(hash, length);
    for (uint32_t slot = keyed % MEMO_SLOTS; c->slots[slot].entry; slot = (slot + 1) % MEMO_SLOTS) {
      if (c->slots[slot].hash != keyed) continue;
      const fact_entry *entry = &c->entries[c->slots[slot].entry - 1];
      if (entry->size == length && memcmp(entry->key, bytes, length) == 0) return entry;
    }
  }
  return NULL;
}

/* A place for a new entry, emptying the memo when it is full. */
static fact_entry *new_entry(ss_columns *c) {
  if (c->entry_count == MEMO_ENTRIES) {
    memset(c->slots, 0, MEMO_SLOTS * sizeof *c->slots);
    c->entry_count = 0;
  }
  if (c->entry_count == c->entry_capacity) {
    uint32_t wanted = c->entry_capacity ? 2 * c->entry_capacity : 1024;
    fact_entry *moved = realloc(c->entries, wanted * sizeof *moved);
    if (!moved) return NULL;
    c->entries = moved;
    c->entry_capacity = wanted;
  }
  return &c->entries[c->entry_count];
}

static void remember(ss_columns *c, fact_entry *entry) {
  uint32_t hash = HASH_START;
  for (uint8_t i = 0; i < entry->size; i++) hash = hash_byte(hash, entry->key[i]);
  uint32_t keyed = hash_length(hash, entry->size);
  uint32_t slot = keyed % MEMO_SLOTS;
  while (c->slots[slot].entry) slot = (slot + 1) % MEMO_SLOTS;
  c->slots[slot].hash = keyed;
  c->slots[slot].entry = ++c->entry_count;
}

/* Decodes the instruction at `bytes` with Capstone (twice: at `address` and at a second one) into
 * the memo, or into `scratch` when it cannot be kept. 0: none decodes; -cs_err on failure. */
static int decode_new(ss_columns *c, const uint8_t *bytes, size_t size, uint64_t address, fact_entry *scratch,
                      const fact_entry **out) {
  const uint8_t *cursor = bytes;
  size_t left = size;
  uint64_t at = address;
  int decoded = ss_decode_detailed(c->decoder, &cursor, &left, &at, &c->detailed);
  if (decoded <= 0) return decoded;
  const uint8_t *again = bytes;
  size_t length = c->detailed.size;
  uint64_t second = address + SECOND_ADDRESS_SHIFT;
  decoded = ss_decode_detailed(c->decoder, &again, &length, &second, &c->at_second_address);
  if (decoded < 0) return decoded;
  if (decoded == 0) c->at_second_address.size = 0; /* not keepable */
  fact_entry *entry = new_entry(c);
  if (!entry) return -CS_ERR_MEM;
  int error = CS_ERR_OK;
  int keepable = entry_of(c, &c->detailed, &c->at_second_address, entry, &error);
  if (error != CS_ERR_OK) return -error;
  if (keepable && entry->size <= KEY_BYTES) {
    memcpy(entry->key, bytes, entry->size);
    remember(c, entry);
    *out = entry;
  } else {
    *scratch = *entry;
    *out = scratch;
  }
  return 1;
}

int ss_columns_decode(ss_columns *c, const uint8_t *bytes, size_t size, uint64_t address, const uint32_t *starts,
                      int range_count) {
  if (!reserve_ranges(c, (uint32_t)range_count) || !reserve_instructions(c, 0)) return -CS_ERR_MEM;
  fact_entry scratch;
  uint32_t n = 0;
  for (int k = 0; k < range_count; k++) {
    c->range_first[k] = n;
    size_t offset = starts[k];
    size_t end = k + 1 < range_count ? starts[k + 1] : size;
    while (offset < end) {
      const fact_entry *entry = remembered(c, bytes + offset, end - offset);
      if (!entry) {
        int decoded = decode_new(c, bytes + offset, end - offset, address + offset, &scratch, &entry);
        if (decoded < 0) return decoded;
        if (decoded == 0) break;
      }
      if (!emit(c, n, (uint32_t)offset, address + offset, entry)) return -CS_ERR_MEM;
      offset += entry->size;
      n++;
    }
  }
  c->range_first[range_count] = n;
  if (n == 0) {
    c->first_operand[0] = 0;
    c->first_written[0] = 0;
  }
  return (int)n;
}

void *ss_columns_column(ss_columns *c, int column) {
  switch (column) {
  case COLUMN_OFFSET: return c->offset;
  case COLUMN_SIZE: return c->size;
  case COLUMN_FLAGS: return c->flags;
  case COLUMN_MNEMONIC: return c->mnemonic;
  case COLUMN_FIRST_OPERAND: return c->first_operand;
  case COLUMN_FIRST_WRITTEN: return c->first_written;
  case COLUMN_OPERAND_TYPE: return c->operand_type;
  case COLUMN_OPERAND_REG: return c->operand_reg;
  case COLUMN_OPERAND_INDEX: return c->operand_index;
  case COLUMN_OPERAND_SHIFT: return c->operand_shift;
  case COLUMN_OPERAND_SHIFT_AMOUNT: return c->operand_shift_amount;
  case COLUMN_OPERAND_VALUE: return c->operand_value;
  case COLUMN_WRITTEN: return c->written;
  case COLUMN_RANGE_FIRST: return c->range_first;
  default: return NULL;
  }
}

int ss_columns_length(ss_columns *c, int column) {
  if (column <= COLUMN_FIRST_WRITTEN) return (int)c->instruction_capacity;
  if (column <= COLUMN_OPERAND_VALUE) return (int)c->operand_capacity;
  if (column == COLUMN_WRITTEN) return (int)c->written_capacity;
  if (column == COLUMN_RANGE_FIRST) return (int)c->range_capacity;
  return 0;
}

unsigned ss_columns_generation(ss_columns *c) { return c->generation; }

const char *ss_columns_mnemonic(ss_columns *c, unsigned id) {
  return id < c->mnemonic_count ? c->mnemonics[id] : NULL;
}

const char *ss_columns_reg_name(ss_columns *c, unsigned reg) { return ss_decoder_reg_name(c->decoder, reg); }
