/* Every post-1.0 feature clang 19 can emit from C, in one module: built with the default CPU (sign
 * extension, reference types) plus -mbulk-memory, -mnontrapping-fptoint, -mmultivalue with the
 * multi-value ABI, and -mreference-types spelled out. A recursion copies and fills linear memory
 * (memory.copy, memory.fill), calls operations through a table of function pointers that return a
 * two-field struct (call_indirect with two results, 5-byte table index), and those operations use
 * narrow division (sign extension) and float-to-int casts (saturating truncation). A table of
 * externref values is grown, filled, copied, read and written (table.* operators, externref
 * parameters and results), and a null funcref is passed through a function.
 *   exports: evaluate (the recursion; traps when the low 16 bits of `divisor` are 0), resize_slots
 *   (the externref table; traps when `from` or `to` is past its end), stamp (a fill and a copy at an
 *   address; traps out of bounds) */
#include <stddef.h>
#include <stdint.h>

struct step {
  int32_t value;
  int32_t count;
};

typedef struct step (*operation)(int32_t value, float scale);

static struct step divide_narrow(int32_t value, float scale) {
  return (struct step){(int8_t)value / (int8_t)((int32_t)scale | 1), 1};
}
static struct step remainder_narrow(int32_t value, float scale) {
  return (struct step){(int16_t)value % (int16_t)((int32_t)(scale * 3) | 1), 2};
}
static struct step scale_saturating(int32_t value, float scale) { return (struct step){(int32_t)((float)value * scale), 3}; }
static struct step widen_saturating(int32_t value, float scale) {
  int64_t wide = (int64_t)((double)scale * value * 1e12);
  return (struct step){(int32_t)(wide >> 20) ^ (int16_t)wide, 4};
}
static operation const operations[] = {divide_narrow, remainder_narrow, scale_saturating, widen_saturating};

#define SCRATCH_SIZE 4096
static uint8_t scratch[SCRATCH_SIZE];

static uint32_t fnv1a(const uint8_t *bytes, size_t n) {
  uint32_t hash = 2166136261u;
  for (size_t i = 0; i < n; i++) hash = (hash ^ bytes[i]) * 16777619u;
  return hash;
}

/* Each frame copies a window of `scratch` (1 to 64 bytes) into its own array, recurses with a
 * larger scale (it reaches infinity after about 220 levels, where the casts saturate), applies the
 * operation the window picks to the deeper frames' value, and fills part of `scratch` with the
 * result. The deepest frame divides by the low 16 bits of `divisor`. */
__attribute__((noinline)) static struct step run(int32_t depth, uint32_t value, float scale, int32_t divisor) {
  if (depth <= 0) return (struct step){(int32_t)value / (int16_t)divisor, 0};
  uint8_t window[64];
  uint32_t n = value % 64u + 1u;
  __builtin_memcpy(window, scratch + (uint32_t)depth * 13u % (SCRATCH_SIZE - 64), n);
  struct step inner = run(depth - 1, value * 7u + 1u, scale * 1.5f, divisor);
  struct step applied = operations[(window[0] ^ n) % 4](inner.value, scale);
  __builtin_memset(scratch + (uint32_t)depth % (SCRATCH_SIZE - 64), applied.value, n);
  return (struct step){(int32_t)((uint32_t)applied.value + fnv1a(window, n)), inner.count + applied.count};
}

/* Returns the final value and the sum of the operations' counts: two results. */
struct step evaluate(int32_t depth, int32_t value, float scale, int32_t divisor) {
  for (size_t i = 0; i < SCRATCH_SIZE; i++) scratch[i] = (uint8_t)(i * 31u >> 3);
  return run(depth, (uint32_t)value, scale, divisor);
}

/* A table of host references, empty at instantiation. */
static __externref_t slots[0];

__attribute__((noinline)) static __externref_t slot(int32_t index) { return __builtin_wasm_table_get(slots, index); }
__attribute__((noinline)) static void set_slot(int32_t index, __externref_t value) {
  __builtin_wasm_table_set(slots, index, value);
}

/* A funcref parameter and result. clang 19 cannot call a funcref at -O2 (its backend fails), so the
 * reference only passes through. External linkage keeps the call and its parameter: the optimizer
 * drops unused parameters of static functions, and stores to static variables nobody reads. */
typedef void (*__funcref funcref)(void);
int32_t funcref_passes;
__attribute__((noinline)) funcref pass_funcref(funcref function) {
  funcref_passes++;
  return function;
}

/* Grows the slot table by `grow_by` nulls, fills it with nulls, copies slot `from` to slot `to`
 * twice (table.copy, then table.get and table.set), and returns the size before and after. A failed
 * grow (-1) returns at once. */
struct step resize_slots(int32_t grow_by, int32_t from, int32_t to) {
  int32_t before = __builtin_wasm_table_grow(slots, __builtin_wasm_ref_null_extern(), grow_by);
  int32_t size = __builtin_wasm_table_size(slots);
  if (before < 0) return (struct step){before, size};
  __builtin_wasm_table_fill(slots, 0, __builtin_wasm_ref_null_extern(), size);
  __builtin_wasm_table_copy(slots, slots, to, from, 1);
  set_slot(to, slot(from));
  (void)pass_funcref(__builtin_wasm_ref_null_func());
  return (struct step){before, size};
}

/* Fills `n` bytes at `address` with a byte, copies the start of `scratch` over them, and returns their
 * checksum; out of bounds traps before anything is written. */
uint32_t stamp(uint32_t address, uint32_t n) {
  uint8_t *at = (uint8_t *)(uintptr_t)address;
  __builtin_memset(at, 0x3c, n);
  __builtin_memcpy(at, scratch, n / 2);
  return fnv1a(at, n);
}
