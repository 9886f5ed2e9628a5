/* Huffman coding: builds the code for generated text (qsort, a two-queue tree, recursive code lengths),
 * encodes with canonical codes, decodes with a table walk that never sees the tree, and checks the
 * round trip and that the average code length lies within one bit of the entropy.
 *   argv: huffman [KIB]      text size in KiB (default 8)
 *   scaled up:  huffman 4096 */
#include <math.h>
#include <string.h>

#include "common.h"

enum { SYMBOLS = 256, MAX_CODE_LENGTH = 32 };

/* Relative letter weights of English prose, space first; the remaining weight goes to punctuation. */
static const char ALPHABET[] = " etaoinshrdlcumwfgypbvkjxqz.,\n";
static const unsigned WEIGHTS[] = {1800, 1020, 730, 650, 610, 570, 560, 510, 490, 480, 340, 330, 220, 220, 190,
                                   190,  170,  160, 150, 150, 120, 100, 80,  10,  15,  10,  7,   70,  90,  40};
_Static_assert(sizeof ALPHABET - 1 == sizeof WEIGHTS / sizeof WEIGHTS[0], "one weight per character");

static unsigned char *generate_text(size_t size) {
  unsigned total = 0;
  for (size_t i = 0; i < sizeof WEIGHTS / sizeof WEIGHTS[0]; i++) total += WEIGHTS[i];
  unsigned char *text = malloc(size);
  for (size_t at = 0; at < size; at++) {
    unsigned pick = rng_below(total), i = 0;
    while (pick >= WEIGHTS[i]) pick -= WEIGHTS[i++];
    text[at] = (unsigned char)ALPHABET[i];
  }
  return text;
}

typedef struct Node {
  uint64_t weight;
  int symbol; /* -1 for an internal node */
  struct Node *left, *right;
} Node;

static int by_weight_then_symbol(const void *a, const void *b) {
  const Node *x = *(const Node *const *)a, *y = *(const Node *const *)b;
  if (x->weight != y->weight) return x->weight < y->weight ? -1 : 1;
  return x->symbol - y->symbol;
}

/* The two-queue construction: leaves sorted by weight, internal nodes created in weight order. */
static Node *build_tree(const uint64_t counts[SYMBOLS], Node *pool, int *leaf_count) {
  Node *leaves[SYMBOLS];
  int n = 0;
  for (int s = 0; s < SYMBOLS; s++) {
    if (counts[s] == 0) continue;
    pool[n] = (Node){counts[s], s, NULL, NULL};
    leaves[n] = &pool[n];
    n++;
  }
  *leaf_count = n;
  qsort(leaves, (size_t)n, sizeof leaves[0], by_weight_then_symbol);
  Node *internal = pool + n;
  int next_leaf = 0, next_internal = 0, made = 0;
  while (n - next_leaf + made - next_internal > 1) {
    Node *pair[2];
    for (int k = 0; k < 2; k++) {
      int take_leaf = next_leaf < n && (next_internal == made || leaves[next_leaf]->weight <= internal[next_internal].weight);
      pair[k] = take_leaf ? leaves[next_leaf++] : &internal[next_internal++];
    }
    internal[made++] = (Node){pair[0]->weight + pair[1]->weight, -1, pair[0], pair[1]};
  }
  return made > 0 ? &internal[made - 1] : leaves[0];
}

static void assign_lengths(const Node *node, int depth, int lengths[SYMBOLS]) {
  if (node->symbol >= 0) {
    lengths[node->symbol] = depth > 0 ? depth : 1; /* a lone symbol still needs one bit */
    return;
  }
  assign_lengths(node->left, depth + 1, lengths);
  assign_lengths(node->right, depth + 1, lengths);
}

typedef struct {
  int length[SYMBOLS];
  uint32_t code[SYMBOLS];
  int count_of_length[MAX_CODE_LENGTH + 1];
  int sorted_symbols[SYMBOLS]; /* by (length, symbol): the canonical order */
} Canonical;

static const int *lengths_for_sort;

static int by_length_then_symbol(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  if (lengths_for_sort[x] != lengths_for_sort[y]) return lengths_for_sort[x] - lengths_for_sort[y];
  return x - y;
}

