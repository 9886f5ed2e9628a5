// The HTML report as text: self-contained (no script, nothing fetched), names from the module
// escaped, one frame drawing per function and one plot per recorded invocation, the evidence of
// each divergence with its differing lines highlighted, and a stable rendering.
import { describe, expect, it } from "vitest";
import type { ModuleResult } from "../../src/check/check.js";
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

  it("names each module's post-1.0 features, where each is first used, right under its heading", async () => {
    const report = await fixtureReport("intersect");
    const [first, second, third] = report.modules as [ModuleResult, ModuleResult, ModuleResult];
    const named = first.functions.find((f) => f.name !== null)!;
    const modules = [
      {
        ...first,
        features: [
          { feature: "multi-value" as const, offset: 11, funcIndex: null },
          { feature: "sign-extension" as const, offset: 0x73, funcIndex: named.funcIndex },
        ],
      },
      { ...second, features: [] },
      { ...third, features: null }, // not read: its findings say why
    ];
    const page = renderHtml({ ...report, modules });
    const heading = (module: ModuleResult) => `<h2>${escapeHtml(module.path)} `;
    const lineUnderHeading = (module: ModuleResult) =>
      page
        .slice(page.indexOf(heading(module)))
        .split("\n")[1]!
        .trim();
    expect(lineUnderHeading(first)).toBe(
      `<p class="features">Post-1.0 features (first use of each): multi-value at offset 0xb, ` +
        `sign-extension at offset 0x73 in f${named.funcIndex} ${escapeHtml(`$${named.name}`)}</p>`,
    );
    expect(lineUnderHeading(second)).toBe(
      `<p class="features">Post-1.0 features (first use of each): none (WebAssembly 1.0)</p>`,
    );
    expect(lineUnderHeading(third)).not.toContain("Post-1.0 features");
    expect(page).toContain("feature profile 2.0");
    expect(page).toContain("profile 2.0 · ");
  });

  it("renders the same report to the same page", async () => {
    const report = await fixtureReport("intersect");
    expect(renderHtml(report)).toBe(renderHtml(JSON.parse(JSON.stringify(report))));
  });
});
