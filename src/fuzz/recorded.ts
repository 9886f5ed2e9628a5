// Recorded runs of a case's entry on both targets (stack profiles), shared by P2, P3 and P5.
import { leftBehind, type MeteredRun } from "../../emulators/runtime/metering-check.js";
import type { InvokeOptions } from "../../emulators/runtime/runner.js";
import type { Strategy, Target } from "../compiler/index.js";
import { type RecordedProfile, recordProfile } from "../verify/dynamic.js";
import { nanRuleOf, sameOutcome } from "../verify/outcomes.js";
import type { Outcome } from "../wasm/outcome.js";
import type { Machines } from "./machines.js";
import type { TestCase } from "./test-case.js";
import { fail, skip, type Verdict } from "./verdict.js";

/** Per target, the recorded run, with what it left behind when asked (`keepLeftBehind`). */
export type RecordedPair = Readonly<Record<Target, RecordedProfile & { readonly leftBehind?: MeteredRun }>>;

/**
 * `keepFull`: keep the profiles' full sequences (recorded per instruction). `keepLeftBehind`: keep
 * what each run left behind (metering-check.ts): a run profiled natively is the block-metered plain
 * run, which the metering check compares with the run metered per instruction.
 */
type RecordBothOptions = Pick<InvokeOptions, "stackLimit"> &
  (
    | { readonly keepFull?: boolean; readonly keepLeftBehind?: false }
    | { readonly keepFull?: false; readonly keepLeftBehind: true }
  );

/**
 * Records the entry on both targets; a verdict instead when the pair cannot be compared (a run out
 * of fuel: skip) or went wrong (an error outcome, misaligned SP, or differing outcomes: fail). Runs
 * are deterministic: the properties of one case share the answer for the same strategy and options
 * (P2 and P3 both record the unlimited pair).
 */
export function recordBoth(
  machines: Machines,
  c: TestCase,
  strategy: Strategy,
  options: RecordBothOptions = {},
): RecordedPair | Verdict {
  const key = `recorded ${strategy} limit ${options.stackLimit ?? "none"}${options.keepFull ? " full" : ""}${options.keepLeftBehind ? " left behind" : ""}`;
  return machines.once(c, key, () => recordPair(machines, c, strategy, options));
}

function recordPair(
  machines: Machines,
  c: TestCase,
  strategy: Strategy,
  options: RecordBothOptions,
): RecordedPair | Verdict {
  const { keepLeftBehind, ...recordOptions } = options;
  const record = (target: Target) =>
    machines.withInstance(
      c,
      target,
      strategy,
      (instance) => {
        const recorded = recordProfile(instance, c.entry, recordOptions);
        return keepLeftBehind ? { ...recorded, leftBehind: leftBehind(instance) } : recorded;
      },
      "block",
    );
  const x64 = record("x64");
  const aarch64 = record("aarch64");
  const outcomes = { strategy, ...recordOptions, x64: x64.outcome, aarch64: aarch64.outcome };
  const outcomeList: Outcome[] = [x64.outcome, aarch64.outcome];
  if (outcomeList.some((o) => o.outcome === "error"))
    return fail("a recorded run ended in an error", outcomes);
  if (outcomeList.some((o) => o.outcome === "exhausted")) return skip("a recorded run ran out of fuel");
  if (!("profile" in x64) || !("profile" in aarch64)) return fail("a run could not be recorded", outcomes);
  const misaligned = { x64: x64.misalignedAt, aarch64: aarch64.misalignedAt };
  if (misaligned.x64.length + misaligned.aarch64.length > 0) {
    return fail("SP misaligned at a Wasm instruction start", { ...outcomes, misaligned });
  }
  const nans = nanRuleOf(strategy);
  const comparable = !(strategy === "native" && c.nanBitsVisible);
  if (comparable && !sameOutcome(x64.outcome, aarch64.outcome, nans)) {
    return fail(`recorded outcomes differ (NaNs ${nans})`, outcomes);
  }
  return { x64, aarch64 };
}

export function isVerdict(value: RecordedPair | Verdict): value is Verdict {
  return "status" in value;
}
