/* Word frequencies: reads text from standard input (an embedded paragraph when stdin is empty),
 * splits it into lower-cased words, counts them in a chained hash table (strdup, strcmp), sorts them
 * with qsort by count and then alphabetically, and prints the most frequent with their shares. Also
 * counts a phrase with strstr and finds the longest word. The number of words shown comes from the
 * environment variable WORDFREQ_TOP (default 12).
 *   argv: wordfreq [REPEAT]      count the text REPEAT times over (default 10)
 *   scaled up:  wordfreq 5000 */
#include <ctype.h>
#include <string.h>

#include "common.h"

typedef struct Word {
  char *text;
  long count;
  struct Word *next; /* in the same bucket */
} Word;

enum { BUCKETS = 1024 };
static Word *buckets[BUCKETS];
static size_t distinct;

static uint32_t fnv1a(const char *s) {
  uint32_t hash = 2166136261u;
  for (; *s; s++) hash = (hash ^ (unsigned char)*s) * 16777619u;
  return hash;
}

static void count_word(const char *text, long times) {
  Word **bucket = &buckets[fnv1a(text) % BUCKETS];
  for (Word *w = *bucket; w; w = w->next) {
    if (strcmp(w->text, text) == 0) {
      w->count += times;
      return;
    }
  }
  Word *w = malloc(sizeof *w);
  *w = (Word){strdup(text), times, *bucket};
  *bucket = w;
  distinct++;
}

static int by_count_then_text(const void *a, const void *b) {
  const Word *x = *(const Word *const *)a, *y = *(const Word *const *)b;
  if (x->count != y->count) return x->count > y->count ? -1 : 1;
  return strcmp(x->text, y->text);
}

static char *read_all(FILE *in, size_t *length) {
  size_t capacity = 4096;
  char *text = malloc(capacity);
  *length = 0;
  for (size_t got; (got = fread(text + *length, 1, capacity - *length - 1, in)) > 0;) {
    *length += got;
    if (capacity - *length - 1 == 0) text = realloc(text, capacity *= 2);
  }
  text[*length] = '\0';
  return text;
}

static const char FALLBACK[] =
    "It was the best of stacks, it was the worst of stacks; it was the frame of alignment, it was the "
    "frame of padding; it was the call of return, it was the return of the call. The stack grew, and the "
    "stack shrank, and the stack grew again, deeper than before.";

int main(int argc, char **argv) {
  long repeat = arg_long(argc, argv, 1, 10, 1, 100000000);
  const char *top_setting = getenv("WORDFREQ_TOP");
  long top = top_setting ? strtol(top_setting, NULL, 10) : 12;
  size_t length;
  char *text = read_all(stdin, &length);
  const char *source = "standard input";
  if (length == 0) {
    free(text);
    text = strdup(FALLBACK);
    length = strlen(text);
    source = "the embedded paragraph";
  }

  /* Each pass re-reads the text, so the work grows with REPEAT while the shares stay the same. */
  long total = 0, lines = 0, phrase = 0;
  char word[64], longest[64] = "";
  for (long pass = 0; pass < repeat; pass++) {
    size_t n = 0;
    for (size_t i = 0; i <= length; i++) {
      unsigned char c = (unsigned char)text[i];
      if (pass == 0 && c == '\n') lines++;
      if (isalpha(c) || (c == '\'' && n > 0 && isalpha((unsigned char)text[i + 1]))) {
        if (n < sizeof word - 1) word[n++] = (char)tolower(c);
        continue;
      }
      if (n == 0) continue;
      word[n] = '\0';
      count_word(word, 1);
      total++;
      if (n > strlen(longest) || (n == strlen(longest) && strcmp(word, longest) < 0)) memcpy(longest, word, n + 1);
      n = 0;
    }
    for (const char *at = text; (at = strstr(at, "the stack")) != NULL; at++) phrase++;
  }

  Word **sorted = malloc(distinct * sizeof *sorted);
  size_t k = 0;
  for (size_t b = 0; b < BUCKETS; b++) {
    for (Word *w = buckets[b]; w; w = w->next) sorted[k++] = w;
  }
  qsort(sorted, distinct, sizeof *sorted, by_count_then_text);

  printf("%s, read %ld times: %zu bytes, %ld lines, %ld words, %zu distinct\n", source, repeat, length, lines,
         total / repeat, distinct);
  printf("longest word: \"%s\"; \"the stack\" occurs %ld times per pass\n", longest, phrase / repeat);
  for (long i = 0; i < top && (size_t)i < distinct; i++) {
    printf("%3ld. %-12s %8ld %6.2f%%\n", i + 1, sorted[i]->text, sorted[i]->count, 100.0 * (double)sorted[i]->count / (double)total);
  }
  long sum = 0;
  for (size_t i = 0; i < distinct; i++) sum += sorted[i]->count;
  int ok = sum == total && k == distinct;
  for (size_t i = 0; i < distinct; i++) {
    free(sorted[i]->text);
    free(sorted[i]);
  }
  free(sorted);
  free(text);
  return ok ? 0 : EXIT_SELF_CHECK_FAILED;
}
