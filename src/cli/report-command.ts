// `samestack report merge <a.json> <b.json> …` joins sharded check reports and fuzz summaries into
// one report (exit code of its verdict, as `check`); `samestack report html <report.json>`
// re-renders the HTML of a report.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { renderHtml } from "../report/html.js";
import { mergeReports } from "../report/merge.js";
import { reportVerdict, VERDICT_TITLES, verdictSentence } from "../report/report.js";
import { checkReport } from "../report/schema.js";
import { FILE_NAMES, FORMATS, type Format, writeReport } from "../report/write.js";
import { makeOutputFolder, writeAtomically } from "../verify/files.js";
import { InputError } from "../wasm/errors.js";
import { exitCodeOf, list, parseFormat } from "./check-command.js";
import type { CommandContext } from "./context.js";

export const DEFAULT_MERGE_OUT = "reports/merged";

export function registerReport(program: Command, context: CommandContext): void {
  const report = program.command("report").description("merge reports, or re-render one");

  report
    .command("merge")
    .description("merge check reports (report.json) and fuzz summaries (summary.json) into one report")
    .argument("<files...>", "report.json and summary.json files")
    .option("--out <dir>", "folder for the merged reports", DEFAULT_MERGE_OUT)
    .option("--format <list>", `comma-separated formats: ${FORMATS.join(", ")}`, list(parseFormat), [
      ...FORMATS,
    ])
    .action(async (files: string[], flags: { out: string; format: Format[] }) => {
      await makeOutputFolder(flags.out, `the reports to --out ${flags.out}`);
      const inputs = await Promise.all(
        files.map(async (file) => ({ source: file, json: await readJson(file) })),
      );
      // A file that is neither a check report nor a fuzz summary throws MergeInputError, an InputError.
      const merged = mergeReports(inputs);
      const written = await writeReport(merged, flags.out, flags.format);
      const shown = FORMATS.filter((f) => f !== "html" && written[f]).map((f) => written[f]);
      context.io.stdout(
        `${VERDICT_TITLES[reportVerdict(merged)]}: ${verdictSentence(merged)}\nreports: ${shown.join(", ")}\n`,
      );
      if (written.html) context.io.stdout(`HTML report: ${written.html}\n`);
      context.exitCode = exitCodeOf(reportVerdict(merged));
    });

  report
    .command("html")
    .description("re-render the HTML report of a report.json")
    .argument("<report>", "a report.json written by check or report merge")
    .option("--out <file>", `where to write it (default: ${FILE_NAMES.html} beside the report)`)
    .action(async (file: string, flags: { out?: string }) => {
      const out = flags.out ?? path.join(path.dirname(file), FILE_NAMES.html);
      await makeOutputFolder(path.dirname(out), `the HTML report to ${out}`);
      const checked = checkReport(await readJson(file));
      if (!checked.ok)
        throw new InputError(`${file}: not a valid report: ${checked.errors.slice(0, 5).join("; ")}`);
      await writeAtomically(out, renderHtml(checked.report));
      context.io.stdout(`HTML report: ${out}\n`);
    });
}

async function readJson(file: string): Promise<unknown> {
  const text = await readFile(file, "utf8");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file}: not JSON: ${(error as Error).message}`);
  }
}
