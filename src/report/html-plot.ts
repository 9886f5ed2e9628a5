// Depth over executed Wasm instructions, every target in one SVG: the limits as horizontal lines,
// each target's overflow point at each limit marked. Depth grows upwards.
import type { InvocationResult } from "../check/check.js";
import { targetName } from "./html-frames.js";
import { type Html, html } from "./html-template.js";

const WIDTH = 760;
const HEIGHT = 230;
const MARGIN = { left: 64, right: 120, top: 26, bottom: 34 };
export const TARGET_COLORS = ["#1d4ed8", "#ea580c", "#16a34a"];
/** Limits far above the deepest depth would flatten the curve; they are listed instead of drawn. */
const DRAWN_LIMIT_FACTOR = 1.5;

export function depthPlotSvg(invocation: InvocationResult, recordingLimit: number): Html | null {
  const plots = invocation.perTarget.map((t) => t.plot);
  if (plots.some((p) => p === null || p.points.length === 0)) return null;
  const maxDepth = Math.max(...plots.flatMap((p) => p!.points.map(([, depth]) => depth)), 16);
  const steps = Math.max(...plots.map((p) => p!.steps), 1);
  const limits = invocation.overflowPoints
    .map((o) => o.limit)
    .filter((l) => l <= maxDepth * DRAWN_LIMIT_FACTOR);
  const top = Math.max(maxDepth, ...limits) * 1.08;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (step: number) => MARGIN.left + ((step + 1) / (steps + 1)) * plotWidth;
  const y = (depth: number) => MARGIN.top + plotHeight - (depth / top) * plotHeight;
  const round = (n: number) => Math.round(n * 10) / 10;

  const lines = plots.map((plot, i) => {
    const points = plot!.points.map(([step, depth]) => `${round(x(step))},${round(y(depth))}`).join(" ");
    return html`<polyline points="${points}" class="depth" stroke="${TARGET_COLORS[i]}" stroke-dasharray="${i === 0 ? "" : "5 3"}"/>`;
  });
  const limitLines = limits.map(
    (
      limit,
    ) => html`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y(limit)}" y2="${y(limit)}" class="limit"/>
      <text x="${MARGIN.left + plotWidth + 4}" y="${y(limit) + 4}" class="limit">limit ${limit}</text>`,
  );
  const overflowMarks = invocation.overflowPoints
    .filter((o) => limits.includes(o.limit))
    .flatMap((o) =>
      o.points.map((point, i) =>
        point === null
          ? ""
          : html`<circle cx="${x(point.index)}" cy="${y(point.depth)}" r="${5 - i}" class="overflow" stroke="${TARGET_COLORS[i]}"><title>${targetName(invocation.perTarget[i]!.target)} overflows limit ${o.limit} at step ${point.index}, depth ${point.depth}</title></circle>`,
      ),
    );
  // The legend sits above the plot area, where no limit line can cross it.
  const legend = invocation.perTarget.map((t, i) => {
    const x0 = MARGIN.left + 110 * i;
    return html`<line x1="${x0}" x2="${x0 + 20}" y1="10" y2="10" stroke="${TARGET_COLORS[i]}" stroke-dasharray="${i === 0 ? "" : "5 3"}" class="depth"/>
      <text x="${x0 + 24}" y="14">${targetName(t.target)}</text>`;
  });
  const markLegend = html`<circle cx="${MARGIN.left + 110 * invocation.perTarget.length + 6}" cy="10" r="4" class="overflow" stroke="#555"/>
    <text x="${MARGIN.left + 110 * invocation.perTarget.length + 14}" y="14">overflow point at a limit</text>`;
  const overflowedAtRecording =
    invocation.verdict.kind === "deterministic" && invocation.verdict.below !== null;
  return html`<svg class="plot" xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="stack depth over executed Wasm instructions">
    <rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotWidth}" height="${plotHeight}" class="plot-area"/>
    <text x="${MARGIN.left - 6}" y="${y(0) + 4}" class="axis">0</text>
    <text x="${MARGIN.left - 6}" y="${y(maxDepth) + 4}" class="axis">${maxDepth}</text>
    <text x="${MARGIN.left}" y="${HEIGHT - 8}" class="axis-start">step 0</text>
    <text x="${MARGIN.left + plotWidth}" y="${HEIGHT - 8}" class="axis">${steps} Wasm instructions executed${overflowedAtRecording ? ` (stopped by the ${recordingLimit}-byte recording stack)` : ""}</text>
    <text x="14" y="${MARGIN.top + plotHeight / 2}" class="axis-title" transform="rotate(-90 14 ${MARGIN.top + plotHeight / 2})">depth (bytes)</text>
    ${limitLines}${lines}${overflowMarks}${legend}${markLegend}
  </svg>`;
}

/** What the plot leaves out: downsampling and limits too far above the curve. */
export function plotCaption(invocation: InvocationResult): string {
  const notes: string[] = [];
  const bucket = Math.max(...invocation.perTarget.map((t) => t.plot?.bucket ?? 1));
  if (bucket > 1) notes.push(`Downsampled: each point is the deepest of ${bucket} consecutive instructions.`);
  const maxDepth = Math.max(0, ...invocation.perTarget.map((t) => t.profile?.maxDepth ?? 0));
  const far = invocation.overflowPoints
    .map((o) => o.limit)
    .filter((l) => l > Math.max(maxDepth, 16) * DRAWN_LIMIT_FACTOR);
  if (far.length > 0)
    notes.push(
      `Not drawn: limit${far.length > 1 ? "s" : ""} ${far.join(", ")} (never reached; deepest ${maxDepth} bytes).`,
    );
  return notes.join(" ");
}
