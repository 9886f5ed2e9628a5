/* A small Lisp: a reader, interned symbols, environments as association lists, special forms (quote,
 * if, cond, define, set!, lambda, let, begin, and, or), closures, built-ins called through function
 * pointers, and a printer. Runs an embedded program (list utilities, a quicksort, a prime sieve,
 * closures), then a non-tail recursion DEPTH calls deep — the evaluator recurses in C for each call.
 *   argv: lisp [DEPTH]      depth of the final recursion (default 400)
 *   scaled up:  lisp 5000  (needs a larger native stack than most engines give by default) */
#include <ctype.h>
#include <string.h>

#include "common.h"

typedef enum { NIL, NUMBER, SYMBOL, PAIR, BUILTIN, CLOSURE } Type;

typedef struct Cell Cell;
typedef Cell *(*Builtin)(Cell *args);

struct Cell {
  Type type;
  union {
    long long number;
    const char *symbol;
    struct {
      Cell *car, *cdr;
    } pair;
    Builtin builtin;
    struct {
      Cell *params, *body, *env;
    } closure;
  } as;
};

static Cell nil_cell = {NIL, {0}};
static Cell *const nil = &nil_cell;
static const char *error; /* the first error of the current top-level form */

/* Cells come from blocks that are never freed: the program is short-lived. */
static Cell *new_cell(Type type) {
  enum { BLOCK_CELLS = 4096 };
  static Cell *block;
  static size_t used = BLOCK_CELLS;
  if (used == BLOCK_CELLS) {
    block = malloc(BLOCK_CELLS * sizeof *block);
    used = 0;
  }
  Cell *c = &block[used++];
  c->type = type;
  return c;
}

static Cell *number(long long value) {
  Cell *c = new_cell(NUMBER);
  c->as.number = value;
  return c;
}

static Cell *cons(Cell *car, Cell *cdr) {
  Cell *c = new_cell(PAIR);
  c->as.pair.car = car;
  c->as.pair.cdr = cdr;
  return c;
}

static Cell *car(Cell *c) { return c->type == PAIR ? c->as.pair.car : nil; }
static Cell *cdr(Cell *c) { return c->type == PAIR ? c->as.pair.cdr : nil; }

static Cell *fail(const char *why) {
  if (error == NULL) error = why;
  return nil;
}

static Cell *symbols = &nil_cell; /* every symbol made so far, so equal names give the same cell */

static Cell *intern(const char *name, size_t length) {
  for (Cell *s = symbols; s != nil; s = cdr(s)) {
    const char *known = car(s)->as.symbol;
    if (strncmp(known, name, length) == 0 && known[length] == '\0') return car(s);
  }
  Cell *c = new_cell(SYMBOL);
  char *copy = malloc(length + 1);
  memcpy(copy, name, length);
  copy[length] = '\0';
  c->as.symbol = copy;
  symbols = cons(c, symbols);
  return c;
}

static const char *cursor;

static void skip_space(void) {
  for (;;) {
    while (isspace((unsigned char)*cursor)) cursor++;
    if (*cursor != ';') return;
    while (*cursor && *cursor != '\n') cursor++;
  }
}

static Cell *read_form(void);

static Cell *read_list_rest(void) {
  skip_space();
  if (*cursor == '\0') return fail("unclosed list");
  if (*cursor == ')') {
    cursor++;
    return nil;
  }
  Cell *head = read_form();
  return cons(head, read_list_rest());
}

static Cell *read_form(void) {
  skip_space();
  char c = *cursor;
  if (c == '(') {
    cursor++;
    return read_list_rest();
  }
  if (c == '\'') {
    cursor++;
    return cons(intern("quote", 5), cons(read_form(), nil));
  }
  if (c == ')' || c == '\0') return fail("unexpected ')' or end of text");
  const char *start = cursor;
  while (*cursor && !isspace((unsigned char)*cursor) && *cursor != '(' && *cursor != ')') cursor++;
  char *end;
  long long value = strtoll(start, &end, 10);
  if (end == cursor && (isdigit((unsigned char)start[0]) || (start[0] == '-' && cursor - start > 1))) return number(value);
  return intern(start, (size_t)(cursor - start));
}

