// `samestack fuzz`: summary.json with counts per property and the seed range, exit codes, shards
// that split the seeds and merge, and counterexamples written under --out and into the corpus.
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { type CommandContext, EXIT, type Io } from "../../src/cli/context.js";
import { registerFuzz } from "../../src/cli/fuzz-command.js";
import { type FuzzSummary, mergeSummaries } from "../../src/fuzz/summary.js";

async function fuzz(...argv: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: Io = { stdout: (t) => stdout.push(t), stderr: (t) => stderr.push(t), isTty: false };
  const context: CommandContext = { io, exitCode: EXIT.ok };
  const program = new Command("samestack")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  registerFuzz(program, context);
  await program.parseAsync(["fuzz", ...argv], { from: "user" });
  return { code: context.exitCode, stdout: stdout.join(""), stderr: stderr.join("") };
}

async function summaryIn(dir: string): Promise<FuzzSummary> {
  return JSON.parse(await readFile(path.join(dir, "summary.json"), "utf8")) as FuzzSummary;
}

describe("samestack fuzz", () => {
  it("runs the properties under intersect and frame, writes summary.json and exits 0", async () => {
    const out = await mkdtemp(path.join(tmpdir(), "fuzz-"));
    const result = await fuzz("--seed", "7", "--runs", "6", "--workers", "2", "--out", out, "--no-save");
    expect(result.code, result.stdout + result.stderr).toBe(EXIT.ok);
    const summary = await summaryIn(out);
    expect(summary.casesRun).toBe(6);
    expect(summary.seedRanges).toEqual([{ first: 7, stride: 1, count: 6 }]);
    expect(summary.strategies).toEqual(["intersect", "frame"]);
    expect(summary.failures).toEqual([]);
    for (const counts of Object.values(summary.properties)) expect(counts.passed + counts.skipped).toBe(6);
    expect(summary.casesPerSecond).toBeGreaterThan(0);
    expect(result.stdout).toMatch(/P1 outcomes\s+ok/);
    expect(result.stderr).toMatch(/6\/6 cases/);
  });

  it("splits the seeds between shards, and their summaries merge", async () => {
    const [a, b] = [await mkdtemp(path.join(tmpdir(), "fuzz-")), await mkdtemp(path.join(tmpdir(), "fuzz-"))];
    await fuzz("--seed", "100", "--runs", "3", "--shard", "0/2", "--workers", "1", "--out", a, "--no-save");
    await fuzz("--seed", "100", "--runs", "3", "--shard", "1/2", "--workers", "1", "--out", b, "--no-save");
    const merged = mergeSummaries([await summaryIn(a), await summaryIn(b)]);
    expect(merged.casesRun).toBe(6);
    expect(merged.seedRanges).toEqual([
      { first: 100, stride: 2, count: 3 },
      { first: 101, stride: 2, count: 3 },
    ]);
    expect(merged.properties.outcomes.passed + merged.properties.outcomes.skipped).toBe(6);
  });

  it("under native finds the profile divergence, exits 1 and writes one shrunk counterexample", async () => {
    const out = await mkdtemp(path.join(tmpdir(), "fuzz-"));
    const corpus = await mkdtemp(path.join(tmpdir(), "corpus-"));
    const result = await fuzz(
      "--runs",
      "8",
      "--strategy",
      "native",
      "--workers",
      "2",
      "--out",
      out,
      "--corpus",
      corpus,
    );
    expect(result.code).toBe(EXIT.diverged);
    const summary = await summaryIn(out);
    expect(summary.properties.profiles.failed).toBeGreaterThan(0);
    expect(summary.properties.outcomes.failed).toBe(0);
    const shrunkOnes = summary.failures.filter((f) => f.property === "profiles" && f.regression !== null);
    expect(shrunkOnes).toHaveLength(1);
    const shrunk = shrunkOnes[0];
    expect(await readdir(corpus)).toContain(`${shrunk!.regression}.wat`);
    expect(await readdir(path.join(out, "regressions"))).toContain(`${shrunk!.regression}.json`);
    expect(result.stdout).toMatch(/P2 profiles\s+FAIL/);
    expect(result.stdout).toContain(
      `replay: samestack fuzz --seed ${shrunk!.caseSeed} --runs 1 --strategy native`,
    );
  });

  it("checks only the properties asked for", async () => {
    const out = await mkdtemp(path.join(tmpdir(), "fuzz-"));
    const result = await fuzz(
      "--runs",
      "2",
      "--properties",
      "outcomes",
      "--workers",
      "1",
      "--out",
      out,
      "--no-save",
    );
    expect(result.code).toBe(EXIT.ok);
    const summary = await summaryIn(out);
    expect(summary.properties.outcomes.passed + summary.properties.outcomes.skipped).toBe(2);
    expect(summary.properties.profiles).toEqual({ passed: 0, skipped: 0, failed: 0 });
    expect(result.stdout).toMatch(/P1 outcomes/);
    expect(result.stdout).not.toMatch(/P2 profiles/);
    await expect(fuzz("--properties", "outcomes,bogus")).rejects.toThrow(/comma-separated list of outcomes/);
  });

  it("rejects --runs with --time and a malformed shard", async () => {
    await expect(fuzz("--runs", "1", "--time", "1s", "--no-save")).rejects.toThrow(/--runs or --time/);
    await expect(fuzz("--shard", "2/2")).rejects.toThrow();
  });
});
