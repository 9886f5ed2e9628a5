/* A bytecode stack machine: a two-pass assembler (labels, comments, strtok) turns embedded assembly
 * into bytecode, and a switch-dispatched interpreter runs it — a prime sieve in the machine's memory,
 * the longest Collatz chain, and a recursive Fibonacci on the machine's own call stack. Each result is
 * checked against the same computation written directly in C.
 *   argv: stackvm [N]      sieve bound; Collatz starts below N / 8; Fibonacci of 10 + N / 1000
 *                          (default 1000)
 *   scaled up:  stackvm 20000 (Fibonacci of 30; each further 1000 adds a level, so 200000 never ends) */
#include <string.h>

#include "common.h"

#define OPCODES(X)                                                                                        \
  X(PUSH, 1) X(LOAD, 1) X(STORE, 1) X(FETCH, 0) X(POKE, 0) X(ADD, 0) X(SUB, 0) X(MUL, 0) X(DIV, 0)          \
  X(MOD, 0) X(LT, 0) X(EQ, 0) X(DUP, 0) X(DROP, 0) X(SWAP, 0) X(OVER, 0) X(JMP, 1) X(JZ, 1) X(JNZ, 1) X(CALL, 1) \
  X(RET, 0) X(PRINT, 0) X(HALT, 0)

#define AS_ENUM(name, operands) OP_##name,
#define AS_NAME(name, operands) #name,
#define AS_OPERANDS(name, operands) operands,
typedef enum { OPCODES(AS_ENUM) OPCODE_COUNT } Opcode;
static const char *const OPCODE_NAMES[] = {OPCODES(AS_NAME)};
static const int OPCODE_OPERANDS[] = {OPCODES(AS_OPERANDS)};

enum { MAX_CODE = 4096, MAX_LABELS = 64, STACK_SIZE = 256, CALL_DEPTH = 256, VARIABLES = 16, MAX_MEMORY = 1 << 20 };

typedef struct {
  int32_t code[MAX_CODE];
  int length;
  char label_names[MAX_LABELS][24];
  int label_addresses[MAX_LABELS];
  int label_count;
} Program;

static int find_label(const Program *p, const char *name) {
  for (int i = 0; i < p->label_count; i++) {
    if (strcmp(p->label_names[i], name) == 0) return p->label_addresses[i];
  }
  return -1;
}

static int opcode_of(const char *word) {
  char upper[16];
  size_t n = strlen(word);
  if (n >= sizeof upper) return -1;
  for (size_t i = 0; i <= n; i++) upper[i] = (char)(word[i] >= 'a' && word[i] <= 'z' ? word[i] - 32 : word[i]);
  for (int op = 0; op < OPCODE_COUNT; op++) {
    if (strcmp(OPCODE_NAMES[op], upper) == 0) return op;
  }
  return -1;
}

static int assembly_error(int line_number, const char *what, const char *word) {
  printf("line %d: %s \"%s\"\n", line_number, what, word);
  return 0;
}

/* Two passes over a copy of the source: the first records label addresses, the second emits code
 * with every label operand resolved. Returns 0 and prints the reason on an error. */
