// "Colour by": the column choice and its legend. Clicking a legend entry hides or shows
// that class on the map; Alt-click shows only that class.
import { memo, useEffect, useState } from 'react';
import {
  Button,
  Panel,
  RangeSlider,
  Select,
  type SelectGroup,
  type SelectOption,
  Spinner,
} from '../kit';
import { continuousGradient } from '../lib/color';
import { formatCompact, formatValue } from '../lib/format';
import type { ColorEncoding } from '../points/encoding';
import { legendRows } from './legendRows';

export interface ColorPanelProps {
  field: string;
  options: (SelectOption | SelectGroup)[];
  encoding: ColorEncoding;
  hidden: readonly string[];
  loading: boolean;
  onField: (field: string) => void;
  onHidden: (hidden: string[]) => void;
  onRange: (range: [number, number] | null) => void;
  selectRef?: React.Ref<HTMLSelectElement>;
}

export const ColorPanel = memo(function ColorPanel(props: ColorPanelProps) {
  const { field, options, encoding, loading, onField } = props;
  return (
    <Panel title="Colour" data-testid="color-panel">
      <div className="x-row">
        <Select
          ref={props.selectRef}
          value={field}
          onChange={onField}
          options={options}
          label="Colour the map by"
          className="x-grow"
          data-testid="color-by-select"
        />
        {loading && <Spinner label="Loading column" />}
      </div>
      {encoding.kind === 'categorical' ? (
        <CategoricalLegend key={encoding.field} {...props} encoding={encoding} />
      ) : (
        <ContinuousLegend encoding={encoding} onRange={props.onRange} />
      )}
    </Panel>
  );
});

function CategoricalLegend({
  encoding,
  hidden,
  onHidden,
}: ColorPanelProps & { encoding: ColorEncoding & { kind: 'categorical' } }) {
  const [expanded, setExpanded] = useState(false);
  if (encoding.legend.length === 0) return null;
  const hiddenSet = new Set(hidden);
  const { rows: shown, more, beyond } = legendRows(encoding.legend, expanded);
  const toggle = (value: string, solo: boolean) => {
    const others = encoding.legend.map((e) => e.value).filter((v) => v !== value);
    if (solo) {
      // Alt-click shows only this class; on the class already shown alone, shows all again.
      const alone = !hiddenSet.has(value) && others.every((v) => hiddenSet.has(v));
      onHidden(alone ? [] : others);
    } else if (hiddenSet.has(value)) {
      onHidden(hidden.filter((v) => v !== value));
    } else {
      onHidden([...hidden, value]);
    }
  };
  return (
    <div className="x-legend">
      <ul
        className={`x-legend__list${expanded ? ' x-legend__list--all' : ''}`}
        data-testid="legend"
        data-classes={encoding.legend.filter((e) => !e.muted).length}
      >
        {shown.map((entry) => {
          const off = hiddenSet.has(entry.value);
          return (
            <li key={entry.value}>
              <button
                type="button"
                className="x-legend__item"
                aria-pressed={!off}
                title={`${entry.label}: click to ${off ? 'show' : 'hide'}, Alt-click to show only this`}
                onClick={(event) => toggle(entry.value, event.altKey)}
                data-testid={`legend-item-${entry.value}`}
              >
                <span
                  className="x-swatch"
                  data-color={entry.color}
                  style={{
                    background: off ? 'transparent' : entry.color,
                    borderColor: entry.color,
                  }}
                />
                <span className="x-legend__label">{entry.label}</span>
                <span className="x-legend__count num">{formatCompact(entry.count)}</span>
              </button>
            </li>
          );
        })}
      </ul>
      {more > 0 && (
        <Button
          size="sm"
          variant="ghost"
          onClick={() => setExpanded(true)}
          title={`List the ${more} less frequent classes too`}
          data-testid="legend-more"
        >
          +{more} more
        </Button>
      )}
      {expanded && (
        <Button size="sm" variant="ghost" onClick={() => setExpanded(false)}>
          Show fewer
        </Button>
      )}
      {beyond > 0 && (
        <p className="x-note" data-testid="legend-beyond">
          {beyond} more classes: use the filters to find them.
        </p>
      )}
      {hidden.length > 0 && (
        <Button size="sm" variant="ghost" onClick={() => onHidden([])}>
          Show all {hidden.length} hidden
        </Button>
      )}
    </div>
  );
}

function ContinuousLegend({
  encoding,
  onRange,
}: {
  encoding: ColorEncoding & { kind: 'continuous' };
  onRange: (range: [number, number] | null) => void;
}) {
  const [lo, hi] = encoding.extent;
  // Dragging recolours a million points: follow the thumb locally, commit after a pause.
  const [draft, setDraft] = useState(encoding.range);
  useEffect(() => setDraft(encoding.range), [encoding.range]);
  useEffect(() => {
    if (draft[0] === encoding.range[0] && draft[1] === encoding.range[1]) return;
    const timer = setTimeout(() => onRange(draft[0] <= lo && draft[1] >= hi ? null : draft), 150);
    return () => clearTimeout(timer);
  }, [draft, encoding.range, lo, hi, onRange]);
  return (
    <div className="x-legend">
      <div className="x-gradient" style={{ background: continuousGradient() }} />
      <div className="x-gradient__ticks num">
        <span>{formatValue(draft[0])}</span>
        <span>{formatValue(draft[1])}</span>
      </div>
      {hi > lo && (
        <RangeSlider
          label="Colour range"
          value={draft}
          min={lo}
          max={hi}
          onChange={setDraft}
          format={formatValue}
          data-testid="color-range"
        />
      )}
      {encoding.missing > 0 && (
        <p className="x-note">{formatCompact(encoding.missing)} points have no value (grey).</p>
      )}
    </div>
  );
}
