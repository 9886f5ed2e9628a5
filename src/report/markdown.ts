// The Markdown summary, for CI step summaries ($GITHUB_STEP_SUMMARY, merge-request notes): the
// verdict, the totals, one row per module, and the findings. Every text from the input (paths,
// export names, names from name sections) is escaped: GitHub renders inline HTML.
import type { ModuleResult } from "../check/check.js";
import { invocationTitle } from "./evidence-text.js";
import { profileText } from "./feature-text.js";
import { bytesPerUnitText, functionFiguresText, gateText, worstOf } from "./logical-text.js";
import { type Report, reportVerdict, VERDICT_TITLES, verdictSentence } from "./report.js";

/** Findings listed in full; the rest are counted (the HTML and JSON reports have them all). */
const MAX_FINDINGS = 40;

const STATUS: Readonly<Record<ModuleResult["status"], string>> = {
  pass: "✅ pass",
  fail: "❌ fail",
  "input-error": "⚠️ input error",
  "internal-error": "💥 internal error",
};

/** Text safe in Markdown and in a table cell: HTML-escaped, Markdown punctuation backslashed. */
export function markdownText(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, " ");
}

export function renderMarkdown(report: Report): string {
  const { totals } = report;
  const verdict = reportVerdict(report);
  const lines = [
    `## samestack: ${VERDICT_TITLES[verdict]}`,
    "",
    markdownText(verdictSentence(report)),
    "",
    `Feature profile: ${[...new Set(report.runs.map((run) => profileText(run.options.features)))].map(markdownText).join(", ")}.`,
    "",
    "| modules | invocations | passed | divergences | input errors | internal errors |",
    "|---:|---:|---:|---:|---:|---:|",
    `| ${totals.modules} | ${totals.invocations} | ${totals.passed} | ${totals.findings.divergence} | ${totals.findings.input} | ${totals.findings.internal} |`,
    "",
    "| module | strategy | status | invocations passed | deepest stack | post-1.0 features |",
    "|---|---|---|---:|---|---|",
    ...report.modules.map(moduleRow),
  ];
  const findings = report.modules.flatMap((module) =>
    module.findings.map((finding) => {
      const invocation = finding.invocation === null ? null : module.invocations[finding.invocation];
      const what = invocation ? ` ${markdownText(invocationTitle(invocation))}` : "";
      return `- **${markdownText(module.path)}** (${module.strategy})${what}: ${markdownText(finding.message)}`;
    }),
  );
  if (findings.length > 0) {
    lines.push("", `### Findings (${findings.length})`, "", ...findings.slice(0, MAX_FINDINGS));
    if (findings.length > MAX_FINDINGS)
      lines.push(`- … and ${findings.length - MAX_FINDINGS} more (see the HTML report)`);
  }
  lines.push(...logicalLines(report));
  if (report.fuzz.length > 0) {
    lines.push("", "### Fuzzing", "", "| summary | cases run | failures |", "|---|---:|---:|");
    for (const entry of report.fuzz)
      lines.push(`| ${markdownText(entry.source)} | ${entry.casesRun} | ${entry.failures} |`);
  }
  lines.push(
    "",
    "_The HTML report (report.html, self-contained) shows the frames, depth plots and evidence._",
    "",
  );
  return lines.join("\n");
}

/** The `logical` modules' certificates: L, k and S per target, the 128× rule, the closest functions. */
function logicalLines(report: Report): string[] {
  const modules = report.modules.filter((m) => m.logical);
  if (modules.length === 0) return [];
  const targets = [...new Set(modules.flatMap((m) => m.targets))];
  const lines = [
    "",
    "### Logical limit",
    "",
    `| module | L | ${targets.map((t) => `k ${t} (B/unit) | S ${t} (B) | 128× ${t}`).join(" | ")} | gate | closest function |`,
    `|---|---:|${targets.map(() => "---:|---:|---|").join("")}---|---|`,
  ];
  for (const module of modules) {
    const { certificate } = module.logical!;
    const cells = targets.map((target) => {
      const t = certificate.targets.find((c) => c.target === target);
      if (!t) return "— | — | —";
      const other = `${certificate.countParams ? "without" : "with"} --count-params ${bytesPerUnitText(t.other.k)}`;
      return `${bytesPerUnitText(t.k)} (${other}) | ${t.S} | ${t.rule128.holds ? "✅ holds" : "❌ fails"} (margin ${t.rule128.marginBytes} B)`;
    });
    const worst = worstOf(certificate)[0];
    lines.push(
      `| ${markdownText(module.path)} | ${certificate.logicalLimit} | ${cells.join(" | ")} | ${markdownText(gateText(module.logical!))} | ${worst ? markdownText(functionFiguresText(worst)) : "—"} |`,
    );
  }
  return lines;
}

function moduleRow(module: ModuleResult): string {
  const passed = module.invocations.filter((i) => i.status === "pass").length;
  const deepest = module.targets
    .map((target, t) => {
      const depths = module.invocations.map((i) => i.perTarget[t]?.profile?.maxDepth ?? 0);
      return `${target} ${Math.max(0, ...depths)} B`;
    })
    .join(" · ");
  const features =
    module.features === null ? "—" : module.features.map((use) => use.feature).join(", ") || "none";
  return `| ${markdownText(module.path)} | ${module.strategy} | ${STATUS[module.status]} | ${passed}/${module.invocations.length} | ${deepest} | ${features} |`;
}
