/* The stack profile, built per translation block (profile.h).
 *
 * The hash: the sequence entryDepth, key(step 0), depth(step 0), key(step 1), depth(step 1), ... read
 * as a polynomial in an odd base modulo 2^64 (Horner: H = H * P + symbol), entryDepth weighted by
 * P^(2 * steps). Depths are two's-complement 64-bit words. Linear in the depths, so the steps a block
 * completes (their depths are the block's starting depth plus constants) are folded in at once.
 * src/verify/profile.ts computes the same hash step by step.
 */
#include "profile.h"

#include <stdlib.h>
#include <string.h>

static const uint64_t BASE = 0x9e3779b97f4a7c15ull;

/* A block that followed a summary when it was applied, joined to it by a pair summary. */
typedef struct {
  uint32_t start, size; /* size 0: none */
  uint32_t slot;        /* index + 1 of the pair summary in `summaries`, kept for reuse; 0: none */
} successor;

/* Successors learned per summary: a branch's two ways. */
enum { SUCCESSORS = 2 };

/* A call a pair makes and does not return from: the call's location and key, rel of SP at the
 * callee's entry, and the shift of the callee's frame (its rel plus this), both in the pair's starting
 * frame. */
typedef struct {
  int32_t loc, entry_rel, shift;
  uint64_t key;
} pair_call;

/* The most calls a pair makes without returning from them: the frames it pushes. */
enum { PAIR_MAX_CALLS = 4 };

/* The hash after one more step, of `key` at `depth`. */
static inline uint64_t hash_step(uint64_t hash, uint64_t key, int64_t depth) {
  return (hash * BASE + key) * BASE + (uint64_t)depth;
}

/* What one block does to a profile, decided on its first execution. Depths are relative to the
 * reference of the frame the block runs in (its `rel` values): a byte's depth is the frame's depth
 * plus its `rel`. What every block needs fills the first cache line; summaries are line-aligned. */
typedef struct __attribute__((aligned(64))) {
  /* The hash after the block, from H before it, the open step's key and depth d, and the frame's
   * depth F: ((H * BASE + key) * BASE + d) * pow_d + a + F * b (a, b: the steps completed within
   * the block). */
  uint64_t pow_d, hash_a, hash_b;
  uint64_t last_key;  /* the hash key of last_loc */
  int32_t last_loc;   /* location of the last instruction start, whose step stays open */
  int32_t deepest;    /* deepest of the whole block */
  int32_t head;       /* deepest from the start through the first instruction start (or the end) */
  int32_t tail;       /* deepest from the last instruction start to the end */
  uint32_t instrs;    /* instruction starts after the start event: steps the block closes */
  int32_t start_rel;  /* rel at the start */
  int32_t end_rel;    /* rel at the last byte (PROFILE_NO_FRAME past the tables): the next block's SP */
  uint16_t align_ok;  /* bit r: frame reference % 16 == r keeps every alignment point aligned */
  uint8_t start_kind; /* POINT_* at the start */
  uint8_t special;    /* SPECIAL_*: not a block of instruction starts only */
  /* the first blocks that followed it when it was applied: checked at every block start */
  successor successors[SUCCESSORS];
  uint8_t pair_state;    /* PAIR_* */
  uint8_t pair_kind;     /* PAIR_KIND_*: for a pair summary, how its two blocks join */
  /* rarely needed */
  uint32_t size;                  /* the block's bytes (machines may translate different blocks from one start) */
  int32_t start_loc, start_check; /* a start event's locs[] and checks[] */
  uint64_t start_key;             /* the hash key of start_loc */
  uint64_t start, end;            /* the block's first offset, and the offset past its bytes in the tables */
  /* a pair summary (its start fields are its first's, end_rel its second's): how many blocks it
   * stands for, its first's index in `summaries` (a block, or a pair it extends) and its second block;
   * the calls it makes and does not return from, outermost first */
  uint8_t blocks, calls;
  uint32_t first, second_size;
  uint64_t second_start;
  pair_call call[PAIR_MAX_CALLS];
  /* SPECIAL_FLOOR: the least depth of its starting frame at which the pair applies inline: SP at the
   * entry of every callee it enters no higher than the reference (where a prologue without a limit
   * check folds depth 0 into the call's step, and where apply_call applies a call) */
  int32_t floor;
} block_summary;

/* block_summary.special: a prologue or return address at the start; walked byte by byte, always; a
 * pair with calls it does not return from (the frames pushed within it); a pair with a floor. */
enum { SPECIAL_EVENT = 1, SPECIAL_WALK = 2, SPECIAL_CALL = 4, SPECIAL_FLOOR = 8 };
/* block_summary.pair_state: whether a pair may still be made with it (a successor is free), or not. */
enum { PAIR_NONE, PAIR_UNLEARNED };
/* block_summary.pair_kind, how a pair's second block is reached: not a pair; in the frame its first
 * ends in; as the callee of a call that ends its first (its prologue block); by the return from the
 * call its first made. */
enum { PAIR_KIND_NONE, PAIR_KIND_FRAME, PAIR_KIND_CALL, PAIR_KIND_RETURN };

typedef struct {
  int32_t loc;            /* the call's location */
  uint64_t key;           /* its hash key */
  uint64_t callee_sp;     /* SP at the callee's entry: a return brings SP back up to it */
  int64_t node;           /* its backtrace node, once a change needed it; -1 until then */
} call_frame;

typedef struct {
  double index, depth, loc, node;
} change_row;

typedef struct {
  double loc, parent;
} node_row;

#define GROWABLE(type) \
  struct {             \
    type *items;       \
    uint64_t count, allocated; \
  }

enum { OPEN_NONE, OPEN_ENTRY, OPEN_STEP };

/* The fields every block reads or writes come first, in two cache lines (the emulator runs between
 * two blocks and may evict them). */
