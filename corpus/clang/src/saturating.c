/* Float-to-integer conversions of values no integer can hold: NaN, the infinities, and magnitudes
 * beyond the target type's range. Built with -mnontrapping-fptoint, each C cast becomes one of the
 * eight saturating operators (i32.trunc_sat_f32_s ... i64.trunc_sat_f64_u): NaN gives 0, values out
 * of range give the nearest bound. (Without the flag clang guards every cast with a range check.)
 * Saturated values still feed operators that trap: ratio divides by a converted NaN.
 *   exports: eight single conversions (f32_to_i32 ... f64_to_u64), ratio (an integer division of
 *   two converted floats), expand (a recursion converting the digits of a double) */
#include <stdint.h>

int32_t f32_to_i32(float x) { return (int32_t)x; }
uint32_t f32_to_u32(float x) { return (uint32_t)x; }
int64_t f32_to_i64(float x) { return (int64_t)x; }
uint64_t f32_to_u64(float x) { return (uint64_t)x; }
int32_t f64_to_i32(double x) { return (int32_t)x; }
uint32_t f64_to_u32(double x) { return (uint32_t)x; }
int64_t f64_to_i64(double x) { return (int64_t)x; }
uint64_t f64_to_u64(double x) { return (uint64_t)x; }

/* Both operands converted, then divided: a NaN divisor converts to 0 (division by zero), -inf / -1
 * converts to INT32_MIN / -1 (integer overflow). */
int32_t ratio(float a, float b) { return (int32_t)a / (int32_t)b; }

/* Converts the first `depth` decimal digits of x, one frame per digit, and folds each digit and a
 * 64-bit conversion of x into the result on the way back up. NaN and the infinities saturate at
 * every level. */
__attribute__((noinline)) static uint64_t digits(double x, int32_t depth) {
  if (depth <= 0) return 0;
  double scaled = x * 10.0;
  int32_t digit = (int32_t)scaled;
  uint64_t rest = digits(scaled - digit, depth - 1);
  return (rest * 31u + (uint32_t)digit) ^ (uint64_t)(int64_t)(x * 1e15);
}

uint64_t expand(double x, int32_t depth) { return digits(x, depth); }
