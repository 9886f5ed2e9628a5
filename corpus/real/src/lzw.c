/* LZW compressor and decompressor (variable code width 9..12 bits, dictionary reset when full) over
 * generated English-like text; checks the round trip and prints sizes and CRC-32 digests.
 *   argv: lzw [KIB]      text size in KiB (default 24)
 *   scaled up:  lzw 2048 */
#include <string.h>

#include "common.h"

enum { CLEAR_CODE = 256, END_CODE = 257, FIRST_FREE_CODE = 258, MIN_BITS = 9, MAX_BITS = 12 };
enum { MAX_CODES = 1 << MAX_BITS, HASH_SIZE = 8192 /* a power of two, at least 2 * MAX_CODES */ };

static const char *const VOCABULARY[] = {
    "the", "of", "and", "to", "in", "a", "is", "that", "stack", "frame", "machine", "each", "call",
    "value", "depth", "same", "register", "compiler", "module", "function", "return", "bytes", "overflow",
    "limit", "every", "target", "differs", "padding", "aligned", "argument", "instruction", "emulator",
};
enum { VOCABULARY_SIZE = sizeof VOCABULARY / sizeof VOCABULARY[0] };

/* Words drawn with a skew towards the front of the vocabulary (the smaller of two draws), with
 * punctuation and line breaks. */
static unsigned char *generate_text(size_t size) {
  unsigned char *text = malloc(size);
  size_t at = 0, line = 0;
  while (at < size) {
    uint32_t a = rng_below(VOCABULARY_SIZE), b = rng_below(VOCABULARY_SIZE);
    const char *word = VOCABULARY[a < b ? a : b];
    uint32_t punctuation = rng_below(16);
    const char *separator = punctuation == 0 ? ". " : punctuation == 1 ? ", " : " ";
    for (const char *part = word; *part && at < size; part++, line++) text[at++] = (unsigned char)*part;
    for (const char *part = separator; *part && at < size; part++, line++) text[at++] = (unsigned char)*part;
    if (line > 72 && at < size) {
      text[at++] = '\n';
      line = 0;
    }
  }
  return text;
}

typedef struct {
  unsigned char *bytes;
  size_t capacity, length;
  uint32_t pending; /* bits not yet flushed, least significant first */
  int pending_bits;
} BitWriter;

static void put_code(BitWriter *w, uint32_t code, int bits) {
  w->pending |= code << w->pending_bits;
  w->pending_bits += bits;
  while (w->pending_bits >= 8) {
    if (w->length == w->capacity) {
      w->capacity = w->capacity * 2 + 64;
      w->bytes = realloc(w->bytes, w->capacity);
    }
    w->bytes[w->length++] = (unsigned char)w->pending;
    w->pending >>= 8;
    w->pending_bits -= 8;
  }
}

/* The dictionary maps (prefix code, next byte) to a code through open addressing. */
typedef struct {
  uint32_t keys[HASH_SIZE]; /* (prefix << 8 | byte) + 1; 0 marks an empty slot */
  uint16_t codes[HASH_SIZE];
} Dictionary;

static size_t slot_of(const Dictionary *d, uint32_t key) {
  size_t slot = (key * 2654435761u) >> 19 & (HASH_SIZE - 1);
  while (d->keys[slot] != 0 && d->keys[slot] != key) slot = (slot + 1) & (HASH_SIZE - 1);
  return slot;
}

static BitWriter compress(const unsigned char *input, size_t length, unsigned *resets) {
  BitWriter w = {0};
  Dictionary *d = calloc(1, sizeof *d);
  uint32_t next_code = FIRST_FREE_CODE;
  int bits = MIN_BITS;
  *resets = 0;
  put_code(&w, CLEAR_CODE, bits);
  uint32_t prefix = input[0];
  for (size_t i = 1; i < length; i++) {
    uint32_t key = (prefix << 8 | input[i]) + 1;
    size_t slot = slot_of(d, key);
    if (d->keys[slot] == key) {
      prefix = d->codes[slot];
      continue;
    }
    put_code(&w, prefix, bits);
    if (next_code < MAX_CODES) {
      d->keys[slot] = key;
      d->codes[slot] = (uint16_t)next_code++;
      if (next_code > (1u << bits) && bits < MAX_BITS) bits++;
    } else {
      put_code(&w, CLEAR_CODE, bits);
      memset(d, 0, sizeof *d);
      next_code = FIRST_FREE_CODE;
      bits = MIN_BITS;
      ++*resets;
    }
    prefix = input[i];
  }
  put_code(&w, prefix, bits);
  put_code(&w, END_CODE, bits);
  put_code(&w, 0, 7); /* flush the last partial byte */
  free(d);
  return w;
}

