// Runs one property under vitest: fast-check with the shared fixed seed; on failure the shrunk
// counterexample is written as a regression and reported as WAT with the seed and replay command.
import fc from "fast-check";
import type { Strategy } from "../src/compiler/index.js";
import { moduleToWat } from "../src/fuzz/generators/wat.js";
import { Machines } from "../src/fuzz/machines.js";
import {
  type CaseInput,
  caseInput,
  checkProperty,
  PROPERTIES,
  type PropertyName,
} from "../src/fuzz/properties.js";
import { REGRESSIONS_DIR, sidecarOf, writeRegression } from "../src/fuzz/regressions.js";
import { propertyParameters } from "../src/fuzz/seed.js";
import { caseOf } from "../src/fuzz/test-case.js";
import type { Verdict } from "../src/fuzz/verdict.js";

export interface PropertyRun {
  readonly runs: number;
  readonly passed: number;
  /** Cases that could not be compared (say, out of fuel). */
  readonly skipped: number;
}

export async function assertProperty(options: {
  readonly testFile: string;
  readonly property: PropertyName;
  readonly runs: number;
  readonly strategies?: readonly Strategy[];
}): Promise<PropertyRun> {
  const machines = new Machines();
  const counts = { passed: 0, skipped: 0 };
  const check = (input: CaseInput): Verdict =>
    checkProperty(options.property, machines, caseOf(input.desc), input.strategy, input.limitFractions);
  const parameters = propertyParameters<[CaseInput]>(options.testFile, options.runs);
  try {
    const details = fc.check(
      fc.property(caseInput(options.strategies ?? PROPERTIES[options.property].strategies), (input) => {
        const verdict = check(input);
        if (verdict.status === "fail") throw new Error(verdict.reason);
        if (verdict.status === "skip") counts.skipped++;
        else counts.passed++;
      }),
      { ...parameters, reporter: undefined },
    );
    if (details.failed && details.counterexample) {
      const [input] = details.counterexample;
      const testCase = caseOf(input.desc);
      const verdict = check(input);
      const header = await describeFailure(options.property, input, verdict, testCase.bytes, details.seed);
      try {
        parameters.reporter?.(details);
      } catch (error) {
        throw new Error(`${header}\n${(error as Error).message}`, { cause: error });
      }
    }
    return { runs: options.runs, ...counts };
  } finally {
    machines.close();
  }

  async function describeFailure(
    property: PropertyName,
    input: CaseInput,
    verdict: Verdict,
    bytes: Uint8Array,
    seed: number,
  ): Promise<string> {
    const wat = await moduleToWat(bytes);
    if (verdict.status !== "fail") return `${property}: the shrunk counterexample no longer fails\n${wat}`;
    const id = await writeRegression(REGRESSIONS_DIR, {
      wat,
      sidecar: sidecarOf(property, input, verdict, seed),
    });
    const evidence = JSON.stringify(verdict.evidence, (_, v) => (typeof v === "bigint" ? v.toString() : v));
    return `${property} under ${input.strategy}: ${verdict.reason}\nregression written: corpus/regressions/${id}.wat\n${wat}\nevidence: ${evidence}`;
  }
}
