// Where a review starts: a "Review" button for the analysis that colours the map, and for
// every ready mislabels analysis of the space.
import { Button } from '../../kit';
import { ANALYSIS, type AnalysisInfo } from '../columns';

/** The analyses one can review from this view: the coloured one first, then mislabels. */
export function reviewable(analyses: readonly AnalysisInfo[], color: string): AnalysisInfo[] {
  const ready = analyses.filter((a) => a.state === 'READY' && a.columns.length > 0);
  const colored = color.startsWith(ANALYSIS)
    ? ready.find((a) => color.startsWith(`${ANALYSIS}${a.id}.`))
    : undefined;
  const out = colored ? [colored] : [];
  for (const a of ready) if (a.kind === 'mislabels' && a !== colored) out.push(a);
  return out;
}

export function ReviewEntry({
  analyses,
  color,
  onReview,
}: {
  analyses: readonly AnalysisInfo[];
  color: string;
  onReview: (analysisId: string) => void;
}) {
  const candidates = reviewable(analyses, color);
  if (candidates.length === 0) return null;
  return (
    <div className="x-review-entry" data-testid="review-entry">
      {candidates.map((a) => (
        <Button
          key={a.id}
          size="sm"
          onClick={() => onReview(a.id)}
          data-testid={`review-start-${a.id}`}
          title="Step through its ranking one row at a time, within the filters"
        >
          Review {a.kind.replace(/_/g, ' ')}
          {a.kind === 'mislabels' ? '' : ` (${a.id})`}
        </Button>
      ))}
    </div>
  );
}
