// What `samestack check` found, as plain data: every field is JSON (no bigint, no Map), so the JSON
// report is this result plus a schema version and provenance (src/report/json-report.ts), and every
// renderer works from the JSON alone. Depths and limits are bytes below the reference stack pointer.
import type { Strategy, Target } from "../compiler/target.js";
import type { Certificate } from "../logical/certificate.js";
import type { NativeLimitVerdict } from "../logical/verdict.js";
import type { Feature } from "../wasm/features.js";
import type { WasmListing } from "../wasm/instruction-text.js";
import type { ValType } from "../wasm/ir.js";
import type { Outcome, WasmLocation, WasmValue } from "../wasm/outcome.js";
import type { BacktraceView } from "../wasm/outcome-text.js";
import type { HostOptions } from "./host-options.js";

export interface CheckOptions {
  /** The first target is the reference every other target is compared with. */
  readonly targets: readonly Target[];
  readonly strategy: Strategy;
  /** Limits checked for every invocation, besides its sidecar's. */
  readonly limits: readonly number[];
  /** Seed of the generated invocations (modules without a sidecar) and of WASI's random_get. */
  readonly seed: number;
  /** Machine instructions one invocation may execute on an emulated target. */
  readonly fuel: number;
  /** The hosts' settings from the command line; a sidecar's replace them (default: none). */
  readonly hosts?: HostOptions;
  /**
   * The WebAssembly features every module of the run may use (closed under implication, in the
   * order of FEATURES): one profile per run, which sidecars cannot change.
   */
  readonly features: readonly Feature[];
  /** Under the `logical` strategy only: the limiter's options and the native stack the gate checks. */
  readonly logical?: LogicalCheckOptions;
}

export interface LogicalCheckOptions {
  /** The logical stack limit L. */
  readonly limit: number;
  readonly countParams: boolean;
  readonly thunkZeroCost: boolean;
  /** The native stack (bytes) the logical limit must trip within, unless a sidecar names another. */
  readonly stackLimit: number;
}

export interface CheckResult {
  readonly options: CheckOptions;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly modules: readonly ModuleResult[];
  readonly totals: Totals;
}

/** How bad a finding is; the exit code is that of the worst one (README, "samestack in CI"). */
export type Severity = "divergence" | "input" | "internal";

export interface Totals {
  readonly modules: number;
  readonly invocations: number;
  /** Invocations whose every check passed. */
  readonly passed: number;
  readonly findings: Readonly<Record<Severity, number>>;
}

export type ModuleStatus = "pass" | "fail" | "input-error" | "internal-error";

export interface ModuleResult {
  /** As given or found under a given folder. */
  readonly path: string;
  /** sha256 of the file's bytes; null when it could not be read. */
  readonly sha256: string | null;
  readonly strategy: Strategy;
  readonly targets: readonly Target[];
  readonly status: ModuleStatus;
  /** The module's name from its name section. */
  readonly name: string | null;
  /** The post-1.0 features the module uses, each at its first use, in module order; null when it was not read. */
  readonly features: readonly ModuleFeature[] | null;
  readonly invocationSource: InvocationSource;
  /** What a program importing WASI or stubbed modules ran with; null for other modules. */
  readonly hosts: ModuleHosts | null;
  readonly limits: readonly number[];
  /** Stack given to each recorded run: above every limit, so each limit's overflow point is in the profile. */
  readonly recordingLimit: number;
  readonly functions: readonly FunctionResult[];
  readonly invocations: readonly InvocationResult[];
  readonly findings: readonly Finding[];
  /** Under `logical`, once the module was instrumented and compiled: its certificate and the gate. */
  readonly logical?: LogicalModuleResult;
}

export interface LogicalModuleResult {
  readonly certificate: Certificate;
  /** The native stack checked: the sidecar's `stackLimit`, else the option's. */
  readonly stackLimit: number;
  /** Whether the logical limit trips first at that native stack on every target (stackLimit ≥ every S). */
  readonly tripsFirst: boolean;
}

/** The world the module's program saw: its WASI settings and the modules bound to the env host. */
export interface ModuleHosts {
  /** argv, the program name first. */
  readonly args: readonly string[];
  readonly env: readonly string[];
  /** Preopened folders as `HOST::GUEST`, HOST absolute. */
  readonly dirs: readonly string[];
  /** The file read as stdin; null: empty. */
  readonly stdin: string | null;
  readonly stubImports: readonly string[];
}