static int make_canonical(Canonical *c) {
  int n = 0;
  memset(c->count_of_length, 0, sizeof c->count_of_length);
  for (int s = 0; s < SYMBOLS; s++) {
    if (c->length[s] == 0) continue;
    if (c->length[s] > MAX_CODE_LENGTH) return 0;
    c->sorted_symbols[n++] = s;
    c->count_of_length[c->length[s]]++;
  }
  lengths_for_sort = c->length;
  qsort(c->sorted_symbols, (size_t)n, sizeof c->sorted_symbols[0], by_length_then_symbol);
  uint32_t code = 0;
  for (int i = 0, previous_length = c->length[c->sorted_symbols[0]]; i < n; i++) {
    int s = c->sorted_symbols[i];
    code <<= c->length[s] - previous_length;
    previous_length = c->length[s];
    c->code[s] = code++;
  }
  return 1;
}

typedef struct {
  unsigned char *bytes;
  uint64_t bit_length;
} Bits;

static Bits encode(const Canonical *c, const unsigned char *text, size_t size) {
  uint64_t total = 0;
  for (size_t i = 0; i < size; i++) total += (uint64_t)c->length[text[i]];
  Bits out = {calloc((size_t)(total + 7) / 8, 1), total};
  uint64_t at = 0;
  for (size_t i = 0; i < size; i++) {
    for (int bit = c->length[text[i]] - 1; bit >= 0; bit--, at++) {
      if (c->code[text[i]] >> bit & 1) out.bytes[at / 8] |= (unsigned char)(0x80 >> at % 8);
    }
  }
  return out;
}

/* Canonical decoding: codes of one length are consecutive, so a running code and the first code of
 * each length identify the symbol without a tree. */
static int decode(const Canonical *c, Bits bits, unsigned char *out, size_t size) {
  uint64_t at = 0;
  for (size_t i = 0; i < size; i++) {
    uint32_t code = 0, first = 0;
    int index = 0, found = 0;
    for (int length = 1; length <= MAX_CODE_LENGTH && !found; length++) {
      if (at == bits.bit_length) return 0;
      code = code << 1 | (bits.bytes[at / 8] >> (7 - at % 8) & 1);
      at++;
      int count = c->count_of_length[length];
      if (code - first < (uint32_t)count) {
        out[i] = (unsigned char)c->sorted_symbols[index + (int)(code - first)];
        found = 1;
      }
      index += count;
      first = (first + (uint32_t)count) << 1;
    }
    if (!found) return 0;
  }
  return at == bits.bit_length;
}

int main(int argc, char **argv) {
  size_t size = (size_t)arg_long(argc, argv, 1, 8, 1, 1 << 20) * 1024;
  unsigned char *text = generate_text(size);
  uint64_t counts[SYMBOLS] = {0};
  for (size_t i = 0; i < size; i++) counts[text[i]]++;

  Node *pool = malloc(2 * SYMBOLS * sizeof *pool);
  int leaf_count;
  Node *root = build_tree(counts, pool, &leaf_count);
  Canonical canonical = {0};
  assign_lengths(root, 0, canonical.length);
  free(pool);
  if (!make_canonical(&canonical)) {
    printf("a code is longer than %d bits\n", MAX_CODE_LENGTH);
    return EXIT_SELF_CHECK_FAILED;
  }

  Bits bits = encode(&canonical, text, size);
  unsigned char *decoded = malloc(size);
  int same = decode(&canonical, bits, decoded, size) && memcmp(decoded, text, size) == 0;

  double entropy = 0;
  for (int s = 0; s < SYMBOLS; s++) {
    if (counts[s] == 0) continue;
    double p = (double)counts[s] / (double)size;
    entropy -= p * log2(p);
  }
  double average = (double)bits.bit_length / (double)size;
  int optimal_enough = average >= entropy - 1e-9 && average < entropy + 1;

  printf("%zu bytes, %d symbols; the shortest codes:\n", size, leaf_count);
  for (int i = 0; i < 8; i++) {
    int s = canonical.sorted_symbols[i];
    char shown[5] = {'\'', (char)s, '\'', 0, 0};
    if (s == '\n') memcpy(shown, "'\\n'", 5);
    printf("  %-4s %6llu times, code %2d bits: ", shown, (unsigned long long)counts[s], canonical.length[s]);
    for (int bit = canonical.length[s] - 1; bit >= 0; bit--) putchar('0' + (canonical.code[s] >> bit & 1));
    putchar('\n');
  }
  printf("encoded: %llu bits (%.4f per symbol; entropy %.4f), crc32 %08x\n",
         (unsigned long long)bits.bit_length, average, entropy,
         crc32_update(0, bits.bytes, (size_t)(bits.bit_length + 7) / 8));
  printf("round trip: %s; within one bit of the entropy: %s\n", same ? "identical" : "DIFFERENT",
         optimal_enough ? "yes" : "NO");
  free(text);
  free(bits.bytes);
  free(decoded);
  return same && optimal_enough ? 0 : EXIT_SELF_CHECK_FAILED;
}