static int assemble(const char *source, Program *p) {
  memset(p, 0, sizeof *p);
  for (int pass = 0; pass < 2; pass++) {
    char *text = strdup(source), *line_state, *line;
    int address = 0, line_number = 0, ok = 1;
    for (line = strtok_r(text, "\n", &line_state); line && ok; line = strtok_r(NULL, "\n", &line_state)) {
      line_number++;
      line[strcspn(line, ";")] = '\0'; /* a comment runs to the end of the line */
      char *word_state, *word = strtok_r(line, " \t", &word_state);
      size_t length = word ? strlen(word) : 0;
      if (length > 0 && word[length - 1] == ':') { /* a label */
        word[length - 1] = '\0';
        if (pass == 0 && (p->label_count == MAX_LABELS || length > sizeof p->label_names[0] || find_label(p, word) >= 0)) {
          ok = assembly_error(line_number, "bad or repeated label", word);
          break;
        }
        if (pass == 0) {
          snprintf(p->label_names[p->label_count], sizeof p->label_names[0], "%s", word);
          p->label_addresses[p->label_count++] = address;
        }
        word = strtok_r(NULL, " \t", &word_state);
      }
      if (word == NULL) continue;
      int op = opcode_of(word);
      char *operand = strtok_r(NULL, " \t", &word_state);
      if (op < 0 || (operand != NULL) != OPCODE_OPERANDS[op] || strtok_r(NULL, " \t", &word_state) || address + 2 > MAX_CODE) {
        ok = assembly_error(line_number, "cannot assemble", word);
        break;
      }
      p->code[address++] = op;
      if (operand == NULL) continue;
      char *end;
      long value = strtol(operand, &end, 10);
      if (*end != '\0' && pass == 1 && (value = find_label(p, operand)) < 0) {
        ok = assembly_error(line_number, "unknown label", operand);
        break;
      }
      p->code[address++] = (int32_t)value;
    }
    p->length = address;
    free(text);
    if (!ok) return 0;
  }
  return 1;
}

typedef struct {
  int32_t *memory;
  int64_t steps;
  int32_t printed[8];
  int printed_count;
} Machine;

/* Runs from address 0 with `input` on the stack until HALT; returns 0 (with a message) on a fault. */
static int run(const Program *p, Machine *m, int32_t memory_size, int32_t input) {
  int32_t stack[STACK_SIZE] = {input}, variables[VARIABLES] = {0};
  int calls[CALL_DEPTH];
  int sp = 1, cp = 0, pc = 0;
#define NEED(n) if (sp < (n)) goto underflow
#define ROOM(n) if (sp + (n) > STACK_SIZE) goto overflow
  for (;;) {
    m->steps++;
    if (pc < 0 || pc >= p->length) return printf("fault: pc %d outside the code\n", pc), 0;
    int32_t op = p->code[pc++], a, b;
    switch ((Opcode)op) {
      case OP_PUSH: ROOM(1); stack[sp++] = p->code[pc++]; break;
      case OP_LOAD: ROOM(1); stack[sp++] = variables[p->code[pc++] & (VARIABLES - 1)]; break;
      case OP_STORE: NEED(1); variables[p->code[pc++] & (VARIABLES - 1)] = stack[--sp]; break;
      case OP_FETCH:
        NEED(1);
        if ((uint32_t)stack[sp - 1] >= (uint32_t)memory_size) goto out_of_memory;
        stack[sp - 1] = m->memory[stack[sp - 1]];
        break;
      case OP_POKE: /* ( value address -- ) */
        NEED(2);
        if ((uint32_t)stack[sp - 1] >= (uint32_t)memory_size) goto out_of_memory;
        m->memory[stack[sp - 1]] = stack[sp - 2];
        sp -= 2;
        break;
      case OP_ADD: NEED(2); sp--; stack[sp - 1] = (int32_t)((uint32_t)stack[sp - 1] + (uint32_t)stack[sp]); break;
      case OP_SUB: NEED(2); sp--; stack[sp - 1] = (int32_t)((uint32_t)stack[sp - 1] - (uint32_t)stack[sp]); break;
      case OP_MUL: NEED(2); sp--; stack[sp - 1] = (int32_t)((uint32_t)stack[sp - 1] * (uint32_t)stack[sp]); break;
      case OP_DIV:
      case OP_MOD:
        NEED(2);
        a = stack[sp - 2], b = stack[--sp];
        if (b == 0 || (a == INT32_MIN && b == -1)) return printf("fault: division at %d\n", pc - 1), 0;
        stack[sp - 1] = op == OP_DIV ? a / b : a % b;
        break;
      case OP_LT: NEED(2); sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
      case OP_EQ: NEED(2); sp--; stack[sp - 1] = stack[sp - 1] == stack[sp]; break;
      case OP_DUP: NEED(1); ROOM(1); stack[sp] = stack[sp - 1]; sp++; break;
      case OP_DROP: NEED(1); sp--; break;
      case OP_SWAP: NEED(2); a = stack[sp - 1], stack[sp - 1] = stack[sp - 2], stack[sp - 2] = a; break;
      case OP_OVER: NEED(2); ROOM(1); stack[sp] = stack[sp - 2]; sp++; break;
      case OP_JMP: pc = p->code[pc]; break;
      case OP_JZ: NEED(1); pc = stack[--sp] == 0 ? p->code[pc] : pc + 1; break;
      case OP_JNZ: NEED(1); pc = stack[--sp] != 0 ? p->code[pc] : pc + 1; break;
      case OP_CALL:
        if (cp == CALL_DEPTH) return printf("fault: call stack overflow at %d\n", pc - 1), 0;
        calls[cp++] = pc + 1;
        pc = p->code[pc];
        break;
      case OP_RET:
        if (cp == 0) return printf("fault: return with an empty call stack\n"), 0;
        pc = calls[--cp];
        break;
      case OP_PRINT:
        NEED(1);
        printf("  machine prints %d\n", stack[--sp]);
        if (m->printed_count < 8) m->printed[m->printed_count++] = stack[sp];
        break;
      case OP_HALT: return 1;
      default: return printf("fault: opcode %d at %d\n", op, pc - 1), 0;
    }
  }
underflow:
  return printf("fault: stack underflow at %d\n", pc - 1), 0;
overflow:
  return printf("fault: stack overflow at %d\n", pc - 1), 0;
out_of_memory:
  return printf("fault: memory address outside [0, %d) at %d\n", memory_size, pc - 1), 0;
#undef NEED
#undef ROOM
}

