#include "disasm_columns.h"

#include <stdlib.h>
#include <string.h>

enum {
  MAX_OPERANDS = 8,      /* Capstone 4's limit on both ISAs */
  MAX_WRITTEN = 64,      /* cs_regs */
  KEY_BYTES = 16,        /* longer than any instruction (x86: 15) */
  MAX_FIELDS = 2,        /* x86: a displacement and an immediate */
  VARIANTS = 6,          /* the field values a template is decoded with before it is kept */
  MEMO_ENTRIES = 1 << 15,
  MEMO_SLOTS = 1 << 16,  /* twice the entries: probes stay short */
  MNEMONICS = 4096,
  MNEMONIC_SLOTS = 8192,
  MNEMONIC_BYTES = 32,
};

/* The second address an instruction is decoded at to find its address-relative immediates: not a
 * multiple of the page size, so page-relative values (AArch64 adrp) show as neither relative nor absolute. */
static const uint64_t SECOND_ADDRESS_SHIFT = 0x10000004u;

/* A field of an instruction's encoding that feeds operand values only (an immediate, a
 * displacement): `width` bits from bit `first` of its bytes, little-endian. first % 8 + width <= 64. */
typedef struct {
  uint8_t first, width;
} encoding_field;

/* How a field's bits are read as a number: as they are, sign-extended, or sign-extended to 32 bits
 * (x86's 32-bit operations with an 8-bit immediate: Capstone gives the 32-bit value). */
enum { FIELD_UNSIGNED, FIELD_SIGNED, FIELD_SIGNED_32, FIELD_READINGS };

/* One operand as the memo keeps it. A linear operand's value is
 *   (relative ? the instruction's address : 0) + base + scale * fields[field]
 * in 64-bit two's complement, the field read as `reading` says (FIELD_*; scale 0: no field); any
 * other operand's value is `constant`. */
typedef struct {
  union {
    double constant;
    int64_t base;
  } v;
  int64_t scale;
  uint16_t reg, index;
  uint8_t type, shift, shift_amount;
  uint8_t linear, relative, field, reading;
} fact_operand;

/* One decoded instruction, or a template of instructions that differ only in their fields: what the
 * columns hold for it. It stands for the bytes b of `size` with (b[i] & kept[i]) == key[i]; the memo
 * finds it by the hash of its first `head` key bytes (x86: those before its first field, which
 * determine its length and layout; fixed-size encodings: all of them). A rejected template is no
 * entry for instructions: it records that its instructions are remembered by their bytes. */
typedef struct {
  uint8_t key[KEY_BYTES];
  uint8_t kept[KEY_BYTES];
  uint8_t size, head, rejected, field_count;
  uint8_t flags, operand_count, written_count;
  uint16_t mnemonic;
  encoding_field fields[MAX_FIELDS];
  fact_operand operands[MAX_OPERANDS];
  uint16_t written[MAX_WRITTEN];
} fact_entry;

typedef struct {
  uint32_t hash;
  uint32_t entry; /* index + 1; 0: empty */
} memo_slot;

