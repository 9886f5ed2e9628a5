// The Markdown summary: verdict, totals and one row per module; names from the input never become markup.
import { describe, expect, it } from "vitest";
import { markdownText, renderMarkdown } from "../../src/report/markdown.js";
import { FIXTURE_CASES, fixtureReport } from "./fixture.js";

describe("the Markdown summary", () => {
  it("leads with the verdict and has a row per module and a line per finding", async () => {
    const native = await fixtureReport("native");
    const text = renderMarkdown(native);
    expect(text.split("\n")[0]).toBe("## samestack: FAIL");
    for (const file of FIXTURE_CASES) expect(text).toContain(markdownText(file));
    const findings = native.modules.flatMap((m) => m.findings).length;
    expect(text).toContain(`### Findings (${findings})`);
    expect(text.split("\n").filter((line) => line.startsWith("- **")).length).toBe(Math.min(findings, 40));
    expect(renderMarkdown(await fixtureReport("intersect")).split("\n")[0]).toBe("## samestack: PASS");
  });

  it("names the run's feature profile, and each module's post-1.0 features in its row", async () => {
    const report = await fixtureReport("intersect");
    const modules = report.modules.map((module, i) => ({
      ...module,
      features: i === 0 ? [{ feature: "bulk-memory-opt" as const, offset: 40, funcIndex: 1 }] : [],
    }));
    const lines = renderMarkdown({ ...report, modules }).split("\n");
    expect(lines).toContain("Feature profile: 2.0.");
    expect(lines).toContain(
      "| module | strategy | status | invocations passed | deepest stack | post-1.0 features |",
    );
    const row = (i: number) =>
      lines.find((line) => line.startsWith(`| ${markdownText(report.modules[i]!.path)} |`))!;
    expect(row(0).endsWith(" | bulk-memory-opt |")).toBe(true);
    expect(row(1).endsWith(" | none |")).toBe(true);
  });

  it("escapes names from the module: no HTML, no table breaks", async () => {
    const text = renderMarkdown(await fixtureReport("native"));
    expect(text).not.toMatch(/<script|<img/i);
    expect(markdownText("a|b <i>")).toBe("a\\|b &lt;i&gt;");
    expect(markdownText("[link](x)")).toBe("\\[link\\]\\(x\\)");
  });
});