static void print(Cell *c) {
  switch (c->type) {
    case NIL: printf("()"); break;
    case NUMBER: printf("%lld", c->as.number); break;
    case SYMBOL: printf("%s", c->as.symbol); break;
    case BUILTIN: printf("#<builtin>"); break;
    case CLOSURE: printf("#<closure>"); break;
    case PAIR:
      putchar('(');
      print(car(c));
      for (c = cdr(c); c->type == PAIR; c = cdr(c)) {
        putchar(' ');
        print(car(c));
      }
      if (c != nil) {
        printf(" . ");
        print(c);
      }
      putchar(')');
      break;
  }
}

/* An environment is a list of frames; a frame is a list of (symbol . value) pairs. */
static Cell *binding_of(Cell *symbol, Cell *env) {
  for (; env != nil; env = cdr(env)) {
    for (Cell *frame = car(env); frame != nil; frame = cdr(frame)) {
      if (car(car(frame)) == symbol) return car(frame);
    }
  }
  return NULL;
}

static void define(Cell *env, Cell *symbol, Cell *value) {
  for (Cell *frame = car(env); frame != nil; frame = cdr(frame)) {
    if (car(car(frame)) == symbol) {
      car(frame)->as.pair.cdr = value;
      return;
    }
  }
  env->as.pair.car = cons(cons(symbol, value), car(env));
}

static Cell *s_quote, *s_if, *s_cond, *s_else, *s_define, *s_set, *s_lambda, *s_let, *s_begin, *s_and, *s_or, *s_true;

static Cell *eval(Cell *x, Cell *env);

static Cell *eval_each(Cell *list, Cell *env) {
  if (list == nil) return nil;
  Cell *head = eval(car(list), env);
  return cons(head, eval_each(cdr(list), env));
}

static Cell *eval_body(Cell *body, Cell *env) {
  Cell *result = nil;
  for (; body != nil && !error; body = cdr(body)) result = eval(car(body), env);
  return result;
}

static Cell *apply(Cell *f, Cell *args) {
  if (f->type == BUILTIN) return f->as.builtin(args);
  if (f->type != CLOSURE) return fail("not a function");
  Cell *frame = nil, *params = f->as.closure.params;
  for (; params != nil; params = cdr(params), args = cdr(args)) {
    if (args == nil) return fail("too few arguments");
    frame = cons(cons(car(params), car(args)), frame);
  }
  if (args != nil) return fail("too many arguments");
  return eval_body(f->as.closure.body, cons(frame, f->as.closure.env));
}

static Cell *eval(Cell *x, Cell *env) {
  if (error) return nil;
  if (x->type == SYMBOL) {
    Cell *binding = binding_of(x, env);
    return binding ? cdr(binding) : fail("unbound symbol");
  }
  if (x->type != PAIR) return x;
  Cell *op = car(x), *args = cdr(x);
  if (op == s_quote) return car(args);
  if (op == s_if) return eval(car(args), env) != nil ? eval(car(cdr(args)), env) : eval(car(cdr(cdr(args))), env);
  if (op == s_cond) {
    for (; args != nil; args = cdr(args)) {
      Cell *clause = car(args);
      if (car(clause) == s_else || eval(car(clause), env) != nil) return eval_body(cdr(clause), env);
    }
    return nil;
  }
  if (op == s_define || op == s_set) {
    Cell *target = car(args);
    if (target->type == PAIR) { /* (define (name params...) body...) */
      Cell *closure = new_cell(CLOSURE);
      closure->as.closure.params = cdr(target);
      closure->as.closure.body = cdr(args);
      closure->as.closure.env = env;
      define(env, car(target), closure);
      return car(target);
    }
    Cell *value = eval(car(cdr(args)), env);
    if (op == s_define) {
      define(env, target, value);
    } else {
      Cell *binding = binding_of(target, env);
      if (binding == NULL) return fail("set! of an unbound symbol");
      binding->as.pair.cdr = value;
    }
    return value;
  }
  if (op == s_lambda) {
    Cell *closure = new_cell(CLOSURE);
    closure->as.closure.params = car(args);
    closure->as.closure.body = cdr(args);
    closure->as.closure.env = env;
    return closure;
  }
  if (op == s_let) {
    Cell *frame = nil;
    for (Cell *b = car(args); b != nil; b = cdr(b)) frame = cons(cons(car(car(b)), eval(car(cdr(car(b))), env)), frame);
    return eval_body(cdr(args), cons(frame, env));
  }
  if (op == s_begin) return eval_body(args, env);
  if (op == s_and || op == s_or) {
    Cell *result = op == s_and ? s_true : nil;
    for (; args != nil; args = cdr(args)) {
      result = eval(car(args), env);
      if ((result == nil) == (op == s_and)) return result;
    }
    return result;
  }
  Cell *f = eval(op, env);
  Cell *values = eval_each(args, env);
  return error ? nil : apply(f, values);
}

