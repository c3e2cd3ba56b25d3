// Point size, opacity, what happens to filtered-out points, placed points highlighted.
import { memo } from 'react';
import { Checkbox, Panel, Slider } from '../kit';
import { formatCompact } from '../lib/format';

export interface DisplayPanelProps {
  pointSize: number;
  opacity: number;
  fade: boolean;
  showPlaced: boolean;
  placedCount: number;
  onChange: (patch: {
    pointSize?: number;
    opacity?: number;
    fade?: boolean;
    showPlaced?: boolean;
  }) => void;
}

export const DisplayPanel = memo(function DisplayPanel(props: DisplayPanelProps) {
  const { pointSize, opacity, fade, showPlaced, placedCount, onChange } = props;
  return (
    <Panel title="Display" collapsible defaultOpen>
      <div className="x-stack">
        <Slider
          label="Point size"
          value={pointSize}
          min={0.5}
          max={20}
          step={0.5}
          onChange={(v) => onChange({ pointSize: v })}
          data-testid="point-size"
        />
        <Slider
          label="Opacity"
          value={opacity}
          min={0.05}
          max={1}
          step={0.05}
          onChange={(v) => onChange({ opacity: v })}
          format={(v) => `${Math.round(v * 100)}%`}
          data-testid="point-opacity"
        />
        <Checkbox
          checked={fade}
          onChange={(on) => onChange({ fade: on })}
          data-testid="fade-toggle"
        >
          Fade filtered-out points (off: hide them)
        </Checkbox>
        <Checkbox
          title="Points added after the map was computed are drawn a little lighter; highlighted, they are larger and on top"
          checked={showPlaced}
          onChange={(on) => onChange({ showPlaced: on })}
          disabled={placedCount === 0}
          data-testid="placed-toggle"
        >
          Highlight points placed later{' '}
          <span className="faint num">({formatCompact(placedCount)})</span>
        </Checkbox>
      </div>
    </Panel>
  );
});