struct stack_profile {
  /* The summary of the block that started last, applied when the next starts or the run ends (valid
   * until another block is summarized); NULL at a run's start. */
  const block_summary *pending;
  /* SP + rel at the start of the pending block: the reference of the frame running (SP there is
   * this less rel, modulo 2^64, even outside the stack map) */
  uint64_t frame_reference;
  uint64_t reference; /* the profile's: depths are bytes below it */
  int32_t open_loc;
  uint8_t open;                  /* OPEN_*: what the depths now reached fold into */
  uint8_t return_address_bytes;  /* code.return_address_bytes (profile_set_code refuses more) */
  uint64_t open_key; /* the hash key of open_loc */
  int64_t open_depth;
  uint64_t open_height; /* frames under the open step */
  uint64_t steps;
  uint64_t hash;
  int64_t max_depth;
  uint64_t *block_refs; /* per offset: the block starting there (block_ref), 0 unknown */
  block_summary *summaries;
  GROWABLE(call_frame) frames;
  uint64_t code_size; /* code.size */
  uint64_t summary_count, summaries_allocated;
  uint64_t block_summaries; /* of the summaries, those of one block */
  int active;
  profile_code code; /* owned copies of the tables */
  int64_t entry_depth, last_depth;
  GROWABLE(change_row) changes;
  GROWABLE(node_row) nodes;
  GROWABLE(double) misaligned;
  int error;
  uint64_t error_offset;
  block_summary scratch; /* a block's summary when no more can be kept: walked */
};

/* Appends `item` to a GROWABLE; on failure the profile records PROFILE_OUT_OF_MEMORY. */
#define APPEND(p, list, item)                                                               \
  do {                                                                                      \
    if ((list).count == (list).allocated && !grow((void **)&(list).items, &(list).allocated, \
                                                  sizeof *(list).items)) {                  \
      (p)->error = PROFILE_OUT_OF_MEMORY;                                                   \
    } else {                                                                                \
      (list).items[(list).count++] = (item);                                                \
    }                                                                                       \
  } while (0)

static int grow(void **items, uint64_t *allocated, size_t item_size) {
  uint64_t next = *allocated ? *allocated * 2 : 64;
  void *grown = realloc(*items, next * item_size);
  if (!grown) return 0;
  *items = grown;
  *allocated = next;
  return 1;
}

/* Cache-line aligned: the fields every block uses share as few lines as they can. */
stack_profile *profile_open(void) {
  size_t bytes = (sizeof(stack_profile) + 63) / 64 * 64;
  stack_profile *p = aligned_alloc(64, bytes);
  if (p) memset(p, 0, bytes);
  return p;
}

static void free_code(stack_profile *p) {
  free((void *)p->code.rel);
  free((void *)p->code.kinds);
  free((void *)p->code.locs);
  free((void *)p->code.checks);
  free((void *)p->code.keys);
  free(p->block_refs);
  memset(&p->code, 0, sizeof p->code);
  p->code_size = 0;
  p->block_refs = NULL;
  p->summary_count = p->block_summaries = 0;
}

void profile_close(stack_profile *p) {
  if (!p) return;
  free_code(p);
  free(p->summaries);
  free(p->frames.items);
  free(p->changes.items);
  free(p->nodes.items);
  free(p->misaligned.items);
  free(p);
}

static void *copy_of(const void *from, size_t bytes) {
  void *to = malloc(bytes ? bytes : 1);
  if (to && bytes) memcpy(to, from, bytes);
  return to;
}

int profile_set_code(stack_profile *p, const profile_code *code) {
  free_code(p);
  uint64_t n = code->size;
  profile_code copy = *code;
  copy.rel = copy_of(code->rel, n * sizeof *code->rel);
  copy.kinds = copy_of(code->kinds, n * sizeof *code->kinds);
  copy.locs = copy_of(code->locs, n * sizeof *code->locs);
  copy.checks = copy_of(code->checks, n * sizeof *code->checks);
  copy.keys = copy_of(code->keys, code->key_count * sizeof *code->keys);
  uint64_t *block_refs = calloc(n ? n : 1, sizeof *block_refs);
  p->code = copy;
  p->code_size = copy.size;
  p->return_address_bytes = (uint8_t)copy.return_address_bytes;
  p->block_refs = block_refs;
  if (!copy.rel || !copy.kinds || !copy.locs || !copy.checks || !copy.keys || !block_refs ||
      code->return_address_bytes > UINT8_MAX) {
    free_code(p);
    return -1;
  }
  return 0;
}

void profile_forget(stack_profile *p, uint64_t from, uint64_t to) {
  uint64_t end = to < p->code_size ? to : p->code_size;
  if (p->block_refs && from < end) memset(&p->block_refs[from], 0, (end - from) * sizeof *p->block_refs);
}

void profile_start(stack_profile *p, uint64_t reference) {
  p->active = 1;
  p->reference = reference;
  p->open = OPEN_NONE;
  p->steps = 0;
  p->entry_depth = p->max_depth = p->last_depth = 0;
  p->hash = 0;
  p->frames.count = 0;
  p->changes.count = p->nodes.count = p->misaligned.count = 0;
  p->error = PROFILE_OK;
  p->error_offset = 0;
  p->pending = NULL;
}

static int64_t depth_of(const stack_profile *p, uint64_t sp) { return (int64_t)(p->reference - sp); }

/* The depth of the running frame's reference. */
static inline int64_t running_frame_depth(const stack_profile *p) { return depth_of(p, p->frame_reference); }

/* ── steps ─────────────────────────────────────────────────────────────────────────────── */

/* A depth reached by the open step (or by the entry call, before the first step). */
static inline void fold(stack_profile *p, int64_t depth) {
  if (depth > p->open_depth) p->open_depth = depth;
}

/* The first rule the steps broke, and where. */
static void fail_at(stack_profile *p, int error, uint64_t offset) {
  if (p->error != PROFILE_OK) return;
  p->error = error;
  p->error_offset = offset;
}

static uint64_t key_of(const stack_profile *p, int32_t loc) {
  return loc >= 0 && (uint64_t)loc < p->code.key_count ? p->code.keys[loc] : 0;
}

/* Backtrace nodes for frames[0, height): made once per frame, bottom up, when a change needs them.
 * The frames with nodes are a prefix: those under a frame were there when it got its node. */
