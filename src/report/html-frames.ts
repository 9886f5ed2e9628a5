// Side-by-side drawings of one function's frame on every target at the same Wasm instruction, like
// the write-up's figures: the reference at the top, every region below it in bytes below the
// reference, 16-byte alignment marked, the SP at the call and the deepest byte. Both columns share
// one vertical scale, so equal depths line up and a difference is visible as a step.
import type { FrameDrawing, FrameDrawingSet, FrameRegion } from "../check/check.js";
import { TARGETS, type Target } from "../compiler/target.js";
import { lookup } from "../compiler/targets/index.js";
import { type Html, html, shorten } from "./html-template.js";

const ROW = 18; // pixels per 8-byte slot
const MAX_SEGMENT_ROWS = 4; // longer stretches are drawn shortened, with a break mark
const AXIS = 64;
const COLUMN = 250;
const NOTE = 124; // room right of each column for the SP marker
const HEADER = 30;
const FOOTER = 34;

export const REGION_COLORS: Readonly<Record<FrameRegion["kind"], string>> = {
  "return-address": "#f4a261",
  "frame-record": "#e9c46a",
  padding: "url(#hatch)",
  local: "#a8dadc",
  operand: "#cde4b4",
  argument: "#b8c0ff",
  unused: "#ffffff",
  "callee-entry": "#fde2c4",
};

/** Byte offset → y, shared by every column: 8 bytes a row, long stretches capped. */
function scale(frames: readonly FrameDrawing[]): {
  y: (offset: number) => number;
  height: number;
  marks: number[];
} {
  const marks = [
    ...new Set(frames.flatMap((f) => [0, f.bottom, ...f.regions.flatMap((r) => [r.from, r.to])])),
  ].sort((a, b) => a - b);
  const ys = new Map<number, number>();
  let y = HEADER;
  marks.forEach((mark, i) => {
    if (i > 0) y += ROW * Math.min(MAX_SEGMENT_ROWS, (mark - marks[i - 1]!) / 8);
    ys.set(mark, y);
  });
  return { y: (offset) => ys.get(offset) ?? HEADER, height: y + FOOTER, marks };
}

export function frameSvg(drawing: FrameDrawingSet, id: string): Html {
  const { frames } = drawing;
  const { y, height, marks } = scale(frames);
  const width = AXIS + frames.length * (COLUMN + NOTE);
  const left = (i: number) => AXIS + i * (COLUMN + NOTE);
  const deepest = Math.max(...frames.map((f) => f.bottom));
  const bottomsDiffer = frames.some((f) => f.bottom !== frames[0]!.bottom);
  const hatch = `hatch-${id}`;

  const axis = marks.map((mark) => {
    const aligned = mark % 16 === 0;
    return html`<line x1="${AXIS - (aligned ? 14 : 6)}" x2="${AXIS}" y1="${y(mark)}" y2="${y(mark)}" class="${aligned ? "tick aligned" : "tick"}"/>
      <text x="${AXIS - 16}" y="${y(mark) + 4}" class="${mark === 0 ? "offset reference" : "offset"}">${mark === 0 ? "ref" : `−${mark}`}</text>
      ${aligned ? html`<line x1="${AXIS}" x2="${width}" y1="${y(mark)}" y2="${y(mark)}" class="alignment"/>` : ""}`;
  });

  const breaks = marks.slice(1).flatMap((mark, i) => {
    const bytes = mark - marks[i]!;
    if (bytes / 8 <= MAX_SEGMENT_ROWS) return [];
    const middle = (y(mark) + y(marks[i]!)) / 2;
    return [html`<text x="4" y="${middle + 4}" class="break">≈ ${bytes} B</text>`];
  });

  const columns = frames.map((frame, i) => {
    const x = left(i);
    const regions = frame.regions.map((region) => {
      const top = y(region.from);
      const h = y(region.to) - top;
      const fill = region.kind === "padding" ? `url(#${hatch})` : REGION_COLORS[region.kind];
      return html`<g class="region ${region.kind}"><title>${region.label}: bytes ${region.from}–${region.to} below the reference</title>
        <rect x="${x}" y="${top}" width="${COLUMN}" height="${h}" fill="${fill}"/>
        <text x="${x + 6}" y="${top + Math.min(h, ROW) / 2 + 4}">${shorten(region.label, 36)}</text></g>`;
    });
    const callee = frame.regions.find((r) => r.kind === "callee-entry");
    const spAt = drawing.why === "deepest call" ? (callee?.from ?? frame.bottom) : frame.bottom;
    const spLabel = drawing.why === "deepest call" ? "SP at the call" : "SP";
    return html`<g class="column">
      <text x="${x + COLUMN / 2}" y="16" class="target">${targetName(frame.target)}</text>
      ${regions}
      <rect x="${x}" y="${y(0)}" width="${COLUMN}" height="${y(frame.bottom) - y(0)}" class="outline"/>
      <line x1="${x + COLUMN}" x2="${x + COLUMN + 12}" y1="${y(spAt)}" y2="${y(spAt)}" class="sp"/>
      <text x="${x + COLUMN + 14}" y="${y(spAt) + 4}" class="sp">◀ ${spLabel}</text>
      <text x="${x + COLUMN / 2}" y="${y(frame.bottom) + 18}" class="${bottomsDiffer && frame.bottom === deepest ? "bottom differs" : "bottom"}">${frame.bottom} bytes</text>
    </g>`;
  });

  return html`<svg class="frames" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="stack frames at instruction ${drawing.instrIndex}">
    <defs><pattern id="${hatch}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
      <rect width="6" height="6" fill="#f3f3f3"/><line x1="0" y1="0" x2="0" y2="6" stroke="#bbb" stroke-width="2"/></pattern></defs>
    ${axis}${breaks}${columns}
  </svg>`;
}

/** The ISA's display name; a report may name a target this build does not know: shown as it is. */
export function targetName(target: string): string {
  return isTarget(target) ? lookup(target).isa.displayName : target;
}

function isTarget(name: string): name is Target {
  return (TARGETS as readonly string[]).includes(name);
}
