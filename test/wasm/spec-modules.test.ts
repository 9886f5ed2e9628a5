// The marks that keep the rest of samestack as it was before the front end read WebAssembly 2.0
// (FunctionInfo.unsupported, Module.postMvp, refuseUnsupportedModule): through them, the modules and
// invocations of the spec test suite's first folder that meet post-1.0 features are those its
// README.txt inventory counts — less those of the features the compiler compiles, which the front end
// no longer marks: today every feature README names, so no file meets any.
// (Verdicts on every module of both folders, without the marks: spec-verdicts.test.ts.)
import { beforeAll, describe, expect, it } from "vitest";
import { decodeModule } from "../../src/wasm/decoder.js";
import { FrontEndError, UnsupportedFeature } from "../../src/wasm/errors.js";
import type { UnsupportedUse, ValidatedModule } from "../../src/wasm/ir.js";
import { postMvpReach } from "../../src/wasm/reach.js";
import { refuseUnsupportedModule } from "../../src/wasm/refusal.js";
import { postMvpUses, validateModule } from "../../src/wasm/validator.js";
import {
  INVOCATIONS,
  type PostMvpEntry,
  readmePostMvp,
  readSpecFile,
  type SpecCommand,
  type SpecFile,
  specFiles,
} from "./spec-suite.js";

type Result =
  | { readonly accepted: ValidatedModule; readonly features: string[] }
  | { readonly error: FrontEndError };

function load(bytes: Uint8Array): Result {
  try {
    const accepted = refuseUnsupportedModule(validateModule(decodeModule(bytes)));
    return { accepted, features: postMvpFeatures(accepted) };
  } catch (error) {
    if (error instanceof FrontEndError) return { error };
    throw error;
  }
}

function postMvpFeatures(validated: ValidatedModule): string[] {
  return [...new Set(postMvpUses(validated).map((use) => use.feature))];
}

/** The features that explain why an expected rejection did not happen, or null if none do. */
function skipReason(result: Result): string[] | null {
  if ("error" in result) return result.error instanceof UnsupportedFeature ? [result.error.feature] : null;
  return result.features.length > 0 ? result.features : null;
}

class Tally {
  accepted = 0;
  readonly skipped = new Map<string, number>();
  readonly failures: string[] = [];

  skip(features: readonly string[]): void {
    const key = features.join("+");
    this.skipped.set(key, (this.skipped.get(key) ?? 0) + 1);
  }
}