static int64_t caller_node(stack_profile *p, uint64_t height) {
  uint64_t first = height;
  while (first > 0 && p->frames.items[first - 1].node < 0) first--;
  for (uint64_t i = first; i < height; i++) {
    call_frame *frame = &p->frames.items[i];
    node_row node = {frame->loc, i > 0 ? (double)p->frames.items[i - 1].node : -1};
    frame->node = (int64_t)p->nodes.count;
    APPEND(p, p->nodes, node);
  }
  return height > 0 ? p->frames.items[height - 1].node : -1;
}

static void close_open(stack_profile *p) {
  if (p->open == OPEN_ENTRY) {
    p->entry_depth = p->open_depth > 0 ? p->open_depth : 0;
    p->max_depth = p->entry_depth;
    if (p->entry_depth > 0) {
      change_row change = {-1, (double)p->entry_depth, -1, -1};
      APPEND(p, p->changes, change);
    }
  } else if (p->open == OPEN_STEP) {
    uint64_t index = p->steps++;
    p->hash = hash_step(p->hash, p->open_key, p->open_depth);
    p->last_depth = p->open_depth;
    if (p->open_depth > p->max_depth) {
      p->max_depth = p->open_depth;
      change_row change = {(double)index, (double)p->open_depth, p->open_loc,
                           (double)caller_node(p, p->open_height)};
      APPEND(p, p->changes, change);
    }
  }
  p->open = OPEN_NONE;
}

static void open_step(stack_profile *p, int32_t loc, uint64_t key, int64_t depth) {
  p->open = OPEN_STEP;
  p->open_loc = loc;
  p->open_key = key;
  p->open_depth = depth;
  p->open_height = p->frames.count;
}

/* A prologue (or a host call: no check, no first instruction) reached with SP `sp`, at depth `depth`
 * (already folded). The call it belongs to is the open step, which becomes a caller. */
static void prologue(stack_profile *p, uint64_t sp, int64_t depth, int32_t check, int32_t first) {
  int64_t checked = check < 0 ? 0 : depth_of(p, sp + p->return_address_bytes) + check;
  if (p->open == OPEN_NONE) {
    p->open = OPEN_ENTRY;
    p->open_depth = depth;
  }
  fold(p, checked);
  if (p->open == OPEN_STEP) {
    call_frame frame = {p->open_loc, p->open_key, sp, -1};
    APPEND(p, p->frames, frame);
  }
  if (first >= 0) {
    close_open(p);
    open_step(p, first, key_of(p, first), depth);
  }
}

/* A return address reached with SP `sp`: a return when SP is back up where the innermost call's
 * callee began (a branch there finds SP lower), else the instruction starting there, if any. */
static void return_point(stack_profile *p, uint64_t offset, uint64_t sp, int64_t depth, int32_t next) {
  close_open(p);
  call_frame *call = p->frames.count ? &p->frames.items[p->frames.count - 1] : NULL;
  if (call && sp >= call->callee_sp) {
    uint64_t key = next >= 0 ? key_of(p, next) : call->key;
    int32_t loc = next >= 0 ? next : call->loc;
    p->frames.count--;
    open_step(p, loc, key, depth);
  } else if (next >= 0) {
    open_step(p, next, key_of(p, next), depth);
  } else {
    fail_at(p, PROFILE_RETURN_WITHOUT_CALL, offset);
  }
}

/* The record point of kind `kind` (POINT_*) at `offset`, with its locs[] and checks[] entries,
 * reached with SP `sp` at depth `depth` (already folded). */
static void point(stack_profile *p, uint64_t offset, uint64_t sp, int64_t depth, int kind, int32_t loc,
                  int32_t check) {
  switch (kind) {
    case POINT_INSTR:
      close_open(p);
      open_step(p, loc, key_of(p, loc), depth);
      break;
    case POINT_PROLOGUE:
      prologue(p, sp, depth, check, loc);
      break;
    case POINT_RETURN:
      return_point(p, offset, sp, depth, loc);
      break;
  }
}

static void misaligned(stack_profile *p, uint64_t offset) { APPEND(p, p->misaligned, (double)offset); }

/* Runs the block at `start` byte by byte over [start, stop), SP `sp` at its start. */
static void walk(stack_profile *p, uint64_t start, uint64_t stop, uint64_t sp) {
  const profile_code *c = &p->code;
  int32_t base = c->rel[start];
  int64_t start_depth = depth_of(p, sp);
  for (uint64_t x = start; x < stop; x++) {
    if (c->rel[x] == PROFILE_NO_FRAME) {
      fail_at(p, PROFILE_NO_STACK_MAP, x);
      return;
    }
    int64_t below = (int64_t)c->rel[x] - base;
    int64_t depth = start_depth + below;
    uint64_t sp_here = sp - (uint64_t)below;
    fold(p, depth);
    uint8_t kind = c->kinds[x];
    if (kind & POINT_KIND_MASK) point(p, x, sp_here, depth, kind & POINT_KIND_MASK, c->locs[x], c->checks[x]);
    if ((kind & POINT_ALIGN) && (sp_here & 15)) misaligned(p, x);
  }
}

static uint64_t power(uint64_t base, uint64_t exponent) {
  uint64_t result = 1;
  for (; exponent; exponent >>= 1, base *= base) {
    if (exponent & 1) result *= base;
  }
  return result;
}

/* A summary being made: the deepest since the last instruction start, the key of that start and
 * the hash's parts so far. */
typedef struct {
  int64_t running;
  uint64_t key, a, b;
} summary_scan;

/* `opening` of scan_bytes when the record point at `from`, if any, opens no step of the summary. */
#define OPENS_NO_STEP INT32_MIN

/* Adds the bytes [from, to) to summary `s`, their rel raised by `shift` (a callee's bytes seen from
 * its caller's frame); a record point other than an instruction start is allowed at `from` only, where
 * it opens a step at location `opening` unless that is OPENS_NO_STEP (a return to a call the summary
 * made opens one). Returns 0, marking `s` walked, at a byte outside the stack map or out of the
 * summary's range. */
