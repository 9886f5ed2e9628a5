/* A calculator language: a tokenizer, a recursive-descent parser (nine precedence levels) that builds
 * an AST, and a recursive evaluator over 64-bit integers with variables, built-in functions and error
 * reporting. Runs an embedded script, rejects malformed statements, then parses and evaluates an
 * expression nested DEPTH parentheses deep — every level passes through every precedence level.
 *   argv: calc [DEPTH]      parenthesis nesting of the deep expression (default 400)
 *   scaled up:  calc 5000  (needs a larger native stack than most engines give by default) */
#include <ctype.h>
#include <string.h>

#include "common.h"

typedef enum { NODE_NUMBER, NODE_VARIABLE, NODE_CALL, NODE_UNARY, NODE_BINARY, NODE_CONDITIONAL } NodeKind;

typedef struct Node {
  NodeKind kind;
  int64_t number;
  char name[16];   /* variable or function */
  char op[3];      /* operator spelling */
  struct Node *operand[3];
} Node;

/* Parser and evaluator state is global, and the recursive functions keep no arrays on the stack: a
 * deep expression costs no linear-memory stack per level. */
static const char *cursor;
static char error[96];

/* Out of line: inlined, its variadic call would give every recursive caller a linear-memory frame. */
__attribute__((noinline)) static void fail(const char *message) {
  int shown = (int)strcspn(cursor, "\n");
  if (error[0] == '\0') snprintf(error, sizeof error, "%s at \"%.*s\"", message, shown < 12 ? shown : 12, cursor);
}

static void skip_space(void) {
  while (isspace((unsigned char)*cursor)) cursor++;
}

/* Consumes `token` (an operator or keyword) if it comes next. */
static int accept(const char *token) {
  skip_space();
  size_t n = strlen(token);
  if (strncmp(cursor, token, n) != 0) return 0;
  if (isalpha((unsigned char)token[0]) && isalnum((unsigned char)cursor[n])) return 0;
  /* "<" must not match the start of "<=", nor "=" of "==". */
  if (n == 1 && strchr("<>=!", token[0]) && cursor[1] == '=') return 0;
  if (n == 1 && strchr("&|", token[0]) && cursor[1] == token[0]) return 0;
  cursor += n;
  return 1;
}

static Node *node(NodeKind kind, const char *op, Node *a, Node *b, Node *c) {
  Node *n = calloc(1, sizeof *n);
  n->kind = kind;
  if (op) strncpy(n->op, op, sizeof n->op - 1);
  n->operand[0] = a;
  n->operand[1] = b;
  n->operand[2] = c;
  return n;
}

static void free_node(Node *n) {
  if (n == NULL) return;
  for (int i = 0; i < 3; i++) free_node(n->operand[i]);
  free(n);
}

static int read_identifier(char name[16]) {
  skip_space();
  size_t n = 0;
  if (!isalpha((unsigned char)*cursor)) return 0;
  while (isalnum((unsigned char)cursor[n]) || cursor[n] == '_') n++;
  if (n >= 16) return fail("identifier too long"), 0;
  memcpy(name, cursor, n);
  name[n] = '\0';
  cursor += n;
  return 1;
}

static Node *parse_expression(void);

static Node *parse_primary(void) {
  skip_space();
  if (accept("(")) {
    Node *inner = parse_expression();
    if (!accept(")")) fail("expected ')'");
    return inner;
  }
  if (isdigit((unsigned char)*cursor)) {
    Node *n = node(NODE_NUMBER, NULL, NULL, NULL, NULL);
    while (isdigit((unsigned char)*cursor)) n->number = n->number * 10 + (*cursor++ - '0');
    return n;
  }
  Node *n = node(NODE_VARIABLE, NULL, NULL, NULL, NULL);
  if (!read_identifier(n->name)) return fail("expected a value"), n;
  if (accept("(")) { /* a call of a built-in with one to three arguments */
    n->kind = NODE_CALL;
    int count = 0;
    do {
      if (count == 3) return fail("more than three arguments"), n;
      n->operand[count++] = parse_expression();
    } while (accept(","));
    if (!accept(")")) fail("expected ',' or ')'");
  }
  return n;
}

static Node *parse_unary(void);

/* Right-associative: 2 ^ 3 ^ 2 = 2 ^ 9. */
static Node *parse_power(void) {
  Node *base = parse_primary();
  return accept("^") ? node(NODE_BINARY, "^", base, parse_unary(), NULL) : base;
}

