// The HTML report as text: self-contained (no script, nothing fetched), names from the module
// escaped, one frame drawing per function and one plot per recorded invocation, the evidence of
// each divergence with its differing lines highlighted, and a stable rendering.
import { describe, expect, it } from "vitest";
import { renderHtml } from "../../src/report/html.js";
import { escapeHtml } from "../../src/report/html-template.js";
import { mergeReports } from "../../src/report/merge.js";
import { fixtureReport } from "./fixture.js";

const count = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;

describe("the HTML report", () => {
  it("is self-contained: no script, no external reference", async () => {
    const page = renderHtml(await fixtureReport("native"));
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).not.toMatch(/<script/i);
    expect(page).not.toMatch(/<(link|img|iframe|object|embed)\b/i);
    expect(page).not.toMatch(/\b(src|href)="(?!#)/);
    expect(page).not.toMatch(/url\((?!#)/);
    expect(page).not.toMatch(/@import/);
    // The only URL is the SVG namespace, which is a name, never fetched.
    expect(new Set(page.match(/https?:\/\/[^"\s)]+/g))).toEqual(new Set(["http://www.w3.org/2000/svg"]));
  });

  it("shows names from the name section and export names as text", async () => {
    const page = renderHtml(await fixtureReport("native"));
    for (const name of [
      "<script>alert`1`</script>",
      "<script>alert(3)</script>",
      "<img/src=x/onerror=alert`2`>",
    ]) {
      expect(page).toContain(escapeHtml(name));
    }
    expect(page).toContain("$it&#39;s&amp;amp"); // `$it's&amp`: the entity text stays literal
    expect(page).toContain(escapeHtml("<b>hostile</b>"));
  });

  it("draws every function's frames, plots every recorded invocation, shows each divergence", async () => {
    const report = await fixtureReport("native");
    const page = renderHtml(report);
    const drawings = report.modules.flatMap((m) => m.functions).filter((f) => f.drawing !== null).length;
    const featured = 1;
    expect(count(page, /<svg class="frames"/g)).toBe(drawings + featured);
    const plotted = report.modules
      .flatMap((m) => m.invocations)
      .filter((i) => i.perTarget.every((t) => t.plot)).length;
    expect(count(page, /<svg class="plot"/g)).toBe(plotted);
    const divergences = report.modules
      .flatMap((m) => m.invocations)
      .filter((i) => i.verdict.kind === "diverged");
    expect(divergences.length).toBeGreaterThan(0);
    expect(count(page, /<div class="divergence">/g)).toBe(divergences.length);
    // Per divergence: the Wasm line and every target's code lines of the differing instruction.
    const highlighted = divergences.reduce(
      (sum, i) =>
        sum +
        1 +
        (i.verdict.kind === "diverged"
          ? i.verdict.divergence.code.flatMap((c) => c.lines).filter((l) => l.highlight).length
          : 0),
      0,
    );
    expect(count(page, /class="line hl"/g)).toBe(highlighted);
  });

  it("lists merged fuzz summaries with their failures, as text", async () => {
    const summary = {
      casesRun: 50,
      strategies: ["native"],
      failures: [
        {
          property: "P5",
          caseSeed: 9,
          strategy: "native",
          reason: "<b>profiles</b> differ",
          regression: "x",
        },
      ],
    };
    const page = renderHtml(
      mergeReports([
        { source: "r.json", json: JSON.parse(JSON.stringify(await fixtureReport("intersect"))) },
        { source: "fuzz/summary.json", json: summary },
      ]),
    );
    expect(page).toContain('<h2 id="fuzz">Fuzzing</h2>');
    expect(page).toContain(
      "P5 (native, case seed 9): &lt;b&gt;profiles&lt;/b&gt; differ — corpus/regressions/x.wat",
    );
    expect(page).toMatch(/^<!doctype html>[\s\S]*<h1>FAIL<\/h1>/);
  });

  it("renders the same report to the same page", async () => {
    const report = await fixtureReport("intersect");
    expect(renderHtml(report)).toBe(renderHtml(JSON.parse(JSON.stringify(report))));
  });
});
