/* A maze: carved by a recursive backtracker (depth-first, so the recursion goes about as deep as the
 * maze has cells), solved by a recursive depth-first search, checked to be a spanning tree whose
 * solution is as long as a breadth-first search says, and printed (or its CRC-32, when wide).
 *   argv: maze [WIDTH [HEIGHT]]      in cells (default 39 x 48; HEIGHT defaults to WIDTH)
 *   scaled up:  maze 400 400  (needs a larger native stack than most engines give by default) */
#include <string.h>

#include "common.h"

enum { NORTH = 1, EAST = 2, SOUTH = 4, WEST = 8, ON_PATH = 16, VISITED = 32 };

static int width, height;
static unsigned char *cells; /* per cell: the directions open to a neighbour, and the marks */

static const int DX[16] = {[NORTH] = 0, [EAST] = 1, [SOUTH] = 0, [WEST] = -1};
static const int DY[16] = {[NORTH] = -1, [EAST] = 0, [SOUTH] = 1, [WEST] = 0};
static const int OPPOSITE[16] = {[NORTH] = SOUTH, [EAST] = WEST, [SOUTH] = NORTH, [WEST] = EAST};

/* The 24 orders of the four directions: a recursive step picks one, so it needs no array of its own. */
static const unsigned char ORDERS[24][4] = {
    {1, 2, 4, 8}, {1, 2, 8, 4}, {1, 4, 2, 8}, {1, 4, 8, 2}, {1, 8, 2, 4}, {1, 8, 4, 2},
    {2, 1, 4, 8}, {2, 1, 8, 4}, {2, 4, 1, 8}, {2, 4, 8, 1}, {2, 8, 1, 4}, {2, 8, 4, 1},
    {4, 1, 2, 8}, {4, 1, 8, 2}, {4, 2, 1, 8}, {4, 2, 8, 1}, {4, 8, 1, 2}, {4, 8, 2, 1},
    {8, 1, 2, 4}, {8, 1, 4, 2}, {8, 2, 1, 4}, {8, 2, 4, 1}, {8, 4, 1, 2}, {8, 4, 2, 1},
};

static int inside(int x, int y) { return x >= 0 && y >= 0 && x < width && y < height; }

static void carve(int x, int y) {
  cells[y * width + x] |= VISITED;
  const unsigned char *order = ORDERS[rng_below(24)];
  for (int i = 0; i < 4; i++) {
    int d = order[i], nx = x + DX[d], ny = y + DY[d];
    if (!inside(nx, ny) || (cells[ny * width + nx] & VISITED)) continue;
    cells[y * width + x] |= (unsigned char)d;
    cells[ny * width + nx] |= (unsigned char)OPPOSITE[d];
    carve(nx, ny);
  }
}

/* Marks the cells of the path from (x, y) to the exit; `from` is the direction we came from. */
static int solve(int x, int y, int from) {
  if (x == width - 1 && y == height - 1) {
    cells[y * width + x] |= ON_PATH;
    return 1;
  }
  for (int d = NORTH; d <= WEST; d <<= 1) {
    if (d == from || !(cells[y * width + x] & d)) continue;
    if (solve(x + DX[d], y + DY[d], OPPOSITE[d])) {
      cells[y * width + x] |= ON_PATH;
      return 1;
    }
  }
  return 0;
}

/* Breadth-first distances from the entrance, without recursion: the independent check. */
static long shortest_path_cells(void) {
  int *queue = malloc((size_t)width * (size_t)height * sizeof(int));
  long *distance = malloc((size_t)width * (size_t)height * sizeof(long));
  for (int i = 0; i < width * height; i++) distance[i] = -1;
  int head = 0, tail = 0;
  queue[tail++] = 0;
  distance[0] = 1;
  while (head < tail) {
    int at = queue[head++], x = at % width, y = at / width;
    for (int d = NORTH; d <= WEST; d <<= 1) {
      int next = (y + DY[d]) * width + x + DX[d];
      if ((cells[at] & d) && distance[next] < 0) {
        distance[next] = distance[at] + 1;
        queue[tail++] = next;
      }
    }
  }
  long result = distance[width * height - 1];
  free(queue);
  free(distance);
  return result;
}

int main(int argc, char **argv) {
  width = (int)arg_long(argc, argv, 1, 39, 1, 10000);
  height = (int)arg_long(argc, argv, 2, argc > 1 ? width : 48, 1, 10000);
  cells = calloc((size_t)width * (size_t)height, 1);
  carve(0, 0);
  int solved = solve(0, 0, 0);

  long passages = 0, path = 0, unvisited = 0;
  for (int i = 0; i < width * height; i++) {
    passages += (cells[i] & EAST) != 0;
    passages += (cells[i] & SOUTH) != 0;
    path += (cells[i] & ON_PATH) != 0;
    unvisited += !(cells[i] & VISITED);
  }

  /* Walls '#', open floor ' ', the solution '.'; the entrance top left, the exit bottom right. */
  int columns = 2 * width + 1, rows = 2 * height + 1;
  char *picture = malloc((size_t)rows * (size_t)(columns + 1));
  memset(picture, '#', (size_t)rows * (size_t)(columns + 1));
  for (int y = 0; y < height; y++) {
    for (int x = 0; x < width; x++) {
      unsigned char c = cells[y * width + x];
      char floor = c & ON_PATH ? '.' : ' ';
      picture[(2 * y + 1) * (columns + 1) + 2 * x + 1] = floor;
      if (c & EAST) picture[(2 * y + 1) * (columns + 1) + 2 * x + 2] = c & ON_PATH && cells[y * width + x + 1] & ON_PATH ? '.' : ' ';
      if (c & SOUTH) picture[(2 * y + 2) * (columns + 1) + 2 * x + 1] = c & ON_PATH && cells[(y + 1) * width + x] & ON_PATH ? '.' : ' ';
    }
  }
  picture[1] = picture[(rows - 1) * (columns + 1) + columns - 2] = '.'; /* the openings */
  for (int r = 0; r < rows; r++) picture[r * (columns + 1) + columns] = '\n';
  size_t picture_size = (size_t)rows * (size_t)(columns + 1);
  if (columns <= 80) fwrite(picture, 1, picture_size, stdout);
  printf("%d x %d cells, %ld passages, path through %ld cells, picture crc32 %08x\n", width, height, passages, path,
         crc32_update(0, (const unsigned char *)picture, picture_size));

  long shortest = shortest_path_cells();
  int ok = solved && unvisited == 0 && passages == (long)width * height - 1 && path == shortest;
  printf("spanning tree: %s; depth-first path %s the breadth-first one (%ld cells)\n",
         unvisited == 0 && passages == (long)width * height - 1 ? "yes" : "NO", path == shortest ? "matches" : "DIFFERS FROM",
         shortest);
  free(picture);
  free(cells);
  return ok ? 0 : EXIT_SELF_CHECK_FAILED;
}
