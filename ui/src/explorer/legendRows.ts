// Which legend entries the colour panel lists: the first classes (the most frequent, with
// the most distinct colours), then "+N more" to list the rest; grey entries (none, noise)
// are always listed, last. Never a silent cut: what is not listed is counted.
import type { LegendEntry } from '../points/encoding';

/** Classes listed before "+N more". */
export const LEGEND_SHOWN = 12;
/** Classes listed at most, even expanded (the rest are found with the filters). */
export const LEGEND_MAX = 300;

export interface LegendRows {
  rows: LegendEntry[];
  /** Classes behind "+N more" (0: all are listed, or expanded). */
  more: number;
  /** Classes not listed even expanded. */
  beyond: number;
}

export function legendRows(
  legend: readonly LegendEntry[],
  expanded: boolean,
  shown = LEGEND_SHOWN,
  max = LEGEND_MAX,
): LegendRows {
  const classes = legend.filter((e) => !e.muted);
  const grey = legend.filter((e) => e.muted);
  // "+1 more" would take the room of the one class it hides.
  const collapsed = !expanded && classes.length > shown + 1;
  const limit = collapsed ? shown : max;
  const listed = classes.slice(0, limit);
  return {
    rows: [...listed, ...grey],
    more: collapsed ? classes.length - shown : 0,
    beyond: collapsed ? 0 : Math.max(0, classes.length - max),
  };
}
