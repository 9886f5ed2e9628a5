// The whole WebAssembly spec suite beside the repository (specSuiteDirectory(), 75 files) on both
// targets under all four strategies, and on V8 as an oracle: every command passes except the
// post-1.0 ones and the text-format modules, which are skipped (V8 also skips values whose NaN bits
// cannot cross the JS boundary); the skipped invocations are exactly those the suite's
// README.txt (written when the suite was converted, independently of samestack) says need post-1.0
// features. Under `native`, values differing in NaN bits alone are counted apart (not failures);
// assert_exhaustion must also overflow at the same location on both targets under intersect, frame
// and logical (src/spec/runner.ts compares them; under logical it must be the logical limit's).
// Under `logical` two more skips are allowed, each with its reason: a module the reference limiter
// refuses, and calls after a logical overflow left the instance's height raised.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Executors } from "../../emulators/executor.js";
import { STRATEGIES, TARGETS } from "../../src/compiler/target.js";
import type { SpecCommandType } from "../../src/spec/commands.js";
import {
  configurationName,
  runSpecFile,
  type SpecConfiguration,
  type SpecFileResult,
  specSuiteDirectory,
} from "../../src/spec/runner.js";
import { SKIP } from "../../src/spec/support.js";
import { formatSpecTable } from "../../src/spec/table.js";

const directory = specSuiteDirectory();
const FILES = readdirSync(directory)
  .filter((name) => name.endsWith(".json"))
  .map((name) => name.slice(0, -".json".length))
  .sort();

const EMULATED: SpecConfiguration[] = TARGETS.flatMap((executor) =>
  STRATEGIES.map((strategy) => ({ executor, strategy })),
);
const CONFIGURATIONS: SpecConfiguration[] = [...EMULATED, { executor: "v8", strategy: "native" }];

const INVOCATIONS: readonly SpecCommandType[] = [
  "assert_return",
  "assert_trap",
  "assert_exhaustion",
  "action",
];
const isAllowedSkip = (configuration: string, reason: string) =>
  reason.startsWith("post-1.0: ") ||
  reason === SKIP.textModule ||
  (configuration === "v8" && reason === SKIP.v8Nan) ||
  (configuration.endsWith("/logical") &&
    (reason === SKIP.heightKept || reason.startsWith(SKIP.limiterRejects(""))));

const executors = new Executors({ metering: "block" });
const results: SpecFileResult[] = [];

beforeAll(async () => {
  for (const file of FILES) {
    results.push(...(await runSpecFile(file, { configurations: CONFIGURATIONS, executors })));
  }
  console.log(`spec suite (${FILES.length} files)\n${formatSpecTable(results)}`);
}, 600_000);
afterAll(() => executors.close());

it("has the 75 files README.txt lists", () => {
  expect(FILES).toHaveLength(75);
  const listed = readme().match(/^Files \((\d+) \.wast sources/m)?.[1];
  expect(Number(listed)).toBe(75);
});

describe.each(FILES)("spec %s", (file) => {
  const ofFile = () => results.filter((r) => r.name === file);

  it("passes every command it does not skip, on both targets under every strategy and on V8", () => {
    expect(ofFile().map((r) => r.configuration)).toEqual(CONFIGURATIONS.map(configurationName));
    for (const { configuration, failures } of ofFile()) {
      expect({ configuration, failures }).toEqual({ configuration, failures: [] });
    }
  });

  it("skips post-1.0 features and text-format modules only (and what logical allows), the same on both targets", () => {
    for (const { configuration, skipped } of ofFile()) {
      const unexpected = Object.keys(skipped).filter((reason) => !isAllowedSkip(configuration, reason));
      expect({ configuration, unexpected }).toEqual({ configuration, unexpected: [] });
    }
    const emulated = ofFile().filter((r) => r.configuration !== "v8");
    const [first, ...others] = emulated.filter((r) => !r.configuration.endsWith("/logical"));
    for (const other of others) expect(other.skips).toEqual(first!.skips);
    const [x64Logical, ...otherLogical] = emulated.filter((r) => r.configuration.endsWith("/logical"));
    for (const other of otherLogical) expect(other.skips).toEqual(x64Logical!.skips);
  });

  it("skips exactly the invocations README.txt lists as needing post-1.0 features", () => {
    const expected = readmeInvocationCounts().get(file) ?? 0;
    for (const { configuration, skips } of ofFile()) {
      const postMvp = skips.filter((s) => INVOCATIONS.includes(s.command) && s.reason.startsWith("post-1.0"));
      expect({ configuration, skipped: postMvp.length }).toEqual({ configuration, skipped: expected });
    }
  });
});

function readme(): string {
  return readFileSync(join(directory, "README.txt"), "utf8");
}

/** README.txt: "  block  modules using post-1.0 features: 1/1; invocations needing them: 12/52 (multi-value)". */
function readmeInvocationCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of readme().matchAll(
    /^\s+(\S+)\s+modules using post-1\.0 features: \d+\/\d+; invocations needing them: (\d+)\//gm,
  )) {
    counts.set(match[1]!, Number(match[2]));
  }
  return counts;
}
