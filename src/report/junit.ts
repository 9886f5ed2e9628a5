// JUnit XML for CI test tabs: one test suite per module and strategy, one test case per invocation
// (named by strategy, module and invocation), plus one for what concerns the whole module (loading,
// static verification). Divergences and wrong results are failures; bad input and internal errors
// are errors. Failure bodies carry the evidence as text; what the program wrote on the reference
// target is the test case's system-out and system-err.
import type { Finding, ModuleResult } from "../check/check.js";
import type { Outcome } from "../wasm/outcome.js";
import { outputDisplayText } from "../wasm/outcome-text.js";
import { findingText, invocationTitle } from "./evidence-text.js";
import type { Report } from "./report.js";

/** Text safe in XML content and attributes (characters XML 1.0 cannot hold are dropped). */
export function xmlText(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

interface TestCase {
  readonly name: string;
  readonly findings: readonly Finding[];
  /** The reference target's outcome, for what the program wrote. */
  readonly outcome?: Outcome;
}

export function renderJunit(report: Report): string {
  const suites = report.modules.map((module) => suite(module));
  const count = (pick: (s: { tests: number; failures: number; errors: number }) => number) =>
    suites.reduce((sum, s) => sum + pick(s), 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="samestack" tests="${count((s) => s.tests)}" failures="${count((s) => s.failures)}" errors="${count((s) => s.errors)}">`,
    ...suites.map((s) => s.xml),
    "</testsuites>",
    "",
  ].join("\n");
}

function suite(module: ModuleResult): { xml: string; tests: number; failures: number; errors: number } {
  const cases: TestCase[] = [
    {
      name: "module: load, compile, static verification",
      findings: module.findings.filter((f) => f.invocation === null),
    },
    ...module.invocations.map((invocation, i) => ({
      name: invocationTitle(invocation),
      findings: module.findings.filter((f) => f.invocation === i),
      outcome: invocation.perTarget[0]?.outcome,
    })),
  ];
  const className = `samestack.${module.strategy}.${module.path}`;
  const isError = (f: Finding) => f.severity !== "divergence";
  const body = cases.map(({ name, findings, outcome }) => {
    const open = `    <testcase classname="${xmlText(className)}" name="${xmlText(`${module.strategy}: ${name}`)}">`;
    const output = outputElements(outcome);
    if (findings.length === 0 && output.length === 0) return `${open}</testcase>`;
    const element = findings.some(isError) ? "error" : "failure";
    const text = findings.map((f) => findingText(module, f)).join("\n\n");
    const problem =
      findings.length === 0
        ? []
        : [
            `      <${element} message="${xmlText(findings[0]!.message)}" type="${findings[0]!.kind}">${xmlText(text)}</${element}>`,
          ];
    return [open, ...problem, ...output, "    </testcase>"].join("\n");
  });
  const failures = cases.filter((c) => c.findings.length > 0 && !c.findings.some(isError)).length;
  const errors = cases.filter((c) => c.findings.some(isError)).length;
  const open = `  <testsuite name="${xmlText(`${module.strategy}: ${module.path}`)}" tests="${cases.length}" failures="${failures}" errors="${errors}">`;
  return { xml: [open, ...body, "  </testsuite>"].join("\n"), tests: cases.length, failures, errors };
}

/** `<system-out>` and `<system-err>` for what the program wrote (bytes that are not text as `\xNN`). */
function outputElements(outcome: Outcome | undefined): string[] {
  if (outcome === undefined || outcome.outcome === "error") return [];
  return (
    [
      ["system-out", outcome.stdout],
      ["system-err", outcome.stderr],
    ] as const
  ).flatMap(([element, text]) =>
    text === undefined ? [] : [`      <${element}>${xmlText(outputDisplayText(text))}</${element}>`],
  );
}