/* Variables: 0 = N, 1 = i, 2 = j, 3 = count, 4 = best start, 5 = best length, 6 = chain value. */
static const char SOURCE[] =
    "; sieve of Eratosthenes in memory[0, N): memory[i] = 1 marks a composite\n"
    "        store 0          ; N comes on the stack\n"
    "        push 2\n"
    "        store 1\n"
    "outer:  load 1\n"
    "        dup\n"
    "        mul\n"
    "        load 0\n"
    "        lt\n"
    "        jz count         ; stop once i * i >= N\n"
    "        load 1\n"
    "        fetch\n"
    "        jnz next\n"
    "        load 1\n"
    "        dup\n"
    "        mul\n"
    "        store 2\n"
    "mark:   load 2\n"
    "        load 0\n"
    "        lt\n"
    "        jz next\n"
    "        push 1\n"
    "        load 2\n"
    "        poke\n"
    "        load 2\n"
    "        load 1\n"
    "        add\n"
    "        store 2\n"
    "        jmp mark\n"
    "next:   load 1\n"
    "        push 1\n"
    "        add\n"
    "        store 1\n"
    "        jmp outer\n"
    "count:  push 0\n"
    "        store 3\n"
    "        push 2\n"
    "        store 1\n"
    "scan:   load 1\n"
    "        load 0\n"
    "        lt\n"
    "        jz counted\n"
    "        load 1\n"
    "        fetch\n"
    "        jnz skip\n"
    "        load 3\n"
    "        push 1\n"
    "        add\n"
    "        store 3\n"
    "skip:   load 1\n"
    "        push 1\n"
    "        add\n"
    "        store 1\n"
    "        jmp scan\n"
    "counted: load 3\n"
    "        print\n"
    "; the longest Collatz chain for starts in [1, N / 8)\n"
    "        push 0\n"
    "        store 5\n"
    "        push 1\n"
    "        store 1\n"
    "start:  load 1\n"
    "        load 0\n"
    "        push 8\n"
    "        div\n"
    "        lt\n"
    "        jz collatz_done\n"
    "        load 1\n"
    "        store 6\n"
    "        push 1\n"
    "        store 2\n"
    "step:   load 6\n"
    "        push 1\n"
    "        eq\n"
    "        jnz chain_end\n"
    "        load 2\n"
    "        push 1\n"
    "        add\n"
    "        store 2\n"
    "        load 6\n"
    "        push 2\n"
    "        mod\n"
    "        jz even\n"
    "        load 6\n"
    "        push 3\n"
    "        mul\n"
    "        push 1\n"
    "        add\n"
    "        store 6\n"
    "        jmp step\n"
    "even:   load 6\n"
    "        push 2\n"
    "        div\n"
    "        store 6\n"
    "        jmp step\n"
    "chain_end: load 5\n"
    "        load 2\n"
    "        lt\n"
    "        jz shorter\n"
    "        load 2\n"
    "        store 5\n"
    "        load 1\n"
    "        store 4\n"
    "shorter: load 1\n"
    "        push 1\n"
    "        add\n"
    "        store 1\n"
    "        jmp start\n"
    "collatz_done: load 4\n"
    "        print\n"
    "        load 5\n"
    "        print\n"
    "; Fibonacci of 10 + N / 1000, recursively on the machine's call stack: ( n -- fib n )\n"
    "        load 0\n"
    "        push 1000\n"
    "        div\n"
    "        push 10\n"
    "        add\n"
    "        call fib\n"
    "        print\n"
    "        halt\n"
    "fib:    dup\n"
    "        push 2\n"
    "        lt\n"
    "        jnz fib_done\n"
    "        dup\n"
    "        push 1\n"
    "        sub\n"
    "        call fib\n"
    "        swap\n"
    "        push 2\n"
    "        sub\n"
    "        call fib\n"
    "        add\n"
    "fib_done: ret\n";

