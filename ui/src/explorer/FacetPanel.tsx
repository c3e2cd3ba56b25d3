// Filters: one facet per categorical / tag column (values with counts, OR within a facet),
// a text box per identifier-like column (the server says which: useIdentifierFields) and
// a range per numeric column; facets combine with AND. Counts come from points/facets.ts,
// computed over the loaded typed arrays.
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useMemo, useRef, useState } from 'react';
import { Button, Checkbox, Panel, RangeSlider } from '../kit';
import { formatCompact, formatValue } from '../lib/format';
import {
  type FacetCounts,
  type Filters,
  NULL_VALUE,
  setMatch,
  setRange,
  toggleValue,
} from '../points/facets';
import type { PointTable } from '../points/types';
import { type AnalysisInfo, columnLabel } from './columns';

const SHOWN = 8;
const VIRTUAL_ABOVE = 60;
const ROW_H = 24;

export interface FacetPanelProps {
  table: PointTable;
  facets: Map<string, FacetCounts>;
  filters: Filters;
  passCount: number;
  analyses: readonly AnalysisInfo[];
  /** Text columns whose values are nearly unique per row: filtered by text, not listed. */
  identifiers?: ReadonlySet<string>;
  onChange: (filters: Filters) => void;
}

/** Category facets first in a fixed order, then the rest by name. */
function facetOrder(names: string[]): string[] {
  const first = ['label', 'prediction', 'correct', 'dataset', 'tags'];
  return [
    ...first.filter((n) => names.includes(n)),
    ...names.filter((n) => !first.includes(n)).sort(),
  ];
}

export const FacetPanel = memo(function FacetPanel(props: FacetPanelProps) {
  const { table, facets, filters, passCount, analyses, onChange } = props;
  const matches = filters.matches ?? {};
  const active =
    Object.keys(filters.values).length +
    Object.keys(filters.ranges).length +
    Object.keys(matches).length;
  const categorical = facetOrder([...facets.keys()]);
  const numeric = [...table.columns.entries()]
    .filter(([, c]) => c.kind === 'number')
    .map(([name]) => name)
    .sort((a, b) => (a === 'score' ? -1 : b === 'score' ? 1 : a < b ? -1 : 1));
  return (
    <Panel
      title={
        <>
          Filters
          {active > 0 && <span className="x-pill num">{formatCompact(passCount)} pass</span>}
        </>
      }
      actions={
        active > 0 ? (
          <Button
            size="sm"
            variant="ghost"
            onClick={() => onChange({ values: {}, ranges: {}, matches: {} })}
            data-testid="clear-filters"
          >
            Clear
          </Button>
        ) : null
      }
      data-testid="facet-panel"
    >
      <div className="x-stack">
        {categorical.map((field) =>
          props.identifiers?.has(field) || matches[field] ? (
            <IdentifierFacet
              key={field}
              facet={facets.get(field)!}
              label={columnLabel(field, analyses)}
              text={matches[field] ?? ''}
              onText={(text) => onChange(setMatch(filters, field, text))}
            />
          ) : (
            <Facet
              key={field}
              facet={facets.get(field)!}
              label={columnLabel(field, analyses)}
              selected={filters.values[field] ?? []}
              onToggle={(value) => onChange(toggleValue(filters, field, value))}
              onClear={() => onChange({ ...filters, values: { ...filters.values, [field]: [] } })}
            />
          ),
        )}
        {numeric.map((field) => {
          const column = table.columns.get(field);
          if (column?.kind !== 'number' || !(column.max > column.min)) return null;
          return (
            <RangeFacet
              key={field}
              field={field}
              label={columnLabel(field, analyses)}
              extent={[column.min, column.max]}
              value={filters.ranges[field] ?? null}
              onChange={(range) => onChange(setRange(filters, field, range))}
            />
          );
        })}
      </div>
    </Panel>
  );
});

interface FacetProps {
  facet: FacetCounts;
  label: string;
  selected: readonly string[];
  onToggle: (value: string) => void;
  onClear: () => void;
}

/** Value codes by count (then name), and "none" (code values.length) last. */
export function valueOrder(values: readonly string[], counts: Float64Array): number[] {
  const codes = values.map((_, code) => code);
  codes.sort((a, b) => counts[b]! - counts[a]! || (values[a]! < values[b]! ? -1 : 1));
  return [...codes, values.length];
}