static int scan_bytes(const stack_profile *p, block_summary *s, summary_scan *scan, uint64_t from, uint64_t to,
                      int64_t shift, int32_t opening) {
  const profile_code *c = &p->code;
  for (uint64_t x = from; x < to; x++) {
    int64_t wide = (int64_t)c->rel[x] + shift;
    if (c->rel[x] == PROFILE_NO_FRAME || wide <= INT32_MIN || wide > INT32_MAX) {
      s->special |= SPECIAL_WALK;
      return 0;
    }
    int32_t rel = (int32_t)wide;
    if (rel > s->deepest) s->deepest = rel;
    if (rel > scan->running) scan->running = rel;
    uint8_t kind = c->kinds[x];
    if (kind & POINT_ALIGN) {
      uint32_t ok = 0;
      for (uint32_t r = 0; r < 16; r++) ok |= ((r - (uint64_t)(int64_t)rel) & 15) == 0 ? 1u << r : 0;
      s->align_ok &= ok;
    }
    int point_kind = kind & POINT_KIND_MASK;
    if (point_kind == POINT_NONE) continue;
    int32_t loc = c->locs[x];
    if (point_kind != POINT_INSTR) {
      if (x != from) s->special |= SPECIAL_WALK;
      if (x != from || opening == OPENS_NO_STEP) continue;
      loc = opening;
    }
    if (s->instrs == 0) {
      s->head = (int32_t)scan->running;
    } else {
      /* the step of the previous instruction start ends here, as deep as `running` */
      scan->a = hash_step(scan->a, scan->key, scan->running);
      scan->b = scan->b * BASE * BASE + 1;
    }
    s->instrs++;
    s->last_loc = loc;
    s->last_key = scan->key = key_of(p, loc);
    scan->running = rel;
  }
  return 1;
}

/* A depth the open step reaches within a summary being made (rel in its frame). */
static void scan_fold(block_summary *s, summary_scan *scan, int32_t rel) {
  if (rel > s->deepest) s->deepest = rel;
  if (rel > scan->running) scan->running = rel;
}

static void begin_summary(block_summary *s, summary_scan *scan) {
  s->align_ok = 0xffff;
  s->last_loc = -1;
  /* the summary has a byte in the tables, whose rel is not PROFILE_NO_FRAME (INT32_MIN) unless it is walked */
  s->head = s->deepest = INT32_MIN;
  scan->running = INT32_MIN;
  scan->key = scan->a = scan->b = 0;
}

static void end_summary(block_summary *s, const summary_scan *scan) {
  if (s->instrs == 0) s->head = (int32_t)scan->running;
  s->tail = (int32_t)scan->running;
  s->hash_a = scan->a;
  s->hash_b = scan->b;
  if (s->instrs) s->pow_d = power(BASE, 2 * (uint64_t)s->instrs - 2);
}

/* What the block [start, start + size) does, from the tables alone. */
__attribute__((noinline)) static block_summary summarize(const stack_profile *p, uint64_t start, uint32_t size) {
  const profile_code *c = &p->code;
  block_summary s = {0};
  s.size = size;
  s.start = start;
  s.end = start + size < c->size ? start + size : c->size;
  s.start_rel = c->rel[start];
  s.end_rel = start + size - 1 < c->size ? c->rel[start + size - 1] : PROFILE_NO_FRAME;
  s.start_kind = c->kinds[start] & POINT_KIND_MASK;
  s.start_loc = c->locs[start];
  s.start_check = c->checks[start];
  s.start_key = key_of(p, s.start_loc);
  s.special = s.start_kind == POINT_PROLOGUE || s.start_kind == POINT_RETURN ? SPECIAL_EVENT : 0;
  s.pair_state = PAIR_UNLEARNED;
  s.blocks = 1;
  summary_scan scan;
  begin_summary(&s, &scan);
  if (scan_bytes(p, &s, &scan, start, s.end, 0, OPENS_NO_STEP)) end_summary(&s, &scan);
  return s;
}

/* A block's entry in block_refs: its size (bits 0-31), its index + 1 in `summaries` (bits 32-62) and
 * whether it is special (bit 63): one load tells whether a block is known and common. */
#define REF_SIZE 0xffffffffull
#define REF_SPECIAL (1ull << 63)
#define REF_MAX_BLOCKS ((1ull << 31) - 2)

static uint64_t block_ref(uint64_t index, const block_summary *s) {
  return (uint64_t)s->size | (index + 1) << 32 | (s->special ? REF_SPECIAL : 0);
}

static inline const block_summary *summary_at(const stack_profile *p, uint64_t ref) {
  return &p->summaries[((ref & ~REF_SPECIAL) >> 32) - 1];
}

/* Appends `s` to the summaries, which stay line-aligned. Returns 0 without memory. */
static int append_summary(stack_profile *p, const block_summary *s) {
  if (p->summary_count == p->summaries_allocated) {
    uint64_t next = p->summaries_allocated ? p->summaries_allocated * 2 : 64;
    block_summary *grown = aligned_alloc(_Alignof(block_summary), next * sizeof *grown);
    if (!grown) return 0;
    if (p->summary_count) memcpy(grown, p->summaries, p->summary_count * sizeof *grown);
    free(p->summaries);
    p->summaries = grown;
    p->summaries_allocated = next;
  }
  p->summaries[p->summary_count++] = *s;
  return 1;
}

/* The summary of the block [start, start + size): the one known for `start`, or a new one in its place
 * when that one is of another size (a FAST and a PRECISE machine end blocks at different places),
 * or one that says to walk the block when no more can be kept. Invalidates the summaries given
 * before. */
__attribute__((noinline)) static const block_summary *new_summary(stack_profile *p, uint64_t start, uint32_t size) {
  uint64_t ref = p->block_refs[start];
  if (ref) {
    block_summary *known = (block_summary *)summary_at(p, ref);
    successor successors[SUCCESSORS];
    memcpy(successors, known->successors, sizeof successors);
    *known = summarize(p, start, size);
    for (int i = 0; i < SUCCESSORS; i++) known->successors[i].slot = successors[i].slot;
    p->block_refs[start] = block_ref((uint64_t)(known - p->summaries), known);
    return known;
  }
  block_summary s = summarize(p, start, size);
  uint64_t count = p->summary_count;
  if (count >= REF_MAX_BLOCKS || !append_summary(p, &s)) {
    if (count < REF_MAX_BLOCKS) p->error = PROFILE_OUT_OF_MEMORY;
    p->scratch = s;
    p->scratch.special |= SPECIAL_WALK;
    p->scratch.pair_state = PAIR_NONE;
    return &p->scratch;
  }
  p->block_summaries++;
  p->block_refs[start] = block_ref(count, &s);
  return &p->summaries[count];
}