static Node *parse_unary(void) {
  if (accept("-")) return node(NODE_UNARY, "-", parse_unary(), NULL, NULL);
  if (accept("!")) return node(NODE_UNARY, "!", parse_unary(), NULL, NULL);
  return parse_power();
}

/* One left-associative binary level: operands from `next`, operators from the list. */
static Node *parse_level(Node *(*next)(void), const char *const *ops) {
  Node *left = next();
  for (;;) {
    const char *const *op = ops;
    while (*op && !accept(*op)) op++;
    if (*op == NULL) return left;
    left = node(NODE_BINARY, *op, left, next(), NULL);
  }
}

static const char *const MULTIPLICATIVE[] = {"*", "/", "%", NULL};
static const char *const ADDITIVE[] = {"+", "-", NULL};
static const char *const COMPARISON[] = {"<=", ">=", "==", "!=", "<", ">", NULL};
static const char *const AND[] = {"&&", NULL};
static const char *const OR[] = {"||", NULL};

static Node *parse_multiplicative(void) { return parse_level(parse_unary, MULTIPLICATIVE); }
static Node *parse_additive(void) { return parse_level(parse_multiplicative, ADDITIVE); }
static Node *parse_comparison(void) { return parse_level(parse_additive, COMPARISON); }
static Node *parse_and(void) { return parse_level(parse_comparison, AND); }
static Node *parse_or(void) { return parse_level(parse_and, OR); }

static Node *parse_expression(void) {
  Node *condition = parse_or();
  if (!accept("?")) return condition;
  Node *then = parse_expression();
  if (!accept(":")) fail("expected ':'");
  return node(NODE_CONDITIONAL, NULL, condition, then, parse_expression());
}

enum { MAX_VARIABLES = 32 };
static char variable_names[MAX_VARIABLES][16];
static int64_t variable_values[MAX_VARIABLES];
static int variable_count;

static int64_t *variable(const char *name, int create) {
  for (int i = 0; i < variable_count; i++) {
    if (strcmp(variable_names[i], name) == 0) return &variable_values[i];
  }
  if (!create || variable_count == MAX_VARIABLES) return NULL;
  snprintf(variable_names[variable_count], 16, "%s", name);
  return &variable_values[variable_count++];
}

static int64_t gcd(int64_t a, int64_t b) { return b == 0 ? (a < 0 ? (int64_t)(0 - (uint64_t)a) : a) : gcd(b, a % b); }

static int64_t evaluate(const Node *n);

static int64_t call_builtin(const Node *n) {
  int64_t a = n->operand[0] ? evaluate(n->operand[0]) : 0, b = n->operand[1] ? evaluate(n->operand[1]) : 0;
  int64_t c = n->operand[2] ? evaluate(n->operand[2]) : 0;
  if (strcmp(n->name, "abs") == 0) return a < 0 ? (int64_t)(0 - (uint64_t)a) : a;
  if (strcmp(n->name, "min") == 0) return a < b ? a : b;
  if (strcmp(n->name, "max") == 0) return a > b ? a : b;
  if (strcmp(n->name, "gcd") == 0) return gcd(a, b);
  if (strcmp(n->name, "powmod") == 0) { /* a ^ b mod c by squaring */
    if (c <= 0 || b < 0) return fail("powmod needs b >= 0 and c > 0"), 0;
    int64_t result = 1 % c, square = (a % c + c) % c;
    for (; b > 0; b >>= 1, square = square * square % c) {
      if (b & 1) result = result * square % c;
    }
    return result;
  }
  return fail("unknown function"), 0;
}

static int64_t evaluate(const Node *n) {
  if (error[0]) return 0;
  switch (n->kind) {
    case NODE_NUMBER: return n->number;
    case NODE_VARIABLE: {
      int64_t *value = variable(n->name, 0);
      return value ? *value : (fail("undefined variable"), 0);
    }
    case NODE_CALL: return call_builtin(n);
    case NODE_UNARY: {
      int64_t v = evaluate(n->operand[0]);
      return n->op[0] == '-' ? (int64_t)(0 - (uint64_t)v) : !v;
    }
    case NODE_CONDITIONAL: return evaluate(n->operand[0]) ? evaluate(n->operand[1]) : evaluate(n->operand[2]);
    case NODE_BINARY: break;
  }
  int64_t a = evaluate(n->operand[0]);
  if (strcmp(n->op, "&&") == 0) return a && evaluate(n->operand[1]);
  if (strcmp(n->op, "||") == 0) return a || evaluate(n->operand[1]);
  int64_t b = evaluate(n->operand[1]);
  switch (n->op[0]) { /* arithmetic wraps modulo 2^64, as unsigned arithmetic does */
    case '+': return (int64_t)((uint64_t)a + (uint64_t)b);
    case '-': return (int64_t)((uint64_t)a - (uint64_t)b);
    case '*': return (int64_t)((uint64_t)a * (uint64_t)b);
    case '/':
    case '%':
      if (b == 0 || (a == INT64_MIN && b == -1)) return fail("division overflow or by zero"), 0;
      return n->op[0] == '/' ? a / b : a % b;
    case '^': {
      if (b < 0) return fail("negative exponent"), 0;
      uint64_t result = 1;
      while (b-- > 0) result *= (uint64_t)a;
      return (int64_t)result;
    }
    case '<': return n->op[1] == '=' ? a <= b : a < b;
    case '>': return n->op[1] == '=' ? a >= b : a > b;
    case '=': return a == b;
    case '!': return a != b;
  }
  return fail("unknown operator"), 0;
}

