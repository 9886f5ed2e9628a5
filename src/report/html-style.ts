// The report's one stylesheet, inlined into the page (the report is one self-contained file).
export const STYLE = `
:root { --pass: #15803d; --fail: #b91c1c; --warn: #b45309; --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); margin: 0; background: #fafafa; }
main { max-width: 1180px; margin: 0 auto; padding: 0 24px 48px; }
header.verdict { padding: 20px 24px; color: #fff; }
header.verdict.pass { background: var(--pass); }
header.verdict.divergence, header.verdict.internal { background: var(--fail); }
header.verdict.input { background: var(--warn); }
header.verdict h1 { margin: 0 0 4px; font-size: 28px; letter-spacing: .02em; }
header.verdict p { margin: 2px 0; max-width: 1100px; }
header.verdict .meta { opacity: .9; font-size: 13px; }
h2 { margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { margin: 22px 0 6px; }
h4 { margin: 16px 0 6px; }
h5 { margin: 0 0 4px; font-size: 13px; }
section.module { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 4px 18px 14px; margin: 18px 0; }
section.module > h2 { border: 0; margin-top: 12px; }
table { border-collapse: collapse; margin: 6px 0 10px; background: #fff; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: #f3f4f6; }
table.summary th:last-child { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 600; font-size: 12px; color: #fff; }
.badge.pass { background: var(--pass); } .badge.fail, .badge.internal-error, .badge.error { background: var(--fail); }
.badge.input-error { background: var(--warn); }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 14px 0; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.card b { display: block; font-size: 22px; }
.muted { color: var(--muted); }
p.features { margin: 2px 0 8px; font-weight: 600; }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 12px; }
ul.findings li { margin: 3px 0; }
li.divergence { color: var(--fail); } li.input { color: var(--warn); } li.internal { color: var(--fail); font-weight: 600; }
details { margin: 8px 0; } summary { cursor: pointer; font-weight: 600; }
.legend span { display: inline-block; margin-right: 12px; font-size: 12px; }
.legend i { display: inline-block; width: 12px; height: 12px; border: 1px solid #999; vertical-align: -2px; margin-right: 4px; }
svg text { font: 11px ui-monospace, "DejaVu Sans Mono", Menlo, monospace; fill: #111; }
svg.frames .region rect { stroke: #555; stroke-width: .6; }
svg.frames .region.unused rect { stroke-dasharray: 3 2; }
svg.frames .region.callee-entry rect { stroke-dasharray: 4 2; }
svg.frames .outline { fill: none; stroke: #111; stroke-width: 1.2; }
svg.frames text.offset { text-anchor: end; fill: #555; }
svg.frames text.offset.reference { font-weight: 700; fill: #111; }
svg.frames text.target { text-anchor: middle; font: 600 14px system-ui, sans-serif; }
svg.frames text.bottom { text-anchor: middle; fill: #555; }
svg.frames text.bottom.differs { fill: var(--fail); font-weight: 700; }
svg.frames line.tick { stroke: #888; } svg.frames line.tick.aligned { stroke: #111; stroke-width: 1.5; }
svg.frames line.alignment { stroke: #111; stroke-opacity: .12; }
svg.frames line.sp { stroke: var(--fail); stroke-width: 2; } svg.frames text.sp { fill: var(--fail); font-weight: 700; }
svg.frames text.break { fill: #555; font-style: italic; }
svg.plot .plot-area { fill: #fff; stroke: #ccc; }
svg.plot polyline.depth, svg.plot line.depth { fill: none; stroke-width: 1.6; }
svg.plot line.limit { stroke: #6b7280; stroke-dasharray: 2 3; } svg.plot text.limit { fill: #374151; }
svg.plot text.axis { text-anchor: end; fill: #555; } svg.plot text.axis-start { fill: #555; }
svg.plot text.axis-title { text-anchor: middle; fill: #555; }
svg.plot circle.overflow { fill: none; stroke-width: 2; }
.divergence { border-left: 4px solid var(--fail); padding: 2px 12px; background: #fff7f7; margin: 10px 0; }
.evidence { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 10px; }
.listing pre { background: #fff; border: 1px solid var(--line); padding: 6px; margin: 0; overflow-x: auto; max-height: 520px; }
.listing .line { display: block; white-space: pre; }
.listing .line.hl { background: #fde68a; font-weight: 700; }
.listing .idx, .listing .addr { display: inline-block; width: 4.5em; color: var(--muted); }
.listing .belongs { display: block; color: #1d4ed8; margin-top: 4px; white-space: pre; }
ol.backtrace { margin: 0; padding-left: 18px; } ol.backtrace li.elided { list-style: none; color: var(--muted); }
details.output pre { background: #fff; border: 1px solid var(--line); padding: 6px; margin: 4px 0; overflow: auto; max-height: 360px; white-space: pre-wrap; }
.invocation { border-top: 1px dashed var(--line); padding-top: 6px; margin-top: 10px; }
.verdict-line.pass { color: var(--pass); font-weight: 600; } .verdict-line.fail { color: var(--fail); font-weight: 600; }
.verdict-line.error { color: var(--fail); font-weight: 600; }
`;
