// Writes a report's renderings into a folder, each through a temporary file renamed into place, so a
// reader (or a CI artifact upload) never sees a half-written report.
import path from "node:path";
import { makeOutputFolder, writeAtomically } from "../verify/files.js";
import { renderHtml } from "./html.js";
import { renderJunit } from "./junit.js";
import { renderMarkdown } from "./markdown.js";
import type { Report } from "./report.js";

export const FORMATS = ["json", "html", "md", "junit"] as const;
export type Format = (typeof FORMATS)[number];

export const FILE_NAMES: Readonly<Record<Format, string>> = {
  json: "report.json",
  html: "report.html",
  md: "summary.md",
  junit: "junit.xml",
};

const RENDERERS: Readonly<Record<Format, (report: Report) => string>> = {
  json: (report) => `${JSON.stringify(report, null, 2)}\n`,
  html: renderHtml,
  md: renderMarkdown,
  junit: renderJunit,
};

/** Renders `formats` of `report` into `folder` (created if needed); returns the written paths by format. */
export async function writeReport(
  report: Report,
  folder: string,
  formats: readonly Format[],
): Promise<Partial<Record<Format, string>>> {
  await makeOutputFolder(folder);
  const written: Partial<Record<Format, string>> = {};
  for (const format of formats) {
    const file = path.join(folder, FILE_NAMES[format]);
    await writeAtomically(file, RENDERERS[format](report));
    written[format] = file;
  }
  return written;
}
