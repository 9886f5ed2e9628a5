// `check --strategy logical`: the corpus passes, and its reports show L,
// k, S and Polkadot's 128-byte rule for every module on both targets; the module whose parameters
// the reference's cost model leaves out is flagged, and --count-params cures it; the gate fails a
// module whose native stack is below what its logical limit needs.
import { copyFile, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ModuleResult } from "../../src/check/check.js";
import { EXIT } from "../../src/cli/main.js";
import { TARGETS } from "../../src/compiler/target.js";
import { checkReport } from "../../src/report/schema.js";
import { runCli } from "../cli/capture.js";

const corpus = path.resolve(import.meta.dirname, "../../corpus");
const UNCOUNTED = "uncounted-params.wat";

async function checked(...args: string[]): Promise<{ code: number; stdout: string; out: string }> {
  const out = await mkdtemp(path.join(tmpdir(), "samestack-logical-"));
  const result = await runCli("check", ...args, "--strategy", "logical", "--out", out);
  return { code: result.code, stdout: result.stdout, out };
}

/** The JSON report, valid against the schema. */
async function reportOf(out: string): Promise<{ modules: ModuleResult[] }> {
  const json = JSON.parse(await readFile(path.join(out, "report.json"), "utf8"));
  expect(checkReport(json)).toMatchObject({ ok: true });
  return json;
}

describe("check corpus/ --strategy logical", async () => {
  const run = await checked(corpus);
  const report = await reportOf(run.out);

  it("passes", () => {
    expect(run.stdout).toMatch(/^PASS: On every module the logical limit trips before/m);
    expect(run.code).toBe(EXIT.ok);
  });

  it("certifies every module on both targets: L, k, c, S and the 128-byte rule", () => {
    expect(report.modules.length).toBeGreaterThan(30);
    for (const module of report.modules) {
      const { certificate, stackLimit, tripsFirst } = module.logical!;
      expect(certificate.logicalLimit).toBe(65_536);
      expect(certificate.targets.map((t) => t.target)).toEqual([...TARGETS]);
      for (const t of certificate.targets) {
        // S is k·L + c rounded up to 16 bytes.
        expect(t.S % 16, module.path).toBe(0);
        expect(t.S, module.path).toBeGreaterThanOrEqual(t.k * certificate.logicalLimit + t.c - 1e-6);
        expect(t.S, module.path).toBeLessThan(t.k * certificate.logicalLimit + t.c + 16);
        expect(t.rule128.holds).toBe(t.S <= 128 * certificate.logicalLimit);
        expect(t.S).toBeLessThanOrEqual(stackLimit);
      }
      expect(tripsFirst).toBe(true);
      // Every executed step kept the bound (else an internal error): the recorded depths are within S.
      for (const invocation of module.invocations) {
        invocation.perTarget.forEach((onTarget, i) => {
          expect(onTarget.profile!.maxDepth).toBeLessThanOrEqual(certificate.targets[i]!.S);
        });
      }
    }
  });

  it("shows the certificate in the Markdown and HTML reports", async () => {
    const markdown = await readFile(path.join(run.out, "summary.md"), "utf8");
    const html = await readFile(path.join(run.out, "report.html"), "utf8");
    expect(markdown).toContain("### Logical limit");
    for (const module of report.modules) {
      expect(markdown).toMatch(
        new RegExp(`^\\| ${module.path.replace(/[-/.]/g, "\\$&")} \\| 65536 \\|`, "m"),
      );
    }
    expect(html.match(/<h3>Logical limit<\/h3>/g)).toHaveLength(report.modules.length);
    expect(html).toContain('aria-label="native stack depth against logical height"');
  });

  it("flags the module whose parameters the reference does not count: far above 128 bytes per unit", () => {
    const module = report.modules.find((m) => m.path.endsWith(UNCOUNTED))!;
    for (const t of module.logical!.certificate.targets) {
      expect(t.k).toBeGreaterThan(2 * 128);
      expect(t.rule128.holds).toBe(false);
      // The same code with the parameters counted.
      expect(t.other.k).toBeLessThan(128);
      expect(t.other.rule128Holds).toBe(true);
    }
    expect(run.stdout).toContain(`${path.join(corpus, UNCOUNTED)}: Polkadot's 128-byte rule is not enough`);
  });

  it("is cured by --count-params", async () => {
    const cured = await checked(path.join(corpus, UNCOUNTED), "--count-params");
    expect(cured.code).toBe(EXIT.ok);
    const [module] = (await reportOf(cured.out)).modules;
    expect(module!.logical!.certificate.countParams).toBe(true);
    for (const t of module!.logical!.certificate.targets) {
      expect(t.k).toBeLessThan(128);
      expect(t.rule128.holds).toBe(true);
    }
    expect(cured.stdout).not.toContain("128-byte rule is not enough");
  });
});

describe("the gate of check --strategy logical", () => {
  it("fails (exit 1) when a native overflow can come first at the native stack checked, passes above S", async () => {
    // Without its sidecar the module is checked against the default 1 MiB.
    const folder = await mkdtemp(path.join(tmpdir(), "samestack-gate-"));
    const file = path.join(folder, "writeup.wat");
    await copyFile(path.join(corpus, "writeup-9-args.wat"), file);
    const below = await checked(file);
    expect(below.code).toBe(EXIT.diverged);
    const [module] = (await reportOf(below.out)).modules;
    const certified = Math.max(...module!.logical!.certificate.targets.map((t) => t.S));
    expect(certified).toBeGreaterThan(1024 * 1024);
    expect(module!.findings).toEqual([
      expect.objectContaining({ kind: "native-first", stackLimit: 1024 * 1024, certified }),
    ]);
    const above = await checked(file, "--stack-limit", String(certified));
    expect(above.code).toBe(EXIT.ok);
    const justBelow = await checked(file, "--stack-limit", String(certified - 16));
    expect(justBelow.code).toBe(EXIT.diverged);
  });
});
