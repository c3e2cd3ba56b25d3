// Under the colour choice: the analysis colouring the map was computed before the latest
// data (the same badge as the project page's analyses list).
import { StaleBadge } from '../projects/StaleBadge';
import { type AnalysisInfo, coloringAnalysis } from './columns';

export function StaleNote({
  analyses,
  color,
}: {
  analyses: readonly AnalysisInfo[];
  color: string;
}) {
  const analysis = coloringAnalysis(color, analyses);
  if (!analysis?.stale) return null;
  return (
    <p className="x-stale-note faint">
      <StaleBadge
        analysis={{ stale: true, autoRefresh: analysis.autoRefresh ?? true }}
        id={analysis.id}
      />{' '}
      {analysis.kind.replace(/_/g, ' ')} scores predate the latest data
    </p>
  );
}
