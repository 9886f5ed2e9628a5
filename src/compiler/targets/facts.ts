// Every target's ISA facts by target: the facts half of the dispatch. `lookup(target)` (index.ts)
// hands them out with the backend; they live apart from index.ts because abi.ts derives the ABI
// constants from them and every backend imports abi.ts, so index.ts cannot be imported from there.
import type { IsaFacts } from "../isa.js";
import type { Target } from "../target.js";
import { ISA as AARCH64 } from "./aarch64/isa.js";
import { ISA as X64 } from "./x64/isa.js";

export const ISA_FACTS: Readonly<Record<Target, IsaFacts>> = { x64: X64, aarch64: AARCH64 };
