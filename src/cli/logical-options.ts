// The `logical` strategy's options, the same on every command that takes a strategy: the logical
// limit and the limiter's two opt-in fixes. They mean nothing under the other strategies.
import { type Command, InvalidArgumentError } from "commander";
import { type LimiterOptions, MAX_LOGICAL_LIMIT, POLKADOT_LOGICAL_LIMIT } from "../instrument/index.js";

export interface LogicalFlags {
  readonly logicalLimit: number;
  readonly countParams?: boolean;
  readonly thunkZeroCost?: boolean;
}

export function withLogicalOptions(command: Command): Command {
  return command
    .option(
      "--logical-limit <n>",
      `logical: the logical stack limit, 1 to ${MAX_LOGICAL_LIMIT}`,
      parseLogicalLimit,
      POLKADOT_LOGICAL_LIMIT,
    )
    .option(
      "--count-params",
      "logical: count each function's parameters in its cost (the reference does not)",
    )
    .option(
      "--thunk-zero-cost",
      "logical: give imports that are exported, in a table or the start function a thunk that counts them",
    );
}

export function parseLogicalLimit(text: string): number {
  const value = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_LOGICAL_LIMIT) {
    throw new InvalidArgumentError(`expected an integer from 1 to ${MAX_LOGICAL_LIMIT}`);
  }
  return value;
}

export function limiterOptionsOf(flags: LogicalFlags): Required<LimiterOptions> {
  return {
    limit: flags.logicalLimit,
    countParams: flags.countParams ?? false,
    thunkZeroCost: flags.thunkZeroCost ?? false,
  };
}