static const block_summary *summary_of(stack_profile *p, uint64_t start, uint32_t size) {
  uint64_t ref = p->block_refs[start];
  return ref && (uint32_t)ref == size ? summary_at(p, ref) : new_summary(p, start, size);
}

/* ── pairs ─────────────────────────────────────────────────────────────────────────────── */

/* The most blocks a pair stands for: a pair may be extended by the block that follows it, up to this. */
enum { PAIR_MAX_BLOCKS = 16 };
/* A block is paired with the first block that follows it; other pairs are made only while there are
 * fewer summaries than PAIRS_AT_LEAST, or than PAIRS_PER_BLOCK per block summary: with two successors
 * each, their number could double with each block a pair stands for. */
enum { PAIRS_AT_LEAST = 4096, PAIRS_PER_BLOCK = 8 };

/* The shift of the frame summary `s` ends in: its rel there plus this is rel in its starting frame. */
static int64_t end_shift(const block_summary *s) { return s->calls ? s->call[s->calls - 1].shift : 0; }

/* How block `second`, which started right after summary `first`, is reached from it (PAIR_KIND_*):
 * PAIR_KIND_NONE when the two cannot be a pair. A return is one from the innermost call the pair
 * made (frame_of tells it from a branch by the rel there), which brings SP back to its caller's
 * frame. */
static int pair_kind(const stack_profile *p, const block_summary *first, const block_summary *second) {
  if (second->special == 0) return PAIR_KIND_FRAME;
  if (second->special != SPECIAL_EVENT) return PAIR_KIND_NONE;
  if (second->start_kind == POINT_PROLOGUE) {
    int call = second->start_loc < 0 && first->instrs > 0 && second->instrs > 0 && first->calls < PAIR_MAX_CALLS;
    return call ? PAIR_KIND_CALL : PAIR_KIND_NONE;
  }
  if (first->calls == 0 || first->end_rel == second->start_rel) return PAIR_KIND_NONE;
  int64_t caller_shift = first->calls > 1 ? first->call[first->calls - 2].shift : 0;
  int64_t back = (int64_t)first->call[first->calls - 1].entry_rel - p->return_address_bytes;
  return second->start_rel + caller_shift == back ? PAIR_KIND_RETURN : PAIR_KIND_NONE;
}

/* Summary `first`, just applied (a block, or a pair of fewer than PAIR_MAX_BLOCKS) with a successor
 * free, and block `second`, which started next (pair_kind): made into one summary (a pair), which
 * stands for both when `second` follows `first` again; otherwise `first` is extended no more. A pair
 * holds what both do from the tables, every rel seen from the pair's starting frame; its start fields
 * are the first's (its start event, if any, is applied as that block's would be), its end_rel the
 * second's (what frame_of needs once it is applied). Neither is walked, so frame_of tells the second's
 * frame from the first's whenever it follows. Invalidates the summaries given before; takes their
 * indices. */
static void make_pair(stack_profile *p, uint64_t first_index, uint64_t second_index) {
  block_summary *first = &p->summaries[first_index];
  const block_summary *second = &p->summaries[second_index];
  first->pair_state = PAIR_NONE;
  int which = 0; /* the first free successor: PAIR_UNLEARNED is set only while one is free */
  while (first->successors[which].size) which++;
  uint64_t budget = PAIRS_PER_BLOCK * p->block_summaries;
  int plain_pair = first->blocks == 1 && which == 0;
  if (!plain_pair && p->summary_count >= (budget > PAIRS_AT_LEAST ? budget : PAIRS_AT_LEAST)) return;
  int kind = pair_kind(p, first, second);
  /* a prologue that starts an instruction is never applied inline (apply_event): nor would its pair be */
  int inline_start = !(first->special & SPECIAL_EVENT) || first->start_kind != POINT_PROLOGUE || first->start_loc < 0;
  if (kind == PAIR_KIND_NONE || (first->special & SPECIAL_WALK) || !inline_start ||
      first->end_rel == PROFILE_NO_FRAME || second->start > UINT32_MAX) {
    return;
  }
  /* the pair goes on from where `first`'s summary ends: its steps, and the scan's state there */
  block_summary pair = *first;
  summary_scan scan = {first->tail, first->last_key, first->hash_a, first->hash_b};
  pair.blocks = (uint8_t)(first->blocks + 1);
  pair.pair_kind = (uint8_t)kind;
  pair.pair_state = pair.blocks < PAIR_MAX_BLOCKS ? PAIR_UNLEARNED : PAIR_NONE;
  memset(pair.successors, 0, sizeof pair.successors);
  pair.first = (uint32_t)first_index;
  pair.second_start = second->start;
  pair.second_size = second->size;
  pair.end_rel = second->end_rel;
  /* rel in the pair's starting frame is rel in the frame the second block runs in plus this */
  int64_t shift = end_shift(first);
  int32_t opening = OPENS_NO_STEP;
  if (kind == PAIR_KIND_CALL) {
    int64_t end_rel = (int64_t)first->end_rel + shift;
    int64_t entry_rel = end_rel + p->return_address_bytes;
    int64_t check_rel = end_rel + second->start_check;
    shift = entry_rel - second->start_rel;
    if (entry_rel <= INT32_MIN || entry_rel > INT32_MAX || shift <= INT32_MIN || shift > INT32_MAX || check_rel > INT32_MAX) return;
    pair.call[pair.calls++] = (pair_call){first->last_loc, (int32_t)entry_rel, (int32_t)shift, first->last_key};
    pair.special |= SPECIAL_CALL | SPECIAL_FLOOR;
    int32_t floor = -(int32_t)entry_rel;
    if (!(first->special & SPECIAL_FLOOR) || first->floor < floor) pair.floor = floor;
    /* the prologue's limit check: a depth the call's step reaches (its fold of depth 0 without a check is
     * void above the floor) */
    if (second->start_check >= 0) scan_fold(&pair, &scan, (int32_t)check_rel);
  } else if (kind == PAIR_KIND_RETURN) {
    /* return_point: the step after the return is the next instruction's, or the call's again */
    const pair_call *returned = &pair.call[--pair.calls];
    opening = second->start_loc >= 0 ? second->start_loc : returned->loc;
    shift = end_shift(&pair);
    if (pair.calls == 0) pair.special &= (uint8_t)~SPECIAL_CALL;
  }
  if (!scan_bytes(p, &pair, &scan, second->start, second->end, shift, opening)) return;
  end_summary(&pair, &scan);
  uint64_t slot = first->successors[which].slot;
  uint64_t second_start = second->start;
  uint32_t second_size = second->size;
  if (slot) {
    /* the slots of the pairs that extended the one there, for reuse */
    for (int i = 0; i < SUCCESSORS; i++) pair.successors[i].slot = p->summaries[slot - 1].successors[i].slot;
    p->summaries[slot - 1] = pair;
  } else {
    if (p->summary_count >= REF_MAX_BLOCKS || !append_summary(p, &pair)) return;
    slot = p->summary_count;
  }
  first = &p->summaries[first_index];
  first->successors[which] = (successor){(uint32_t)second_start, second_size, (uint32_t)slot};
  if (which + 1 < SUCCESSORS) first->pair_state = PAIR_UNLEARNED;
}

