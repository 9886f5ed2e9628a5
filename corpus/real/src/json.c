/* A JSON parser (recursive descent, RFC 8259 including \u escapes and surrogate pairs) that builds a
 * tree, queries it, serializes it and checks that parsing the serialization gives the same text; then
 * parses, measures, serializes and frees a document nested DEPTH levels deep — recursion all the way.
 *   argv: json [DEPTH]      nesting depth of the deep document (default 1500)
 *   scaled up:  json 20000  (needs a larger native stack than most engines give by default) */
#include <string.h>

#include "common.h"

typedef enum { JSON_NULL, JSON_FALSE, JSON_TRUE, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } Kind;

typedef struct Value {
  Kind kind;
  double number;
  char *string;          /* JSON_STRING: the decoded UTF-8 text */
  size_t count;          /* JSON_ARRAY, JSON_OBJECT: number of items */
  struct Value **items;  /* array elements or object member values */
  char **keys;           /* JSON_OBJECT: member names */
} Value;

/* The parser's state is global, so the recursive functions pass nothing by address. */
static const char *cursor;
static const char *failure;

static void skip_space(void) {
  while (*cursor == ' ' || *cursor == '\t' || *cursor == '\n' || *cursor == '\r') cursor++;
}

static Value *new_value(Kind kind) {
  Value *v = calloc(1, sizeof *v);
  v->kind = kind;
  return v;
}

