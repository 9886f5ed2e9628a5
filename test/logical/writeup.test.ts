// The write-up's 9-argument case under `logical`: `samestack verify` gives
// the same logical overflow instruction on both targets for every native limit at or above S, and a
// native divergence below it. Real runs at limits on both sides confirm it, independently of the
// profiles the verdict comes from.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/main.js";
import { TARGETS } from "../../src/compiler/target.js";
import { loadModule } from "../../src/wasm/index.js";
import type { Outcome } from "../../src/wasm/outcome.js";
import { runCli } from "../cli/capture.js";
import { i32, limitedFrom, runPlain } from "./harness.js";

const writeup = path.resolve(import.meta.dirname, "../../corpus/writeup-9-args.wat");
/** Small, so the recursion to the limit is short; deep(1000) recurses past it. */
const LIMIT = 600;
const DEPTH = 1000;

describe("samestack verify of the write-up's case under logical", async () => {
  const result = await runCli(
    "verify",
    writeup,
    "--strategy",
    "logical",
    "--logical-limit",
    String(LIMIT),
    "--export",
    "deep",
    "--args",
    String(DEPTH),
    "--json",
  );
  const verdict = JSON.parse(result.stdout);
  const S = Math.max(...verdict.certificate.targets.map((t: { S: number }) => t.S));
  const module = limitedFrom(await loadModule(writeup), { limit: LIMIT });
  const run = (target: (typeof TARGETS)[number], stackLimit: number) =>
    runPlain(module, target, "deep", [i32(DEPTH)], stackLimit);

  it("is deterministic: the same logical overflow on both targets, every prediction confirmed", () => {
    expect(result.code).toBe(EXIT.ok);
    expect(verdict.deterministic).toBe(true);
    const { x64, aarch64 } = verdict.dynamic.outcomes;
    expect(x64).toMatchObject({ outcome: "trap", trap: "stack_overflow", overflow: "logical" });
    // The instructions executed are each target's own count, never compared.
    const { executed: _x64, ...x64Outcome } = x64;
    const { executed: _aarch64, ...aarch64Outcome } = aarch64;
    expect(aarch64Outcome).toEqual(x64Outcome);
    expect(verdict.native.logicalOverflow).toEqual(x64.location);
    // The overflow is at a call of the original module.
    const code = module.original.module.bodies[x64.location.funcIndex]!.code;
    expect(code[x64.location.instrIndex]!.op).toBe("call");
  });

  it("has a native divergence below the native stack the run needed, none at or above it, and that below S", () => {
    const { divergentLimits, nativeFirstBelow } = verdict.native;
    expect(divergentLimits.length).toBeGreaterThan(0);
    for (const range of divergentLimits) expect(range.to).not.toBeNull();
    expect(Math.max(...divergentLimits.map((r: { to: number }) => r.to))).toBeLessThanOrEqual(
      nativeFirstBelow,
    );
    expect(nativeFirstBelow).toBeLessThanOrEqual(S);
  });

  it("real runs at native limits from S up overflow logically at the same instruction on both targets", () => {
    for (const limit of [S, S + 16, S + 4096, 2 * S]) {
      const [x64, aarch64] = TARGETS.map((target) => run(target, limit));
      expect(x64, `limit ${limit}`).toMatchObject({ trap: "stack_overflow", overflow: "logical" });
      expect(aarch64, `limit ${limit}`).toEqual(x64);
    }
  });

  it("real runs below it overflow natively first, at different points on the two targets", () => {
    const from = verdict.native.divergentLimits[0].from as number;
    const limit = Math.max(16, from);
    const [x64, aarch64] = TARGETS.map((target) => run(target, limit)) as [Outcome, Outcome];
    expect(x64).toMatchObject({ trap: "stack_overflow", overflow: "native" });
    expect(aarch64).toMatchObject({ trap: "stack_overflow", overflow: "native" });
    expect(aarch64).not.toEqual(x64);
  });

  it("prints the certificate and the verdict for every native limit", async () => {
    const text = await runCli(
      "verify",
      writeup,
      "--strategy",
      "logical",
      "--logical-limit",
      String(LIMIT),
      "--export",
      "deep",
      "--args",
      String(DEPTH),
    );
    expect(text.code).toBe(EXIT.ok);
    expect(text.stdout).toMatch(/x64: L 600, k [\d.]+ B\/unit, c \d+ B, S \d+ B; 128× rule holds/);
    expect(text.stdout).toMatch(/aarch64: L 600, k [\d.]+ B\/unit/);
    expect(text.stdout).toMatch(
      /the same logical overflow at f\d+ #\d+ on every target; below \d+ B a native overflow comes first/,
    );
    expect(text.stdout).toContain("verdict: deterministic");
  });
});
