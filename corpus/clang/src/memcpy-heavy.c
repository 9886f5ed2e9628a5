/* Copies, moves and fills of buffers of many sizes. Built with -mbulk-memory, clang lowers every
 * __builtin_memcpy/memmove/memset whose size is not a small constant to memory.copy or memory.fill
 * (small constant sizes stay plain loads and stores), so the module needs no libc. Results are
 * FNV-1a checksums of the buffers. A recursion keeps a copy of its input in each frame (on the
 * linear-memory stack) and checks it after the deeper frames have returned.
 *   exports: shuffle (copies of sizes 0 to 8192), nest (the recursion), copy_to_end and
 *   fill_to_end (a copy or fill ending `overshoot` bytes past the end of memory: 0 fits, 1 traps) */
#include <stddef.h>
#include <stdint.h>

#define BUFFER_SIZE 8192
static uint8_t source[BUFFER_SIZE];
static uint8_t target[BUFFER_SIZE];

static uint32_t fnv1a(const uint8_t *bytes, size_t n, uint32_t hash) {
  for (size_t i = 0; i < n; i++) hash = (hash ^ bytes[i]) * 16777619u;
  return hash;
}

static void fill_source(uint32_t seed) {
  for (size_t i = 0; i < BUFFER_SIZE; i++) source[i] = (uint8_t)((i * 7u + seed) ^ (i >> 5));
}

static const uint32_t sizes[] = {0, 1, 7, 16, 100, 1000, 4096, BUFFER_SIZE};

/* `rounds` rounds of copy, overlapping move and fill, each round with the next size of `sizes`. */
uint32_t shuffle(uint32_t rounds, uint32_t seed) {
  fill_source(seed);
  __builtin_memset(target, 0xa5, sizeof target);
  __builtin_memcpy(target + 3, source + 5, 12); /* a small constant size: loads and stores */
  for (uint32_t round = 0; round < rounds; round++) {
    uint32_t n = sizes[round % 8];
    uint32_t at = (round * 977u) % (BUFFER_SIZE - n + 1);
    __builtin_memcpy(target + at, source + (BUFFER_SIZE - n), n);
    __builtin_memmove(target + at / 2 + 1, target + at / 2, n / 2);
    __builtin_memset(target + (BUFFER_SIZE - n / 3), (int)round, n / 3);
  }
  return fnv1a(target, sizeof target, 2166136261u);
}

/* Each frame copies `n` bytes of the source (n at most 256) into its own array, recurses, then
 * folds a moved copy of its array into the deeper frames' checksum. */
__attribute__((noinline)) static uint32_t descend(uint32_t depth, uint32_t n) {
  uint8_t frame[256];
  __builtin_memcpy(frame, source + depth % 512, n);
  uint32_t inner = depth == 0 ? 2166136261u : descend(depth - 1, (n * 5u + 3u) % 257u);
  __builtin_memmove(frame + 1, frame, n - (n > 0));
  return fnv1a(frame, n, inner);
}

uint32_t nest(uint32_t depth, uint32_t seed) {
  fill_source(seed);
  return descend(depth, depth % 257u);
}

/* The current memory size in bytes (every page is 64 KiB). */
static uintptr_t memory_end(void) { return (uintptr_t)__builtin_wasm_memory_size(0) * 65536u; }

/* Copies `n` bytes to the end of memory, shifted up by `overshoot`: 0 fits exactly, more traps
 * before anything is written. Returns the checksum of what was written. */
uint32_t copy_to_end(uint32_t overshoot, uint32_t n) {
  uint8_t *destination = (uint8_t *)(memory_end() - n + overshoot);
  __builtin_memcpy(destination, source, n);
  return fnv1a(destination, n, 2166136261u);
}

uint32_t fill_to_end(uint32_t overshoot, uint32_t n) {
  uint8_t *destination = (uint8_t *)(memory_end() - n + overshoot);
  __builtin_memset(destination, 0x5c, n);
  return fnv1a(destination, n, 2166136261u);
}
