/** The compiler's public API: compile a validated module for one target and strategy. */
export { ABI, type AbiConstants } from "./abi.js";
export {
  type Artifact,
  type DataSegmentImage,
  type ElementSegmentImage,
  EXIT_SLOT_BYTES,
  type Exits,
  type GlobalSlot,
  globalOffset,
  type ImportedFunction,
  type ImportName,
  type InitialValue,
  type MemoryImage,
  type SourceMapEntry,
  type StackMapEntry,
  sourceAt,
  TABLE_ENTRY,
  TABLE_ENTRY_BYTES,
  TABLE_FIELD,
  type TableImage,
  type TrapSite,
  typeId,
  unwindAt,
  VMCTX,
  type VmContextLayout,
  WASM_PAGE_BYTES,
} from "./artifact.js";
export { type CompileOptions, compileModule, type Layout } from "./compile.js";
export { CompilerInvariantError, UnsupportedOperator } from "./errors.js";
export {
  FramePlan,
  type FunctionShape,
  functionShape,
  type HostCallLayout,
  hostCallLayout,
  planFrame,
} from "./frame.js";
export type { UnwindRecord } from "./masm.js";
export { STRATEGIES, type Strategy, TARGETS, type Target } from "./target.js";
