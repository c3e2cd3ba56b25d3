// "stale": an analysis computed before the latest data (rows logged, labels corrected since).
// With auto refresh on the server computes it again once ingest settles; else it waits for
// someone to recompute it.
import { Badge } from '../kit';

export interface Freshness {
  stale: boolean;
  autoRefresh: boolean;
}

export function staleTitle({ autoRefresh }: Pick<Freshness, 'autoRefresh'>): string {
  return autoRefresh
    ? 'computed before the latest data; recomputing…'
    : 'computed before the latest data; recompute it (auto refresh is off)';
}

export function StaleBadge({ analysis, id }: { analysis: Freshness; id?: string }) {
  if (!analysis.stale) return null;
  return (
    <span className="p-stale" data-testid={id ? `stale-${id}` : 'stale'}>
      <Badge tone="warn" title={staleTitle(analysis)}>
        stale
      </Badge>
    </span>
  );
}
