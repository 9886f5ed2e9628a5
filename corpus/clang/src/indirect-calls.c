/* Calls through tables of function pointers of four signatures. clang 19's default CPU enables
 * reference types, so every call_indirect carries its table index as a relocatable, padded 5-byte
 * LEB (80 80 80 80 00) instead of WebAssembly 1.0's single zero byte. A recursion runs through the
 * table too: each level calls the next one indirectly.
 *   exports: dispatch (an operation picked by an argument), walk (the recursion), call_as_real (a
 *   function called through a pointer of the wrong type: traps), call_slot (a raw table slot:
 *   slot 0 is empty, slots past the table's end do not exist) */
#include <stdint.h>

typedef int32_t (*unary_fn)(int32_t);
typedef int32_t (*binary_fn)(int32_t, int32_t);
typedef int64_t (*wide_fn)(int64_t, int32_t);
typedef double (*real_fn)(double, double);

static int32_t negate(int32_t x) { return -x; }
static int32_t square(int32_t x) { return x * x; }
static int32_t popcount(int32_t x) { return __builtin_popcount((uint32_t)x); }
static int32_t reverse(int32_t x) { return (int32_t)__builtin_bitreverse32((uint32_t)x); }

static int32_t add(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static int32_t quotient(int32_t a, int32_t b) { return b == 0 ? 0 : a / (b == -1 ? 1 : b); }
static int32_t rotate(int32_t a, int32_t b) { return (int32_t)__builtin_rotateleft32((uint32_t)a, (uint32_t)b); }

static int64_t shift_mix(int64_t a, int32_t b) { return (a << (b & 31)) ^ (a >> 7); }
static int64_t wide_product(int64_t a, int32_t b) { return (int64_t)((uint64_t)a * (uint64_t)(int64_t)b); }

static double hypotenuse_squared(double a, double b) { return a * a + b * b; }
static double midpoint(double a, double b) { return a + (b - a) / 2; }

static unary_fn const unaries[] = {negate, square, popcount, reverse};
static binary_fn const binaries[] = {add, quotient, rotate};
static wide_fn const wides[] = {shift_mix, wide_product};
static real_fn const reals[] = {hypotenuse_squared, midpoint};

/* Bits 0-1 of `op` pick the signature, the bits above pick the function of that signature. */
int32_t dispatch(int32_t op, int32_t x, int32_t y) {
  uint32_t pick = (uint32_t)op >> 2;
  switch (op & 3) {
  case 0: return unaries[pick % 4](x);
  case 1: return binaries[pick % 3](x, y);
  case 2: return (int32_t)(wides[pick % 2]((int64_t)x << 20, y) >> 16);
  default: return (int32_t)reals[pick % 2]((double)x, (double)y);
  }
}

/* The recursion: walk calls one of three steps through the table, and each step calls walk. */
int32_t walk(int32_t depth, int32_t acc);
static int32_t step_add(int32_t depth, int32_t acc) { return (int32_t)((uint32_t)walk(depth, acc + 3) * 3u + 1u); }
static int32_t step_xor(int32_t depth, int32_t acc) { return walk(depth, acc ^ 0x5a5a) ^ depth; }
static int32_t step_rotate(int32_t depth, int32_t acc) { return rotate(walk(depth, acc * 5), depth); }
static binary_fn const steps[] = {step_add, step_xor, step_rotate};

int32_t walk(int32_t depth, int32_t acc) {
  if (depth <= 0) return acc;
  return steps[(uint32_t)depth % 3](depth - 1, acc) - depth;
}

/* A unary function called as if it took and returned doubles: the call_indirect's type does not
 * match the table element's, which traps. */
int32_t call_as_real(int32_t which, int32_t x) {
  real_fn wrong = (real_fn)(void *)unaries[(uint32_t)which % 4];
  return (int32_t)wrong((double)x, 1.0);
}

/* Calls table slot `slot` as a unary function. wasm-ld leaves slot 0 empty (a null function pointer)
 * and fills slots from 1; a slot at or past the table's size traps as undefined. */
int32_t call_slot(int32_t slot, int32_t x) { return ((unary_fn)(uintptr_t)(uint32_t)slot)(x); }
