// The properties, by name: what each checks on one generated case under one strategy. The vitest
// files (properties/*.test.ts) and the fuzz driver run the same checks.
import fc from "fast-check";
import type { Strategy } from "../compiler/index.js";
import { checkEncoders } from "./check-encoders.js";
import { checkOutcomes } from "./check-outcomes.js";
import { checkOverflow } from "./check-overflow.js";
import { checkProfiles } from "./check-profiles.js";
import { checkStaticDynamic } from "./check-static-dynamic.js";
import { programArbitrary } from "./generators/arbitrary.js";
import type { ProgramDesc } from "./generators/description.js";
import type { Machines } from "./machines.js";
import type { TestCase } from "./test-case.js";
import { fail, type Verdict } from "./verdict.js";

/** The strategies that promise identical stacks. */
export const DETERMINISTIC: readonly Strategy[] = ["intersect", "frame"];

/**
 * The strategies whose module is compiled as given: the properties here run under them. `logical`
 * compiles the limiter's output instead and has properties of its own (logical.ts).
 */
export const AS_GIVEN: readonly Strategy[] = ["native", ...DETERMINISTIC];

export interface CaseInput {
  readonly desc: ProgramDesc;
  readonly strategy: Strategy;
  /** Stack limits for P3, as fractions of the deepest depth the unlimited run reached. */
  readonly limitFractions: readonly number[];
}

export function caseInput(strategies: readonly Strategy[] = AS_GIVEN): fc.Arbitrary<CaseInput> {
  return fc.record({
    desc: programArbitrary(),
    strategy: fc.constantFrom(...strategies),
    limitFractions: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 3 }),
  });
}

export interface PropertyDefinition {
  readonly id: string;
  readonly title: string;
  /** Strategies under which the property must hold. */
  readonly strategies: readonly Strategy[];
  readonly check: (
    machines: Machines,
    c: TestCase,
    strategy: Strategy,
    limitFractions: readonly number[],
  ) => Verdict;
}

export const PROPERTY_NAMES = ["outcomes", "profiles", "overflow", "static-dynamic", "encoders"] as const;
export type PropertyName = (typeof PROPERTY_NAMES)[number];

export const PROPERTIES: Readonly<Record<PropertyName, PropertyDefinition>> = {
  outcomes: {
    id: "P1",
    title: "x64, aarch64 and V8 agree on outcomes",
    strategies: AS_GIVEN,
    check: checkOutcomes,
  },
  profiles: {
    id: "P2",
    title: "stack profiles are identical across targets",
    strategies: DETERMINISTIC,
    check: checkProfiles,
  },
  overflow: {
    id: "P3",
    title: "overflow at the same location, backtrace and step on both targets",
    strategies: DETERMINISTIC,
    check: checkOverflow,
  },
  "static-dynamic": {
    id: "P4",
    title: "the static verifier's depths match the traced ones",
    strategies: AS_GIVEN,
    check: checkStaticDynamic,
  },
  encoders: {
    id: "P6",
    title: "machine code round-trips through Capstone",
    strategies: AS_GIVEN,
    check: checkEncoders,
  },
};

/** Checks `property`; an exception thrown on the way (a compiler or runner bug) is a failure too. */
export function checkProperty(
  property: PropertyName,
  machines: Machines,
  c: TestCase,
  strategy: Strategy,
  limitFractions: readonly number[],
): Verdict {
  try {
    return PROPERTIES[property].check(machines, c, strategy, limitFractions);
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return fail(`threw ${message}`, { strategy, stack: error instanceof Error ? error.stack : undefined });
  }
}