/**
 * The facet's values in a stable order: sorted by their counts when the column's values
 * last changed (a load, a new tag), not again as filters change the counts, so rows do not
 * jump under the pointer.
 */
function useStableOrder(facet: FacetCounts): number[] {
  const sort = () => ({ values: facet.values, order: valueOrder(facet.values, facet.counts) });
  const [sorted, setSorted] = useState(sort);
  if (sorted.values === facet.values) return sorted.order;
  const next = sort();
  setSorted(next);
  return next.order;
}

function Facet({ facet, label, selected, onToggle, onClear }: FacetProps) {
  // Open unless it is an empty tags facet; once toggled by hand, it stays as chosen.
  const [chosen, setOpen] = useState<boolean | null>(null);
  const open = chosen ?? (facet.kind !== 'tags' || facet.values.length > 0);
  const [expanded, setExpanded] = useState(false);
  const [query, setQuery] = useState('');
  const order = useStableOrder(facet);
  const needle = query.trim().toLowerCase();
  const rows = order.filter((code) => {
    const value = code === facet.values.length ? NULL_VALUE : facet.values[code]!;
    if (code === facet.values.length && facet.counts[code] === 0 && !selected.includes(NULL_VALUE))
      return false;
    return (
      !needle || (code === facet.values.length ? 'none' : value.toLowerCase()).includes(needle)
    );
  });
  const visible = expanded || needle ? rows : rows.slice(0, SHOWN);
  return (
    <div className="x-facet">
      <div className="x-facet__head">
        <button
          type="button"
          className="x-facet__title"
          aria-expanded={open}
          onClick={() => setOpen(!open)}
        >
          {label}
          {selected.length > 0 && <span className="x-pill">{selected.length}</span>}
        </button>
        {selected.length > 0 && (
          <button type="button" className="x-link" onClick={onClear}>
            clear
          </button>
        )}
      </div>
      {open && (
        <>
          {facet.values.length > 12 && (
            <input
              className="k-input k-input--sm x-facet__search"
              placeholder={`Search ${facet.values.length} values`}
              value={query}
              onChange={(event) => setQuery(event.target.value)}
              aria-label={`Search ${label}`}
            />
          )}
          {visible.length > VIRTUAL_ABOVE ? (
            <VirtualValues facet={facet} codes={visible} selected={selected} onToggle={onToggle} />
          ) : (
            <ul className="x-facet__values">
              {visible.map((code) => (
                <FacetValue
                  key={code}
                  facet={facet}
                  code={code}
                  selected={selected}
                  onToggle={onToggle}
                />
              ))}
            </ul>
          )}
          {!needle && rows.length > SHOWN && (
            <button type="button" className="x-link" onClick={() => setExpanded(!expanded)}>
              {expanded ? 'Show fewer' : `Show all ${rows.length}`}
            </button>
          )}
          {rows.length === 0 && <p className="x-note">No values.</p>}
        </>
      )}
    </div>
  );
}

/** The longest text an identifier filter keeps (a pasted page must not become a URL). */
export const MATCH_MAX = 200;

/** Rows (by the facet's counts) whose value contains `text`, any case. */
export function matchingCount(facet: FacetCounts, text: string): number {
  const needle = text.toLowerCase();
  let count = 0;
  facet.values.forEach((value, code) => {
    if (value.toLowerCase().includes(needle)) count += facet.counts[code] ?? 0;
  });
  return count;
}

