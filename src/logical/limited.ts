// A module under the `logical` strategy: the limiter's output (src/instrument), encoded and decoded
// again so that the code every executor runs is a real module with its own byte offsets, together
// with what it takes to report its runs in the original module's terms (terms.ts).
import type { LoadedModule } from "../../emulators/executor.js";
import {
  type Instrumentation,
  instrument,
  type LimiterOptions,
  POLKADOT_LOGICAL_LIMIT,
} from "../instrument/index.js";
import { featureSet, WASM_2_0 } from "../wasm/features.js";
import {
  decodeModule,
  encodeModule,
  InternalError,
  type ValidatedModule,
  validateModule,
} from "../wasm/index.js";
import { OriginalTerms } from "./terms.js";

/** The limiter's options as the commands take them: Polkadot's limit and the reference's model by default. */
export const DEFAULT_LIMITER_OPTIONS: Required<LimiterOptions> = {
  limit: POLKADOT_LOGICAL_LIMIT,
  countParams: false,
  thunkZeroCost: false,
};

export interface LimitedModule {
  /** The module as the user wrote it: locations are reported in its terms. */
  readonly original: ValidatedModule;
  /** What runs, on every target and on V8. */
  readonly instrumented: LoadedModule;
  readonly instrumentation: Instrumentation;
  readonly terms: OriginalTerms;
}

/** `original` with the logical stack limiter added (LimiterRejects when the reference would refuse it). */
export function limitModule(original: ValidatedModule, options: LimiterOptions): LimitedModule {
  const instrumentation = instrument(original, options);
  const bytes = encodeModule(instrumentation.module);
  // The limiter adds no feature: its output is read under 2.0 and whatever else the original uses
  // (e.g. extended constant expressions under lime1).
  const features = featureSet([...WASM_2_0, ...original.features.map((use) => use.feature)]);
  let validated: LoadedModule["validated"];
  try {
    validated = validateModule(decodeModule(bytes, features), features);
  } catch (error) {
    throw new InternalError(`the limiter's output does not validate: ${(error as Error).message}`);
  }
  return {
    original,
    instrumented: { bytes, validated },
    instrumentation,
    terms: new OriginalTerms(original, validated, instrumentation),
  };
}

/**
 * Limited modules made once per loaded module and limiter options, so that the instrumented module
 * keeps its identity (executors compile a module once per identity).
 */
export class LimitedModules {
  private readonly made = new WeakMap<LoadedModule, Map<string, LimitedModule>>();

  of(loaded: LoadedModule, options: LimiterOptions): LimitedModule {
    const byOptions = this.made.get(loaded) ?? new Map<string, LimitedModule>();
    this.made.set(loaded, byOptions);
    const key = `${options.limit}/${options.countParams ?? false}/${options.thunkZeroCost ?? false}`;
    let limited = byOptions.get(key);
    if (limited === undefined) {
      limited = limitModule(loaded.validated, options);
      byOptions.set(key, limited);
    }
    return limited;
  }
}
