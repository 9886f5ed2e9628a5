// The HTML report of corpus cases opened in a real browser: Debian's Chromium, headless, driven by
// playwright-core (no downloaded browser), offline. It must load with no console error, fetch
// nothing, run no script (the hostile names render as text), and lay out its drawings; a screenshot
// of the whole page is kept in test-output/ for a human to look at.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { describe, expect, it } from "vitest";
import { renderHtml } from "../../src/report/html.js";
import type { Report } from "../../src/report/report.js";
import { fixtureReport } from "./fixture.js";

const CHROMIUM = "/usr/bin/chromium";
const outputFolder = path.resolve(import.meta.dirname, "../../test-output/report");

interface PageVisit {
  readonly consoleErrors: string[];
  readonly requests: string[];
  readonly dialogs: string[];
  readonly scripts: number;
  readonly text: string;
  /** Drawings on screen (those in closed <details> are not laid out). */
  readonly frameBoxes: { width: number; height: number }[];
}

async function visit(report: Report, name: string): Promise<PageVisit> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: run scripts/setup.sh (it installs Debian's chromium for this test)`,
    );
  }
  await mkdir(outputFolder, { recursive: true });
  const file = path.join(outputFolder, `${name}.html`);
  await writeFile(file, renderHtml(report));
  const profile = await mkdtemp(path.join(tmpdir(), "samestack-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1280, height: 900 },
  });
  try {
    const page = await context.newPage();
    const visit: PageVisit = {
      consoleErrors: [],
      requests: [],
      dialogs: [],
      scripts: 0,
      text: "",
      frameBoxes: [],
    };
    page.on("console", (message) => {
      if (message.type() === "error") visit.consoleErrors.push(message.text());
    });
    page.on("pageerror", (error) => visit.consoleErrors.push(error.message));
    page.on("request", (request) => visit.requests.push(request.url()));
    page.on("dialog", async (dialog) => {
      visit.dialogs.push(dialog.message());
      await dialog.dismiss();
    });
    await page.goto(`file://${file}`, { waitUntil: "load" });
    await page.screenshot({ path: path.join(outputFolder, `${name}.png`), fullPage: true });
    return {
      ...visit,
      scripts: await page.locator("script").count(),
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what is checked
      text: await page.locator("body").innerText(),
      frameBoxes: (
        await Promise.all(
          (await page.locator("svg.frames >> visible=true").all()).map((svg) => svg.boundingBox()),
        )
      ).map((box) => ({ width: box?.width ?? 0, height: box?.height ?? 0 })),
    };
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}

describe("the HTML report in Chromium", () => {
  it("loads offline without errors, runs nothing, and shows hostile names as text", async () => {
    const page = await visit(await fixtureReport("native"), "report-native");
    expect(page.consoleErrors).toEqual([]);
    expect(page.dialogs).toEqual([]);
    expect(page.scripts).toBe(0);
    // The page itself is the only thing loaded.
    expect(page.requests.map((url) => url.replace(/^file:\/\/.*\//, ""))).toEqual(["report-native.html"]);
    expect(page.text).toContain("<script>alert(3)</script>(6)");
    expect(page.text).toContain("$<script>alert`1`</script>");
    expect(page.text).toContain("$it's&amp");
    expect(page.text).toMatch(/^FAIL/);
    expect(page.frameBoxes.length).toBeGreaterThan(3);
    for (const box of page.frameBoxes) {
      expect(box.width).toBeGreaterThan(400);
      expect(box.height).toBeGreaterThan(100);
    }
  });

  it("shows a passing report as a pass", async () => {
    const page = await visit(await fixtureReport("intersect"), "report-intersect");
    expect(page.consoleErrors).toEqual([]);
    expect(page.text).toMatch(/^PASS/);
    expect(page.text).toContain("identical for all limits");
  });
});