static void free_value(Value *v) {
  if (v == NULL) return;
  for (size_t i = 0; i < v->count; i++) {
    free_value(v->items[i]);
    if (v->keys) free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
  free(v->string);
  free(v);
}

static Value *fail(const char *why) {
  if (failure == NULL) failure = why;
  return NULL;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static long read_hex4(void) {
  long value = 0;
  for (int i = 0; i < 4; i++) {
    int digit = hex_digit(cursor[i]);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  cursor += 4;
  return value;
}

static size_t put_utf8(char *out, unsigned long cp) {
  if (cp < 0x80) return out[0] = (char)cp, 1;
  if (cp < 0x800) return out[0] = (char)(0xC0 | cp >> 6), out[1] = (char)(0x80 | (cp & 0x3F)), 2;
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | cp >> 12);
    out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | cp >> 18);
  out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
  out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* After the opening quote; the decoded text is never longer than its escaped form. */
static char *parse_string_text(void) {
  const char *end = cursor;
  while (*end && *end != '"') end += (*end == '\\' && end[1]) ? 2 : 1;
  char *text = malloc((size_t)(end - cursor) + 1), *out = text;
  for (;;) {
    unsigned char c = (unsigned char)*cursor;
    if (c == '"') break;
    if (c < 0x20) return free(text), fail("unterminated string or control character"), NULL;
    cursor++;
    if (c != '\\') {
      *out++ = (char)c;
      continue;
    }
    char escape = *cursor;
    switch (escape) {
      case '"':
      case '\\':
      case '/': *out++ = escape; break;
      case 'b': *out++ = '\b'; break;
      case 'f': *out++ = '\f'; break;
      case 'n': *out++ = '\n'; break;
      case 'r': *out++ = '\r'; break;
      case 't': *out++ = '\t'; break;
      case 'u': break;
      default: return free(text), fail("unknown escape"), NULL;
    }
    cursor++;
    if (escape != 'u') continue;
    long cp = read_hex4();
    if (cp >= 0xD800 && cp < 0xDC00 && cursor[0] == '\\' && cursor[1] == 'u') {
      cursor += 2;
      long low = read_hex4();
      if (low < 0xDC00 || low > 0xDFFF) return free(text), fail("unpaired surrogate"), NULL;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    } else if (cp < 0 || (cp >= 0xD800 && cp < 0xE000)) {
      return free(text), fail("bad \\u escape"), NULL;
    }
    out += put_utf8(out, (unsigned long)cp);
  }
  cursor++;
  *out = '\0';
  return text;
}

static Value *parse_value(void);

static void append_item(Value *container, Value *item, char *key) {
  if ((container->count & (container->count - 1)) == 0) { /* grow at powers of two */
    size_t capacity = container->count ? container->count * 2 : 1;
    container->items = realloc(container->items, capacity * sizeof *container->items);
    if (container->kind == JSON_OBJECT) container->keys = realloc(container->keys, capacity * sizeof(char *));
  }
  container->items[container->count] = item;
  if (key) container->keys[container->count] = key;
  container->count++;
}

/* After '[' or '{'. */
static Value *parse_container(Kind kind) {
  char close = kind == JSON_ARRAY ? ']' : '}';
  Value *container = new_value(kind);
  skip_space();
  if (*cursor == close) {
    cursor++;
    return container;
  }
  for (;;) {
    char *key = NULL;
    if (kind == JSON_OBJECT) {
      skip_space();
      if (*cursor != '"') return free_value(container), fail("expected a key");
      cursor++;
      if ((key = parse_string_text()) == NULL) return free_value(container), NULL;
      skip_space();
      if (*cursor != ':') return free(key), free_value(container), fail("expected ':'");
      cursor++;
    }
    Value *item = parse_value();
    if (item == NULL) return free(key), free_value(container), NULL;
    append_item(container, item, key);
    skip_space();
    if (*cursor == ',') {
      cursor++;
      continue;
    }
    if (*cursor == close) {
      cursor++;
      return container;
    }
    return free_value(container), fail(kind == JSON_ARRAY ? "expected ',' or ']'" : "expected ',' or '}'");
  }
}

static Value *parse_number(void) {
  const char *start = cursor;
  if (*cursor == '-') cursor++;
  if (*cursor == '0') {
    cursor++;
  } else if (*cursor >= '1' && *cursor <= '9') {
    while (*cursor >= '0' && *cursor <= '9') cursor++;
  } else {
    return fail("bad number");
  }
  if (*cursor == '.') {
    if (*++cursor < '0' || *cursor > '9') return fail("bad fraction");
    while (*cursor >= '0' && *cursor <= '9') cursor++;
  }
  if (*cursor == 'e' || *cursor == 'E') {
    if (*++cursor == '+' || *cursor == '-') cursor++;
    if (*cursor < '0' || *cursor > '9') return fail("bad exponent");
    while (*cursor >= '0' && *cursor <= '9') cursor++;
  }
  Value *v = new_value(JSON_NUMBER);
  v->number = strtod(start, NULL);
  return v;
}

static Value *parse_literal(const char *word, Kind kind) {
  size_t n = strlen(word);
  if (strncmp(cursor, word, n) != 0) return fail("unknown literal");
  cursor += n;
  return new_value(kind);
}

static Value *parse_value(void) {
  skip_space();
  switch (*cursor) {
    case '[': cursor++; return parse_container(JSON_ARRAY);
    case '{': cursor++; return parse_container(JSON_OBJECT);
    case '"': {
      cursor++;
      char *text = parse_string_text();
      if (text == NULL) return NULL;
      Value *v = new_value(JSON_STRING);
      v->string = text;
      return v;
    }
    case 't': return parse_literal("true", JSON_TRUE);
    case 'f': return parse_literal("false", JSON_FALSE);
    case 'n': return parse_literal("null", JSON_NULL);
    default: return parse_number();
  }
}

/* The whole text must be one value. */
static Value *parse_document(const char *text) {
  cursor = text;
  failure = NULL;
  Value *v = parse_value();
  if (v == NULL) return NULL;
  skip_space();
  if (*cursor != '\0') {
    free_value(v);
    v = fail("text after the value");
  }
  return v;
}

typedef struct {
  char *text;
  size_t length, capacity;
} Buffer;

static void put(Buffer *b, const char *text, size_t n) {
  if (b->length + n + 1 > b->capacity) {
    b->capacity = (b->length + n + 1) * 2;
    b->text = realloc(b->text, b->capacity);
  }
  memcpy(b->text + b->length, text, n);
  b->length += n;
  b->text[b->length] = '\0';
}

/* Called from the recursive serializer: no arrays on the stack, so a deep tree costs no linear-memory
 * stack per level. */
static void put_string(Buffer *b, const char *s) {
  static char escaped[8];
  put(b, "\"", 1);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') put(b, "\\", 1);
    if (c < 0x20) put(b, escaped, (size_t)snprintf(escaped, sizeof escaped, "\\u%04x", c));
    else put(b, s, 1);
  }
  put(b, "\"", 1);
}

/* Kept out of line: inlined, its variadic call would give the serializer a linear-memory stack frame. */
__attribute__((noinline)) static void put_number(Buffer *b, double number) {
  static char text[32];
  put(b, text, (size_t)snprintf(text, sizeof text, "%.17g", number));
}

static void serialize(const Value *v, Buffer *b) {
  switch (v->kind) {
    case JSON_NULL: put(b, "null", 4); break;
    case JSON_FALSE: put(b, "false", 5); break;
    case JSON_TRUE: put(b, "true", 4); break;
    case JSON_NUMBER: put_number(b, v->number); break;
    case JSON_STRING: put_string(b, v->string); break;
    case JSON_ARRAY:
    case JSON_OBJECT:
      put(b, v->kind == JSON_ARRAY ? "[" : "{", 1);
      for (size_t i = 0; i < v->count; i++) {
        if (i > 0) put(b, ",", 1);
        if (v->kind == JSON_OBJECT) {
          put_string(b, v->keys[i]);
          put(b, ":", 1);
        }
        serialize(v->items[i], b);
      }
      put(b, v->kind == JSON_ARRAY ? "]" : "}", 1);
      break;
  }
}

typedef struct {
  size_t of_kind[7], depth;
  double number_sum;
} Stats;

static void gather(const Value *v, size_t depth, Stats *stats) {
  stats->of_kind[v->kind]++;
  if (depth > stats->depth) stats->depth = depth;
  if (v->kind == JSON_NUMBER) stats->number_sum += v->number;
  for (size_t i = 0; i < v->count; i++) gather(v->items[i], depth + 1, stats);
}

/* A path such as "servers.1.ports.0": object member names and array indexes separated by dots. */
static const Value *lookup(const Value *v, const char *path) {
  char part[64];
  while (v != NULL && *path) {
    size_t n = strcspn(path, ".");
    snprintf(part, sizeof part, "%.*s", (int)n, path);
    path += n + (path[n] == '.');
    const Value *next = NULL;
    if (v->kind == JSON_ARRAY) {
      size_t index = (size_t)strtoul(part, NULL, 10);
      if (index < v->count) next = v->items[index];
    } else if (v->kind == JSON_OBJECT) {
      for (size_t i = 0; i < v->count && next == NULL; i++) {
        if (strcmp(v->keys[i], part) == 0) next = v->items[i];
      }
    }
    v = next;
  }
  return v;
}

static const char DOCUMENT[] =
    "{\n"
    "  \"name\": \"samestack corpus\", \"version\": 3, \"stable\": false, \"owner\": null,\n"
    "  \"description\": \"Quotes \\\"inside\\\", a backslash \\\\, a tab\\t, caf\\u00e9, \\ud83d\\ude00\",\n"
    "  \"limits\": [16, 256, 4096, 65536, 1048576],\n"
    "  \"ratios\": [0.5, -1.25, 3.0e-3, 6.02214076e23, -0, 1E2, 0.1, 123456789012345678],\n"
    "  \"servers\": [\n"
    "    {\"host\": \"alpha\", \"ports\": [80, 443], \"weight\": 0.75, \"tags\": [\"eu\", \"primary\"]},\n"
    "    {\"host\": \"beta\", \"ports\": [8080], \"weight\": 0.25, \"tags\": []},\n"
    "    {\"host\": \"gamma\", \"ports\": [], \"weight\": 1e-1, \"tags\": [\"backup\"], \"extra\": {}}\n"
    "  ],\n"
    "  \"matrix\": [[1, 0, 0], [0, 1, 0], [0, 0, 1]],\n"
    "  \"nested\": {\"a\": {\"b\": {\"c\": {\"d\": [true, false, null, \"\\/slash\"]}}}}\n"
    "}\n";

static const char *const MALFORMED[] = {"[1, 2", "{\"a\" 1}", "[01]", "\"\\x\"", "[1,]", "tru", "\"\\ud800\"", "1 2", "\"abc\\", "{\"a\":"};

int main(int argc, char **argv) {
  long depth = arg_long(argc, argv, 1, 1500, 1, 10000000);
  int ok = 1;

  Value *doc = parse_document(DOCUMENT);
  if (doc == NULL) {
    printf("the embedded document does not parse: %s\n", failure);
    return EXIT_SELF_CHECK_FAILED;
  }
  Stats stats = {0};
  gather(doc, 0, &stats);
  printf("document: %zu objects, %zu arrays, %zu strings, %zu numbers (sum %.6g), %zu literals, depth %zu\n",
         stats.of_kind[JSON_OBJECT], stats.of_kind[JSON_ARRAY], stats.of_kind[JSON_STRING],
         stats.of_kind[JSON_NUMBER], stats.number_sum,
         stats.of_kind[JSON_NULL] + stats.of_kind[JSON_TRUE] + stats.of_kind[JSON_FALSE], stats.depth);
  static const char *const PATHS[] = {"name", "servers.1.ports.0", "servers.2.weight", "ratios.3",
                                      "description", "nested.a.b.c.d.3", "matrix.2.2", "servers.5"};
  for (size_t i = 0; i < sizeof PATHS / sizeof PATHS[0]; i++) {
    const Value *v = lookup(doc, PATHS[i]);
    Buffer shown = {0};
    if (v) serialize(v, &shown);
    printf("  %-18s = %s\n", PATHS[i], v ? shown.text : "(absent)");
    free(shown.text);
  }

  Buffer once = {0}, twice = {0};
  serialize(doc, &once);
  Value *again = parse_document(once.text);
  if (again) serialize(again, &twice);
  int round_trip = again != NULL && strcmp(once.text, twice.text) == 0;
  printf("serialized: %zu bytes, crc32 %08x; reparsed and serialized again: %s\n", once.length,
         crc32_update(0, (const unsigned char *)once.text, once.length), round_trip ? "identical" : "DIFFERENT");
  ok &= round_trip;
  free_value(doc);
  free_value(again);
  free(once.text);
  free(twice.text);

  for (size_t i = 0; i < sizeof MALFORMED / sizeof MALFORMED[0]; i++) {
    Value *v = parse_document(MALFORMED[i]);
    printf("  malformed %-12s -> %s\n", MALFORMED[i], v ? "ACCEPTED" : failure);
    ok &= v == NULL;
    free_value(v);
  }

  /* [{"k":[{"k":[ ... 0 ... ]}]}]: arrays and objects alternate, DEPTH containers in all. */
  Buffer deep = {0};
  for (long level = 0; level < depth; level++) put(&deep, level % 2 ? "{\"k\":" : "[", level % 2 ? 5 : 1);
  put(&deep, "0", 1);
  for (long level = depth - 1; level >= 0; level--) put(&deep, level % 2 ? "}" : "]", 1);
  Value *nested = parse_document(deep.text);
  Stats nested_stats = {0};
  Buffer reserialized = {0};
  if (nested) {
    gather(nested, 0, &nested_stats);
    serialize(nested, &reserialized);
  }
  int deep_ok = nested != NULL && nested_stats.depth == (size_t)depth && strcmp(deep.text, reserialized.text) == 0;
  printf("nested %ld levels: %zu bytes, parsed depth %zu, serialized back %s\n", depth, deep.length,
         nested_stats.depth, deep_ok ? "identical" : "DIFFERENT");
  ok &= deep_ok;
  free_value(nested);
  free(deep.text);
  free(reserialized.text);
  return ok ? 0 : EXIT_SELF_CHECK_FAILED;
}
