// The Explorer's left column: what colours the map, how points are drawn, and the filters.
import { useMemo } from 'react';
import { Spinner } from '../kit';
import type { PointTable } from '../points/types';
import { ColorPanel } from './ColorPanel';
import { type AnalysisInfo, colorOptions } from './columns';
import { DisplayPanel } from './DisplayPanel';
import { FacetPanel } from './FacetPanel';
import { ReviewEntry } from './review/ReviewEntry';
import { StaleNote } from './StaleNote';
import type { MapLayers } from './useMapLayers';
import type { Points } from './usePoints';
import type { ViewState } from './useView';

export interface SidebarProps extends Pick<ViewState, 'view' | 'update'> {
  /** The points are still loading: nothing to colour or filter yet. */
  loading: boolean;
  table: PointTable;
  layers: MapLayers;
  points: Pick<Points, 'pending' | 'unavailable'>;
  analyses: readonly AnalysisInfo[];
  placedCount: number;
  colorSelect: React.Ref<HTMLSelectElement>;
  /** Start the review queue over an analysis's ranking. */
  onReview?: (analysisId: string) => void;
  /** The analysis summary panel (explorer/summary/), under the review entry. */
  summary?: React.ReactNode;
  /** The density difference panel (explorer/density/), under the summary. */
  density?: React.ReactNode;
  /** Identifier-like text columns (filtered by text): useIdentifierFields. */
  identifiers?: ReadonlySet<string>;
}

export function Sidebar({
  view,
  update,
  loading,
  table,
  layers,
  points,
  analyses,
  placedCount,
  colorSelect,
  onReview,
  summary,
  density,
  identifiers,
}: SidebarProps) {
  const options = useMemo(
    () => colorOptions(table, analyses, points.unavailable),
    [table, analyses, points.unavailable],
  );
  return (
    <aside className="x-sidebar" aria-label="Colour and filters">
      {loading ? (
        <div className="x-center">
          <Spinner label="Loading columns" />
        </div>
      ) : (
        <>
          <ColorPanel
            field={view.color}
            options={options}
            encoding={layers.encoding}
            hidden={view.hidden}
            loading={points.pending.includes(view.color)}
            onField={(color) => update({ color, colorRange: null, hidden: [] })}
            onHidden={(hidden) => update({ hidden })}
            onRange={(colorRange) => update({ colorRange })}
            selectRef={colorSelect}
          />
          <StaleNote analyses={analyses} color={view.color} />
          {onReview && <ReviewEntry analyses={analyses} color={view.color} onReview={onReview} />}
          {summary}
          {density}
          <DisplayPanel
            pointSize={layers.pointSize}
            opacity={view.opacity}
            fade={view.fade}
            showPlaced={view.showPlaced}
            placedCount={placedCount}
            onChange={(patch) => update(patch)}
          />
          <FacetPanel
            table={table}
            facets={layers.filtered.facets}
            filters={view.filters}
            passCount={layers.filtered.passCount}
            analyses={analyses}
            identifiers={identifiers}
            onChange={(filters) => update({ filters })}
          />
        </>
      )}
    </aside>
  );
}
