// A module as the invocation checks see it: compiled for every target, with a runner per target.
import type { HostSettings } from "../../emulators/hosts/instance-hosts.js";
import type { Runner } from "../../emulators/runtime/runner.js";
import type { Artifact } from "../compiler/artifact.js";
import type { Target } from "../compiler/target.js";
import type { Certificate } from "../logical/certificate.js";
import type { OriginalTerms } from "../logical/terms.js";
import type { RunView } from "../verify/dynamic.js";
import type { ValidatedModule } from "../wasm/ir.js";
import type { CheckOptions } from "./model.js";

export interface ModuleUnderCheck {
  /** What runs: the module, or under `logical` the instrumented module. */
  readonly validated: ValidatedModule;
  readonly bytes: Uint8Array;
  /** One per target, in the options' order. */
  readonly artifacts: readonly Artifact[];
  readonly runners: ReadonlyMap<Target, Runner>;
  readonly options: CheckOptions;
  /** The hosts every instance of the module is bound to (fresh ones each time). */
  readonly hosts: HostSettings;
  readonly limits: readonly number[];
  readonly recordingLimit: number;
  /** Under `logical`: runs told in the original module's terms, one view per artifact. */
  readonly logical: {
    readonly terms: OriginalTerms;
    readonly certificate: Certificate;
    readonly views: readonly RunView[];
  } | null;
}
