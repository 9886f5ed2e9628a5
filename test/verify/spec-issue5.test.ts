// Issue 5's spec files on both targets under all three strategies, and on V8: every command passes
// or is skipped for a known reason, and the post-1.0 skips are exactly the invocations the suite's
// README.txt (written when the suite was converted, independently of samestack) says need post-1.0.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Executors } from "../../emulators/runner-executor.js";
import { STRATEGIES, TARGETS } from "../../src/compiler/target.js";
import type { SpecCommandType } from "../../src/verify/spec-commands.js";
import {
  runSpecFile,
  type SpecConfiguration,
  type SpecFileResult,
  specSuiteDirectory,
} from "../../src/verify/spec-runner.js";
import { SKIP } from "../../src/verify/spec-support.js";
import { formatSpecTable } from "../../src/verify/spec-table.js";

const FILES = (
  "address align block br br_if br_table call endianness fac forward i32 i64 int_exprs int_literals labels " +
  "left-to-right load local_get local_set local_tee loop memory memory_grow memory_redundancy memory_size " +
  "memory_trap nop return select stack start store switch traps unreachable unwind"
).split(" ");

const CONFIGURATIONS: SpecConfiguration[] = [
  ...TARGETS.flatMap((executor) => STRATEGIES.map((strategy) => ({ executor, strategy }))),
  { executor: "v8", strategy: "native" },
];

/** Skip classes this issue allows; anything else (e.g. a function the compiler could not compile) fails. */
const ALLOWED_SKIPS: readonly string[] = [
  SKIP.floats,
  SKIP.tables,
  SKIP.imports,
  SKIP.textModule,
  SKIP.v8Nan,
];
const allowedSkip = (reason: string) => reason.startsWith("post-1.0: ") || ALLOWED_SKIPS.includes(reason);
const INVOCATIONS: readonly SpecCommandType[] = [
  "assert_return",
  "assert_trap",
  "assert_exhaustion",
  "action",
];

const executors = new Executors();
const results: SpecFileResult[] = [];

beforeAll(async () => {
  for (const file of FILES)
    results.push(...(await runSpecFile(file, { configurations: CONFIGURATIONS, executors })));
  console.log(`spec results (issue 5 files)\n${formatSpecTable(results)}`);
}, 600_000);
afterAll(() => executors.close());

describe.each(FILES)("spec %s", (file) => {
  it("passes every command it does not skip, on every configuration", () => {
    const ofFile = results.filter((r) => r.name === file);
    expect(ofFile.map((r) => r.configuration)).toEqual(
      CONFIGURATIONS.map((c) => (c.executor === "v8" ? "v8" : `${c.executor}/${c.strategy}`)),
    );
    for (const result of ofFile) {
      expect({ configuration: result.configuration, failures: result.failures }).toEqual({
        configuration: result.configuration,
        failures: [],
      });
      expect(result.passed).toBeGreaterThan(0);
    }
  });

  it("skips only for this issue's reasons", () => {
    for (const result of results.filter((r) => r.name === file)) {
      const unexpected = Object.keys(result.skipped).filter((reason) => !allowedSkip(reason));
      expect({ configuration: result.configuration, unexpected }).toEqual({
        configuration: result.configuration,
        unexpected: [],
      });
    }
  });

  it("skips exactly the invocations README.txt lists as needing post-1.0 features", () => {
    const expected = readmeInvocationCounts().get(file) ?? 0;
    for (const result of results.filter((r) => r.name === file)) {
      const postMvp = result.skips.filter(
        (s) => INVOCATIONS.includes(s.command) && s.reason.startsWith("post-1.0"),
      );
      expect({ configuration: result.configuration, skipped: postMvp.length }).toEqual({
        configuration: result.configuration,
        skipped: expected,
      });
    }
  });
});

/** README.txt: "  block  modules using post-1.0 features: 1/1; invocations needing them: 12/52 (multi-value)". */
function readmeInvocationCounts(): Map<string, number> {
  const readme = readFileSync(join(specSuiteDirectory(), "README.txt"), "utf8");
  const counts = new Map<string, number>();
  for (const match of readme.matchAll(
    /^\s+(\S+)\s+modules using post-1\.0 features: \d+\/\d+; invocations needing them: (\d+)\//gm,
  )) {
    counts.set(match[1]!, Number(match[2]));
  }
  return counts;
}
