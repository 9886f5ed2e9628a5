// JUnit XML: well formed, one test case per module × invocation (plus one per module), failures
// for divergences carrying the evidence, names from the module as text.
import { describe, expect, it } from "vitest";
import { renderJunit, xmlText } from "../../src/report/junit.js";
import { fixtureReport } from "./fixture.js";

/** Elements open and close in order (a small well-formedness check; attributes are quoted). */
function expectBalanced(xml: string): void {
  const open: string[] = [];
  for (const [, closing, name, selfClosing] of xml.matchAll(/<(\/?)([A-Za-z]+)[^>]*?(\/?)>/g)) {
    if (selfClosing) continue;
    if (closing) expect(open.pop()).toBe(name);
    else open.push(name!);
  }
  expect(open).toEqual([]);
}

describe("the JUnit report", () => {
  it("has a test case per module and per invocation, failures with evidence under native", async () => {
    const native = await fixtureReport("native");
    const xml = renderJunit(native);
    expectBalanced(xml);
    const cases = native.modules.reduce((sum, m) => sum + 1 + m.invocations.length, 0);
    expect(xml.match(/<testcase /g)).toHaveLength(cases);
    expect(xml).toContain(`tests="${cases}"`);
    const failures = xml.match(/<failure /g)?.length ?? 0;
    expect(failures).toBeGreaterThan(0);
    expect(xml).toMatch(
      new RegExp(`<testsuites name="samestack" tests="${cases}" failures="${failures}" errors="0">`),
    );
    // The evidence: the first difference and both targets' code around it.
    expect(xml).toContain("first difference at dynamic Wasm instruction");
    expect(xml).toContain("x64 code (» marks the differing instruction)");
  });

  it("passes everything under intersect and keeps hostile names as text", async () => {
    const xml = renderJunit(await fixtureReport("intersect"));
    expectBalanced(xml);
    expect(xml).not.toMatch(/<failure|<error/);
    expect(xml).not.toMatch(/<script/i);
    expect(xml).toContain("&lt;script&gt;alert(3)&lt;/script&gt;");
    expect(xmlText("a\u0000b\"'<&>")).toBe("ab&quot;&apos;&lt;&amp;&gt;");
  });
});