/* make_pair, then `second` is the pending block again. */
__attribute__((noinline)) static void learn_pair(stack_profile *p, uint64_t first_index, uint64_t second_index) {
  make_pair(p, first_index, second_index);
  p->pending = &p->summaries[second_index];
}

/* The hash after block `s`, in a frame at depth `frame_depth`, closes the open step at `depth`. */
static inline uint64_t hash_closing(const stack_profile *p, const block_summary *s, int64_t depth,
                                    int64_t frame_depth) {
  return hash_step(p->hash, p->open_key, depth) * s->pow_d + s->hash_a + (uint64_t)frame_depth * s->hash_b;
}

/* The last instruction start of block `s`, in a frame at depth `frame_depth`, opens the step that
 * stays open after it. */
static inline void open_last_step(stack_profile *p, const block_summary *s, int64_t frame_depth) {
  p->open_loc = s->last_loc;
  p->open_key = s->last_key;
  p->open_depth = frame_depth + s->tail;
  p->open_height = p->frames.count;
}

/* The steps of block `s` after its start event, in a frame at depth `frame_depth`, when they can
 * neither deepen the running maximum nor misalign SP, and the open step they close (if any) is a step
 * no deeper than the maximum (plain_steps): a few multiplications, and no call. */
__attribute__((always_inline)) static inline void apply_plain_steps(stack_profile *p, const block_summary *s,
                                                                    int64_t frame_depth) {
  int64_t head = frame_depth + s->head;
  if (s->instrs == 0) {
    fold(p, head);
    return;
  }
  int64_t depth = p->open_depth > head ? p->open_depth : head; /* of the open step, which the block closes */
  p->hash = hash_closing(p, s, depth, frame_depth);
  p->steps += s->instrs;
  open_last_step(p, s, frame_depth);
}

/* Whether the steps of block `s`, which fits, close the open step plainly (apply_plain_steps). */
static inline int plain_steps(const stack_profile *p, const block_summary *s) {
  return s->instrs == 0 || (p->open == OPEN_STEP && p->open_depth <= p->max_depth);
}

/* Applies the steps of block `s`, which fits, in the running frame, when they close the open step
 * plainly. Returns 0, having changed nothing, otherwise. */
__attribute__((always_inline)) static inline int apply_common(stack_profile *p, const block_summary *s) {
  if (!plain_steps(p, s)) return 0;
  apply_plain_steps(p, s, running_frame_depth(p));
  return 1;
}

/* The steps of block `s`, which fits, after its start event, in a frame at depth `frame_depth`: when
 * the open step's closing is not plain, it is closed by the rules (the block's head, within the
 * maximum as the block fits, folded in first), then the rest of the block. */
static void apply_steps(stack_profile *p, const block_summary *s, int64_t frame_depth) {
  if (plain_steps(p, s)) {
    apply_plain_steps(p, s, frame_depth);
    return;
  }
  fold(p, frame_depth + s->head);
  close_open(p);
  p->open = OPEN_STEP;
  p->hash = p->hash * s->pow_d + s->hash_a + (uint64_t)frame_depth * s->hash_b;
  p->steps += s->instrs - 1;
  open_last_step(p, s, frame_depth);
}

/* Whether block `s`, run whole in the current frame, can neither deepen the running maximum nor
 * misalign SP. */
static inline int fits(const stack_profile *p, const block_summary *s) {
  return (running_frame_depth(p) + s->deepest <= p->max_depth) & ((s->align_ok >> (p->frame_reference & 15)) & 1);
}

static const block_summary *split_pair(stack_profile *p, const block_summary *pair);

/* Applies block `s`, which ran whole: walked byte by byte when it may deepen the running maximum or
 * misalign SP, its start event taken by the rules when it has one, then its steps; a pair block by
 * block. */
__attribute__((noinline)) static void apply_block(stack_profile *p, const block_summary *s) {
  if (s->pair_kind != PAIR_KIND_NONE) s = split_pair(p, s);
  int64_t frame_depth = running_frame_depth(p);
  uint64_t sp = p->frame_reference - (uint64_t)(int64_t)s->start_rel;
  if ((s->special & SPECIAL_WALK) || !fits(p, s)) {
    walk(p, s->start, s->end, sp);
    return;
  }
  if (s->special & SPECIAL_EVENT) {
    int64_t start_depth = frame_depth + s->start_rel;
    fold(p, start_depth);
    if (s->start_kind == POINT_PROLOGUE) prologue(p, sp, start_depth, s->start_check, s->start_loc);
    else return_point(p, s->start, sp, start_depth, s->start_loc);
  }
  apply_steps(p, s, frame_depth);
}

/* Applies a block that fits and starts with an event, in the common cases of the rules (prologue and
 * return_point): a prologue with no instruction at its start, called from a step, with room for the
 * frame; a return from the innermost call, closing a step that sets no new maximum. Returns 0,
 * having changed nothing the rules would not do again, in any other case. */
