// Limit ranges as the findings' messages and the renderers write them.

/** Limit ranges `[from, to)`, the first few, and how many more. */
export function limitRangesText(ranges: readonly { from: number; to: number | null }[], shown = 6): string {
  const text = ranges
    .slice(0, shown)
    .map(({ from, to }) => `[${from}, ${to ?? "∞"})`)
    .join(" ");
  const more = ranges.length > shown ? ` and ${ranges.length - shown} more ranges` : "";
  return (text || "(none)") + more;
}
