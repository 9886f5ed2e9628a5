// The HTML report: one self-contained file (inline CSS and SVG, no script), for an auditor. The
// verdict first; a table of every invocation; then per module its findings, its functions' frames
// drawn side by side per target, and per invocation the outcomes, the for-all-limits verdict, the
// overflow points, a depth plot and the evidence of any divergence; last, the provenance.
import type { FunctionResult, InvocationResult, LimitVerdict, ModuleResult } from "../check/check.js";
import { type Outcome, outputBytes } from "../wasm/outcome.js";
import { locationText, outcomeText, outputDisplayText, valuesText, valueText } from "../wasm/outcome-text.js";
import { invocationTitle } from "./evidence-text.js";
import { moduleFeaturesText, profileText } from "./feature-text.js";
import { divergenceHtml, locationLabel } from "./html-evidence.js";
import { frameSvg, REGION_COLORS, targetName } from "./html-frames.js";
import { heightPlotSvg, logicalSection } from "./html-logical.js";
import { depthPlotSvg, plotCaption } from "./html-plot.js";
import { STYLE } from "./html-style.js";
import { Html, html } from "./html-template.js";
import { logicalVerdictText } from "./logical-text.js";
import { type Report, reportVerdict, VERDICT_TITLES, verdictSentence } from "./report.js";