__attribute__((always_inline)) static inline int apply_event(stack_profile *p, const block_summary *s) {
  int64_t frame_depth = running_frame_depth(p);
  int64_t start_depth = frame_depth + s->start_rel;
  uint64_t sp = p->frame_reference - (uint64_t)(int64_t)s->start_rel;
  uint64_t height = p->frames.count;
  if (p->open != OPEN_STEP) return 0;
  fold(p, start_depth);
  if (s->start_kind == POINT_PROLOGUE) {
    if (s->start_loc >= 0 || height == p->frames.allocated) return 0;
    fold(p, s->start_check < 0 ? 0 : depth_of(p, sp + p->return_address_bytes) + s->start_check);
    if (!plain_steps(p, s)) return 0;
    call_frame frame = {p->open_loc, p->open_key, sp, -1};
    p->frames.items[height] = frame;
    p->frames.count = height + 1;
  } else {
    if (height == 0) return 0;
    const call_frame *call = &p->frames.items[height - 1];
    if (p->open_depth > p->max_depth || sp < call->callee_sp) return 0;
    p->steps++;
    p->hash = hash_step(p->hash, p->open_key, p->open_depth);
    int next = s->start_loc >= 0;
    p->open_loc = next ? s->start_loc : call->loc;
    p->open_key = next ? s->start_key : call->key;
    p->open_depth = start_depth;
    p->open_height = height - 1;
    p->frames.count = height - 1;
  }
  apply_plain_steps(p, s, frame_depth); /* after a return, the open step is the return's, which fits */
  return 1;
}

/* Where the frame of block `s` begins (SP there plus its `rel`), when the stack map tells it: `s`
 * follows a block whose start and last byte have `last_start_rel` and `last_end_rel` in the same
 * run. A block is reached by a branch within the frame (the frame stays), or begins one: a function
 * entry is reached by the call that ends the block before (SP: the caller's there, less the return
 * address); a return address either by a branch within its function, which arrives in the state of
 * the branch (the stack map is the same on both sides), or by a return, which leaves the callee in
 * its entry state with SP back where the callee began, plus the return address it pops (the two
 * never look alike: a call site holds a frame record below the entry state). Called once the block
 * before is applied: the frame a return leaves is then on top. Returns 0 where only the machine can
 * tell (a run's first block, code outside the stack map, a return whose call is unknown). */
static inline int frame_of(const stack_profile *p, const block_summary *s, int32_t last_start_rel,
                           int32_t last_end_rel, uint64_t *reference) {
  int32_t rel = s->start_rel;
  if (last_start_rel == PROFILE_NO_FRAME || rel == PROFILE_NO_FRAME) return 0;
  uint64_t sp;
  if (s->start_kind == POINT_PROLOGUE) {
    if (last_end_rel == PROFILE_NO_FRAME) return 0;
    sp = p->frame_reference - (uint64_t)(int64_t)last_end_rel - p->return_address_bytes;
  } else if (s->start_kind == POINT_RETURN && last_end_rel != rel) {
    if (last_end_rel == PROFILE_NO_FRAME || p->frames.count == 0) return 0;
    sp = p->frames.items[p->frames.count - 1].callee_sp + p->return_address_bytes;
  } else {
    *reference = p->frame_reference;
    return 1;
  }
  *reference = sp + (uint64_t)(int64_t)rel;
  return 1;
}

/* Applies the first of pair `pair` (apply_block) and sets the frame of its second block, which it
 * returns (the pending block stays as it is). Invalidates the summaries given before. */
__attribute__((noinline)) static const block_summary *split_pair(stack_profile *p, const block_summary *pair) {
  const block_summary *first = &p->summaries[pair->first];
  uint64_t second_start = pair->second_start;
  uint32_t second_size = pair->second_size;
  int32_t first_start_rel = first->start_rel, first_end_rel = first->end_rel;
  apply_block(p, first);
  const block_summary *second = summary_of(p, second_start, second_size);
  uint64_t reference = p->frame_reference;
  /* tells: pairs are made of blocks in the stack map, the second begun in the first's frame or by a call */
  frame_of(p, second, first_start_rel, first_end_rel, &reference);
  p->frame_reference = reference;
  return second;
}

/* The block at `offset` starts, after a block with `last_start_rel` and `last_end_rel` (frame_of;
 * PROFILE_NO_FRAME: none in this run) was applied. SP is read from the machine only where frame_of
 * cannot tell it. */
__attribute__((noinline)) static void start_block(stack_profile *p, int32_t last_start_rel, int32_t last_end_rel,
                                                  uint64_t offset, uint32_t size, sp_reader read, void *context) {
  if (offset >= p->code_size) {
    p->pending = NULL;
    return;
  }
  const block_summary *s = summary_of(p, offset, size);
  p->pending = s;
  uint64_t reference;
  if (!frame_of(p, s, last_start_rel, last_end_rel, &reference)) {
    reference = read(context) + (uint64_t)(int64_t)s->start_rel;
  }
  p->frame_reference = reference;
}

/* Applies block `last` by the rules, then starts the block at `offset`. */
__attribute__((noinline)) static void apply_by_rules(stack_profile *p, const block_summary *last, uint64_t offset,
                                                     uint32_t size, sp_reader read, void *context) {
  int32_t last_start_rel = last->start_rel, last_end_rel = last->end_rel; /* a pair's are its second block's */
  apply_block(p, last);
  start_block(p, last_start_rel, last_end_rel, offset, size, read, context);
}

/* Applies pair `s`, which makes calls it does not return from, when it fits and is above its floor,
 * in the common cases of the rules (apply_event for its start event, if any; prologue): room for its
 * frames and one more. Returns 0, having changed nothing the rules would not do again, in any other
 * case. */
