// The evidence of a divergence for an auditor: where the stack profiles first differ, at which
// depths, the backtraces, the limits that overflow at different places, and the Wasm function next
// to every target's machine code with the differing instruction highlighted.
import type { CodeListing, Divergence, ModuleResult, StepView } from "../check/check.js";
import { limitRangesText } from "../check/limit-text.js";
import { type CodePlace, locationText, OUTER_FRAMES_KEPT } from "../wasm/outcome-text.js";
import { targetName } from "./html-frames.js";
import { type Html, html } from "./html-template.js";

/** `f2 $deep #14`: the location with its function's name, when the name section gives one. */
export function locationLabel(module: ModuleResult, location: CodePlace | null): string {
  if (location === null) return "the host's call into the entry function";
  const name = module.functions.find((f) => f.funcIndex === location.funcIndex)?.name;
  return `${locationText(location).replace(" ", name ? ` $${name} ` : " ")}`;
}

function backtraceHtml(module: ModuleResult, step: StepView): Html {
  const frames: Html[] = step.backtrace.map((frame) => html`<li>${locationLabel(module, frame)}</li>`);
  if (step.elidedFrames > 0)
    frames.splice(OUTER_FRAMES_KEPT, 0, html`<li class="elided">… ${step.elidedFrames} frames …</li>`);
  return html`<ol class="backtrace">${frames}</ol>`;
}

export function divergenceHtml(module: ModuleResult, divergence: Divergence): Html {
  const rows = divergence.steps.map((step, i) => {
    const target = targetName(divergence.targets[i]!);
    if (step === null)
      return html`<tr><th>${target}</th><td colspan="3">its profile had already ended</td></tr>`;
    return html`<tr><th>${target}</th><td>${locationLabel(module, step.location)}</td><td class="num">${step.depth}</td><td>${backtraceHtml(module, step)}</td></tr>`;
  });
  const first =
    divergence.index === -1
      ? "in the host's call into the entry function (its prologue)"
      : `at dynamic Wasm instruction ${divergence.index}`;
  return html`<div class="divergence">
    <p><strong>The stack profiles first differ ${first}.</strong> Overflow points differ for the limits ${limitRangesText(divergence.divergentLimits, 12)} (bytes, [from, to)).</p>
    <table class="steps"><thead><tr><th>target</th><th>Wasm instruction</th><th>depth (bytes)</th><th>backtrace (outermost first)</th></tr></thead><tbody>${rows}</tbody></table>
    <div class="evidence">${wasmColumn(divergence)}${divergence.code.map(codeColumn)}</div>
  </div>`;
}

function wasmColumn(divergence: Divergence): Html {
  const listing = divergence.wasm;
  if (listing === null) return html`<div class="listing"><h5>Wasm</h5><p>(not a defined function)</p></div>`;
  const lines = listing.lines.map(
    (line) =>
      html`<span class="${line.instrIndex === listing.highlight ? "line hl" : "line"}"><span class="idx">${line.instrIndex}</span>${line.text}</span>`,
  );
  const name = listing.name === null ? "" : ` $${listing.name}`;
  return html`<div class="listing"><h5>Wasm: function ${listing.funcIndex}${name}</h5><pre>${lines}</pre></div>`;
}

function codeColumn(listing: CodeListing): Html {
  let previous = "";
  const lines = listing.lines.map((line) => {
    const heading =
      line.belongsTo === previous
        ? ""
        : html`<span class="belongs">${line.belongsTo}${line.depthAtStart === null ? "" : ` · depth ${line.depthAtStart}`}</span>`;
    previous = line.belongsTo;
    return html`${heading}<span class="${line.highlight ? "line hl" : "line"}" title="${line.bytes}"><span class="addr">${line.address.slice(-5)}</span>${line.text}</span>`;
  });
  return html`<div class="listing"><h5>${targetName(listing.target)} machine code</h5><pre>${lines}</pre></div>`;
}
