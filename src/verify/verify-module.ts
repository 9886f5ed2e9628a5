// One module, both targets, one strategy: the static verdict for every function, and — when an
// invocation is given — the dynamic verdict for every stack limit, confirmed at sampled limits.

import {
  defaultHostSettings,
  emulatedHosts,
  type HostSettings,
} from "../../emulators/hosts/instance-hosts.js";
import { CODE_BASE } from "../../emulators/runtime/layout.js";
import { type Instance, type InvokeOptions, Runner } from "../../emulators/runtime/runner.js";
import type { Artifact } from "../compiler/artifact.js";
import { compileModule } from "../compiler/compile.js";
import { type Strategy, TARGETS, type Target } from "../compiler/target.js";
import { InputError } from "../wasm/errors.js";
import type { ValidatedModule } from "../wasm/ir.js";
import { type Outcome, withExecuted } from "../wasm/outcome.js";
import {
  type CrossCheckFailure,
  crossCheck,
  type Invocation,
  type RunView,
  recordProfile,
  sampledLimits,
} from "./dynamic.js";
import { nanRuleOf, sameOutcome } from "./outcomes.js";
import { compareProfiles, type ProfileComparison, type StackProfile } from "./profile.js";
import { type CrossTargetDifference, compareTargets, type StaticReport, verifyArtifact } from "./static.js";

export interface DynamicVerdict {
  readonly invocation: Invocation;
  readonly outcomes: Readonly<Record<Target, Outcome>>;
  /** Absent for a target whose run could not be recorded (its outcome says why). */
  readonly profiles: Partial<Readonly<Record<Target, StackProfile>>>;
  readonly comparison: ProfileComparison | null;
  /** Limits where a real run disagreed with the prediction from the profile: must be empty. */
  readonly crossCheckFailures: Readonly<Record<Target, readonly CrossCheckFailure[]>>;
  readonly limitsChecked: number;
}

export interface ModuleVerdict {
  readonly strategy: Strategy;
  readonly static: Readonly<Record<Target, StaticReport>>;
  readonly crossTarget: readonly CrossTargetDifference[];
  readonly dynamic: DynamicVerdict | null;
  /** Every check passed and the targets' stacks are identical. */
  readonly deterministic: boolean;
}

export interface VerifyOptions extends InvokeOptions {
  readonly strategy: Strategy;
  readonly invocation?: Invocation;
  /** Extra limits for the cross-check besides those where the running maximum changes. */
  readonly extraLimits?: readonly number[];
  /** WASI and stubbed modules (default: none, the program called "module"). */
  readonly hosts?: HostSettings;
}

/** `validated` compiled for every target under `strategy`, where the verifier runs it. */
export function compileForVerify(validated: ValidatedModule, strategy: Strategy): Record<Target, Artifact> {
  return Object.fromEntries(
    TARGETS.map((target) => [
      target,
      compileModule(validated, { target, strategy, layout: { codeBase: BigInt(CODE_BASE) } }),
    ]),
  ) as Record<Target, Artifact>;
}

export function staticReports(artifacts: Record<Target, Artifact>): Record<Target, StaticReport> {
  return { x64: verifyArtifact(artifacts.x64), aarch64: verifyArtifact(artifacts.aarch64) };
}

export function verifyModule(validated: ValidatedModule, options: VerifyOptions): ModuleVerdict {
  const artifacts = compileForVerify(validated, options.strategy);
  const reports = staticReports(artifacts);
  const crossTarget = compareTargets(reports.x64, reports.aarch64);
  const dynamic = options.invocation
    ? verifyInvocation(validated, artifacts, options.invocation, options)
    : null;
  const staticOk =
    reports.x64.issues.length === 0 && reports.aarch64.issues.length === 0 && crossTarget.length === 0;
  const dynamicOk =
    dynamic === null ||
    (dynamic.comparison?.identical === true &&
      TARGETS.every((target) => dynamic.crossCheckFailures[target].length === 0) &&
      sameOutcome(dynamic.outcomes.x64, dynamic.outcomes.aarch64, nanRuleOf(options.strategy)));
  return {
    strategy: options.strategy,
    static: reports,
    crossTarget,
    dynamic,
    deterministic: staticOk && dynamicOk,
  };
}

/**
 * One invocation on every target: a recorded run each (told through `views`, when given), and real
 * runs confirming the predicted overflow points at sampled limits.
 */
export function verifyInvocation(
  validated: ValidatedModule,
  artifacts: Record<Target, Artifact>,
  invocation: Invocation,
  options: InvokeOptions & {
    readonly extraLimits?: readonly number[];
    readonly views?: Readonly<Record<Target, RunView>>;
    /** WASI and stubbed modules (default: none, the program called "module"). */
    readonly hosts?: HostSettings;
  },
): DynamicVerdict {
  const outcomes = {} as Record<Target, Outcome>;
  const profiles: Partial<Record<Target, StackProfile>> = {};
  const crossCheckFailures = {} as Record<Target, CrossCheckFailure[]>;
  let limitsChecked = 0;
  for (const target of TARGETS) {
    const view = options.views?.[target];
    const recordOptions = {
      ...(options.stackLimit === undefined ? {} : { stackLimit: options.stackLimit }),
      ...(options.fuel === undefined ? {} : { fuel: options.fuel }),
      ...(view ? { view } : {}),
    };
    const runner = new Runner(target);
    try {
      // Every instance is bound to fresh hosts, so every run starts from the same world.
      const instantiate = () => {
        const hosts = emulatedHosts(validated.module, options.hosts ?? defaultHostSettings("module"));
        const instantiated = runner.instantiate(artifacts[target], {
          module: validated.module,
          imports: hosts.imports,
        });
        if (!instantiated.ok) {
          const why =
            instantiated.stage === "link" ? instantiated.message : JSON.stringify(instantiated.outcome);
          throw new InstantiationFailure(`${target}: cannot instantiate the module: ${why}`);
        }
        hosts.attach(instantiated.instance.exports);
        return { instance: instantiated.instance, hosts };
      };
      const fresh = (): Instance => instantiate().instance;
      const { instance, hosts } = instantiate();
      const recorded = (() => {
        try {
          return recordProfile(instance, invocation, { ...recordOptions, keepFull: true });
        } finally {
          instance.close();
        }
      })();
      outcomes[target] = withExecuted(
        hosts.finish(recorded.outcome, invocation.exportName),
        recorded.executed,
      );
      if (!("profile" in recorded)) {
        crossCheckFailures[target] = [];
        continue;
      }
      profiles[target] = recorded.profile;
      const limits = sampledLimits(recorded.profile, options.extraLimits ?? []);
      limitsChecked = Math.max(limitsChecked, limits.length);
      crossCheckFailures[target] = crossCheck(fresh, invocation, recorded.profile, limits, recordOptions);
    } finally {
      runner.close();
    }
  }
  const comparison =
    profiles.x64 && profiles.aarch64 ? compareProfiles(profiles.x64, profiles.aarch64) : null;
  return { invocation, outcomes, profiles, comparison, crossCheckFailures, limitsChecked };
}

/** The module cannot be instantiated (e.g. it needs imports): bad input for a verification. */
export class InstantiationFailure extends InputError {
  readonly id = "verify/instantiation";
}
