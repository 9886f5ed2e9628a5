// The properties under `logical`, over the generators' programs: the program instrumented by the
// limiter, compiled with each target's own frames, run in the original's terms (src/logical).
//
// - P2 (logical): the logical profile — every step's location, frames and logical height — is the
//   same on both targets, and so is the outcome when the logical limit trips (at half the height
//   the program reaches).
// - P3 (logical): at logical limits L below the highest height, both targets overflow logically at
//   the same step, location and backtrace: the first step whose height exceeds L (or the entry call,
//   when the export's own charge does).
// - bound: every executed step's native depth is at most k·(logical height) + c on both targets.
// - P5 (logical teeth): with Polkadot's limit and a native stack far below S, the generators find a
//   program whose native stack runs out before the logical limit trips, and shrink it.
//
// Runs that must not run out of native stack get the certified one (at least Machines' stack).
import fc from "fast-check";
import { MAX_STACK_LIMIT } from "../../emulators/runtime/layout.js";
import { TARGETS, type Target } from "../compiler/index.js";
import { type Certificate, certifiedStack, certify } from "../logical/certificate.js";
import { type LimitedModule, limitModule } from "../logical/limited.js";
import { logicalView } from "../logical/view.js";
import { type RecordedProfile, recordProfile } from "../verify/dynamic.js";
import { sameOutcome } from "../verify/outcomes.js";
import { type ProfileStep, sameLocation } from "../verify/profile.js";
import { verifyArtifact } from "../verify/static.js";
import type { Outcome } from "../wasm/outcome.js";
import { type ModuleShape, moduleShape } from "./generators/shape.js";
import { Machines, STACK } from "./machines.js";
import { type CaseInput, caseInput } from "./properties.js";
import { caseOf, type TestCase } from "./test-case.js";
import { fail, PASS, skip, type Verdict } from "./verdict.js";

/** Polkadot's logical limit: the runs of generated programs never reach it. */
const UNREACHED_LIMIT = 65_536;
/** Certified stacks above this are not run (the emulator would map them whole). */
const MAX_RUN_STACK = 64 * 1024 * 1024;

/** A case with the limiter's code, and its certificate per target. */
interface LimitedCase {
  readonly testCase: TestCase;
  readonly limited: LimitedModule;
  readonly certificate: Certificate;
}

const limitedCases = new WeakMap<TestCase, Map<number, LimitedCase>>();

function limitedCase(machines: Machines, c: TestCase, limit: number): LimitedCase {
  const byLimit = limitedCases.get(c) ?? new Map<number, LimitedCase>();
  limitedCases.set(c, byLimit);
  let made = byLimit.get(limit);
  if (made === undefined) {
    const limited = limitModule(c.validated, { limit });
    const testCase: TestCase = { ...c, ...limited.instrumented };
    const reports = TARGETS.map((target) => verifyArtifact(machines.artifact(testCase, target, "logical")));
    made = { testCase, limited, certificate: certify(c.validated, limited.instrumentation, reports) };
    byLimit.set(limit, made);
  }
  return made;
}

type LogicalStep = ProfileStep & { readonly height: number };
type LogicalPair = Readonly<Record<Target, RecordedProfile & { readonly steps: readonly LogicalStep[] }>>;

/**
 * Records the entry of the limited case on both targets, each step checked against its target's
 * bound; a verdict instead when the pair cannot be compared (skip) or went wrong (fail).
 */
function recordLogical(machines: Machines, lc: LimitedCase, stackLimit: number): LogicalPair | Verdict {
  const record = (target: Target, i: number) =>
    machines.withInstance(lc.testCase, target, "logical", (instance) =>
      recordProfile(instance, lc.testCase.entry, {
        stackLimit,
        keepFull: true,
        view: logicalView(lc.limited.terms, lc.certificate.targets[i]!),
      }),
    );
  const [x64, aarch64] = TARGETS.map(record);
  const outcomes = {
    limit: lc.certificate.logicalLimit,
    stackLimit,
    x64: x64!.outcome,
    aarch64: aarch64!.outcome,
  };
  if ([x64!.outcome, aarch64!.outcome].some((o) => o.outcome === "error"))
    return fail("a recorded run ended in an error", outcomes);
  if ([x64!.outcome, aarch64!.outcome].some((o) => o.outcome === "exhausted"))
    return skip("a recorded run ran out of fuel");
  if (!("profile" in x64!) || !("profile" in aarch64!)) return fail("a run could not be recorded", outcomes);
  const steps = (run: RecordedProfile) => (run.profile.full ?? []) as readonly LogicalStep[];
  return { x64: { ...x64, steps: steps(x64) }, aarch64: { ...aarch64, steps: steps(aarch64) } };
}

