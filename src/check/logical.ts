// The `logical` strategy under `check`: its options and their defaults (Polkadot's logical limit and
// the reference's cost model, checked against a 1 MiB native stack), and the module's certificate
// with the gate: a native overflow must not be able to come before the logical one at the native
// stack checked (the option's, or the sidecar's `stackLimit`).
import { MAX_STACK_LIMIT } from "../../emulators/runtime/layout.js";
import { certifiedStack, certify } from "../logical/certificate.js";
import { DEFAULT_LIMITER_OPTIONS, type LimitedModule } from "../logical/limited.js";
import { logicalView } from "../logical/view.js";
import type { StaticReport } from "../verify/static.js";
import type { ValidatedModule } from "../wasm/ir.js";
import type { CheckOptions, LogicalCheckOptions, LogicalModuleResult, UnplacedFinding } from "./model.js";
import type { ModuleUnderCheck } from "./under-check.js";

/** The native stack the logical limit must trip within when neither the options nor a sidecar say. */
export const DEFAULT_LOGICAL_STACK_LIMIT = 1024 * 1024;

export function logicalOptionsOf(options: CheckOptions): LogicalCheckOptions {
  return options.logical ?? { ...DEFAULT_LIMITER_OPTIONS, stackLimit: DEFAULT_LOGICAL_STACK_LIMIT };
}

export interface CertifiedModule {
  readonly result: LogicalModuleResult;
  /** The gate's finding, when the native stack checked is below the certified one. */
  readonly finding: UnplacedFinding | null;
  /** What the invocation checks need: runs told in the original's terms, bounded by the certificate. */
  readonly underCheck: NonNullable<ModuleUnderCheck["logical"]>;
  /** A stack for recorded runs on which they end as at every larger native limit. */
  readonly recordingLimit: number;
}

/** The certificate of the limited module from its artifacts' static reports, and the gate at `stackLimit`. */
export function certifyForCheck(
  original: ValidatedModule,
  limited: LimitedModule,
  reports: readonly StaticReport[],
  stackLimit: number,
  recordingLimit: number,
): CertifiedModule {
  const certificate = certify(original, limited.instrumentation, reports);
  const certified = certifiedStack(certificate);
  const finding: UnplacedFinding | null =
    certified <= stackLimit
      ? null
      : {
          severity: "divergence",
          kind: "native-first",
          stackLimit,
          certified,
          message: `a native stack overflow can come before the logical one: the native stack is ${stackLimit} bytes, the logical limit ${certificate.logicalLimit} needs ${certified} (${certificate.targets.map((t) => `S(${t.target}) = ${t.S}`).join(", ")})`,
        };
  return {
    result: { certificate, stackLimit, tripsFirst: certified <= stackLimit },
    finding,
    underCheck: {
      terms: limited.terms,
      certificate,
      views: certificate.targets.map((target) => logicalView(limited.terms, target)),
    },
    recordingLimit: Math.min(MAX_STACK_LIMIT, Math.max(recordingLimit, certified)),
  };
}
