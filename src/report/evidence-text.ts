// The evidence of findings as plain text (JUnit failure bodies, Markdown details): what differs,
// where, at which depths, the backtraces, and both targets' machine code around it.
import type { Divergence, Finding, InvocationResult, ModuleResult } from "../check/check.js";
import { limitRangesText } from "../check/limit-text.js";
import { backtraceText, locationText, valueText } from "../wasm/outcome-text.js";

/** `deep(50)`: the export with its arguments as a reader writes them. */
export function invocationTitle(invocation: InvocationResult): string {
  return `${invocation.export}(${invocation.args.map(valueText).join(", ")})`;
}

export function divergenceText(divergence: Divergence): string {
  const lines: string[] = [];
  const [a, b] = divergence.targets;
  lines.push(
    divergence.index === -1
      ? "first difference: the host's call into the entry function (its prologue)"
      : `first difference at dynamic Wasm instruction ${divergence.index}`,
  );
  divergence.steps.forEach((step, i) => {
    const target = i === 0 ? a : b;
    lines.push(
      step
        ? `  ${target}: ${locationText(step.location)} at depth ${step.depth} bytes; backtrace ${backtraceText(step)}`
        : `  ${target}: (profile ended)`,
    );
  });
  lines.push(`limits whose overflow points differ: ${limitRangesText(divergence.divergentLimits)}`);
  for (const listing of divergence.code) {
    lines.push(`${listing.target} code (» marks the differing instruction):`);
    for (const line of listing.lines) {
      const depth = line.depthAtStart === null ? "" : `  [depth ${line.depthAtStart}]`;
      lines.push(
        `  ${line.highlight ? "»" : " "} ${line.address}  ${line.text.padEnd(36)} ; ${line.belongsTo}${depth}`,
      );
    }
  }
  return lines.join("\n");
}

/** Everything known about a finding, for a failure body. */
export function findingText(module: ModuleResult, finding: Finding): string {
  const lines = [finding.message];
  if (finding.kind === "static-difference") lines.push(...finding.details);
  if (finding.kind === "internal") lines.push(finding.stack);
  const invocation = finding.invocation === null ? undefined : module.invocations[finding.invocation];
  if (finding.kind === "profile-divergence" && invocation?.verdict.kind === "diverged") {
    lines.push(divergenceText(invocation.verdict.divergence));
  }
  return lines.join("\n");
}
