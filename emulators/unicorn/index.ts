/** The Unicorn harness: engines per target, their pool, run results and errors. */

export * from "../errors.js";
export {
  type AddressHook,
  createEngine,
  type Engine,
  type EngineOptions,
  type Protection,
  type Region,
  type RegisterName,
  type RunOptions,
} from "./engine.js";
export { EnginePool, type EnginePoolOptions } from "./engine-pool.js";
export { isaRegisterName, type NeutralRegister } from "./isa.js";
export type { AlignmentViolation, MemoryAccess, RunResult, StopReason } from "./run-result.js";
export { StackRecords } from "./run-result.js";