describe("spec test suite, binary modules", () => {
  let files: SpecFile[];
  let readme: ReadonlyMap<string, PostMvpEntry>;
  const modules = new Tally();
  /** Per file, what this front end finds, in the shape of README.txt's inventory. */
  const found = new Map<string, PostMvpEntry & { features: Set<string> }>();
  let textCases = 0;

  beforeAll(() => {
    files = specFiles();
    readme = readmePostMvp();
    for (const file of files) {
      const perFile = {
        modules: 0,
        totalModules: 0,
        invocations: 0,
        totalInvocations: 0,
        features: new Set<string>(),
      };
      found.set(file.name, perFile);
      /** The current module and the named ones, with what each function may reach; null if refused. */
      let current: Loaded | null = null;
      const named = new Map<string, Loaded | null>();
      for (const command of file.commands) {
        if (INVOCATIONS.has(command.type)) {
          const action = command.action!;
          perFile.totalInvocations++;
          if (needsPostMvp(action.module === undefined ? current : named.get(action.module)!, action)) {
            perFile.invocations++;
          }
          continue;
        }
        if (command.filename === undefined) continue;
        const where = `${command.filename} (${file.name}.wast:${command.line})`;
        if (command.module_type === "text") {
          textCases++;
          continue;
        }
        const result = load(readSpecFile(command.filename));
        const features = skipReason(result);
        switch (command.type) {
          case "module":
          case "assert_unlinkable":
          case "assert_uninstantiable":
            if (command.type === "module") {
              perFile.totalModules++;
              current =
                "accepted" in result
                  ? { validated: result.accepted, reach: postMvpReach(result.accepted) }
                  : null;
              if (command.name !== undefined) named.set(command.name, current);
            }
            if (features) {
              modules.skip(features);
              if (command.type === "module") perFile.modules++;
              for (const feature of features) perFile.features.add(feature);
            } else if ("accepted" in result) modules.accepted++;
            else modules.failures.push(`${where}: ${result.error.message}`);
            break;
        }
      }
    }
    const skipped = (tally: Tally) =>
      [...tally.skipped].map(([feature, count]) => `${feature} ${count}`).join(", ") || "none";
    console.log(
      [
        `spec modules: ${modules.accepted} accepted; skipped as post-1.0: ${skipped(modules)}`,
        `text-format assert_malformed: ${textCases} not run (out of scope: .wat parsing is wabt's)`,
      ].join("\n"),
    );
  });

  it("reads all 75 files", () => {
    expect(files).toHaveLength(75);
  });

  it("accepts every module (and every assert_unlinkable/assert_uninstantiable module) or names its post-1.0 feature", () => {
    expect(modules.failures).toEqual([]);
    expect(modules.accepted).toBeGreaterThan(900);
  });

  it("finds post-1.0 features in the modules and invocations README.txt counts, but for those the compiler compiles", () => {
    const mismatches: string[] = [];
    for (const [file, ours] of found) {
      const listed = readme.get(file) ?? {
        ...ours,
        modules: 0,
        invocations: 0,
        features: new Set<string>(),
      };
      const marked = [...listed.features].filter((feature) => !COMPILED_FEATURES.has(feature));
      const count = (e: PostMvpEntry) =>
        `${e.modules}/${e.totalModules} modules, ${e.invocations}/${e.totalInvocations} invocations`;
      const compiledOnly = marked.length === 0;
      const exact = marked.length === listed.features.size;
      const expected = compiledOnly ? { ...listed, modules: 0, invocations: 0 } : listed;
      const counts =
        exact || compiledOnly
          ? count(ours) === count(expected)
          : ours.modules <= listed.modules && ours.invocations <= listed.invocations && ours.modules > 0;
      if (!counts)
        mismatches.push(`${file}: ${count(ours)}; README: ${count(listed)} (${[...listed.features]})`);
      const unlisted = [...ours.features].filter((feature) => !marked.includes(feature));
      if (unlisted.length > 0)
        mismatches.push(`${file}: features ${unlisted} not among README's still marked ones (${marked})`);
    }
    expect(mismatches).toEqual([]);
    expect(readme.size).toBe(24);
  });
});

/** README.txt's names of the features the compiler compiles: all it names. */
const COMPILED_FEATURES: ReadonlySet<string> = new Set([
  "sign-extension",
  "saturating-float-to-int",
  "multi-value",
  "reference-types",
  "bulk-memory",
  "data-explicit-memidx",
]);

interface Loaded {
  readonly validated: ValidatedModule;
  readonly reach: readonly (UnsupportedUse | null)[];
}

/** Whether running an export means running post-1.0 code (or a module the front end refused). */
function needsPostMvp(target: Loaded | null, action: NonNullable<SpecCommand["action"]>): boolean {
  if (target === null) return true;
  const { module } = target.validated;
  const exported = module.exports.find((e) => e.name === action.field);
  if (exported === undefined) throw new Error(`no export "${action.field}"`);
  if (exported.kind === "func") return target.reach[exported.index] !== null;
  if (exported.kind !== "global") return false;
  const imported = module.imports.flatMap((imp) => (imp.desc.kind === "global" ? [imp.desc.type] : []));
  const type = imported[exported.index] ?? module.globals[exported.index - imported.length]!.type;
  return type.unsupported !== undefined;
}
