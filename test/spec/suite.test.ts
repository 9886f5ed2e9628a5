// The whole WebAssembly spec suite beside the repository, both folders as test/wasm/spec-suite.ts
// finds them (75 files, and the 15 bulk-memory and reference-types files of the 2.0 folder), on
// both targets under all four strategies, and on V8 as an oracle, under the 2.0 profile: every
// command passes and none is skipped — binary modules through samestack's front end, the text-format
// assert_malformed modules through wabt's text parser, the modules beyond 2.0 (extended-const) judged
// invalid. V8 alone skips the invocations whose NaN bits cannot cross the JS boundary, counted here
// from the command lists. Under `native`, values differing in NaN bits alone are counted apart (not
// failures); assert_exhaustion must also overflow at the same location on both targets under
// intersect, frame and logical (src/spec/runner.ts compares them; under logical it must be the
// logical limit's). Under `logical` two skips are allowed, each with its reason and the same on both
// targets: a module the reference limiter refuses, and calls after a logical overflow left the
// instance's height raised.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Executors } from "../../emulators/executor.js";
import { STRATEGIES, TARGETS } from "../../src/compiler/target.js";
import {
  configurationName,
  runSpecFile,
  type SpecConfiguration,
  type SpecFileResult,
} from "../../src/spec/runner.js";
import { SKIP } from "../../src/spec/skips.js";
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

const EMULATED: SpecConfiguration[] = TARGETS.flatMap((executor) =>
  STRATEGIES.map((strategy) => ({ executor, strategy })),
);
const CONFIGURATIONS: SpecConfiguration[] = [...EMULATED, { executor: "v8", strategy: "native" }];

const isLogical = (configuration: string) => configuration.endsWith("/logical");
/** The two skips `logical` may make, with their reasons. */
const isLogicalSkip = (reason: string) =>
  reason === SKIP.heightKept || reason.startsWith(SKIP.limiterRejects(""));

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

it("checks the 567 text-format modules README.txt lists, and skips nothing on the emulated targets but logical's two skips", () => {
  const texts = FILES.flatMap((file) => commandsOf(file)).filter((c) => c.module_type === "text");
  expect(texts).toHaveLength(Number(readme().match(/, (\d+) \.wat\)/)?.[1]));
  const skipped = results
    .filter((r) => r.configuration !== "v8")
    .flatMap((r) =>
      Object.keys(r.skipped).filter((reason) => !(isLogical(r.configuration) && isLogicalSkip(reason))),
    );
  expect(skipped).toEqual([]);
});

describe.each(FILES.map((file) => [file.name, file] as const))("spec %s", (_, file) => {
  const ofFile = () => results.filter((r) => r.name === file.name);

  it("passes every command on both targets under every strategy and on V8", () => {
    expect(ofFile().map((r) => r.configuration)).toEqual(CONFIGURATIONS.map(configurationName));
    for (const { configuration, failures } of ofFile()) {
      expect({ configuration, failures }).toEqual({ configuration, failures: [] });
    }
  });

  it("skips nothing on the emulated targets but logical's two skips, and on V8 exactly the invocations with NaN bits", () => {
    for (const { configuration, skipped } of ofFile()) {
      if (isLogical(configuration)) {
        const unexpected = Object.keys(skipped).filter((reason) => !isLogicalSkip(reason));
        expect({ configuration, unexpected }).toEqual({ configuration, unexpected: [] });
        continue;
      }
      const expected = configuration === "v8" ? nanBitInvocations(file) : 0;
      const byReason = expected === 0 ? {} : { [SKIP.v8Nan]: expected };
      expect({ configuration, skipped }).toEqual({ configuration, skipped: byReason });
    }
    const [x64Logical, ...otherLogical] = ofFile().filter((r) => isLogical(r.configuration));
    for (const other of otherLogical) expect(other.skips).toEqual(x64Logical!.skips);
  });
});

interface Command {
  readonly type: string;
  readonly module_type?: string;
  readonly action?: { readonly type: string; readonly args?: readonly Value[] };
  readonly expected?: readonly Value[];
}
interface Value {
  readonly type: string;
  readonly value?: string;
}

function commandsOf({ folder, name }: SuiteFile): Command[] {
  const json = readFileSync(join(specSuiteDir(folder), `${name}.json`), "utf8");
  return (JSON.parse(json) as { commands: Command[] }).commands;
}

/** Invocations passing or expecting a float whose bits are a NaN (a NaN pattern is not bits). */
function nanBitInvocations(file: SuiteFile): number {
  const nanBits = ({ type, value }: Value) => {
    if ((type !== "f32" && type !== "f64") || value === undefined || value.startsWith("nan:")) return false;
    const bits = BigInt(value);
    if (type === "f32") return (bits & 0x7fff_ffffn) > 0x7f80_0000n;
    return (bits & 0x7fff_ffff_ffff_ffffn) > 0x7ff0_0000_0000_0000n;
  };
  return commandsOf(file).filter(
    (c) => c.action?.type === "invoke" && [...(c.action.args ?? []), ...(c.expected ?? [])].some(nanBits),
  ).length;
}

function readme(): string {
  return readFileSync(join(directory, "README.txt"), "utf8");
}
