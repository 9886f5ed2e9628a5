// `samestack verify` under `logical`: the module instrumented, compiled for every target with its
// own ABI's frames, verified statically, certified (certificate.ts), and, for an invocation, run on
// a stack of at least the certified one (so it ends as at every larger native limit) with the
// verdict for every native limit (verdict.ts), confirmed by real runs at sampled limits and at S.

import type { HostSettings } from "../../emulators/hosts/instance-hosts.js";
import { MAX_STACK_LIMIT } from "../../emulators/runtime/layout.js";
import type { InvokeOptions } from "../../emulators/runtime/runner.js";
import { TARGETS } from "../compiler/target.js";
import type { LimiterOptions } from "../instrument/index.js";
import type { Invocation } from "../verify/dynamic.js";
import { compareTargets } from "../verify/static.js";
import {
  compileForVerify,
  type ModuleVerdict,
  staticReports,
  verifyInvocation,
} from "../verify/verify-module.js";
import type { ValidatedModule } from "../wasm/ir.js";
import { type Certificate, certifiedStack, certify } from "./certificate.js";
import { limitModule } from "./limited.js";
import { type NativeLimitVerdict, nativeLimitVerdict } from "./verdict.js";
import { logicalView } from "./view.js";

/** The smallest stack a profiled run gets (bytes). */
const MIN_RECORDING_STACK = 64 * 1024;

export interface LogicalVerifyOptions extends InvokeOptions {
  readonly limiter: LimiterOptions;
  readonly invocation?: Invocation;
  readonly extraLimits?: readonly number[];
  /** WASI and stubbed modules (default: none, the program called "module"). */
  readonly hosts?: HostSettings;
}

export interface LogicalModuleVerdict extends ModuleVerdict {
  readonly certificate: Certificate;
  /** For an invocation recorded on every target: the verdict for every native limit. */
  readonly native: NativeLimitVerdict | null;
}

/**
 * `deterministic` here: no static issue, no prediction a real run refuted, the same outcome on
 * every target, and the recorded runs (on at least the certified stack, unless a smaller one was
 * asked for) never ran out of native stack. Frames differ across targets by design.
 */
export function verifyLogical(
  original: ValidatedModule,
  options: LogicalVerifyOptions,
): LogicalModuleVerdict {
  const limited = limitModule(original, options.limiter);
  const artifacts = compileForVerify(limited.instrumented.validated, "logical");
  const reports = staticReports(artifacts);
  const certificate = certify(
    original,
    limited.instrumentation,
    TARGETS.map((target) => reports[target]),
  );
  const certified = certifiedStack(certificate);
  const onTarget = (i: number) => logicalView(limited.terms, certificate.targets[i]!);
  const stackLimit =
    options.stackLimit ?? Math.min(MAX_STACK_LIMIT, Math.max(MIN_RECORDING_STACK, certified));
  const dynamic = options.invocation
    ? verifyInvocation(limited.instrumented.validated, artifacts, options.invocation, {
        ...options,
        stackLimit,
        extraLimits: [...(options.extraLimits ?? []), ...(certified <= stackLimit ? [certified] : [])],
        views: { x64: onTarget(0), aarch64: onTarget(1) },
      })
    : null;
  const native =
    dynamic?.profiles.x64 && dynamic.profiles.aarch64
      ? nativeLimitVerdict(
          certified,
          [dynamic.outcomes.x64, dynamic.outcomes.aarch64],
          [dynamic.profiles.x64, dynamic.profiles.aarch64],
        )
      : null;
  const staticOk = TARGETS.every((target) => reports[target].issues.length === 0);
  const dynamicOk =
    dynamic === null ||
    (native?.sameOutcome === true &&
      TARGETS.every((target) => dynamic.crossCheckFailures[target].length === 0) &&
      (stackLimit < certified || native.nativeFirstBelow <= stackLimit));
  return {
    strategy: "logical",
    static: reports,
    crossTarget: compareTargets(reports.x64, reports.aarch64),
    dynamic,
    deterministic: staticOk && dynamicOk,
    certificate,
    native,
  };
}
