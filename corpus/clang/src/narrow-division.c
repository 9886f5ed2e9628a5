/* Signed division and remainder of 8- and 16-bit values. C promotes both operands to int, so the
 * code first narrows each value to its declared width and sign-extends it again: clang 19's default
 * CPU does that with the sign-extension operators (i32.extend8_s, i32.extend16_s, i64.extend8_s,
 * i64.extend16_s, i64.extend32_s) instead of a pair of shifts. A recursion folds such quotients
 * into its result after each call returns, so the native stack grows with its depth.
 *   exports: div8, div16, rem16, narrow64 (one operation each), fold (the recursion) */
#include <stdint.h>

/* The low 8 bits of each operand, read as signed: 0x80 is -128, 256 is 0 (division by zero). */
int32_t div8(int32_t a, int32_t b) { return (int8_t)a / (int8_t)b; }

/* The low 16 bits read as signed: -32768 / -1 is 32768 in int, so it cannot overflow. */
int32_t div16(int32_t a, int32_t b) { return (int16_t)a / (int16_t)b; }

int32_t rem16(int32_t a, int32_t b) { return (int16_t)a % (int16_t)b; }

/* 64-bit operands narrowed to 8, 16 and 32 bits (the i64 forms of sign extension). */
int64_t narrow64(int64_t a, int64_t b) {
  return (int64_t)(int8_t)a / (int64_t)(int16_t)b + (int64_t)(int32_t)a % (int64_t)(int8_t)(b | 1);
}

/* Descends `depth` frames, then divides the seed's low byte by the low byte of `divisor` (which
 * traps when that byte is 0); on the way back up each frame folds two narrow divisions of its own
 * pseudo-random value into the result. Unsigned arithmetic for the mixing: no overflow. */
__attribute__((noinline)) static int32_t descend(int32_t depth, uint32_t x, int32_t divisor) {
  if (depth <= 0) return (int8_t)x / (int8_t)divisor;
  uint32_t next = x * 1103515245u + 12345u;
  int32_t inner = descend(depth - 1, next, divisor);
  int32_t quotient = (int8_t)(next >> 8) / (int8_t)((x >> 3) | 1);
  int32_t remainder = (int16_t)(next >> 16) % (int16_t)((uint32_t)inner | 1);
  return (int32_t)((uint32_t)inner * 31u + (uint32_t)quotient - (uint32_t)remainder);
}

int32_t fold(int32_t depth, int32_t seed, int32_t divisor) { return descend(depth, (uint32_t)seed, divisor); }
