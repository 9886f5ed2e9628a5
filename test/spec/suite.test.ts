// The whole WebAssembly spec suite beside the repository, both folders as test/wasm/spec-suite.ts
// finds them (75 files, and the 15 bulk-memory and reference-types files of the 2.0 folder), on
// both targets under all three strategies, and on V8 as an oracle: every command passes except the
// post-1.0 ones the compiler does not compile yet and the text-format modules, which are skipped
// (V8 also skips values whose NaN bits cannot cross the JS boundary). The skipped invocations are
// those the first folder's README.txt (written when the suite was converted, independently of
// samestack) says need post-1.0 features — except reference types and bulk memory, which the
// compiler compiles: their expected skips are 0, so a file README lists with only those features
// skips nothing, one listed with others too skips fewer than its count but some, and the 2.0
// folder skips nothing but text-format modules. Under `native`, values differing in NaN bits alone
// are counted apart (not failures); assert_exhaustion must also overflow at the same location on
// both targets under intersect and frame (src/spec/runner.ts compares them).
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
import { SPEC_FOLDERS, type SpecFolder, specSuiteDir } from "../wasm/spec-suite.js";

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

/** README.txt's names of the features the compiler compiles (bulk memory, reference types, and their uses). */
const COMPILED_FEATURES: ReadonlySet<string> = new Set([
  "reference-types",
  "bulk-memory",
  "bulk-memory/reference-types",
  "data-explicit-memidx",
]);

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

  it("skips the invocations README.txt lists as needing post-1.0 features, none for those the compiler compiles", () => {
    const listed = folder === "spec-testsuite" ? readmeInventory().get(file) : undefined;
    const marked = [...(listed?.features ?? [])].filter((feature) => !COMPILED_FEATURES.has(feature));
    for (const { configuration, skips } of ofFile()) {
      const postMvp = skips.filter((s) => INVOCATIONS.includes(s.command) && s.reason.startsWith("post-1.0"));
      const compiled = postMvp.filter((s) =>
        [...COMPILED_FEATURES].some((feature) => s.reason === SKIP.postMvp(feature)),
      );
      expect({ configuration, compiled: compiled.length }).toEqual({ configuration, compiled: 0 });
      const count = listed?.invocations ?? 0;
      if (marked.length === 0 || marked.length === listed!.features.size) {
        const expected = marked.length === 0 ? 0 : count;
        expect({ configuration, skipped: postMvp.length }).toEqual({ configuration, skipped: expected });
      } else {
        expect({ configuration, fewer: postMvp.length <= count, some: postMvp.length > 0 }).toEqual({
          configuration,
          fewer: true,
          some: count > 0,
        });
      }
    }
  });
});

function readme(): string {
  return readFileSync(join(directory, "README.txt"), "utf8");
}

/** README.txt: "  block  modules using post-1.0 features: 1/1; invocations needing them: 12/52 (multi-value)". */
function readmeInventory(): Map<string, { invocations: number; features: ReadonlySet<string> }> {
  const inventory = new Map<string, { invocations: number; features: ReadonlySet<string> }>();
  for (const match of readme().matchAll(
    /^\s+(\S+)\s+modules using post-1\.0 features: \d+\/\d+; invocations needing them: (\d+)\/\d+ \((.*)\)\s*$/gm,
  )) {
    inventory.set(match[1]!, { invocations: Number(match[2]), features: new Set(match[3]!.split(/\s+/)) });
  }
  return inventory;
}
