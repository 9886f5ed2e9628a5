// Regressions: a shrunk counterexample as `<id>.wat` (printed by wabt) with a JSON sidecar saying
// what failed — property, strategy, seed, targets, the entry invocation and the differing evidence —
// so that properties/regressions.test.ts can replay it forever after.
import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { type Strategy, TARGETS, type Target } from "../compiler/index.js";
import type { Invocation } from "../verify/dynamic.js";
import { makeOutputFolder, packageRoot } from "../verify/files.js";
import { decodeModule, validateModule, watToBinary } from "../wasm/index.js";
import { moduleToWat } from "./generators/wat.js";
import type { CaseInput, PropertyName } from "./properties.js";
import { caseOf, type TestCase } from "./test-case.js";
import type { Verdict } from "./verdict.js";

export const REGRESSIONS_DIR = path.join(packageRoot(), "corpus/regressions");

export interface RegressionSidecar {
  readonly property: PropertyName;
  readonly strategy: Strategy;
  readonly seed: number | null;
  readonly targets: readonly Target[];
  readonly entry: Invocation;
  readonly globals: readonly string[];
  readonly nanBitsVisible: boolean;
  /** P3's stack limits, as fractions of the deepest depth reached. */
  readonly limitFractions: readonly number[];
  readonly reason: string;
  readonly evidence: unknown;
}

/** The sidecar of a case generated from `input` that failed `property` with `verdict`. */
export function sidecarOf(
  property: PropertyName,
  input: CaseInput,
  verdict: Verdict & { status: "fail" },
  seed: number | null,
): RegressionSidecar {
  const testCase = caseOf(input.desc);
  return {
    property,
    strategy: input.strategy,
    seed,
    targets: TARGETS,
    entry: testCase.entry,
    globals: testCase.globals,
    nanBitsVisible: testCase.nanBitsVisible,
    limitFractions: input.limitFractions,
    reason: verdict.reason,
    evidence: verdict.evidence,
  };
}

/** A shrunk counterexample: its module as WAT and what failed. */
export interface Counterexample {
  readonly wat: string;
  readonly sidecar: RegressionSidecar;
}

/** The counterexample of `testCase` failing as `sidecar` says. */
export async function counterexampleOf(
  testCase: TestCase,
  sidecar: RegressionSidecar,
): Promise<Counterexample> {
  return { wat: await moduleToWat(testCase.bytes), sidecar };
}

/** Writes `<id>.wat` and `<id>.json` into `dir`; the id is a hash of the module and what failed. */
export async function writeRegression(dir: string, found: Counterexample): Promise<string> {
  const { wat } = found;
  const { property, strategy } = found.sidecar;
  const id = `${property}-${strategy}-${createHash("sha256").update(wat).update(JSON.stringify(found.sidecar.entry)).digest("hex").slice(0, 12)}`;
  await makeOutputFolder(dir);
  await writeFile(path.join(dir, `${id}.wat`), wat);
  await writeFile(path.join(dir, `${id}.json`), `${JSON.stringify(found.sidecar, jsonValue, 2)}\n`);
  return id;
}

function jsonValue(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

export interface StoredRegression {
  readonly id: string;
  readonly testCase: TestCase;
  readonly sidecar: RegressionSidecar;
}

/** Every regression in `dir` (none when it does not exist), in id order. */
export async function readRegressions(dir: string): Promise<StoredRegression[]> {
  const files = await readdir(dir).catch(() => [] as string[]);
  // A regression is its module and the JSON of the same name; other files (an invocation sidecar
  // of `check`) are not regressions.
  const ids = files
    .filter((f) => f.endsWith(".wat"))
    .map((f) => f.slice(0, -".wat".length))
    .sort();
  return Promise.all(
    ids.map(async (id) => {
      const sidecar = JSON.parse(await readFile(path.join(dir, `${id}.json`), "utf8")) as RegressionSidecar;
      const watPath = path.join(dir, `${id}.wat`);
      const bytes = await watToBinary(await readFile(watPath, "utf8"), watPath);
      const testCase: TestCase = {
        bytes,
        validated: validateModule(decodeModule(bytes)),
        entry: sidecar.entry,
        globals: sidecar.globals,
        nanBitsVisible: sidecar.nanBitsVisible,
      };
      return { id, testCase, sidecar };
    }),
  );
}
