// The stack-height limiter: a Wasm-to-Wasm pass compatible with Polkadot's (README.md beside this file).
export { ACTIVATION_FRAME_COST, stackCosts } from "./cost.js";
export { BadLogicalLimit, LimiterRejects, MAX_LOGICAL_LIMIT } from "./errors.js";
export {
  type Instrumentation,
  instrument,
  type LimiterOptions,
  POLKADOT_LOGICAL_LIMIT,
} from "./instrument.js";
export type {
  EntryPoint,
  InstructionOrigin,
  LimiterPart,
  OriginMap,
  Part,
  Thunk,
  ThunkPart,
} from "./origins.js";