struct ss_columns {
  ss_decoder *decoder;
  ss_instruction detailed, at_second_address, variant;
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
 * address, with no fields: every operand constant or relative to the address. Returns 1 when every
 * immediate is absolute or relative (the entry may be kept), 0 when one moved otherwise (the entry
 * holds the values at `address` and must not be kept). */
static int entry_of(ss_columns *c, const ss_instruction *at, const ss_instruction *second, fact_entry *entry,
                    int *error) {
  int keepable = at->size == second->size && at->operand_count == second->operand_count;
  entry->size = (uint8_t)at->size;
  entry->rejected = 0;
  entry->field_count = 0;
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
    f->scale = 0;
    f->field = 0;
    f->reading = FIELD_UNSIGNED;
    f->relative = 0;
    f->linear = 0;
    if (o->type == CS_OP_IMM) {
      uint64_t shift = (uint64_t)moved->value.imm - (uint64_t)o->value.imm;
      f->relative = shift == SECOND_ADDRESS_SHIFT;
      f->linear = 1;
      f->v.base = f->relative ? (int64_t)((uint64_t)o->value.imm - at->address) : o->value.imm;
      keepable &= shift == 0 || f->relative;
    } else if (o->type == CS_OP_MEM || o->type == CS_OP_FP) {
      f->v.constant = o->value.fp;
      keepable &= memcmp(&o->value, &moved->value, sizeof o->value) == 0;
    } else {
      f->v.constant = o->type == CS_OP_REG ? 0 : (double)o->value.other;
      keepable &= memcmp(&o->value, &moved->value, sizeof o->value) == 0;
    }
    keepable &= o->reg == moved->reg && o->index == moved->index;
  }
  entry->written_count = at->regs_written_count;
  memcpy(entry->written, at->regs_written, at->regs_written_count * sizeof *at->regs_written);
  return keepable;
}

static uint64_t low_bits(unsigned width) { return width >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << width) - 1; }

static uint64_t field_bits(const uint8_t *bytes, encoding_field field) {
  unsigned first = field.first / 8, shift = field.first % 8, count = (shift + field.width + 7) / 8;
  uint64_t window = 0;
  for (unsigned i = 0; i < count; i++) window |= (uint64_t)bytes[first + i] << (8 * i);
  return (window >> shift) & low_bits(field.width);
}

static void set_field_bits(uint8_t *bytes, encoding_field field, uint64_t value) {
  unsigned first = field.first / 8, shift = field.first % 8, count = (shift + field.width + 7) / 8;
  uint64_t mask = low_bits(field.width) << shift, bits = (value << shift) & mask;
  for (unsigned i = 0; i < count; i++)
    bytes[first + i] = (uint8_t)((bytes[first + i] & ~(mask >> (8 * i))) | (bits >> (8 * i)));
}

static uint64_t field_number(uint64_t bits, unsigned width, int reading) {
  if (reading == FIELD_UNSIGNED || width >= 64 || !(bits >> (width - 1))) return bits;
  uint64_t extended = bits | ~low_bits(width);
  return reading == FIELD_SIGNED_32 ? extended & low_bits(32) : extended;
}

/* x86: Capstone's decoding says where the displacement and the immediate are (bytes after the
 * prefixes, opcode, ModRM and SIB, which fix the instruction's length and layout). Instructions
 * with a 64-bit displacement have none: the columns carry displacements as doubles. */
static int x86_fields(const cs_insn *insn, encoding_field fields[MAX_FIELDS]) {
  const cs_x86_encoding *encoding = &insn->detail->x86.encoding;
  int count = 0;
  if (encoding->disp_size > 4) return 0;
  if (encoding->disp_offset && encoding->disp_size)
    fields[count++] = (encoding_field){(uint8_t)(8 * encoding->disp_offset), (uint8_t)(8 * encoding->disp_size)};
  if (encoding->imm_offset && encoding->imm_size)
    fields[count++] = (encoding_field){(uint8_t)(8 * encoding->imm_offset), (uint8_t)(8 * encoding->imm_size)};
  return count;
}

/* AArch64: the encoding classes the compiler emits most, by their fixed bits, and each one's
 * immediate (a branch offset, a move's 16 bits, an add's or a load's offset). The register,
 * shift, size and condition fields stay in the key. */
