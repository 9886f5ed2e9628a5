// The JSON report's provenance against independent sources (git, dpkg, the files' bytes), and its
// verdict and totals against the modules it carries.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { reportVerdict, verdictSentence } from "../../src/report/report.js";
import { copy, FIXTURE_CASES, fixtureReport } from "./fixture.js";

const root = path.resolve(import.meta.dirname, "../..");
/** `dpkg-query -W` prints the package and its version, tab-separated. */
const dpkgVersion = (pkg: string) =>
  execFileSync("dpkg-query", ["-W", pkg], { encoding: "utf8" }).trim().split("\t")[1]!;
/** The Debian version of the Unicorn package scripts/fetch-unicorn.sh extracted (its stamp file). */
const vendoredUnicornVersion = () =>
  readFileSync(path.join(root, "emulators/native/vendor/unicorn/VERSION"), "utf8").trim();

describe("the JSON report", () => {
  it("says which samestack, Node, Unicorn and Capstone produced it", async () => {
    const [run] = (await fixtureReport("intersect")).runs;
    const packageJson = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
      version: string;
    };
    expect(run!.tool.version).toBe(packageJson.version);
    // A commit of this repository (others may have committed since the report was made).
    const type = execFileSync("git", ["cat-file", "-t", run!.tool.commit!], { cwd: root, encoding: "utf8" });
    expect(type.trim()).toBe("commit");
    expect(run!.environment.node).toBe(process.versions.node);
    // Debian versions carry a revision suffix (2.1.1-2+b2, 4.0.2-5); Capstone reports major.minor only.
    // Unicorn is the trixie package that setup extracted and stamped with its Debian version.
    expect(vendoredUnicornVersion().startsWith(`${run!.environment.unicorn}-`)).toBe(true);
    expect(dpkgVersion("libcapstone-dev").startsWith(run!.environment.capstone)).toBe(true);
    expect(Date.parse(run!.finishedAt)).toBeGreaterThanOrEqual(Date.parse(run!.startedAt));
  });

  it("records the inputs' sha256 and the options", async () => {
    const [run] = (await fixtureReport("intersect")).runs;
    expect(run!.inputs.map((i) => path.basename(i.path))).toEqual(FIXTURE_CASES);
    for (const input of run!.inputs) {
      expect(input.sha256).toBe(createHash("sha256").update(readFileSync(input.path)).digest("hex"));
    }
    expect(run!.options).toMatchObject({
      strategy: "intersect",
      targets: ["x64", "aarch64"],
      limits: [512],
      seed: 1,
    });
  });

  it("passes under intersect and fails under native, with totals that add up", async () => {
    const [intersect, native] = [await fixtureReport("intersect"), await fixtureReport("native")];
    expect(reportVerdict(intersect)).toBe("pass");
    expect(reportVerdict(native)).toBe("divergence");
    for (const report of [intersect, native]) {
      const findings = report.modules.flatMap((m) => m.findings);
      const invocations = report.modules.flatMap((m) => m.invocations);
      expect(report.totals).toEqual({
        modules: FIXTURE_CASES.length,
        invocations: invocations.length,
        passed: invocations.filter((i) => i.status === "pass").length,
        findings: {
          divergence: findings.filter((f) => f.severity === "divergence").length,
          input: findings.filter((f) => f.severity === "input").length,
          internal: findings.filter((f) => f.severity === "internal").length,
        },
      });
    }
    expect(intersect.totals.passed).toBe(intersect.totals.invocations);
    expect(native.totals.findings.divergence).toBeGreaterThan(0);
  });

  it("claims agreement with V8 only for the invocations V8 ran", async () => {
    const report = await fixtureReport("intersect");
    const { invocations } = report.totals;
    const withV8 = (compared: (index: number) => boolean) => {
      const changed = copy(report);
      changed.modules
        .flatMap((m) => m.invocations)
        .forEach((invocation, index) => {
          (invocation as { v8: unknown }).v8 = compared(index)
            ? { compared: true, outcome: { outcome: "return", values: [] }, agrees: true }
            : {
                compared: false,
                reason: "the targets ran out of stack, and V8's stack is not samestack's limit",
              };
        });
      return verdictSentence(changed);
    };
    expect(withV8(() => true)).toMatch(
      /^Every invocation is stack-deterministic across the targets and agrees with V8 \(/,
    );
    expect(withV8((index) => index > 0)).toContain(
      `targets and agrees with V8 in the ${invocations - 1} invocations V8 could run (`,
    );
  });
});
