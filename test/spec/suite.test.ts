// The whole WebAssembly spec suite beside the repository, both folders as test/wasm/spec-suite.ts
// finds them (75 files, and the 15 bulk-memory and reference-types files of the 2.0 folder), on
// both targets under all three strategies, and on V8 as an oracle: every command passes except the
// text-format modules, which are skipped (V8 also skips values whose NaN bits cannot cross the JS
// boundary). The first folder's README.txt (written when the suite was converted, independently of
// samestack) lists per file the invocations that need post-1.0 features and which features: every
// feature it names is one the compiler compiles, so no invocation is skipped for a post-1.0
// feature. Under `native`, values differing in NaN bits alone are counted apart (not failures);
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
} from "../../src/spec/runner.js";
import { SKIP } from "../../src/spec/support.js";
import { formatSpecTable } from "../../src/spec/table.js";
import {
  COMPILED_POST_MVP,
  readmePostMvp,
  SPEC_FOLDERS,
  type SpecFolder,
  specSuiteDir,
} from "../wasm/spec-suite.js";

/** A command list: its folder and its name (unique across both folders). */
interface SuiteFile {
  readonly folder: SpecFolder;
  readonly name: string;
}

const FILES: SuiteFile[] = SPEC_FOLDERS.flatMap((folder) =>
  readdirSync(specSuiteDir(folder))
    .filter((name) => name.endsWith(".json"))
    .map((name) => ({ folder, name: name.slice(0, -".json".length) }))
    .sort((a, b) => a.name.localeCompare(b.name)),
);
const directory = specSuiteDir("spec-testsuite");

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
  for (const { folder, name } of FILES) {
    const options = { configurations: CONFIGURATIONS, executors, directory: specSuiteDir(folder) };
    results.push(...(await runSpecFile(name, options)));
  }
  console.log(`spec suite (${FILES.length} files)\n${formatSpecTable(results)}`);
}, 600_000);
afterAll(() => executors.close());

it("has the 75 files README.txt lists, and the 15 of the 2.0 folder", () => {
  expect(FILES.filter((file) => file.folder === "spec-testsuite")).toHaveLength(75);
  const listed = readme().match(/^Files \((\d+) \.wast sources/m)?.[1];
  expect(Number(listed)).toBe(75);
  expect(FILES.filter((file) => file.folder === "spec-testsuite-2.0")).toHaveLength(15);
  expect(new Set(FILES.map((file) => file.name)).size).toBe(FILES.length);
});

describe.each(FILES.map((file) => [file.name, file] as const))("spec %s", (_, { folder, name: file }) => {
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

  it("skips no invocation for a post-1.0 feature: README.txt names only features the compiler compiles", () => {
    const listed = folder === "spec-testsuite" ? readmePostMvp().get(file) : undefined;
    const uncompiled = [...(listed?.features ?? [])].filter((feature) => !COMPILED_POST_MVP.has(feature));
    expect(uncompiled).toEqual([]);
    for (const { configuration, skips } of ofFile()) {
      const postMvp = skips.filter((s) => INVOCATIONS.includes(s.command) && s.reason.startsWith("post-1.0"));
      expect({ configuration, skipped: postMvp.map((s) => s.reason) }).toEqual({
        configuration,
        skipped: [],
      });
    }
  });
});

function readme(): string {
  return readFileSync(join(directory, "README.txt"), "utf8");
}
