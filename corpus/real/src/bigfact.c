/* Bignum factorial: N! in base-10^9 limbs that grow with realloc, printed in full with its digit
 * count and digit sum; checked against two independent facts: the number of trailing zeros
 * (Legendre's formula) and the number of digits (the sum of log10 k).
 *   argv: bigfact [N]      (default 1000)
 *   scaled up:  bigfact 20000 */
#include <math.h>
#include <string.h>

#include "common.h"

enum { LIMB_BASE = 1000000000, LIMB_DIGITS = 9 };

typedef struct {
  uint32_t *limbs; /* least significant first, each below LIMB_BASE */
  size_t count, capacity;
} Big;

static void multiply_small(Big *x, uint32_t factor) {
  uint64_t carry = 0;
  for (size_t i = 0; i < x->count; i++) {
    uint64_t product = (uint64_t)x->limbs[i] * factor + carry;
    x->limbs[i] = (uint32_t)(product % LIMB_BASE);
    carry = product / LIMB_BASE;
  }
  while (carry != 0) {
    if (x->count == x->capacity) {
      x->capacity = x->capacity * 2 + 4;
      x->limbs = realloc(x->limbs, x->capacity * sizeof *x->limbs);
    }
    x->limbs[x->count++] = (uint32_t)(carry % LIMB_BASE);
    carry /= LIMB_BASE;
  }
}

/* The decimal digits, most significant first. */
static char *to_decimal(const Big *x) {
  char *text = malloc(x->count * LIMB_DIGITS + 1);
  int at = sprintf(text, "%u", x->limbs[x->count - 1]);
  for (size_t i = x->count - 1; i-- > 0;) at += sprintf(text + at, "%09u", x->limbs[i]);
  return text;
}

int main(int argc, char **argv) {
  long n = arg_long(argc, argv, 1, 1000, 0, 1000000);
  Big factorial = {malloc(4 * sizeof(uint32_t)), 1, 4};
  factorial.limbs[0] = 1;
  for (long k = 2; k <= n; k++) multiply_small(&factorial, (uint32_t)k);

  char *digits = to_decimal(&factorial);
  size_t length = strlen(digits), zeros = 0;
  unsigned long digit_sum = 0;
  for (size_t i = 0; i < length; i++) digit_sum += (unsigned long)(digits[i] - '0');
  while (zeros < length && digits[length - 1 - zeros] == '0') zeros++;

  long expected_zeros = 0;
  for (long power = 5; power <= n; power *= 5) expected_zeros += n / power;
  double log10_sum = 0;
  for (long k = 2; k <= n; k++) log10_sum += log10((double)k);
  size_t expected_length = (size_t)floor(log10_sum) + 1;

  printf("%ld! =\n", n);
  for (size_t at = 0; at < length; at += 72) printf("  %.72s\n", digits + at);
  printf("%zu digits (sum of log10: %.6f -> %zu), digit sum %lu, %zu trailing zeros (Legendre: %ld)\n", length,
         log10_sum, expected_length, digit_sum, zeros, expected_zeros);
  int ok = length == expected_length && zeros == (size_t)expected_zeros;
  free(digits);
  free(factorial.limbs);
  return ok ? 0 : EXIT_SELF_CHECK_FAILED;
}