__attribute__((always_inline)) static inline int apply_call(stack_profile *p, const block_summary *s) {
  uint64_t reference = p->frame_reference;
  if (p->frames.count + s->calls + 1 > p->frames.allocated) return 0;
  int applied = (s->special & SPECIAL_EVENT) ? apply_event(p, s) : apply_common(p, s);
  if (!applied) return 0;
  uint64_t height = p->frames.count;
  for (uint32_t i = 0; i < s->calls; i++) {
    const pair_call *call = &s->call[i];
    p->frames.items[height + i] = (call_frame){call->loc, call->key, reference - (uint64_t)(int64_t)call->entry_rel, -1};
  }
  p->frames.count = p->open_height = height + s->calls;
  p->frame_reference = reference - (uint64_t)end_shift(s);
  return 1;
}

/* Applies block `s`, which ran whole, when it is a common block or starts with a common event.
 * Returns 0 when it is left to the rules (apply_block). */
__attribute__((always_inline)) static inline int apply_inline(stack_profile *p, const block_summary *s) {
  int fit = fits(p, s);
  if (__builtin_expect(fit && !s->special, 1)) return apply_common(p, s);
  if (!fit) return 0;
  uint8_t special = s->special;
  if (special & SPECIAL_FLOOR) {
    if (running_frame_depth(p) < s->floor) return 0;
    special &= (uint8_t)~SPECIAL_FLOOR;
  }
  if (special == 0) return apply_common(p, s);
  if (special & SPECIAL_CALL) return apply_call(p, s);
  return special == SPECIAL_EVENT && apply_event(p, s);
}

/* The block at `offset` starts after block `last`, which ran whole and is not paired with it. The
 * common cases (`last` common or a common event or call, this block known and reached in its frame or
 * by a call or return) inline; the rest in start_block and apply_by_rules. */
__attribute__((noinline)) static void next_block(stack_profile *p, const block_summary *last, uint64_t offset,
                                                 uint32_t size, sp_reader read, void *context) {
  if (__builtin_expect(!apply_inline(p, last), 0)) {
    apply_by_rules(p, last, offset, size, read, context);
    return;
  }
  uint64_t ref = offset < p->code_size ? p->block_refs[offset] : 0;
  if (__builtin_expect(ref != 0 && (uint32_t)ref == size, 1)) {
    const block_summary *s = summary_at(p, ref);
    /* `last`, applied inline, is not walked: its start is in the stack map */
    if (__builtin_expect(!(ref & REF_SPECIAL), 1)) {
      p->pending = s; /* the frame stays */
    } else {
      uint64_t reference;
      if (!frame_of(p, s, last->start_rel, last->end_rel, &reference)) {
        start_block(p, last->start_rel, last->end_rel, offset, size, read, context);
        return;
      }
      p->pending = s;
      p->frame_reference = reference;
    }
    if (__builtin_expect(last->pair_state == PAIR_UNLEARNED, 0)) {
      learn_pair(p, (uint64_t)(last - p->summaries), (uint64_t)(s - p->summaries));
    }
    return;
  }
  start_block(p, last->start_rel, last->end_rel, offset, size, read, context);
}

/* The block at `offset` starts: the one before it ran whole. When it is the block paired with that
 * one, the pair is pending (nothing else to do: its own entry is saved); otherwise next_block. */
void profile_block(stack_profile *p, uint64_t offset, uint32_t size, sp_reader read, void *context) {
  const block_summary *last = p->pending;
  if (__builtin_expect(last == NULL, 0)) {
    if (p->active) start_block(p, PROFILE_NO_FRAME, PROFILE_NO_FRAME, offset, size, read, context);
    return;
  }
  for (int i = 0; i < SUCCESSORS; i++) {
    const successor *next = &last->successors[i];
    if (next->size == size && next->start == offset) {
      p->pending = &p->summaries[next->slot - 1];
      return;
    }
  }
  next_block(p, last, offset, size, read, context);
}

void profile_run_end(stack_profile *p, uint64_t stop, int at_stop, sp_reader read, void *context) {
  if (!p->active) return;
  const block_summary *last = p->pending;
  p->pending = NULL;
  if (last) {
    if (last->pair_kind != PAIR_KIND_NONE) last = split_pair(p, last);
    /* A stop inside the last block: only its bytes before the stop ran (and the stop's own start). */
    if (stop >= last->start && stop < last->start + last->size && stop < p->code_size) {
      walk(p, last->start, at_stop ? stop + 1 : stop, p->frame_reference - (uint64_t)(int64_t)last->start_rel);
    } else if (!apply_inline(p, last)) {
      apply_block(p, last);
    }
  }
  fold(p, depth_of(p, read(context)));
}

void profile_host_call(stack_profile *p, uint64_t sp, uint64_t deepest_sp) {
  int64_t depth = depth_of(p, sp);
  fold(p, depth);
  prologue(p, sp, depth, -1, -1);
  fold(p, depth_of(p, deepest_sp));
}

void profile_finish(stack_profile *p, double *summary) {
  close_open(p);
  p->active = 0;
  p->pending = NULL;
  uint64_t hash = (uint64_t)p->entry_depth * power(BASE, 2 * p->steps) + p->hash;
  summary[PS_STEPS] = (double)p->steps;
  summary[PS_ENTRY_DEPTH] = (double)p->entry_depth;
  summary[PS_MAX_DEPTH] = (double)p->max_depth;
  summary[PS_LAST_DEPTH] = (double)(p->steps ? p->last_depth : p->entry_depth);
  summary[PS_HASH_HIGH] = (double)(hash >> 32);
  summary[PS_HASH_LOW] = (double)(hash & 0xffffffffu);
  summary[PS_CHANGES] = (double)p->changes.count;
  summary[PS_NODES] = (double)p->nodes.count;
  summary[PS_MISALIGNED] = (double)p->misaligned.count;
  summary[PS_ERROR] = p->error;
  summary[PS_ERROR_OFFSET] = (double)p->error_offset;
}

void profile_copy_changes(const stack_profile *p, double *out) {
  memcpy(out, p->changes.items, p->changes.count * sizeof *p->changes.items);
}

void profile_copy_nodes(const stack_profile *p, double *out) {
  memcpy(out, p->nodes.items, p->nodes.count * sizeof *p->nodes.items);
}

void profile_copy_misaligned(const stack_profile *p, double *out) {
  memcpy(out, p->misaligned.items, p->misaligned.count * sizeof *p->misaligned.items);
}
