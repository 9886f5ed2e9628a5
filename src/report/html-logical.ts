// The `logical` strategy in the HTML report: per module its certificate (L, k, c and S per target,
// Polkadot's 128-byte rule, the functions that come closest, both targets side by side), and per
// invocation native depth against logical height for both targets, under each target's bound.
import type { InvocationResult, ModuleResult } from "../check/check.js";
import type { Certificate } from "../logical/certificate.js";
import { targetName } from "./html-frames.js";
import { TARGET_COLORS } from "./html-plot.js";
import { type Html, html } from "./html-template.js";
import { bytesPerUnitText, gateText, otherRuleText, rule128Text, worstOf } from "./logical-text.js";

export function logicalSection(module: ModuleResult): Html | "" {
  const logical = module.logical;
  if (!logical) return "";
  const { certificate } = logical;
  const L = certificate.logicalLimit;
  const rows = certificate.targets.map(
    (t) =>
      html`<tr><th>${targetName(t.target)}</th><td class="num">${L}</td><td class="num">${bytesPerUnitText(t.k)}</td><td class="num">${t.c}</td><td class="num">${t.S}</td><td>${t.rule128.holds ? "" : html`<b class="verdict-line fail">!</b> `}${rule128Text(t, L)}</td><td class="muted">${otherRuleText(certificate, t)}</td></tr>`,
  );
  const worst = worstOf(certificate).map(
    (f) =>
      html`<tr><td>${functionLabel(module, f.funcIndex)}</td><td class="num">${f.cost}</td><td class="num">${f.otherCost}</td>${f.perTarget.map((t) => html`<td class="num">${t.activationBytes} B${t.thunkBytes === null ? "" : ` (thunk ${t.thunkBytes})`}</td><td class="num">${bytesPerUnitText(t.bytesPerUnit)}</td>`)}</tr>`,
  );
  const model = `${certificate.countParams ? "parameters counted (--count-params)" : "parameters not counted (the reference's model)"}${certificate.thunkZeroCost ? ", imports' thunks charged (--thunk-zero-cost)" : ""}`;
  return html`<h3>Logical limit</h3>
  <p>Logical limit L = ${L}, ${model}. <span class="verdict-line ${logical.tripsFirst ? "pass" : "fail"}">${gateText(logical)}</span>.</p>
  <table><thead><tr><th>target</th><th class="num">L</th><th class="num" title="largest native bytes per logical unit">k (B/unit)</th><th class="num" title="entry and host-call bytes no cost pays for">c (B)</th><th class="num" title="k·L + c, rounded up to 16">S (B)</th><th>Polkadot's 128× rule</th><th>the other parameter rule</th></tr></thead><tbody>${rows}</tbody></table>
  <p class="muted">S is certified for every path of the code: the static verifier's deepest depth of every function (and of its thunk), per logical unit of its cost. Functions closest to the rule:</p>
  <table><thead><tr><th>function</th><th class="num">cost</th><th class="num">cost, other rule</th>${certificate.targets.map((t) => html`<th class="num">${targetName(t.target)} bytes</th><th class="num">B/unit</th>`)}</tr></thead><tbody>${worst}</tbody></table>`;
}

function functionLabel(module: ModuleResult, funcIndex: number): string {
  const name = module.functions.find((f) => f.funcIndex === funcIndex)?.name;
  return `f${funcIndex}${name ? ` $${name}` : ""}`;
}

const WIDTH = 760;
const HEIGHT = 260;
const MARGIN = { left: 64, right: 190, top: 26, bottom: 34 };

/** Native depth (up) against logical height (right) at every plotted step of each target, and k·height + c. */
export function heightPlotSvg(invocation: InvocationResult, certificate: Certificate): Html | null {
  const series = invocation.perTarget.map((t) => {
    const plot = t.plot;
    if (!plot?.heights) return null;
    return plot.points.map(([, depth], i) => [plot.heights![i]!, depth] as const);
  });
  if (series.some((s) => s === null || s.length === 0)) return null;
  const points = series as (readonly (readonly [number, number])[])[];
  const maxHeight = Math.max(1, ...points.flatMap((s) => s.map(([h]) => h)));
  const bounds = invocation.perTarget.map((t) => certificate.targets.find((c) => c.target === t.target)!);
  const maxDepth = Math.max(16, ...points.flatMap((s) => s.map(([, d]) => d)));
  // Scaled to the run; a bound line steeper than the run leaves the plot at its top.
  const top = maxDepth * 1.15;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (height: number) => MARGIN.left + (height / maxHeight) * plotWidth;
  const y = (depth: number) => MARGIN.top + plotHeight - (depth / top) * plotHeight;
  const round = (n: number) => Math.round(n * 10) / 10;
  const dots = points.map((s, i) =>
    s.map(
      ([h, d]) =>
        html`<circle cx="${round(x(h))}" cy="${round(y(d))}" r="${2.5 - i * 0.8}" fill="${TARGET_COLORS[i]}"/>`,
    ),
  );
  const boundLines = bounds.map((b, i) => {
    const end = b.k > 0 ? Math.min(maxHeight, Math.max(0, (top - b.c) / b.k)) : maxHeight;
    const endY = round(y(Math.min(top, b.k * end + b.c)));
    return html`<line x1="${x(0)}" y1="${round(y(Math.min(top, b.c)))}" x2="${round(x(end))}" y2="${endY}" stroke="${TARGET_COLORS[i]}" stroke-dasharray="4 3" class="depth"/>
      <text x="${MARGIN.left + plotWidth + 4}" y="${MARGIN.top + 12 + 14 * i}" class="limit">${targetName(b.target)}: k·h + c (k ${bytesPerUnitText(b.k)})</text>`;
  });
  const legend = invocation.perTarget.map((t, i) => {
    const x0 = MARGIN.left + 110 * i;
    return html`<circle cx="${x0 + 6}" cy="10" r="3" fill="${TARGET_COLORS[i]}"/><text x="${x0 + 14}" y="14">${targetName(t.target)}</text>`;
  });
  return html`<svg class="plot" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="native stack depth against logical height">
    <rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" class="plot-area"/>
    <text x="${MARGIN.left - 6}" y="${y(0) + 4}" class="axis">0</text>
    <text x="${MARGIN.left - 6}" y="${y(maxDepth) + 4}" class="axis">${maxDepth}</text>
    <text x="${MARGIN.left}" y="${HEIGHT - 8}" class="axis-start">height 0</text>
    <text x="${MARGIN.left + plotWidth}" y="${HEIGHT - 8}" class="axis">logical height ${maxHeight}</text>
    <text x="14" y="${MARGIN.top + plotHeight / 2}" class="axis-title" transform="rotate(-90 14 ${MARGIN.top + plotHeight / 2})">depth (bytes)</text>
    ${boundLines}${dots}${legend}
  </svg>`;
}