function isVerdict<T extends object>(value: T | Verdict): value is Verdict {
  return "status" in value;
}

function runStack(lc: LimitedCase): number | null {
  const certified = certifiedStack(lc.certificate);
  return certified > MAX_RUN_STACK ? null : Math.min(MAX_STACK_LIMIT, Math.max(STACK, certified));
}

const isNativeOverflow = (o: Outcome) =>
  o.outcome === "trap" && o.trap === "stack_overflow" && o.overflow !== "logical";
const isLogicalOverflow = (o: Outcome) => o.outcome === "trap" && o.overflow === "logical";

/** The first place the logical profiles of the two targets differ (location, frames, height), or null. */
function logicalDifference(pair: LogicalPair): number | null {
  const a = pair.x64.steps;
  const b = pair.aarch64.steps;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (!x || !y || !sameLocation(x.location, y.location) || x.height !== y.height) return i;
    if (x.backtrace.length !== y.backtrace.length) return i;
  }
  return null;
}

/** The unlimited run: what the program does with the limiter but without reaching its limit. */
function unlimitedRun(machines: Machines, c: TestCase): { lc: LimitedCase; pair: LogicalPair } | Verdict {
  const lc = limitedCase(machines, c, UNREACHED_LIMIT);
  const pair = recordLogical(machines, lc, STACK);
  if (isVerdict(pair)) return pair;
  if ([pair.x64.outcome, pair.aarch64.outcome].some(isNativeOverflow))
    return skip("the program ran out of native stack");
  const different = logicalDifference(pair);
  if (different !== null)
    return fail("the logical profiles differ", { limit: UNREACHED_LIMIT, step: different });
  if (!sameOutcome(pair.x64.outcome, pair.aarch64.outcome, "exact"))
    return fail("the outcomes differ", { x64: pair.x64.outcome, aarch64: pair.aarch64.outcome });
  return { lc, pair };
}

function highestHeight(pair: LogicalPair): number {
  return Math.max(0, ...pair.x64.steps.map((s) => s.height));
}

/** P2 under `logical`. */
export function checkLogicalProfiles(machines: Machines, c: TestCase): Verdict {
  const unlimited = unlimitedRun(machines, c);
  if (isVerdict(unlimited)) return unlimited;
  const limit = Math.floor(highestHeight(unlimited.pair) / 2);
  if (limit < 1) return PASS;
  const lc = limitedCase(machines, c, limit);
  const stack = runStack(lc);
  if (stack === null) return skip("the certified stack is too large to run");
  const pair = recordLogical(machines, lc, stack);
  if (isVerdict(pair)) return pair;
  const outcomes = { limit, stack, x64: pair.x64.outcome, aarch64: pair.aarch64.outcome };
  if (!isLogicalOverflow(pair.x64.outcome)) return fail("the logical limit did not trip", outcomes);
  if (!sameOutcome(pair.x64.outcome, pair.aarch64.outcome, "exact"))
    return fail("the logical overflows differ", outcomes);
  const different = logicalDifference(pair);
  return different === null ? PASS : fail("the logical profiles differ", { ...outcomes, step: different });
}