static Cell *truth(int condition) { return condition ? s_true : nil; }

static int numbers(Cell *args, int count) {
  for (int i = 0; i < count; i++, args = cdr(args)) {
    if (car(args)->type != NUMBER) return fail("expected numbers"), 0;
  }
  return args == nil || (fail("too many arguments"), 0);
}

#define N(i) (i == 0 ? car(args) : car(cdr(args)))->as.number
static Cell *builtin_add(Cell *args) { return numbers(args, 2) ? number(N(0) + N(1)) : nil; }
static Cell *builtin_sub(Cell *args) { return numbers(args, 2) ? number(N(0) - N(1)) : nil; }
static Cell *builtin_mul(Cell *args) { return numbers(args, 2) ? number(N(0) * N(1)) : nil; }
static Cell *builtin_quotient(Cell *args) {
  return !numbers(args, 2) ? nil : N(1) == 0 ? fail("division by zero") : number(N(0) / N(1));
}
static Cell *builtin_remainder(Cell *args) {
  return !numbers(args, 2) ? nil : N(1) == 0 ? fail("division by zero") : number(N(0) % N(1));
}
static Cell *builtin_less(Cell *args) { return numbers(args, 2) ? truth(N(0) < N(1)) : nil; }
static Cell *builtin_equal(Cell *args) { return numbers(args, 2) ? truth(N(0) == N(1)) : nil; }
#undef N
static Cell *builtin_car(Cell *args) { return car(args)->type == PAIR ? car(car(args)) : fail("car of a non-pair"); }
static Cell *builtin_cdr(Cell *args) { return car(args)->type == PAIR ? cdr(car(args)) : fail("cdr of a non-pair"); }
static Cell *builtin_cons(Cell *args) { return cons(car(args), car(cdr(args))); }
static Cell *builtin_list(Cell *args) { return args; }
static Cell *builtin_is_null(Cell *args) { return truth(car(args) == nil); }
static Cell *builtin_is_pair(Cell *args) { return truth(car(args)->type == PAIR); }
static Cell *builtin_eq(Cell *args) {
  Cell *a = car(args), *b = car(cdr(args));
  return truth(a == b || (a->type == NUMBER && b->type == NUMBER && a->as.number == b->as.number));
}
static Cell *builtin_display(Cell *args) {
  for (Cell *a = args; a != nil; a = cdr(a)) {
    print(car(a));
    if (cdr(a) != nil) putchar(' ');
  }
  putchar('\n');
  return nil;
}

static const struct {
  const char *name;
  Builtin function;
} BUILTINS[] = {
    {"+", builtin_add},       {"-", builtin_sub},          {"*", builtin_mul},       {"quotient", builtin_quotient},
    {"remainder", builtin_remainder}, {"<", builtin_less}, {"=", builtin_equal},     {"car", builtin_car},
    {"cdr", builtin_cdr},     {"cons", builtin_cons},      {"list", builtin_list},   {"null?", builtin_is_null},
    {"pair?", builtin_is_pair}, {"eq?", builtin_eq},       {"display", builtin_display},
};