export function renderHtml(report: Report): string {
  const verdict = reportVerdict(report);
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>samestack report: ${VERDICT_TITLES[verdict]}</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
<header class="verdict ${verdict}">
  <h1>${VERDICT_TITLES[verdict]}</h1>
  <p>${verdictSentence(report)}</p>
  <p class="meta">${runsLine(report)}</p>
</header>
<main>
${summary(report)}
${findingsSection(report)}
${howToRead()}
${report.modules.map((module, i) => moduleSection(module, i))}
${fuzzSection(report)}
${provenance(report)}
</main>
</body>
</html>
`;
  return page.text;
}

function runsLine(report: Report): string {
  return report.runs
    .map((run) => {
      const targets = run.options.targets
        .map((t, i) => `${targetName(t)}${i === 0 ? " (reference)" : ""}`)
        .join(", ");
      const commit = run.tool.commit
        ? ` @ ${run.tool.commit.slice(0, 10)}${run.tool.dirty ? " (uncommitted changes)" : ""}`
        : "";
      return `strategy ${run.options.strategy} · profile ${profileText(run.options.features)} · ${targets} · samestack ${run.tool.version}${commit} · ${run.finishedAt}`;
    })
    .join(" | ");
}

const moduleId = (m: number) => `m${m}`;
const invocationId = (m: number, i: number) => `m${m}-i${i}`;

function summary(report: Report): Html {
  const { totals } = report;
  const card = (label: string, value: number) => html`<div class="card"><b>${value}</b>${label}</div>`;
  const rows = report.modules.flatMap((module, m) => {
    const moduleCell = (span: number) =>
      html`<td rowspan="${span}"><a href="#${moduleId(m)}">${module.path}</a> ${badge(module.status)}</td>`;
    if (module.invocations.length === 0) {
      return [
        html`<tr>${moduleCell(1)}<td colspan="4" class="muted">${module.findings[0]?.message ?? "no invocations"}</td></tr>`,
      ];
    }
    return module.invocations.map(
      (invocation, i) => html`<tr>
        ${i === 0 ? moduleCell(module.invocations.length) : ""}
        <td><a href="#${invocationId(m, i)}">${invocationTitle(invocation)}</a> ${badge(invocation.status)}</td>
        <td>${shortOutcome(invocation)}</td>
        <td>${shortVerdict(invocation.verdict)}</td>
        <td class="num">${invocation.perTarget.map((t) => t.profile?.maxDepth ?? "—").join(" / ")}</td>
      </tr>`,
    );
  });
  const targets = [...new Set(report.modules.flatMap((m) => m.targets))].map(targetName).join(" / ");
  return html`<h2 id="summary">Summary</h2>
  <div class="cards">${card("modules", totals.modules)}${card("invocations", totals.invocations)}${card("passed", totals.passed)}${card("divergences", totals.findings.divergence)}${card("input errors", totals.findings.input)}${card("internal errors", totals.findings.internal)}</div>
  ${featured(report)}
  <table class="summary"><thead><tr><th>module</th><th>invocation</th><th>outcome</th><th>stack</th><th class="num" title="deepest bytes below the reference, per target">deepest bytes<br>${targets}</th></tr></thead>
  <tbody>${rows}</tbody></table>`;
}

/** The reference target's outcome in a few words, and whether V8 agrees. */
function shortOutcome(invocation: InvocationResult): string {
  const outcome = invocation.perTarget[0]!.outcome;
  const text =
    outcome.outcome === "return"
      ? `returns ${outcome.values.map(valueText).join(", ") || "nothing"}`
      : outcome.outcome === "trap"
        ? `traps: ${outcome.trap}${outcome.overflow ? ` (${outcome.overflow})` : ""}`
        : outcome.outcome === "exit"
          ? `exits ${outcome.code}`
          : outcome.outcome === "exhausted"
            ? "out of fuel"
            : "error";
  const v8 = invocation.v8.compared ? (invocation.v8.agrees ? " · V8 agrees" : " · V8 DISAGREES") : "";
  return text + v8;
}

function shortVerdict(verdict: LimitVerdict): string {
  switch (verdict.kind) {
    case "deterministic":
      return verdict.below === null ? "identical for all limits" : `identical below ${verdict.below} B`;
    case "diverged":
      return verdict.divergence.index === -1
        ? "differs at the entry call"
        : `differs from step ${verdict.divergence.index}`;
    case "logical":
      return verdict.sameOutcome ? `the same from ${verdict.nativeFirstBelow} B native` : "outcomes differ";
    case "not-recorded":
      return "not recorded";
  }
}

/**
 * The frames most worth a first look, drawn right under the summary — the write-up's case, a direct
 * call between Wasm functions (not through a table, not to the host): the function whose targets'
 * frames differ most; first among those, a call passing arguments on the stack on every target
 * (more than 8 arguments); among equals the smallest frame and fewest stack arguments.
 */
function featured(report: Report): Html | "" {
  const candidates = report.modules.flatMap((module, m) =>
    module.functions.flatMap((fn) => {
      const frames = fn.drawing?.frames ?? [];
      if (frames.length === 0 || !fn.drawing!.instruction.startsWith("call ")) return [];
      if (frames.some((f) => f.regions.some((r) => r.label.startsWith("host call's")))) return [];
      const bottoms = frames.map((f) => f.bottom);
      const spilled = frames.map((f) => f.regions.filter((r) => r.kind === "argument").length);
      const everyTargetSpills = spilled.every((n) => n > 0);
      const difference = Math.max(...bottoms) - Math.min(...bottoms);
      if (difference === 0 && !everyTargetSpills) return [];
      const smallness = Math.max(...bottoms) * 100 + spilled.reduce((a, b) => a + b, 0);
      const score = difference * 1e9 + (everyTargetSpills ? 1e8 : 0) - smallness;
      return [{ score, module, m, fn }];
    }),
  );
  const best = candidates.reduce<(typeof candidates)[number] | null>(
    (a, b) => (a === null || b.score > a.score ? b : a),
    null,
  );
  if (best === null) return "";
  const { module, m, fn } = best;
  const drawing = fn.drawing!;
  return html`<h3>Frames at a glance: <a href="#${moduleId(m)}">${module.path}</a>, ${locationLabel(module, { funcIndex: fn.funcIndex, instrIndex: drawing.instrIndex })} <code>${drawing.instruction}</code> (${module.strategy})</h3>
  ${frameSvg(drawing, `featured-${m}-${fn.funcIndex}`)}`;
}

function badge(status: string): Html {
  return html`<span class="badge ${status}">${status}</span>`;
}

function verdictText(verdict: LimitVerdict): string {
  switch (verdict.kind) {
    case "deterministic":
      return verdict.below === null
        ? "deterministic for all limits"
        : `deterministic for all limits below ${verdict.below} bytes`;
    case "diverged":
      return verdict.divergence.index === -1
        ? "diverged at the entry call"
        : `diverged: the stack profiles first differ at dynamic instruction ${verdict.divergence.index}`;
    case "logical":
      return logicalVerdictText(verdict);
    case "not-recorded":
      return `not recorded: ${verdict.reason}`;
  }
}

function findingsSection(report: Report): Html | "" {
  const items = report.modules.flatMap((module, m) =>
    module.findings.map((finding) => {
      const invocation = finding.invocation === null ? null : module.invocations[finding.invocation];
      const anchor = finding.invocation === null ? moduleId(m) : invocationId(m, finding.invocation);
      return html`<li class="${finding.severity}"><a href="#${anchor}">${module.path}${invocation ? ` · ${invocation.export}` : ""}</a> (${module.strategy}, ${finding.kind}): ${finding.message}</li>`;
    }),
  );
  if (items.length === 0) return "";
  return html`<h2 id="findings">Findings (${items.length})</h2><ul class="findings">${items}</ul>`;
}

function howToRead(): Html {
  const legend = (Object.keys(REGION_COLORS) as (keyof typeof REGION_COLORS)[]).map((kind) => {
    const color = REGION_COLORS[kind].startsWith("url")
      ? "repeating-linear-gradient(45deg,#f3f3f3 0 3px,#bbb 3px 5px)"
      : REGION_COLORS[kind];
    return html`<span><i style="background:${color}"></i>${kind.replace("-", " ")}</span>`;
  });
  return html`<details class="how"><summary>How to read this report</summary>
  <p><b>Depth</b> is bytes between the reference stack pointer (the SP just before the host's call into the entry function; on x86-64 before the return address is pushed) and the lowest stack byte in use. A <b>stack profile</b> is, for every executed Wasm instruction in order, the deepest depth reached while it ran. Two targets whose profiles are identical overflow at the same Wasm instruction for <i>every</i> stack limit: that is the verdict <i>deterministic for all limits</i>. It covers the invocations listed here, with these arguments; it is not a proof for other inputs (the static verification of every function is the part that covers all paths of the compiled code).</p>
  <p><b>Frames</b> are drawn at one instruction per function (its deepest call, or its highest operand stack), reference at the top, addresses decreasing downwards; offsets on the left are bytes below the function's reference, darker ticks and faint lines mark 16-byte alignment. The callee's entry (return address, frame record) belongs to the call (it is attributed to the call instruction).</p>
  <p class="legend">${legend}</p>
  </details>`;
}

function moduleSection(module: ModuleResult, m: number): Html {
  const source =
    module.invocationSource.kind === "sidecar"
      ? html`invocations from <code>${module.invocationSource.path}</code>`
      : module.invocationSource.kind === "generated"
        ? html`invocations generated from seed ${module.invocationSource.seed} (no sidecar)`
        : "no invocations";
  const findings = module.findings.map(
    (f) =>
      html`<li class="${f.severity}">${f.kind}: ${f.message}${f.kind === "static-difference" ? html`<ul>${f.details.map((d) => html`<li>${d}</li>`)}</ul>` : ""}</li>`,
  );
  const features = moduleFeaturesText(module);
  return html`<section class="module" id="${moduleId(m)}">
  <h2>${module.path} ${badge(module.status)}</h2>
  ${features === null ? "" : html`<p class="features">Post-1.0 features (first use of each): ${features}</p>`}
  <p class="muted">${module.name === null ? "" : html`module name <code>${module.name}</code> · `}strategy ${module.strategy} · ${source} · limits ${module.limits.join(", ") || "none"} · recorded with a ${module.recordingLimit}-byte stack${module.sha256 ? html` · sha256 <code>${module.sha256.slice(0, 16)}…</code>` : ""}</p>
  ${hostsLine(module)}
  ${findings.length > 0 ? html`<ul class="findings">${findings}</ul>` : ""}
  ${logicalSection(module)}
  ${module.functions.length > 0 ? html`<h3>Stack frames</h3>${module.functions.map((f) => functionDetails(module, m, f))}` : ""}
  ${module.invocations.length > 0 ? html`<h3>Invocations</h3>${module.invocations.map((inv, i) => invocationBlock(module, m, inv, i))}` : ""}
  </section>`;
}

/** What the module's program ran with: argv, environment, preopened folders, stdin, stubbed modules. */
function hostsLine(module: ModuleResult): Html | "" {
  const { hosts } = module;
  if (hosts === null) return "";
  const list = (items: readonly string[]) =>
    html`${items.map((item, i) => html`${i > 0 ? " " : ""}<code>${item}</code>`)}`;
  return html`<p class="muted">program: argv ${list(hosts.args)}${hosts.env.length > 0 ? html` · environment ${list(hosts.env)}` : ""}${hosts.dirs.length > 0 ? html` · read-only folders ${list(hosts.dirs)}` : ""} · stdin ${hosts.stdin === null ? "empty" : html`<code>${hosts.stdin}</code>`}${hosts.stubImports.length > 0 ? html` · stubbed modules ${list(hosts.stubImports)}` : ""}</p>`;
}

function functionDetails(module: ModuleResult, m: number, fn: FunctionResult): Html {
  const sizes = fn.perTarget.map((t) => `${targetName(t.target)} ${t.frameBytes} B`).join(" · ");
  const exported =
    fn.exportedAs.length > 0 ? ` (export ${fn.exportedAs.map((e) => JSON.stringify(e)).join(", ")})` : "";
  const drawing = fn.drawing;
  const differs = drawing?.frames.some((f) => f.bottom !== drawing.frames[0]!.bottom) ?? false;
  const withArguments = drawing?.frames.some((f) => f.regions.some((r) => r.kind === "argument")) ?? false;
  const open = module.status !== "pass" || differs || withArguments;
  const stackMap = drawing?.frames
    .map((f) => `${targetName(f.target)} ${f.stackMapDeepest ?? "—"}`)
    .join(" · ");
  return html`<details${open ? new Html(" open") : ""}>
    <summary>f${fn.funcIndex}${fn.name === null ? "" : ` $${fn.name}`}${exported} (${fn.params.join(" ") || "no params"}) → ${fn.results.join(" ") || "nothing"} · frame: ${sizes}</summary>
    ${
      drawing === null
        ? html`<p class="muted">No reachable instruction to draw.</p>`
        : html`<p>At ${locationText({ funcIndex: fn.funcIndex, instrIndex: drawing.instrIndex })} <code>${drawing.instruction}</code> (${drawing.why})${differs ? html` — <b class="verdict-line fail">the targets' frames differ in size</b>` : ""}:</p>
        ${frameSvg(drawing, `${m}-${fn.funcIndex}`)}
        <p class="muted">Compiled code's deepest SP in this instruction, from the stack map (the callee's own prologue excluded): ${stackMap}.</p>`
    }
  </details>`;
}

function invocationBlock(module: ModuleResult, m: number, invocation: InvocationResult, i: number): Html {
  const outcomes = invocation.perTarget.map(
    (t) =>
      html`<tr><th>${targetName(t.target)}</th><td>${outcomeText(t.outcome)}${t.outcome.outcome === "trap" && t.outcome.location ? ` — ${locationLabel(module, t.outcome.location)}` : ""}</td><td class="num">${t.profile?.steps ?? "—"}</td><td class="num">${t.profile?.maxDepth ?? "—"}</td></tr>`,
  );
  const v8 = invocation.v8.compared
    ? html`<tr><th>V8</th><td>${outcomeText(invocation.v8.outcome)} — ${invocation.v8.agrees ? "agrees" : html`<b class="verdict-line fail">disagrees</b>`}</td><td class="num">—</td><td class="num">—</td></tr>`
    : html`<tr><th>V8</th><td colspan="3" class="muted">not compared: ${invocation.v8.reason}</td></tr>`;
  const overflows = invocation.overflowPoints.map(
    (o) =>
      html`<tr><td class="num">${o.limit}</td>${o.points.map((p) => html`<td>${p === null ? "no overflow" : `step ${p.index}: ${locationLabel(module, p.location)} (depth ${p.depth})`}</td>`)}<td>${o.same ? "same" : html`<b class="verdict-line fail">differ</b>`}</td></tr>`,
  );
  const plot = depthPlotSvg(invocation, module.recordingLimit);
  const caption = plotCaption(invocation);
  const verdictClass = invocation.status === "pass" ? "pass" : invocation.status;
  return html`<div class="invocation" id="${invocationId(m, i)}">
    <h4>${invocationTitle(invocation)} ${badge(invocation.status)}</h4>
    <p class="muted">arguments as bit patterns: ${valuesText(invocation.args) || "none"}</p>
    <p class="verdict-line ${verdictClass}">${verdictText(invocation.verdict)}${firstDifferenceAt(module, invocation.verdict)}</p>
    <table><thead><tr><th>executor</th><th>outcome</th><th class="num">Wasm steps</th><th class="num">deepest bytes</th></tr></thead><tbody>${outcomes}${v8}</tbody></table>
    ${outputBlocks(invocation)}
    ${
      overflows.length > 0
        ? html`<table><thead><tr><th class="num">limit</th>${invocation.perTarget.map((t) => html`<th>${targetName(t.target)} overflows at</th>`)}<th></th></tr></thead><tbody>${overflows}</tbody></table>`
        : ""
    }
    ${plot ?? ""}
    ${caption ? html`<p class="muted">${caption}</p>` : ""}
    ${module.logical ? (heightPlotSvg(invocation, module.logical.certificate) ?? "") : ""}
    <p class="muted">${crossCheckText(invocation)}</p>
    ${invocation.verdict.kind === "diverged" ? divergenceHtml(module, invocation.verdict.divergence) : ""}
  </div>`;
}

/** Output shown in the page per stream, at most; the JSON report holds all of it. */
const SHOWN_OUTPUT_CHARACTERS = 64 * 1024;

/**
 * What the program wrote, collapsed, one block per stream: once when every executor (V8 included,
 * when compared) wrote the same, else once per executor.
 */
function outputBlocks(invocation: InvocationResult): Html[] {
  const outcomes: [string, Outcome][] = [
    ...invocation.perTarget.map((t): [string, Outcome] => [targetName(t.target), t.outcome]),
    ...(invocation.v8.compared ? [["V8", invocation.v8.outcome] as [string, Outcome]] : []),
  ];
  return (["stdout", "stderr"] as const).flatMap((stream) => {
    const written = outcomes.map(
      ([name, o]) => [name, o.outcome === "error" ? undefined : o[stream]] as const,
    );
    if (written.every(([, text]) => text === undefined)) return [];
    const same = written.every(([, text]) => text === written[0]![1]);
    const blocks = same ? [["every executor", written[0]![1]] as const] : written;
    return blocks.map(([who, text]) => {
      const display = outputDisplayText(text ?? "");
      const cut =
        display.length > SHOWN_OUTPUT_CHARACTERS
          ? html`<p class="muted">The first ${SHOWN_OUTPUT_CHARACTERS} characters; the JSON report holds all of it.</p>`
          : "";
      return html`<details class="output"><summary>${stream} of ${who} (${outputBytes(text ?? "").length} bytes)</summary><pre>${display.slice(0, SHOWN_OUTPUT_CHARACTERS)}</pre>${cut}</details>`;
    });
  });
}

function crossCheckText(invocation: InvocationResult): string {
  const limits = invocation.crossCheckedLimits;
  if (limits.length === 0)
    return "No checked limit is below the deepest depth: no overflow to confirm by a real run.";
  const caveat = invocation.status === "pass" ? "" : " (unless a cross-check finding says otherwise)";
  return `Real runs under the limits ${limits.join(", ")} overflowed exactly where the profiles predict${caveat}.`;
}

function firstDifferenceAt(module: ModuleResult, verdict: LimitVerdict): string {
  if (verdict.kind !== "diverged") return "";
  const step = verdict.divergence.steps.find((s) => s !== null);
  return step
    ? ` (${locationLabel(module, step.location)}: ${verdict.divergence.steps.map((s) => s?.depth ?? "—").join(" vs ")} bytes deep)`
    : "";
}

function fuzzSection(report: Report): Html | "" {
  if (report.fuzz.length === 0) return "";
  const rows = report.fuzz.map((f) => {
    const strategies = Array.isArray(f.summary.strategies) ? f.summary.strategies.join(", ") : "—";
    return html`<tr><td>${f.source}</td><td>${strategies}</td><td class="num">${f.casesRun}</td><td class="num">${f.failures}</td></tr>`;
  });
  // The summaries' own format (src/fuzz/summary.ts): shown when it is there, as text.
  const listed = report.fuzz.flatMap((f) => (Array.isArray(f.summary.failures) ? f.summary.failures : []));
  const failures = listed.map((failure) => {
    const { property, caseSeed, strategy, reason, regression } = (failure ?? {}) as Record<string, unknown>;
    const saved = typeof regression === "string" ? ` — corpus/regressions/${regression}.wat` : "";
    return html`<li>${String(property)} (${String(strategy)}, case seed ${String(caseSeed)}): ${String(reason)}${saved}</li>`;
  });
  return html`<h2 id="fuzz">Fuzzing</h2>
  <table><thead><tr><th>summary</th><th>strategies</th><th class="num">cases run</th><th class="num">failures</th></tr></thead><tbody>${rows}</tbody></table>
  ${failures.length > 0 ? html`<ul class="findings">${failures}</ul>` : ""}`;
}

/** The command line's host options, where any was given. */
function hostOptionsText(hosts: Report["runs"][number]["options"]["hosts"]): string {
  if (hosts === undefined) return "";
  const parts = [
    ...hosts.args.map((arg) => `--wasi-arg ${arg}`),
    ...hosts.env.map((entry) => `--env ${entry}`),
    ...hosts.dirs.map((dir) => `--dir ${dir.host}::${dir.guest}`),
    ...(hosts.stdin === null ? [] : [`--stdin ${hosts.stdin}`]),
    ...hosts.stubImports.map((name) => `--stub-imports ${name}`),
  ];
  return parts.length > 0 ? ` · ${parts.join(" ")}` : "";
}

function provenance(report: Report): Html {
  const runs = report.runs.map(
    (
      run,
    ) => html`<tr><td>${run.tool.name} ${run.tool.version}<br><code>${run.tool.commit ?? "no git commit"}</code>${run.tool.dirty ? " (uncommitted changes)" : ""}</td>
      <td>Node ${run.environment.node} (V8 ${run.environment.v8})<br>Unicorn ${run.environment.unicorn} · Capstone ${run.environment.capstone}<br>${run.environment.platform}</td>
      <td>strategy ${run.options.strategy}<br>targets ${run.options.targets.join(", ")}<br>feature profile ${profileText(run.options.features)}<br>limits ${run.options.limits.join(", ") || "from sidecars"} · seed ${run.options.seed} · fuel ${run.options.fuel}${hostOptionsText(run.options.hosts)}</td>
      <td>${run.startedAt}<br>${run.finishedAt}</td></tr>`,
  );
  const inputs = report.runs.flatMap((run) =>
    run.inputs.map(
      (input) => html`<tr><td>${input.path}</td><td><code>${input.sha256 ?? "unreadable"}</code></td></tr>`,
    ),
  );
  return html`<h2 id="provenance">Provenance</h2>
  <table><thead><tr><th>tool</th><th>environment</th><th>options</th><th>started / finished</th></tr></thead><tbody>${runs}</tbody></table>
  <details><summary>Inputs (${inputs.length}) with sha256</summary><table><tbody>${inputs}</tbody></table></details>`;
}
