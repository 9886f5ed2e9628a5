// The spec test suite's first folder under the 2.0 profile: every module it instantiates (and every
// assert_unlinkable and assert_uninstantiable module) is accepted, and the features the front end
// reports (ValidatedModule.features, which the reports list per module) are in exactly the modules
// that README.txt's inventory counts — written when the suite was converted, independently of
// samestack — with the features it names there.
// (Verdicts on every module of both folders: spec-verdicts.test.ts.)
import { beforeAll, describe, expect, it } from "vitest";
import { decodeModule } from "../../src/wasm/decoder.js";
import { FrontEndError } from "../../src/wasm/errors.js";
import type { Feature } from "../../src/wasm/features.js";
import { validateModule } from "../../src/wasm/validator.js";
import { type PostMvpEntry, readmePostMvp, readSpecFile, type SpecFile, specFiles } from "./spec-suite.js";

/** README.txt's name of each feature, for the narrower ones it does not tell apart. */
const README_NAME: Readonly<Record<Feature, string>> = {
  "sign-extension": "sign-extension",
  "saturating-float-to-int": "saturating-float-to-int",
  "multi-value": "multi-value",
  "bulk-memory": "bulk-memory",
  "bulk-memory-opt": "bulk-memory",
  "reference-types": "reference-types",
  "call-indirect-overlong": "reference-types",
  "extended-const": "extended-const",
};

/** README.txt's names, its "data-explicit-memidx" (a data segment with flags 2) being bulk memory's. */
function readmeFeatures(entry: PostMvpEntry): Set<string> {
  return new Set([...entry.features].map((name) => (name === "data-explicit-memidx" ? "bulk-memory" : name)));
}

describe("spec test suite, binary modules", () => {
  let files: SpecFile[];
  let readme: ReadonlyMap<string, PostMvpEntry>;
  let accepted = 0;
  const refused: string[] = [];
  /** Per file: its module commands, those with post-1.0 features, and the features. */
  const found = new Map<string, { modules: number; totalModules: number; features: Set<string> }>();

  beforeAll(() => {
    files = specFiles();
    readme = readmePostMvp();
    for (const file of files) {
      const perFile = { modules: 0, totalModules: 0, features: new Set<string>() };
      found.set(file.name, perFile);
      for (const command of file.commands) {
        const loads = ["module", "assert_unlinkable", "assert_uninstantiable"].includes(command.type);
        if (!loads || command.filename === undefined) continue;
        let features: readonly string[];
        try {
          features = validateModule(decodeModule(readSpecFile(command.filename))).features.map(
            (use) => README_NAME[use.feature],
          );
          accepted++;
        } catch (error) {
          if (!(error instanceof FrontEndError)) throw error;
          refused.push(`${command.filename} (${file.name}.wast:${command.line}): ${error.message}`);
          continue;
        }
        if (command.type !== "module") continue;
        perFile.totalModules++;
        if (features.length > 0) perFile.modules++;
        for (const feature of features) perFile.features.add(feature);
      }
    }
  });

  it("reads all 75 files", () => {
    expect(files).toHaveLength(75);
  });

  it("accepts every module, and every assert_unlinkable and assert_uninstantiable module", () => {
    expect(refused).toEqual([]);
    expect(accepted).toBeGreaterThan(900);
  });

  it("finds post-1.0 features in the modules README.txt counts, and the features it names", () => {
    const mismatches: string[] = [];
    for (const [file, ours] of found) {
      const listed = readme.get(file);
      const expected = listed
        ? { modules: listed.modules, totalModules: listed.totalModules, features: readmeFeatures(listed) }
        : { modules: 0, totalModules: ours.totalModules, features: new Set<string>() };
      const text = (e: typeof ours) =>
        `${e.modules}/${e.totalModules} modules (${[...e.features].sort().join(" ") || "none"})`;
      if (text(ours) !== text(expected)) mismatches.push(`${file}: ${text(ours)}; README: ${text(expected)}`);
    }
    expect(mismatches).toEqual([]);
    expect(readme.size).toBe(24);
  });
});