static const char PROGRAM[] =
    "(define (fib n) (if (< n 2) n (+ (fib (- n 1)) (fib (- n 2)))))\n"
    "(define (map f xs) (if (null? xs) '() (cons (f (car xs)) (map f (cdr xs)))))\n"
    "(define (filter keep xs) (cond ((null? xs) '()) ((keep (car xs)) (cons (car xs) (filter keep (cdr xs))))\n"
    "                               (else (filter keep (cdr xs)))))\n"
    "(define (fold f acc xs) (if (null? xs) acc (fold f (f acc (car xs)) (cdr xs))))\n"
    "(define (append a b) (if (null? a) b (cons (car a) (append (cdr a) b))))\n"
    "(define (reverse xs) (fold (lambda (acc x) (cons x acc)) '() xs))\n"
    "(define (range a b) (if (< a b) (cons a (range (+ a 1) b)) '()))\n"
    "(define (quicksort xs)\n"
    "  (if (null? xs) '()\n"
    "      (let ((pivot (car xs)) (rest (cdr xs)))\n"
    "        (append (quicksort (filter (lambda (x) (< x pivot)) rest))\n"
    "                (cons pivot (quicksort (filter (lambda (x) (not (< x pivot))) rest)))))))\n"
    "(define (not x) (if x '() 't))\n"
    "(define (sieve xs) (if (null? xs) '()\n"
    "  (cons (car xs) (sieve (filter (lambda (x) (not (= 0 (remainder x (car xs))))) (cdr xs))))))\n"
    "(define (make-counter) (let ((n 0)) (lambda () (set! n (+ n 1)) n)))\n"
    "(define (factorial n) (if (= n 0) 1 (* n (factorial (- n 1)))))\n"
    "(define (ackermann m n) (cond ((= m 0) (+ n 1)) ((= n 0) (ackermann (- m 1) 1))\n"
    "                              (else (ackermann (- m 1) (ackermann m (- n 1))))))\n"
    "(define (count-down n) (if (= n 0) 0 (+ 1 (count-down (- n 1)))))\n"
    "(display 'fib-6 (fib 6))\n"
    "(display 'squares (map (lambda (x) (* x x)) (range 1 11)))\n"
    "(display 'sorted (quicksort '(31 4 15 9 26 5 35 8)))\n"
    "(display 'primes (sieve (range 2 20)))\n"
    "(display 'sum (fold + 0 (range 1 11)) 'reversed (reverse '(a b c (d e) f)))\n"
    "(define counter (make-counter))\n"
    "(counter) (counter)\n"
    "(display 'counter (counter) 'factorial-20 (factorial 20) 'ackermann-2-3 (ackermann 2 3))\n"
    "(display 'quoted '(1 (2 3) . 4) (eq? 'a 'a) (eq? '(1) '(1)) (and 1 2 3) (or '() 5))\n"
    "(display (car '()))\n"
    "(display (undefined-function 1))\n";

int main(int argc, char **argv) {
  long depth = arg_long(argc, argv, 1, 400, 0, 100000000);
  Cell **specials[] = {&s_quote, &s_if, &s_cond, &s_else, &s_define, &s_set, &s_lambda, &s_let, &s_begin, &s_and, &s_or, &s_true};
  const char *special_names[] = {"quote", "if", "cond", "else", "define", "set!", "lambda", "let", "begin", "and", "or", "t"};
  for (size_t i = 0; i < sizeof specials / sizeof specials[0]; i++) *specials[i] = intern(special_names[i], strlen(special_names[i]));
  Cell *global = cons(nil, nil);
  for (size_t i = 0; i < sizeof BUILTINS / sizeof BUILTINS[0]; i++) {
    Cell *b = new_cell(BUILTIN);
    b->as.builtin = BUILTINS[i].function;
    define(global, intern(BUILTINS[i].name, strlen(BUILTINS[i].name)), b);
  }
  define(global, s_true, s_true);
  define(global, intern("depth", 5), number(depth));

  int errors = 0;
  for (cursor = PROGRAM, skip_space(); *cursor; skip_space()) {
    error = NULL;
    Cell *form = read_form();
    if (!error) eval(form, global);
    if (error) {
      printf("error: %s in ", error);
      print(form);
      putchar('\n');
      errors++;
    }
  }
  error = NULL;
  cursor = "(count-down depth)";
  Cell *counted = eval(read_form(), global);
  printf("(count-down %ld) = ", depth);
  print(counted);
  printf("%s%s\n", error ? ": " : "", error ? error : "");
  /* Two forms of the program are errors by design. */
  int ok = errors == 2 && !error && counted->type == NUMBER && counted->as.number == depth;
  return ok ? 0 : EXIT_SELF_CHECK_FAILED;
}
