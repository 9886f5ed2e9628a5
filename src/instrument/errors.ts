// The limiter's errors. Bad options and modules the reference model refuses are the input's fault
// (InputError, exit 2); a broken invariant of the pass itself is an InternalError from the front end.
import { InputError } from "../wasm/errors.js";

/** The logical stack limit is not an integer the limiter's i32 comparison can hold. */
export class BadLogicalLimit extends InputError {
  constructor(limit: number) {
    super(`logical stack limit ${limit} is not an integer from 0 to ${MAX_LOGICAL_LIMIT}`);
  }
}

/** The largest logical limit: the check compares the height as an unsigned 32-bit integer. */
export const MAX_LOGICAL_LIMIT = 0xffff_ffff;

/**
 * The reference limiter refuses this module, so Polkadot would not run it: costing a function failed
 * where the reference's own costing fails (its operand count dropping below zero in unreachable code,
 * or a cost beyond 32 bits).
 */
export class LimiterRejects extends InputError {
  readonly funcIndex: number;

  constructor(reason: string, funcIndex: number, instrIndex: number | null) {
    const where = instrIndex === null ? "" : ` at instruction ${instrIndex}`;
    super(`the reference stack limiter rejects function ${funcIndex}${where}: ${reason}`);
    this.funcIndex = funcIndex;
  }
}
