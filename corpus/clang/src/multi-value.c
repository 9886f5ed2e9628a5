/* Small structs returned by value. With -mmultivalue and clang's experimental multi-value ABI
 * (-Xclang -target-abi -Xclang experimental-mv), a struct of scalars is returned as several Wasm
 * results (and passed as several parameters) instead of through a pointer to linear memory: the
 * functions here have two or three results, mixing i32, i64 and f64, and two recursions return
 * them up every frame.
 *   exports: divmod (two results; traps on a zero divisor), stats (three results), swap (a struct
 *   parameter), fib_pair (a recursion returning two results), collatz (a recursion returning three) */
#include <stdint.h>

struct pair {
  int32_t first, second;
};

struct summary {
  int64_t sum;
  double mean;
  int32_t count;
};

struct pair divmod(int32_t a, int32_t b) { return (struct pair){a / b, a % b}; }

struct summary stats(int64_t a, int64_t b, int32_t count) {
  return (struct summary){a + b, (double)(a + b) / count, count};
}

struct pair swap(struct pair p) { return (struct pair){p.second, p.first}; }

/* Advances a Fibonacci pair by one step: (a, b) becomes (b, a + b) modulo 2^32. */
__attribute__((noinline)) static struct pair fib_step(struct pair p) {
  return (struct pair){p.second, (int32_t)((uint32_t)p.first + (uint32_t)p.second)};
}

/* (F(n), F(n+1)) modulo 2^32, one frame per step: the two results of the deeper frame go straight
 * on as the two parameters of fib_step. (Written with a helper on purpose: clang 19 miscompiles the
 * same recursion with the step inlined — its register stackifier reads a local before the call's
 * result is stored in it, a known LLVM bug of the multi-value ABI — and returns (n, ...).) */
struct pair fib_pair(int32_t n) {
  if (n <= 0) return (struct pair){0, 1};
  return fib_step(fib_pair(n - 1));
}

/* Follows the Collatz sequence from x for at most `depth` steps, one frame per step, and returns the
 * sum of the values seen, their mean and the number of steps, combined after each call returns. */
__attribute__((noinline)) static struct summary collatz_from(uint64_t x, int32_t depth) {
  if (depth <= 0 || x <= 1) return (struct summary){(int64_t)x, (double)x, 1};
  struct summary rest = collatz_from(x % 2 ? 3 * x + 1 : x / 2, depth - 1);
  int32_t count = rest.count + 1;
  int64_t sum = rest.sum + (int64_t)x;
  return (struct summary){sum, (double)sum / count, count};
}

struct summary collatz(int64_t x, int32_t depth) { return collatz_from((uint64_t)x, depth); }