function IdentifierFacet(props: {
  facet: FacetCounts;
  label: string;
  text: string;
  onText: (text: string) => void;
}) {
  const { facet, label, text, onText } = props;
  // Follow the keys locally; filter the points once typing pauses.
  // (The latest onText through a ref: a parent re-rendering must not restart the pause.)
  const [draft, setDraft] = useState(text);
  const latest = useRef(onText);
  latest.current = onText;
  useEffect(() => setDraft(text), [text]);
  useEffect(() => {
    const next = draft.trim();
    if (next === text) return;
    const timer = setTimeout(() => latest.current(next), 200);
    return () => clearTimeout(timer);
  }, [draft, text]);
  const needle = draft.trim();
  const matching = useMemo(() => (needle ? matchingCount(facet, needle) : null), [facet, needle]);
  return (
    <div className="x-facet" data-testid={`facet-identifier-${facet.field}`}>
      <div className="x-facet__head">
        <span className="x-facet__title">
          {label}
          {text && <span className="x-pill">1</span>}
        </span>
        {text && (
          <button type="button" className="x-link" onClick={() => onText('')}>
            clear
          </button>
        )}
      </div>
      <input
        className="k-input k-input--sm x-facet__search"
        placeholder="Contains…"
        value={draft}
        maxLength={MATCH_MAX}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter') onText(draft.trim());
          // Escape hands the keys back to the map's shortcuts; the filter stays.
          if (event.key === 'Escape') {
            event.preventDefault();
            onText(draft.trim());
            event.currentTarget.blur();
          }
        }}
        aria-label={`Filter ${label} by text`}
        data-testid={`facet-match-${facet.field}`}
      />
      <p className="x-note" data-testid={`facet-match-note-${facet.field}`}>
        {matching === null
          ? `${formatCompact(facet.values.length)} values, nearly one per row: filter by text.`
          : `${formatCompact(matching)} ${matching === 1 ? 'row contains' : 'rows contain'} “${needle}”.`}
      </p>
    </div>
  );
}

function FacetValue({
  facet,
  code,
  selected,
  onToggle,
  style,
}: {
  facet: FacetCounts;
  code: number;
  selected: readonly string[];
  onToggle: (value: string) => void;
  style?: React.CSSProperties;
}) {
  const none = code === facet.values.length;
  const value = none ? NULL_VALUE : facet.values[code]!;
  const count = facet.counts[code] ?? 0;
  const checked = selected.includes(value);
  return (
    <li className="x-facet__value" style={style}>
      <Checkbox
        checked={checked}
        onChange={() => onToggle(value)}
        className={count === 0 && !checked ? 'x-dim' : undefined}
        data-testid={`facet-${facet.field}-${value}`}
      >
        <span className={none ? 'x-facet__label faint' : 'x-facet__label'}>
          {none ? (facet.kind === 'tags' ? 'untagged' : 'none') : value}
        </span>
      </Checkbox>
      <span className="x-facet__count num">{formatCompact(count)}</span>
    </li>
  );
}

function VirtualValues(props: {
  facet: FacetCounts;
  codes: number[];
  selected: readonly string[];
  onToggle: (value: string) => void;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: props.codes.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_H,
    overscan: 10,
  });
  return (
    <div ref={scroller} className="x-facet__scroll">
      <ul
        className="x-facet__values"
        style={{ height: virtualizer.getTotalSize(), position: 'relative' }}
      >
        {virtualizer.getVirtualItems().map((item) => (
          <FacetValue
            key={item.key}
            facet={props.facet}
            code={props.codes[item.index]!}
            selected={props.selected}
            onToggle={props.onToggle}
            style={{
              position: 'absolute',
              top: 0,
              left: 0,
              right: 0,
              height: ROW_H,
              transform: `translateY(${item.start}px)`,
            }}
          />
        ))}
      </ul>
    </div>
  );
}

function RangeFacet({
  field,
  label,
  extent,
  value,
  onChange,
}: {
  field: string;
  label: string;
  extent: [number, number];
  value: [number, number] | null;
  onChange: (range: [number, number] | null) => void;
}) {
  const current = value ?? extent;
  // Follow the thumbs locally; filter a million points only once the hand rests.
  const [draft, setDraft] = useState<[number, number]>(current);
  useEffect(() => setDraft(value ?? extent), [value, extent[0], extent[1]]);
  useEffect(() => {
    if (draft[0] === current[0] && draft[1] === current[1]) return;
    const timer = setTimeout(() => {
      const full = draft[0] <= extent[0] && draft[1] >= extent[1];
      onChange(full ? null : draft);
    }, 150);
    return () => clearTimeout(timer);
  }, [draft, current[0], current[1], extent[0], extent[1], onChange]);
  return (
    <div className="x-facet">
      <RangeSlider
        label={label}
        value={draft}
        min={extent[0]}
        max={extent[1]}
        onChange={setDraft}
        format={formatValue}
        data-testid={`facet-range-${field}`}
      />
      {value && (
        <button type="button" className="x-link" onClick={() => onChange(null)}>
          clear
        </button>
      )}
    </div>
  );
}