/* let NAME = EXPR; | print EXPR {, EXPR}; — prints the values or the first error. */
static void run_statement(void) {
  error[0] = '\0';
  char name[16];
  if (accept("let")) {
    if (read_identifier(name) && accept("=")) {
      Node *value = parse_expression();
      int64_t result = evaluate(value);
      free_node(value);
      int64_t *slot = variable(name, 1);
      if (slot == NULL) fail("too many variables");
      if (!error[0]) *slot = result;
    } else {
      fail("expected NAME =");
    }
  } else if (accept("print")) {
    char line[256];
    size_t length = 0;
    do {
      Node *value = parse_expression();
      int64_t result = evaluate(value);
      free_node(value);
      length += (size_t)snprintf(line + length, sizeof line - length, "%s%lld", length ? " " : "", (long long)result);
    } while (accept(",") && length < sizeof line);
    if (!error[0]) printf("%s\n", line);
  } else {
    fail("expected let or print");
  }
  if (!error[0] && !accept(";")) fail("expected ';'");
  if (error[0]) {
    printf("error: %s\n", error);
    while (*cursor && *cursor++ != ';') continue; /* resume after the statement */
  }
}

static const char SCRIPT[] =
    "let a = 1071; let b = 462;\n"
    "print gcd(a, b), a * b / gcd(a, b), a % b, -a / 10, -a % 10;\n"
    "print 2 ^ 3 ^ 2, (2 ^ 3) ^ 2, 2 ^ 62 + (2 ^ 62 - 1), 3 ^ 40;\n"
    "print 1 + 2 * 3 - 4 / 2, (1 + 2) * (3 - 4) / 2, 7 - -3, !0 + !5;\n"
    "print a > b ? a - b : b - a, a < b || b > 400, a == 1071 && b != 462, 0 ? 1 : 0 ? 2 : 3;\n"
    "let m = 1000000007;\n"
    "print powmod(2, 1000000, m), powmod(3, m - 1, m), powmod(10, 18, 998244353);\n"
    "print min(max(a, b), 500), abs(-2 ^ 63), abs(b - a);\n"
    "let x = 12345678; let y = x * x; print y, y / x == x, y % 1000;\n"
    "print 1 / 0;\n"
    "print undefinedname + 1;\n"
    "let = 4;\n"
    "print (1 + 2;\n"
    "print 2 ^ 64, -(2 ^ 63) / -1;\n"
    "print 10 >= 10, 10 <= 9, 3 != 3;\n";

int main(int argc, char **argv) {
  long depth = arg_long(argc, argv, 1, 400, 1, 1000000);
  cursor = SCRIPT;
  for (skip_space(); *cursor; skip_space()) run_statement();

  /* (((...(1 + 1) * 1 ... + 1) * 1 + 1): DEPTH parentheses, evaluating to DEPTH + 1. */
  size_t size = (size_t)depth * 11 + 2;
  char *deep = malloc(size), *at = deep;
  for (long i = 0; i < depth; i++) *at++ = '(';
  at += sprintf(at, "1");
  for (long i = 0; i < depth; i++) at += sprintf(at, " + 1) * 1");
  cursor = deep;
  error[0] = '\0';
  Node *tree = parse_expression();
  skip_space();
  if (*cursor) fail("text after the expression");
  int64_t value = evaluate(tree);
  free_node(tree);
  printf("nested %ld parentheses: %s%lld\n", depth, error[0] ? error : "", (long long)value);
  int ok = !error[0] && value == depth + 1;
  free(deep);
  return ok ? 0 : EXIT_SELF_CHECK_FAILED;
}
