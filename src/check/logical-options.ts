// The `logical` strategy's options under `check`, and their defaults: Polkadot's logical limit and the
// reference's cost model, checked against a 1 MiB native stack.
import { DEFAULT_LIMITER_OPTIONS } from "../logical/limited.js";
import type { CheckOptions, LogicalCheckOptions } from "./model.js";

/** The native stack the logical limit must trip within when neither the options nor a sidecar say. */
export const DEFAULT_LOGICAL_STACK_LIMIT = 1024 * 1024;

export function logicalOptionsOf(options: CheckOptions): LogicalCheckOptions {
  return options.logical ?? { ...DEFAULT_LIMITER_OPTIONS, stackLimit: DEFAULT_LOGICAL_STACK_LIMIT };
}