/** The first use of a post-1.0 feature in a module. */
export interface ModuleFeature {
  readonly feature: Feature;
  /** Byte offset in the module. */
  readonly offset: number;
  /** The function (imports counted) whose body uses it first; null outside function bodies. */
  readonly funcIndex: number | null;
}

export type InvocationSource =
  | { readonly kind: "sidecar"; readonly path: string }
  | { readonly kind: "generated"; readonly seed: number }
  /** The module could not be loaded, so nothing was invoked. */
  | { readonly kind: "none" };

/** One defined function: its frame on every target, and a drawing of it at one instruction. */
export interface FunctionResult {
  readonly funcIndex: number;
  readonly name: string | null;
  readonly exportedAs: readonly string[];
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
  readonly perTarget: readonly FunctionOnTarget[];
  /** The frames of all targets drawn at the same Wasm instruction. */
  readonly drawing: FrameDrawingSet | null;
}

export interface FunctionOnTarget {
  readonly target: Target;
  /** Deepest bytes below the reference the function's own code uses (the compiler's figure). */
  readonly frameBytes: number;
  /** Deepest bytes below the reference during the prologue. */
  readonly prologueDepth: number;
  readonly codeBytes: number;
}

export interface FrameDrawingSet {
  readonly instrIndex: number;
  /** The instruction as text, e.g. `call $other`. */
  readonly instruction: string;
  readonly why: "deepest call" | "deepest operand stack";
  readonly frames: readonly FrameDrawing[];
}

/** The stack of one target at the chosen instruction, from the reference down. */
export interface FrameDrawing {
  readonly target: Target;
  /** Bytes below the reference of the lowest byte drawn. */
  readonly bottom: number;
  /** The compiler's stack map at that instruction (deepest own depth), to compare with `bottom`. */
  readonly stackMapDeepest: number | null;
  readonly regions: readonly FrameRegion[];
}

export type RegionKind =
  | "return-address"
  | "frame-record"
  | "padding"
  | "local"
  | "operand"
  | "argument"
  | "unused"
  | "callee-entry";

/** Bytes [from, to) below the reference: the region's highest byte is at reference − from − 1. */
export interface FrameRegion {
  readonly from: number;
  readonly to: number;
  readonly kind: RegionKind;
  readonly label: string;
}

export interface InvocationResult {
  readonly export: string;
  readonly args: readonly WasmValue[];
  readonly status: "pass" | "fail" | "error";
  readonly perTarget: readonly InvocationOnTarget[];
  readonly v8: V8Comparison;
  readonly verdict: LimitVerdict;
  readonly overflowPoints: readonly OverflowAtLimit[];
  /** Limits at which real runs confirmed the overflow points predicted from the profiles. */
  readonly crossCheckedLimits: readonly number[];
}

export interface InvocationOnTarget {
  readonly target: Target;
  /** A trap's backtrace is shortened as in BacktraceView (src/wasm/outcome-text.ts). */
  readonly outcome: Outcome;
  readonly elidedFrames: number;
  readonly profile: ProfileSummary | null;
  readonly plot: DepthPlot | null;
}

export interface ProfileSummary {
  readonly steps: number;
  readonly entryDepth: number;
  readonly maxDepth: number;
  readonly hash: string;
}

/** Depth over executed Wasm instructions; when `bucket` > 1 each point is the deepest of a bucket of steps. */
export interface DepthPlot {
  readonly steps: number;
  readonly bucket: number;
  /** [step index, depth]; step −1 is the host's call into the entry function. */
  readonly points: readonly (readonly [number, number])[];
  /** Under `logical`: the logical height at each point, in the order of `points`. */
  readonly heights?: readonly number[];
}

export type V8Comparison =
  | { readonly compared: true; readonly outcome: Outcome; readonly agrees: boolean }
  | { readonly compared: false; readonly reason: string };

