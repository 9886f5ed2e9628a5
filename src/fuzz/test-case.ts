// A generated case (description → module → validated), or one read back from a regression: the
// module, its entry invocation and what to compare after it.
import type { Invocation } from "../verify/dynamic.js";
import { decodeModule, encodeModule, type ValidatedModule, validateModule } from "../wasm/index.js";
import type { ProgramDesc } from "./generators/description.js";
import { lowerProgram } from "./generators/lower.js";

/** A module and how to run it: generated, or read back from a regression. */
export interface TestCase {
  readonly bytes: Uint8Array;
  readonly validated: ValidatedModule;
  readonly entry: Invocation;
  /** Export names of the globals to compare after the run. */
  readonly globals: readonly string[];
  /** Whether NaN bits may surface in integers (description.ts): then never compared with V8. */
  readonly nanBitsVisible: boolean;
}

export function caseOf(desc: ProgramDesc): TestCase {
  const { module, entry, globals, nanBitsVisible } = lowerProgram(desc);
  const bytes = encodeModule(module);
  return { bytes, validated: validateModule(decodeModule(bytes)), entry, globals, nanBitsVisible };
}