static const struct {
  uint32_t mask, match;
  encoding_field field;
} AARCH64_CLASSES[] = {
    {0x7c000000, 0x14000000, {0, 26}},  /* b, bl */
    {0xff000010, 0x54000000, {5, 19}},  /* b.cond */
    {0x7e000000, 0x34000000, {5, 19}},  /* cbz, cbnz */
    {0x7e000000, 0x36000000, {5, 14}},  /* tbz, tbnz */
    {0x3b000000, 0x18000000, {5, 19}},  /* ldr (literal) */
    {0x1f800000, 0x12800000, {5, 16}},  /* movn, movz, movk */
    {0x1f800000, 0x11000000, {10, 12}}, /* add, adds, sub, subs (immediate) */
    {0x3b000000, 0x39000000, {10, 12}}, /* ldr, str (unsigned offset) */
    {0x3a000000, 0x28000000, {15, 7}},  /* ldp, stp, ldnp, stnp */
    {0x3b200000, 0x38000000, {12, 9}},  /* ldur, stur, ldr, str (pre-/post-index, unscaled) */
};

static int aarch64_fields(const uint8_t *bytes, encoding_field fields[MAX_FIELDS]) {
  uint32_t word = (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24;
  for (size_t i = 0; i < sizeof AARCH64_CLASSES / sizeof *AARCH64_CLASSES; i++) {
    if ((word & AARCH64_CLASSES[i].mask) == AARCH64_CLASSES[i].match) {
      fields[0] = AARCH64_CLASSES[i].field;
      return 1;
    }
  }
  return 0;
}

/* The fields of the instruction at `bytes` that the decoder has just decoded (its cs_insn). x86's
 * come from the decoding; AArch64's from the bytes alone, so that the memo's lookup finds them
 * before decoding (remembered). */
static int fields_of(const ss_columns *c, const uint8_t *bytes, encoding_field fields[MAX_FIELDS]) {
  switch (c->decoder->arch->capstone.arch) {
  case CS_ARCH_X86: return x86_fields(c->decoder->insn, fields);
  case CS_ARCH_ARM64: return aarch64_fields(bytes, fields);
  default: return 0;
  }
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

/* Appends instruction `n` (`bytes`, at `offset`, mapped at `address`) to the columns. */
static int emit(ss_columns *c, uint32_t n, uint32_t offset, uint64_t address, const uint8_t *bytes,
                const fact_entry *entry) {
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
    if (f->linear) {
      uint64_t value = (f->relative ? address : 0) + (uint64_t)f->v.base;
      if (f->scale) {
        encoding_field field = entry->fields[f->field];
        value += (uint64_t)f->scale * field_number(field_bits(bytes, field), field.width, f->reading);
      }
      c->operand_value[operands] = (double)(int64_t)value;
    } else {
      c->operand_value[operands] = f->v.constant;
    }
  }
  c->first_operand[n + 1] = operands;
  c->first_written[n] = written;
  memcpy(&c->written[written], entry->written, entry->written_count * sizeof *entry->written);
  c->first_written[n + 1] = written + entry->written_count;
  return 1;
}

static uint32_t key_hash(const uint8_t *key, uint8_t head) {
  uint32_t hash = HASH_START;
  for (uint8_t i = 0; i < head; i++) hash = hash_byte(hash, key[i]);
  return hash_length(hash, head);
}

static int matches(const fact_entry *entry, const uint8_t *bytes, size_t available) {
  if (entry->size > available) return 0;
  for (uint8_t i = 0; i < entry->size; i++) {
    if ((bytes[i] & entry->kept[i]) != entry->key[i]) return 0;
  }
  return 1;
}

/* The entry for instructions (`rejected` 0) or the rejected template (1) with hash `keyed` and
 * `head` that `bytes` match. */
static const fact_entry *find(const ss_columns *c, const uint8_t *bytes, size_t available, uint32_t keyed,
                              uint8_t head, uint8_t rejected) {
  for (uint32_t slot = keyed % MEMO_SLOTS; c->slots[slot].entry; slot = (slot + 1) % MEMO_SLOTS) {
    if (c->slots[slot].hash != keyed) continue;
    const fact_entry *entry = &c->entries[c->slots[slot].entry - 1];
    if (entry->head == head && entry->rejected == rejected && matches(entry, bytes, available)) return entry;
  }
  return NULL;
}

/* The first `size` bytes of `bytes` with the fields' bits cleared, and the bits kept. */
static void mask_fields(const uint8_t *bytes, uint8_t size, const encoding_field fields[], int count,
                        uint8_t key[KEY_BYTES], uint8_t kept[KEY_BYTES]) {
  memset(kept, 0xff, KEY_BYTES);
  for (int k = 0; k < count; k++) set_field_bits(kept, fields[k], 0);
  memset(key, 0, KEY_BYTES);
  for (uint8_t i = 0; i < size; i++) key[i] = bytes[i] & kept[i];
}

/* The memo's entry for the instruction at `bytes`. Variable sizes: the one whose head is a prefix
 * of them (x86 decoding is prefix-free: an instruction's bytes decode the same whatever follows
 * them, and its fields do not change how it is laid out). Fixed sizes: the template of its class,
 * or the instruction itself. */
static const fact_entry *remembered(const ss_columns *c, const uint8_t *bytes, size_t size) {
  const instruction_size sizes = c->decoder->arch->instruction_bytes;
  if (sizes.fixed) {
    if (size < sizes.fixed) return NULL;
    encoding_field fields[MAX_FIELDS];
    int count = aarch64_fields(bytes, fields);
    if (count) {
      uint8_t key[KEY_BYTES];
      memcpy(key, bytes, sizes.fixed);
      for (int k = 0; k < count; k++) set_field_bits(key, fields[k], 0);
      const fact_entry *template = find(c, bytes, size, key_hash(key, sizes.fixed), sizes.fixed, 0);
      if (template) return template;
    }
    return find(c, bytes, size, key_hash(bytes, sizes.fixed), sizes.fixed, 0);
  }
  size_t longest = size < sizes.max ? size : sizes.max;
  uint32_t hash = HASH_START;
  for (size_t length = 1; length <= longest; length++) {
    hash = hash_byte(hash, bytes[length - 1]);
    const fact_entry *entry = find(c, bytes, size, hash_length(hash, length), (uint8_t)length, 0);
    if (entry) return entry;
  }
  return NULL;
}

/* Keeps a copy of `entry` in the memo (emptying it first when it is full), or returns NULL. */
static const fact_entry *store(ss_columns *c, const fact_entry *entry) {
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
  fact_entry *kept = &c->entries[c->entry_count];
  *kept = *entry;
  uint32_t keyed = key_hash(kept->key, kept->head);
  uint32_t slot = keyed % MEMO_SLOTS;
  while (c->slots[slot].entry) slot = (slot + 1) % MEMO_SLOTS;
  c->slots[slot].hash = keyed;
  c->slots[slot].entry = ++c->entry_count;
  return kept;
}

/* Whether `variant` gives what the columns hold of `original` except the values of immediates and
 * memory displacements. */
static int same_shape(const ss_instruction *original, const ss_instruction *variant) {
  if (variant->size != original->size || variant->writeback != original->writeback ||
      variant->group_count != original->group_count || variant->operand_count != original->operand_count ||
      variant->regs_written_count != original->regs_written_count ||
      variant->mnemonic_length != original->mnemonic_length ||
      memcmp(variant->mnemonic, original->mnemonic, original->mnemonic_length) != 0 ||
      memcmp(variant->groups, original->groups, original->group_count) != 0 ||
      memcmp(variant->regs_written, original->regs_written,
             original->regs_written_count * sizeof *original->regs_written) != 0)
    return 0;
  for (uint8_t i = 0; i < original->operand_count; i++) {
    const ss_operand *o = &original->operands[i], *v = &variant->operands[i];
    if (v->type != o->type || v->reg != o->reg || v->index != o->index || v->shift != o->shift ||
        v->shift_amount != o->shift_amount)
      return 0;
    if (o->type != CS_OP_IMM && o->type != CS_OP_MEM && memcmp(&o->value, &v->value, sizeof o->value) != 0) return 0;
  }
  return 1;
}

/* An immediate's value, or a memory displacement's (a double holding an integer of at most 32 bits:
 * displacements of templates come from fields of at most 32 bits). */
static int64_t linear_value(const ss_operand *o) {
  return o->type == CS_OP_IMM ? o->value.imm : (int64_t)o->value.fp;
}

/* Field `k`'s value in each decoding: the original (0) and the variants (1..VARIANTS). */
typedef uint64_t field_values[VARIANTS + 1];

/* The value field k takes in `variant`: fields take different values in each variant, so that an
 * operand follows one field only. */
static uint64_t variant_value(int variant, int k, unsigned width) {
  const uint64_t all = low_bits(width), sign = UINT64_C(1) << (width - 1);
  const uint64_t values[VARIANTS] = {0, 1, all, sign, sign - 1, UINT64_C(0x5a5a5a5a5a5a5a5a) & all};
  return values[(variant + 3 * k) % VARIANTS];
}

enum { SCALES = 5 };
static const int64_t CANDIDATE_SCALES[SCALES] = {1, 2, 4, 8, 16};

/* Finds how operand `f` follows the fields from its values in each decoding (`values`: the
 * address taken off relative ones): a constant, or base + scale * field with one field, read in one
 * of the FIELD_* ways, and a scale the encodings use. Returns 0 when none fits every decoding. */
static int fit_operand(fact_operand *f, const uint64_t values[VARIANTS + 1], const encoding_field fields[],
                       const field_values field_bits_of[], int count) {
  int constant = 1;
  for (int v = 1; v <= VARIANTS; v++) constant &= values[v] == values[0];
  f->scale = 0;
  f->field = 0;
  f->reading = FIELD_UNSIGNED;
  f->v.base = (int64_t)values[0];
  if (constant) return 1;
  for (int k = 0; k < count; k++) {
    for (int reading = 0; reading < FIELD_READINGS; reading++) {
      for (int s = 0; s < SCALES; s++) {
        uint64_t scale = (uint64_t)CANDIDATE_SCALES[s];
        uint64_t base = values[0] - scale * field_number(field_bits_of[k][0], fields[k].width, reading);
        int fits = 1;
        for (int v = 1; v <= VARIANTS && fits; v++)
          fits = values[v] == base + scale * field_number(field_bits_of[k][v], fields[k].width, reading);
        if (fits) {
          f->scale = CANDIDATE_SCALES[s];
          f->field = (uint8_t)k;
          f->reading = (uint8_t)reading;
          f->v.base = (int64_t)base;
          return 1;
        }
      }
    }
  }
  return 0;
}

/* Makes `entry` (the constant entry of the instruction at `bytes`, decoded into c->detailed) a
 * template over `fields`: decodes the bytes with other values in the fields and keeps it only when
 * every decoding has the same shape and each immediate or displacement follows one field linearly.
 * Returns 1 when it is kept, 0 when it is not, -cs_err on failure. */
static int make_template(ss_columns *c, const uint8_t *bytes, const encoding_field fields[], int count,
                         fact_entry *entry) {
  const ss_instruction *original = &c->detailed;
  field_values field_bits_of[MAX_FIELDS];
  uint64_t values[MAX_OPERANDS][VARIANTS + 1];
  for (int k = 0; k < count; k++) field_bits_of[k][0] = field_bits(bytes, fields[k]);
  for (uint8_t i = 0; i < original->operand_count; i++) {
    values[i][0] = (uint64_t)linear_value(&original->operands[i]) - (entry->operands[i].relative ? original->address : 0);
  }
  for (int v = 1; v <= VARIANTS; v++) {
    uint8_t variant[KEY_BYTES];
    memcpy(variant, bytes, entry->size);
    for (int k = 0; k < count; k++) {
      field_bits_of[k][v] = variant_value(v - 1, k, fields[k].width);
      set_field_bits(variant, fields[k], field_bits_of[k][v]);
    }
    const uint8_t *cursor = variant;
    size_t left = entry->size;
    uint64_t at = original->address;
    int decoded = ss_decode_detailed(c->decoder, &cursor, &left, &at, &c->variant);
    if (decoded <= 0) return decoded;
    if (!same_shape(original, &c->variant)) return 0;
    for (uint8_t i = 0; i < original->operand_count; i++) {
      values[i][v] =
          (uint64_t)linear_value(&c->variant.operands[i]) - (entry->operands[i].relative ? original->address : 0);
    }
  }
  for (uint8_t i = 0; i < original->operand_count; i++) {
    fact_operand *f = &entry->operands[i];
    if (f->type != CS_OP_IMM && f->type != CS_OP_MEM) continue;
    if (!fit_operand(f, values[i], fields, field_bits_of, count)) return 0;
    f->linear = f->type == CS_OP_IMM || f->scale != 0;
  }
  entry->field_count = (uint8_t)count;
  memcpy(entry->fields, fields, count * sizeof *fields);
  return 1;
}

/* Decodes the instruction at `bytes` with Capstone (at `address`, at a second address, and with
 * other values in its fields) into the memo — as a template of the instructions that differ only in
 * their fields when that one decodes as every variant did, else by its bytes — or into `scratch`
 * when it cannot be kept. 0: none decodes; -cs_err on failure. */
static int decode_new(ss_columns *c, const uint8_t *bytes, size_t size, uint64_t address, fact_entry *scratch,
                      const fact_entry **out) {
  const uint8_t *cursor = bytes;
  size_t left = size;
  uint64_t at = address;
  int decoded = ss_decode_detailed(c->decoder, &cursor, &left, &at, &c->detailed);
  if (decoded <= 0) return decoded;
  encoding_field fields[MAX_FIELDS];
  int field_count = fields_of(c, bytes, fields);
  for (int k = 0; k < field_count; k++) {
    if (fields[k].first + fields[k].width > 8 * c->detailed.size) field_count = 0;
  }
  const uint8_t *again = bytes;
  size_t length = c->detailed.size;
  uint64_t second = address + SECOND_ADDRESS_SHIFT;
  decoded = ss_decode_detailed(c->decoder, &again, &length, &second, &c->at_second_address);
  if (decoded < 0) return decoded;
  if (decoded == 0) c->at_second_address.size = 0; /* not keepable */
  int error = CS_ERR_OK;
  int keepable = entry_of(c, &c->detailed, &c->at_second_address, scratch, &error);
  if (error != CS_ERR_OK) return -error;
  *out = scratch;
  if (!keepable || scratch->size > KEY_BYTES) return 1;
  if (field_count > 0) {
    fact_entry template = *scratch;
    mask_fields(bytes, template.size, fields, field_count, template.key, template.kept);
    template.head = template.size;
    for (int k = 0; k < field_count && !c->decoder->arch->instruction_bytes.fixed; k++) {
      if (fields[k].first / 8 < template.head) template.head = (uint8_t)(fields[k].first / 8);
    }
    template.rejected = 1;
    if (!find(c, bytes, size, key_hash(template.key, template.head), template.head, 1)) {
      int made = make_template(c, bytes, fields, field_count, &template);
      if (made < 0) return made;
      template.rejected = made == 0;
      const fact_entry *kept = store(c, &template);
      if (!kept) return -CS_ERR_MEM;
      if (made) {
        *out = kept;
        return 1;
      }
    }
  }
  memcpy(scratch->key, bytes, scratch->size);
  memset(scratch->kept, 0xff, KEY_BYTES);
  scratch->head = scratch->size;
  const fact_entry *kept = store(c, scratch);
  if (!kept) return -CS_ERR_MEM;
  *out = kept;
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
      if (!emit(c, n, (uint32_t)offset, address + offset, bytes + offset, entry)) return -CS_ERR_MEM;
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