/* The same three computations, written directly. */
static void expected_results(int32_t n, int32_t out[4]) {
  char *composite = calloc((size_t)n + 1, 1);
  int32_t primes = 0;
  for (int64_t i = 2; i * i < n; i++) {
    if (!composite[i]) {
      for (int64_t j = i * i; j < n; j += i) composite[j] = 1;
    }
  }
  for (int32_t i = 2; i < n; i++) primes += !composite[i];
  free(composite);
  int32_t best_start = 0, best_length = 0;
  for (int32_t start = 1; start < n / 8; start++) {
    int32_t length = 1;
    for (uint32_t value = (uint32_t)start; value != 1; length++) value = value % 2 ? 3 * value + 1 : value / 2;
    if (length > best_length) best_length = length, best_start = start;
  }
  int32_t a = 0, b = 1;
  for (int32_t i = 0; i < 10 + n / 1000; i++) {
    int32_t t = (int32_t)((uint32_t)a + (uint32_t)b);
    a = b;
    b = t;
  }
  out[0] = primes, out[1] = best_start, out[2] = best_length, out[3] = a;
}

int main(int argc, char **argv) {
  int32_t n = (int32_t)arg_long(argc, argv, 1, 1000, 2, MAX_MEMORY);
  static Program program;
  if (!assemble(SOURCE, &program)) return EXIT_SELF_CHECK_FAILED;
  printf("assembled %d words, %d labels\n", program.length, program.label_count);

  Machine machine = {calloc((size_t)n, sizeof(int32_t)), 0, {0}, 0};
  int halted = run(&program, &machine, n, n);
  free(machine.memory);

  int32_t expected[4];
  expected_results(n, expected);
  int same = halted && machine.printed_count == 4 && memcmp(machine.printed, expected, sizeof expected) == 0;
  printf("N = %d: %lld machine steps; primes below N %d, longest Collatz chain from %d (%d terms), fib %d\n", n,
         (long long)machine.steps, expected[0], expected[1], expected[2], expected[3]);
  printf("the machine's results %s the direct computation\n", same ? "agree with" : "DIFFER from");

  static const char *const BROKEN[] = {"push\n", "jmp nowhere\n", "frobnicate 3\n", "drop\ndrop\nhalt\n", "x: halt\nx: halt\n"};
  for (size_t i = 0; i < sizeof BROKEN / sizeof BROKEN[0]; i++) {
    printf("broken program %zu: ", i + 1);
    Machine scratch = {NULL, 0, {0}, 0};
    if (!assemble(BROKEN[i], &program) || !run(&program, &scratch, 0, 0)) continue;
    printf("ACCEPTED\n");
    same = 0;
  }
  return same ? 0 : EXIT_SELF_CHECK_FAILED;
}
