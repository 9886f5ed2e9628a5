/* The stack profile of an invocation, built while it runs, one translation block at a time.
 *
 * A profile has one step per executed Wasm instruction, each with its location and the deepest
 * depth (bytes below the reference SP) reached while it ran; it is kept compact: the step count,
 * the running-maximum changes (with backtraces), the depth of the entry call and a hash of the
 * whole sequence. The rules that make steps out of record points (instruction starts, prologues,
 * return addresses, host calls) are those of the JS tracer over the per-instruction recorder
 * (src/verify/trace.ts), which stays as the reference and the source of full sequences.
 *
 * SP is read from the machine at a run's first block only. From there the profile follows it
 * through the code's stack map (`rel`: bytes SP is below its function's reference at each code
 * offset, which the compiler maintains and the static verifier derives independently from the
 * machine code): within a frame, SP is the frame's reference less `rel`; a call sets the callee's
 * reference from the caller's SP at the call, a return restores the caller's. Record points other
 * than instruction starts (prologues, return addresses) only begin blocks (they are reached by calls
 * and returns, which end blocks); one that does not is handled by walking its block byte by byte, as
 * are blocks that may deepen the running maximum, misalign SP, or end a run early. A block and the
 * block that followed it when first seen (in its frame, or the prologue of the call it ends) are
 * summarized together too (a pair), and applied as one whenever that block follows again. A pair is
 * extended the same way by the blocks that follow it (the first two seen: a branch's two ways), in
 * its frame, as the callee of a call, or by the return from one of its calls, up to 16 blocks and 4
 * calls deep, within a budget of summaries per block. The recorder,
 * which reads SP at every instruction, is the reference this is tested against.
 */
#ifndef SAMESTACK_PROFILE_H
#define SAMESTACK_PROFILE_H

#include <stdint.h>

/* Kinds of the byte at a code offset (low bits), and the alignment-check bit. */
enum { POINT_NONE, POINT_INSTR, POINT_PROLOGUE, POINT_RETURN, POINT_KIND_MASK = 3, POINT_ALIGN = 4 };
/* `rel` of bytes outside every function. */
#define PROFILE_NO_FRAME INT32_MIN

typedef struct stack_profile stack_profile;

/* The helper's own: called within the library, never through its exported symbols. */
#pragma GCC visibility push(hidden)

/* The code's tables, one entry per code offset [0, size):
 *   rel[o]    bytes SP is below its function's reference there (PROFILE_NO_FRAME outside functions);
 *   kinds[o]  POINT_* | POINT_ALIGN (SP must be 16-byte aligned where an instruction starts there);
 *   locs[o]   the location id of the Wasm instruction a point starts (an instruction start; a prologue
 *             whose function's first instruction starts at the same offset; a return address where
 *             the next instruction starts), or -1;
 *   checks[o] for a prologue, the bytes below the callee's reference its limit check demands, or -1.
 * keys[id]: a location's hash key (funcIndex * 2^32 + instrIndex). */
typedef struct {
  uint64_t size;
  const int32_t *rel;
  const uint8_t *kinds;
  const int32_t *locs;
  const int32_t *checks;
  const uint64_t *keys;
  uint64_t key_count;
  uint32_t return_address_bytes; /* pushed by a call (x86-64: 8; AArch64: 0, the link register) */
} profile_code;

/* Layout of the summary written by profile_finish; mirrored in emulators/native/bindings.ts. */
enum {
  PS_STEPS,
  PS_ENTRY_DEPTH,
  PS_MAX_DEPTH,
  PS_LAST_DEPTH,
  PS_HASH_HIGH,
  PS_HASH_LOW,
  PS_CHANGES,
  PS_NODES,
  PS_MISALIGNED,
  PS_ERROR,
  PS_ERROR_OFFSET,
  PS_COUNT
};
/* PS_ERROR values. */
enum { PROFILE_OK, PROFILE_RETURN_WITHOUT_CALL, PROFILE_NO_STACK_MAP, PROFILE_OUT_OF_MEMORY };

stack_profile *profile_open(void);
void profile_close(stack_profile *p);
/* Copies the tables; forgets every block. Returns 0, or -1 without memory (the profile is then empty). */
int profile_set_code(stack_profile *p, const profile_code *code);
/* Forgets what is known of the blocks starting in [from, to). */
void profile_forget(stack_profile *p, uint64_t from, uint64_t to);

/* Starts a profile: reference SP `reference`; active until profile_finish. */
void profile_start(stack_profile *p, uint64_t reference);
/* Reads SP from the machine. */
typedef uint64_t (*sp_reader)(void *context);
/* The block at code offset `offset` is about to run (nothing happens unless a profile is active).
 * SP is read with `read` only where the profile cannot tell it from the frame's reference and the
 * stack map (profile.c, profile_block). */
void profile_block(stack_profile *p, uint64_t offset, uint32_t size, sp_reader read, void *context);
/* The run stopped before the instruction at code offset `stop` (an exit, the fuel), or at it
 * (`at_stop`: a fault or an exception, the instruction's record point and SP counted); SP is read
 * with `read`. Nothing happens unless a profile is active. */
void profile_run_end(stack_profile *p, uint64_t stop, int at_stop, sp_reader read, void *context);
/* A call that left for the host at SP `sp`; its callee is deemed to reach `deepest_sp`. */
void profile_host_call(stack_profile *p, uint64_t sp, uint64_t deepest_sp);
/* Ends the profile and writes its summary (PS_*); the changes and nodes stay readable until the next start. */
void profile_finish(stack_profile *p, double *summary);
/* Running-maximum changes, 4 doubles each: step index (-1: the entry call), depth, location id (-1:
 * none), node of the innermost caller (-1: none). */
void profile_copy_changes(const stack_profile *p, double *out);
/* Backtrace nodes, 2 doubles each: the caller's location id, the node of its own caller (-1: none). */
void profile_copy_nodes(const stack_profile *p, double *out);
/* Code offsets where SP was misaligned at an instruction start. */
void profile_copy_misaligned(const stack_profile *p, double *out);

#pragma GCC visibility pop

#endif
