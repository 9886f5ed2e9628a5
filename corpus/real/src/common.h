/* What every corpus program shares: its size arguments, a fixed-seed generator and CRC-32.
 * Exit statuses: 0 = the run checked itself and passed, 1 = a self-check failed, 2 = bad usage. */
#ifndef CORPUS_COMMON_H
#define CORPUS_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { EXIT_SELF_CHECK_FAILED = 1, EXIT_USAGE = 2 };

/* argv[index] as a decimal integer in [min, max]; `fallback` when the argument is absent. */
static inline long arg_long(int argc, char **argv, int index, long fallback, long min, long max) {
  if (index >= argc) return fallback;
  char *end;
  long value = strtol(argv[index], &end, 10);
  if (*argv[index] == '\0' || *end != '\0' || value < min || value > max) {
    fprintf(stderr, "%s: argument %d must be an integer in [%ld, %ld], not \"%s\"\n", argv[0], index, min,
            max, argv[index]);
    exit(EXIT_USAGE);
  }
  return value;
}

/* xorshift32 from a fixed seed: the same sequence on every host. */
static uint32_t rng_state = 2463534242u;

static inline uint32_t rng_next(void) {
  uint32_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return rng_state = x;
}

/* A number in [0, bound). */
static inline uint32_t rng_below(uint32_t bound) { return rng_next() % bound; }

/* CRC-32 (IEEE, reflected), bitwise: a digest short enough to print. */
static inline uint32_t crc32_update(uint32_t crc, const unsigned char *bytes, size_t length) {
  crc = ~crc;
  for (size_t i = 0; i < length; i++) {
    crc ^= bytes[i];
    for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

#endif
