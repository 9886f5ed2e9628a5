/* Sudoku: solves embedded puzzles by recursive backtracking (the empty cell with the fewest candidates
 * first, candidates as bitmasks), checks every solution against the rules and the givens, and prints
 * the grids.
 *   argv: sudoku [ROUNDS]      how many times to solve the whole set (default 1)
 *   scaled up:  sudoku 400 */
#include <string.h>

#include "common.h"

/* 81 characters each, row by row, '.' for an empty cell. */
static const char *const PUZZLES[] = {
    "53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79",
    "..9748...7.........2.1.9.....7...24..64.1.59..98...3.....8.3.2.........6...2759..",
    "1....7.9..3..2...8..96..5....53..9...1..8...26....4...3......1..4......7..7...3..",
};
enum { PUZZLE_COUNT = sizeof PUZZLES / sizeof PUZZLES[0] };

static int grid[81];
static uint16_t row_used[9], column_used[9], box_used[9]; /* bit d set: digit d placed */
static uint64_t placements_tried;

static int box_of(int cell) { return cell / 27 * 3 + cell % 9 / 3; }

static void place(int cell, int digit) {
  grid[cell] = digit;
  row_used[cell / 9] |= (uint16_t)(1u << digit);
  column_used[cell % 9] |= (uint16_t)(1u << digit);
  box_used[box_of(cell)] |= (uint16_t)(1u << digit);
}

static void unplace(int cell) {
  uint16_t keep = (uint16_t) ~(1u << grid[cell]);
  row_used[cell / 9] &= keep;
  column_used[cell % 9] &= keep;
  box_used[box_of(cell)] &= keep;
  grid[cell] = 0;
}

static int candidates(int cell) { return ~(row_used[cell / 9] | column_used[cell % 9] | box_used[box_of(cell)]) & 0x3FE; }

static int solve(void) {
  int best = -1, best_count = 10;
  for (int cell = 0; cell < 81; cell++) {
    if (grid[cell]) continue;
    int count = __builtin_popcount((unsigned)candidates(cell));
    if (count < best_count) {
      best = cell;
      best_count = count;
      if (count == 0) return 0;
    }
  }
  if (best < 0) return 1;
  for (int digit = 1, mask = candidates(best); digit <= 9; digit++) {
    if (!(mask >> digit & 1)) continue;
    placements_tried++;
    place(best, digit);
    if (solve()) return 1;
    unplace(best);
  }
  return 0;
}

/* Every row, column and box holds 1..9 once, and the givens are kept. */
static int valid_solution(const char *puzzle) {
  for (int unit = 0; unit < 9; unit++) {
    int rows = 0, columns = 0, boxes = 0;
    for (int i = 0; i < 9; i++) {
      rows |= 1 << grid[unit * 9 + i];
      columns |= 1 << grid[i * 9 + unit];
      boxes |= 1 << grid[(unit / 3 * 3 + i / 3) * 9 + unit % 3 * 3 + i % 3];
    }
    if (rows != 0x3FE || columns != 0x3FE || boxes != 0x3FE) return 0;
  }
  for (int cell = 0; cell < 81; cell++) {
    if (puzzle[cell] != '.' && puzzle[cell] - '0' != grid[cell]) return 0;
  }
  return 1;
}

static int load(const char *puzzle) {
  memset(grid, 0, sizeof grid);
  memset(row_used, 0, sizeof row_used);
  memset(column_used, 0, sizeof column_used);
  memset(box_used, 0, sizeof box_used);
  if (strlen(puzzle) != 81) return 0;
  for (int cell = 0; cell < 81; cell++) {
    if (puzzle[cell] == '.') continue;
    int digit = puzzle[cell] - '0';
    if (digit < 1 || digit > 9 || !(candidates(cell) >> digit & 1)) return 0;
    place(cell, digit);
  }
  return 1;
}

static void print_grid(void) {
  for (int row = 0; row < 9; row++) {
    if (row % 3 == 0 && row > 0) printf("  ------+-------+------\n");
    printf(" ");
    for (int column = 0; column < 9; column++) {
      printf("%s %d", column % 3 == 0 && column > 0 ? " |" : "", grid[row * 9 + column]);
    }
    printf("\n");
  }
}

int main(int argc, char **argv) {
  long rounds = arg_long(argc, argv, 1, 1, 1, 1000000);
  int ok = 1;
  for (long round = 0; round < rounds; round++) {
    for (int p = 0; p < PUZZLE_COUNT; p++) {
      placements_tried = 0;
      int solved = load(PUZZLES[p]) && solve();
      int valid = solved && valid_solution(PUZZLES[p]);
      ok &= valid;
      if (round > 0) continue;
      printf("puzzle %d: %s, %llu placements tried\n", p + 1, !solved ? "NO SOLUTION" : valid ? "solved" : "INVALID",
             (unsigned long long)placements_tried);
      if (solved) print_grid();
    }
  }
  if (rounds > 1) printf("solved the set %ld times: %s\n", rounds, ok ? "every solution valid" : "SOME INVALID");
  return ok ? 0 : EXIT_SELF_CHECK_FAILED;
}
