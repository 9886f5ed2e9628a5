// The whole WebAssembly spec suite beside the repository (specSuiteDirectory(), 75 files) on both
// targets under all three strategies, and on V8 as an oracle: every command passes except the
// post-1.0 ones not compiled yet (reference types, bulk memory) and the text-format modules, which
// are skipped (V8 also skips values whose NaN bits cannot cross the JS boundary); the skipped
// invocations are exactly those the suite's README.txt (written when the suite was converted,
// independently of samestack) says need post-1.0 features, less those of the features the compiler
// compiles — sign extension, saturating truncation and multi-value, whose skip counts are now 0: a
// file that uses only those skips none, one that mixes them with reference types skips at most
// README's count, and only for the features not compiled. Under `native`, values differing in NaN
// bits alone are counted apart (not failures);
// assert_exhaustion must also overflow at the same location on both targets under intersect and
// frame (src/spec/runner.ts compares them).
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
import { COMPILED_POST_MVP, readmePostMvp, stillMarked } from "../wasm/spec-suite.js";

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
  (configuration === "v8" && reason === SKIP.v8Nan);

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

  it("skips post-1.0 features and text-format modules only, the same on both targets under every strategy", () => {
    for (const { configuration, skipped } of ofFile()) {
      const unexpected = Object.keys(skipped).filter((reason) => !isAllowedSkip(configuration, reason));
      expect({ configuration, unexpected }).toEqual({ configuration, unexpected: [] });
    }
    const [first, ...others] = ofFile().filter((r) => r.configuration !== "v8");
    for (const other of others) expect(other.skips).toEqual(first!.skips);
  });

  it("skips exactly the invocations README.txt lists as needing post-1.0 features not compiled yet", () => {
    const listed = readmePostMvp().get(file);
    const marked = listed === undefined ? "exact" : stillMarked(listed);
    const expected = marked === "none" ? 0 : (listed?.invocations ?? 0);
    for (const { configuration, skips } of ofFile()) {
      const postMvp = skips.filter((s) => INVOCATIONS.includes(s.command) && s.reason.startsWith("post-1.0"));
      const compiled = postMvp.filter((s) => COMPILED_POST_MVP.has(s.reason.slice("post-1.0: ".length)));
      expect({ configuration, compiled: compiled.length }).toEqual({ configuration, compiled: 0 });
      if (marked === "part") expect(postMvp.length).toBeLessThanOrEqual(expected);
      else expect({ configuration, skipped: postMvp.length }).toEqual({ configuration, skipped: expected });
    }
  });
});

function readme(): string {
  return readFileSync(join(directory, "README.txt"), "utf8");
}
