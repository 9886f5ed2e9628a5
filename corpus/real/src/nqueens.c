/* N-queens: counts every placement of N non-attacking queens with a recursive bitmask search, finds
 * the first placement with a second, array-based backtracking search, prints it, and checks the count
 * against the published sequence (OEIS A000170).
 *   argv: nqueens [N]      board size (default 10)
 *   scaled up:  nqueens 13 */
#include <string.h>

#include "common.h"

enum { MAX_N = 20 };

/* Rows are filled top-down; the masks hold the columns and diagonals already attacked. */
static uint64_t count_placements(uint32_t all, uint32_t columns, uint32_t left, uint32_t right) {
  if (columns == all) return 1;
  uint64_t total = 0;
  for (uint32_t free_squares = all & ~(columns | left | right); free_squares != 0;) {
    uint32_t bit = free_squares & (0u - free_squares);
    free_squares ^= bit;
    total += count_placements(all, columns | bit, (left | bit) << 1 & all, (right | bit) >> 1);
  }
  return total;
}

static int n;
static int queen_column[MAX_N]; /* per row */

static int attacked(int row, int column) {
  for (int r = 0; r < row; r++) {
    int c = queen_column[r];
    if (c == column || abs(c - column) == row - r) return 1;
  }
  return 0;
}

static int place_from(int row) {
  if (row == n) return 1;
  for (int column = 0; column < n; column++) {
    if (attacked(row, column)) continue;
    queen_column[row] = column;
    if (place_from(row + 1)) return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  n = (int)arg_long(argc, argv, 1, 10, 1, MAX_N);
  static const uint64_t KNOWN[] = {1,   1,    0,     0,     2,      10,      4,       40,       92,
                                   352, 724,  2680,  14200, 73712,  365596,  2279184, 14772512, 95815104};
  uint64_t count = count_placements((1u << n) - 1, 0, 0, 0);
  printf("%d queens: %llu placements\n", n, (unsigned long long)count);
  int ok = 1;
  if ((size_t)n < sizeof KNOWN / sizeof KNOWN[0]) {
    ok = count == KNOWN[n];
    printf("published count: %llu (%s)\n", (unsigned long long)KNOWN[n], ok ? "agrees" : "DISAGREES");
  }
  if (place_from(0)) {
    char line[2 * MAX_N + 1];
    printf("first placement in row-major search order:\n");
    for (int row = 0; row < n; row++) {
      for (int column = 0; column < n; column++) memcpy(line + 2 * column, column == queen_column[row] ? "Q " : ". ", 2);
      line[2 * n - 1] = '\0';
      printf("  %s\n", line);
    }
  } else {
    printf("no placement exists\n");
    ok &= count == 0;
  }
  return ok ? 0 : EXIT_SELF_CHECK_FAILED;
}
