// The map's chrome: the floating toolbar, the overlay shown while points download, and the
// status bar.
import { IconButton, icons, Progress, Select } from '../kit';
import { formatBytes, formatCount, formatDuration } from '../lib/format';
import type { MouseMode } from '../map/ScatterMap';
import type { LoadStats } from '../points/protocol';
import type { Points } from './usePoints';

export interface MapToolbarProps {
  mode: MouseMode;
  onMode: (mode: MouseMode) => void;
  onReset: () => void;
  onHelp: () => void;
  /** The map shown, and the space's other ready maps to switch to. */
  projection: string;
  projections: readonly { id: string; algorithm: string; pointCount: number }[];
  onProjection: (id: string) => void;
}

export function MapToolbar(props: MapToolbarProps) {
  const { mode, onMode, projections } = props;
  return (
    <div className="x-toolbar" role="toolbar" aria-label="Map tools">
      <IconButton
        label="Pan and zoom"
        icon={<icons.PanIcon />}
        pressed={mode === 'panZoom'}
        onClick={() => onMode('panZoom')}
        data-testid="pan-button"
      />
      <IconButton
        label="Lasso: drag to select (Shift adds, Alt removes)"
        shortcut="L"
        icon={<icons.LassoIcon />}
        pressed={mode === 'lasso'}
        onClick={() => onMode(mode === 'lasso' ? 'panZoom' : 'lasso')}
        data-testid="lasso-button"
      />
      <IconButton
        label="Reset the view"
        shortcut="R"
        icon={<icons.ResetIcon />}
        onClick={props.onReset}
        data-testid="reset-view"
      />
      <IconButton
        label="Shortcuts"
        shortcut="?"
        icon={<icons.HelpIcon />}
        onClick={props.onHelp}
        data-testid="help-button"
      />
      {projections.length > 1 && (
        <Select
          size="sm"
          label="Map"
          value={props.projection}
          onChange={props.onProjection}
          options={projections.map((p) => ({
            value: p.id,
            label: `${p.algorithm.toUpperCase()} #${p.id} · ${formatCount(p.pointCount)} points`,
          }))}
          data-testid="projection-select"
        />
      )}
    </div>
  );
}

/** What the wait is about: the server gathering the points, the download, the decoding. */
export function loadingLabel(status: string, loaded: number, expected: number | null): string {
  const points = expected ? `${formatCount(expected)} points` : 'the points';
  if (status === 'decoding') return `Preparing ${points} for the map`;
  if (loaded === 0) return `The server is gathering ${points}…`;
  return `Downloading ${points}`;
}

export function LoadingOverlay({ points, expected }: { points: Points; expected: number }) {
  const progress = points.progress;
  const fraction = progress?.total ? progress.loaded / progress.total : null;
  return (
    <div className="x-stage__loading" data-testid="points-loading">
      <div className="x-loading">
        <Progress
          label={loadingLabel(
            points.status,
            progress?.loaded ?? 0,
            expected || progress?.rows || null,
          )}
          value={points.status === 'decoding' ? null : fraction}
          detail={progress && progress.loaded > 0 ? formatBytes(progress.loaded) : undefined}
          data-testid="points-progress"
        />
      </div>
    </div>
  );
}

export interface StatusBarProps {
  /** Points passing the filters, when any filter is on. */
  passing: number | null;
  count: number;
  placedCount: number;
  algorithm: string;
  space: string | null;
  stats: LoadStats | null;
}

/** Under the map: what it shows, and how long its points took to arrive. */
export function StatusBar({
  passing,
  count,
  placedCount,
  algorithm,
  space,
  stats,
}: StatusBarProps) {
  return (
    <p className="x-statusbar num">
      {passing !== null && `${formatCount(passing)} pass the filters · `}
      {formatCount(count)} points
      {placedCount > 0 && ` · ${formatCount(placedCount)} placed later`}
      {' · '}
      {algorithm.toUpperCase()} of {space ?? 'a space'}
      {stats && (
        <span
          className="faint"
          title={`How long this map's points took to arrive: ${formatDuration(stats.downloadMs)} to download from the server, then ${formatDuration(stats.decodeMs)} to decode in the browser`}
          data-testid="load-timing"
        >
          {' · '}
          loaded in {formatDuration(stats.downloadMs + stats.decodeMs)}
        </span>
      )}
    </p>
  );
}