/** The for-all-limits verdict of one invocation. */
export type LimitVerdict =
  | {
      readonly kind: "deterministic";
      /** null: for every limit; else for every limit below it (the recorded runs overflowed there). */
      readonly below: number | null;
      readonly steps: number;
      readonly maxDepth: number;
    }
  | { readonly kind: "diverged"; readonly divergence: Divergence }
  | LogicalLimitVerdict
  | { readonly kind: "not-recorded"; readonly reason: string };

/** Under `logical`, the verdict for every native stack limit (src/logical/verdict.ts). */
export interface LogicalLimitVerdict extends NativeLimitVerdict {
  readonly kind: "logical";
}

export interface Divergence {
  /** The reference target and the one compared with it. */
  readonly targets: readonly [Target, Target];
  /** Index of the first differing step; −1: the host's call into the entry function. */
  readonly index: number;
  /** That step on each target (null past the end of a shorter profile). */
  readonly steps: readonly [StepView | null, StepView | null];
  /** Limits (bytes) whose overflow points differ, [from, to); `to` null: unbounded. */
  readonly divergentLimits: readonly { readonly from: number; readonly to: number | null }[];
  /** Machine code around the differing instruction, one listing per target. */
  readonly code: readonly [CodeListing, CodeListing];
  /** The Wasm function the differing instruction is in. */
  readonly wasm: WasmListing | null;
}

export interface StepView extends BacktraceView {
  readonly location: WasmLocation;
  readonly depth: number;
}

export interface CodeListing {
  readonly target: Target;
  readonly lines: readonly CodeLine[];
}

export interface CodeLine {
  readonly address: string;
  readonly bytes: string;
  readonly text: string;
  /** What the instruction belongs to, e.g. `f1 #4 call $other` or `prologue of f2`. */
  readonly belongsTo: string;
  /** Depth at the start of its Wasm instruction (stack map), on the first line of each instruction. */
  readonly depthAtStart: number | null;
  /** Part of the differing Wasm instruction (or of the callee prologue it runs). */
  readonly highlight: boolean;
}

export interface OverflowAtLimit {
  readonly limit: number;
  /** Per target, in the order of the options' targets: null when the run stays within the limit. */
  readonly points: readonly (OverflowView | null)[];
  readonly same: boolean;
}

export interface OverflowView extends BacktraceView {
  /** Dynamic Wasm instruction count of the overflowing step (−1: the entry call). */
  readonly index: number;
  readonly depth: number;
  readonly location: WasmLocation | null;
}

export type Finding = {
  readonly severity: Severity;
  /** One line, for CI logs and JUnit failure messages. */
  readonly message: string;
  /** Index into the module's invocations, when the finding is about one. */
  readonly invocation: number | null;
} & (
  | { readonly kind: "unreadable" }
  | {
      readonly kind: "front-end";
      readonly id: string;
      readonly offset: number;
      readonly funcIndex: number | null;
    }
  /** The reference limiter refuses the module (`logical`): Polkadot would not run it. */
  | { readonly kind: "limiter-rejects" }
  /** `logical`: at the native stack checked, a native overflow can come before the logical one. */
  | { readonly kind: "native-first"; readonly stackLimit: number; readonly certified: number }
  | { readonly kind: "bad-sidecar" }
  /** An import no host binds (a module other than spectest, env, WASI and the stubbed ones), or one of the wrong type. */
  | { readonly kind: "unlinkable" }
  | { readonly kind: "static-issue"; readonly target: Target; readonly details: string }
  | { readonly kind: "static-difference"; readonly count: number; readonly details: readonly string[] }
  | { readonly kind: "outcome-mismatch" }
  | { readonly kind: "wrong-result" }
  | { readonly kind: "profile-divergence" }
  | { readonly kind: "cross-check"; readonly target: Target; readonly limit: number }
  | { readonly kind: "execution-error"; readonly target: Target }
  /** The invocation ran out of fuel on the target: a runaway program, or too little fuel. */
  | { readonly kind: "out-of-fuel"; readonly target: Target }
  /** The run passed more record points than the recorder keeps: it has no stack profile. */
  | { readonly kind: "recorder-capacity"; readonly target: Target }
  | { readonly kind: "internal"; readonly stack: string }
);

/** A finding before it is attached to an invocation (or to none). */
export type UnplacedFinding = Finding extends unknown ? DistributiveOmit<Finding, "invocation"> : never;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