typedef struct {
  const unsigned char *bytes;
  size_t length, at;
  uint32_t pending;
  int pending_bits;
} BitReader;

static int get_code(BitReader *r, int bits, uint32_t *code) {
  while (r->pending_bits < bits) {
    if (r->at == r->length) return 0;
    r->pending |= (uint32_t)r->bytes[r->at++] << r->pending_bits;
    r->pending_bits += 8;
  }
  *code = r->pending & ((1u << bits) - 1);
  r->pending >>= bits;
  r->pending_bits -= bits;
  return 1;
}

/* Decodes into a fresh buffer; returns NULL on a malformed stream. */
static unsigned char *decompress(const unsigned char *stream, size_t stream_length, size_t *out_length) {
  uint16_t *prefix = malloc(MAX_CODES * sizeof *prefix);
  unsigned char *suffix = malloc(MAX_CODES), *first = malloc(MAX_CODES);
  uint16_t *entry_length = malloc(MAX_CODES * sizeof *entry_length);
  for (uint32_t c = 0; c < 256; c++) {
    suffix[c] = first[c] = (unsigned char)c;
    entry_length[c] = 1;
  }
  size_t capacity = 1024, length = 0;
  unsigned char *out = malloc(capacity);
  BitReader r = {stream, stream_length, 0, 0, 0};
  uint32_t next_code = FIRST_FREE_CODE, previous = CLEAR_CODE, code;
  int bits = MIN_BITS, ok = 0;
  while (get_code(&r, bits, &code)) {
    if (code == END_CODE) {
      ok = 1;
      break;
    }
    if (code == CLEAR_CODE) {
      next_code = FIRST_FREE_CODE;
      bits = MIN_BITS;
      previous = CLEAR_CODE;
      continue;
    }
    if (code > next_code || (code == next_code && previous == CLEAR_CODE)) break;
    if (previous != CLEAR_CODE && next_code < MAX_CODES) {
      /* The new entry is previous + the first byte of this code (of itself when code == next_code). */
      prefix[next_code] = (uint16_t)previous;
      first[next_code] = first[previous];
      suffix[next_code] = code == next_code ? first[previous] : first[code];
      entry_length[next_code] = (uint16_t)(entry_length[previous] + 1);
      next_code++;
      if (next_code >= (1u << bits) && bits < MAX_BITS) bits++;
    }
    size_t n = entry_length[code];
    if (length + n > capacity) {
      capacity = (length + n) * 2;
      out = realloc(out, capacity);
    }
    for (uint32_t c = code, i = 0; i < n; i++, c = prefix[c]) out[length + n - 1 - i] = suffix[c];
    length += n;
    previous = code;
  }
  free(prefix);
  free(suffix);
  free(first);
  free(entry_length);
  if (!ok) {
    free(out);
    return NULL;
  }
  *out_length = length;
  return out;
}

int main(int argc, char **argv) {
  size_t size = (size_t)arg_long(argc, argv, 1, 24, 1, 1 << 20) * 1024;
  unsigned char *text = generate_text(size);
  unsigned resets;
  BitWriter packed = compress(text, size, &resets);
  size_t restored_length = 0;
  unsigned char *restored = decompress(packed.bytes, packed.length, &restored_length);
  int same = restored != NULL && restored_length == size && memcmp(restored, text, size) == 0;

  printf("text:       %zu bytes, crc32 %08x, starts \"%.40s\"\n", size, crc32_update(0, text, size), text);
  printf("compressed: %zu bytes (%.2f%%, %.3f bits per byte), %u dictionary resets, crc32 %08x\n",
         packed.length, 100.0 * (double)packed.length / (double)size, 8.0 * (double)packed.length / (double)size,
         resets, crc32_update(0, packed.bytes, packed.length));
  printf("round trip: %s\n", same ? "identical" : "DIFFERENT");
  free(text);
  free(packed.bytes);
  free(restored);
  return same ? 0 : EXIT_SELF_CHECK_FAILED;
}
