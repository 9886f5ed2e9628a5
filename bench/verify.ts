/**
 * Stack verification figures: (1) the for-all-limits verdict from one recorded run per target against the
 * naive method — one real run per 16-byte limit up to the maximum depth, on each target — on three
 * recursive programs. (Recorded against plain execution is bench/execution.ts.) (2) The static
 * verifier's throughput in decoded machine instructions per second, per target, on the largest spec
 * modules and on corpus/real's programs.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { decodeColumns } from "../emulators/disasm/columns.js";
import { CODE_BASE } from "../emulators/runtime/layout.js";
import { type Instance, Runner } from "../emulators/runtime/runner.js";
import type { Artifact } from "../src/compiler/artifact.js";
import { compileModule } from "../src/compiler/compile.js";
import { TARGETS, type Target } from "../src/compiler/target.js";
import { recordProfile } from "../src/verify/dynamic.js";
import { compareProfiles } from "../src/verify/profile.js";
import { verifyArtifact } from "../src/verify/static.js";
import { loadModule } from "../src/wasm/index.js";
import type { ValidatedModule } from "../src/wasm/ir.js";
import type { Outcome, WasmValue } from "../src/wasm/outcome.js";
import { largestSpecModules } from "./compiler.js";
import { alternated, cpuMeasure, cpuTimed, formatDuration, median } from "./stats.js";

const corpus = path.resolve(import.meta.dirname, "../corpus");

const programs: { file: string; exportName: string; args: WasmValue[] }[] = [
  { file: "factorial-recursive.wat", exportName: "fac", args: [{ type: "i64", value: "150" }] },
  { file: "mutual-recursion.wat", exportName: "is_even", args: [{ type: "i32", value: "200" }] },
  { file: "writeup-9-args.wat", exportName: "deep", args: [{ type: "i32", value: "60" }] },
];

async function instances(file: string): Promise<Record<Target, Instance>> {
  const validated = await loadModule(path.join(corpus, file));
  const entries = TARGETS.map((target) => {
    const artifact = compileModule(validated, {
      target,
      strategy: "intersect",
      layout: { codeBase: BigInt(CODE_BASE) },
    });
    const instantiated = new Runner(target).instantiate(artifact);
    if (!instantiated.ok) throw new Error(`cannot instantiate ${file}`);
    return [target, instantiated.instance] as const;
  });
  return Object.fromEntries(entries) as Record<Target, Instance>;
}

export async function verifyBench(): Promise<void> {
  await staticThroughput();
  await forAllLimits();
}

const STATIC_ROUNDS = 15;

/** Instructions Capstone decodes in the artifact's functions (what the verifier reads). */
function decodedInstructions(artifact: Artifact): number {
  const starts = Uint32Array.from(artifact.entries.slice(artifact.imports.length));
  return decodeColumns(artifact.target, artifact.code, artifact.codeBase, starts).count;
}

/**
 * `verifyArtifact` over every module of a set, per target, under `intersect`: the first round (the
 * helper decodes with Capstone each instruction it has not met before in this process, earlier
 * sets included) and the median of the rounds after it.
 */
async function staticThroughput(): Promise<void> {
  const realFolder = path.join(corpus, "real");
  const real = await Promise.all(
    readdirSync(realFolder)
      .filter((name) => name.endsWith(".wasm"))
      .map((name) => loadModule(path.join(realFolder, name))),
  );
  const sets: [string, ValidatedModule[]][] = [
    ["8 largest spec modules", largestSpecModules(8).map((m) => m.validated)],
    [`corpus/real (${real.length} programs)`, real],
  ];
  console.log(
    `static verifier, decoded instructions/s, x64 / AArch64 [goal ≥ 5 M], intersect, CPU time, first round / median of ${STATIC_ROUNDS} after it:`,
  );
  for (const [name, modules] of sets) {
    const figures = TARGETS.map((target) => {
      const artifacts = modules.map((validated) =>
        compileModule(validated, { target, strategy: "intersect", layout: { codeBase: BigInt(CODE_BASE) } }),
      );
      const verifyAll = () => {
        for (const artifact of artifacts) verifyArtifact(artifact);
      };
      const first = cpuTimed(verifyAll).ms;
      const time = median(cpuMeasure(verifyAll, STATIC_ROUNDS, 0));
      const instructions = artifacts.reduce((sum, artifact) => sum + decodedInstructions(artifact), 0);
      const rate = (ms: number) => `${(instructions / ms / 1000).toFixed(2)} M`;
      return `${target} ${rate(first)} / ${rate(time)} (${instructions.toLocaleString("en")} instructions, ${formatDuration(time)})`;
    });
    console.log(`  ${name}: ${figures.join("; ")}`);
  }
}

/** Alternated samples of the two ways; a pair of profiles takes 0.1–0.3 ms, too little to time alone. */
const FOR_ALL_ROUNDS = 7;
const PROFILES_PER_SAMPLE = 16;

async function forAllLimits(): Promise<void> {
  console.log(
    `for-all-limits verdict: profiles (1 recorded run per target) vs naive (1 run per 16-byte limit per target), CPU time, medians of ${FOR_ALL_ROUNDS} alternated samples:`,
  );
  for (const { file, exportName, args } of programs) {
    const instance = await instances(file);
    const invocation = { exportName, args };
    let maxDepth = 0;
    const viaProfiles = () => {
      const [x64, aarch64] = TARGETS.map((target) => recordProfile(instance[target], invocation));
      if (!x64 || !aarch64 || !("profile" in x64) || !("profile" in aarch64)) throw new Error("no profile");
      maxDepth = x64.profile.maxDepth;
      return compareProfiles(x64.profile, aarch64.profile).identical;
    };
    viaProfiles(); // sets maxDepth, which the naive way's limits go up to
    const naive = () => {
      const points: Outcome[][] = TARGETS.map(() => []);
      for (let limit = 16; limit <= maxDepth; limit += 16) {
        for (const [i, target] of TARGETS.entries()) {
          points[i]!.push(instance[target].invoke(exportName, args, { stackLimit: limit }));
        }
      }
      return JSON.stringify(points[0]) === JSON.stringify(points[1]);
    };
    const [profileTime, naiveTime] = alternated(viaProfiles, naive, FOR_ALL_ROUNDS, [PROFILES_PER_SAMPLE, 1]);
    console.log(
      `  ${file} ${exportName}: max depth ${maxDepth} B (${maxDepth / 16} limits); profiles ${formatDuration(profileTime)}, ` +
        `naive ${formatDuration(naiveTime)}: ${(naiveTime / profileTime).toFixed(0)}× faster (goal ≥ 50×)`,
    );
    for (const target of TARGETS) instance[target].close();
  }
}