/** P3 under `logical`: the overflow at logical limits that are fractions of the highest height. */
export function checkLogicalOverflow(machines: Machines, c: TestCase, fractions: readonly number[]): Verdict {
  const unlimited = unlimitedRun(machines, c);
  if (isVerdict(unlimited)) return unlimited;
  const { lc, pair } = unlimited;
  const highest = highestHeight(pair);
  if (highest < 1) return skip("the program makes no guarded call");
  const entry = lc.testCase.validated.module.exports.find((e) => e.name === c.entry.exportName)!;
  const entryCharge = lc.limited.instrumentation.thunks.find((t) => t.funcIndex === entry.index)?.charge ?? 0;
  for (const fraction of fractions) {
    const limit = Math.max(1, Math.floor(fraction * highest));
    const index = entryCharge > limit ? -1 : pair.x64.steps.findIndex((s) => s.height > limit);
    if (index === -1 && entryCharge <= limit) continue;
    const predicted = index >= 0 ? pair.x64.steps[index]! : null;
    const limited = limitedCase(machines, c, limit);
    const stack = runStack(limited);
    if (stack === null) return skip("the certified stack is too large to run");
    const run = recordLogical(machines, limited, stack);
    if (isVerdict(run)) return run;
    for (const target of TARGETS) {
      const actual = run[target].outcome;
      const agrees =
        actual.outcome === "trap" &&
        actual.overflow === "logical" &&
        actual.step === index &&
        (predicted === null
          ? actual.location === undefined
          : actual.location !== undefined &&
            sameLocation(actual.location, predicted.location) &&
            (actual.backtrace ?? []).length === predicted.backtrace.length);
      if (!agrees) {
        return fail(`${target} at logical limit ${limit} did not overflow where the heights predicted`, {
          limit,
          stack,
          predicted: predicted ? { index, location: predicted.location } : { index },
          actual,
        });
      }
    }
  }
  return PASS;
}

/** bound: every step's native depth ≤ k·height + c (the view throws BoundViolation otherwise). */
export function checkLogicalBound(machines: Machines, c: TestCase): Verdict {
  const lc = limitedCase(machines, c, UNREACHED_LIMIT);
  const pair = recordLogical(machines, lc, STACK);
  return isVerdict(pair) ? pair : PASS;
}

/** Checks a logical property; an exception (a BoundViolation, a compiler or runner bug) is a failure. */
export function checkLogicalProperty(check: () => Verdict): Verdict {
  try {
    return check();
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return fail(`threw ${message}`, {
      strategy: "logical",
      stack: error instanceof Error ? error.stack : undefined,
    });
  }
}

export interface NativeFirstResult {
  /** Runs until the first failing case (null: none within the budget). */
  readonly runsToFailure: number | null;
  /** The first failing case's size, before shrinking. */
  readonly found: ModuleShape | null;
  readonly shape: ModuleShape | null;
  /** The shrunk case's outcomes, and the native stack its logical limit needs on each target. */
  readonly outcomes: readonly Outcome[];
  readonly certified: readonly number[];
}

/**
 * P5 under `logical`: with Polkadot's logical limit and a native stack of `nativeStack` bytes
 * (far below S), looks for a program whose native stack runs out first, and shrinks it.
 */
export function findNativeFirstOverflow(
  seed: number,
  maxRuns: number,
  nativeStack: number,
): NativeFirstResult {
  const machines = new Machines();
  const outcomesOf = (c: TestCase) => {
    const lc = limitedCase(machines, c, UNREACHED_LIMIT);
    const pair = recordLogical(machines, lc, nativeStack);
    return { lc, outcomes: isVerdict(pair) ? [] : [pair.x64.outcome, pair.aarch64.outcome] };
  };
  let found: ModuleShape | null = null;
  try {
    const details = fc.check(
      fc.property(caseInput(["logical"]), (input: CaseInput) => {
        const c = caseOf(input.desc);
        const nativeFirst = outcomesOf(c).outcomes.some(isNativeOverflow);
        if (nativeFirst && found === null) found = moduleShape(c.validated.module);
        return !nativeFirst;
      }),
      { seed, numRuns: maxRuns },
    );
    if (!details.failed || !details.counterexample) {
      return { runsToFailure: null, found: null, shape: null, outcomes: [], certified: [] };
    }
    const testCase = caseOf(details.counterexample[0].desc);
    const { lc, outcomes } = outcomesOf(testCase);
    return {
      runsToFailure: details.numRuns,
      found,
      shape: moduleShape(testCase.validated.module),
      outcomes,
      certified: lc.certificate.targets.map((t) => t.S),
    };
  } finally {
    machines.close();
  }
}
