// "Where does one dataset differ from another": pick two datasets of the map, draw their
// density difference over it, and list the regions where the second is denser or sparser,
// largest first. Each region is a button that makes its rows (of both datasets) the
// selection. The maths is in densityDiff.ts; the drawing in DensityOverlay.tsx.
import { Checkbox, Panel, Select } from '../../kit';
import { formatCount } from '../../lib/format';
import type { Selection } from '../../state/selection';
import { type DensityDifference, regionRows } from './densityDiff';
import './density.css';

export interface DensityChoice {
  a: string;
  b: string;
  shown: boolean;
}

export interface DensityPanelProps {
  datasets: readonly string[];
  choice: DensityChoice;
  onChoice: (choice: DensityChoice) => void;
  result: DensityDifference | null;
  onSelect: (rows: Selection) => void;
}

const percent = (share: number) => `${(share * 100).toFixed(share < 0.1 ? 1 : 0)}%`;

export function DensityPanel({ datasets, choice, onChoice, result, onSelect }: DensityPanelProps) {
  if (datasets.length < 2) return null;
  const options = datasets.map((d) => ({ value: d, label: d }));
  return (
    <Panel title="Density difference" collapsible defaultOpen={false} data-testid="density-panel">
      <div className="x-density">
        <div className="x-density__pick">
          <Select
            size="sm"
            label="Baseline dataset"
            value={choice.a}
            options={options}
            onChange={(a) => onChoice({ ...choice, a })}
            data-testid="density-a"
          />
          <span className="faint">→</span>
          <Select
            size="sm"
            label="Compared dataset"
            value={choice.b}
            options={options}
            onChange={(b) => onChoice({ ...choice, b })}
            data-testid="density-b"
          />
        </div>
        <Checkbox
          checked={choice.shown}
          onChange={(shown) => onChoice({ ...choice, shown })}
          data-testid="density-toggle"
        >
          draw on the map
        </Checkbox>
        {choice.a === choice.b ? (
          <p className="x-note">Pick two different datasets.</p>
        ) : result === null ? (
          <p className="x-note">These datasets have no points on this map.</p>
        ) : (
          <>
            <p className="x-density__legend faint">
              <span className="x-density__swatch x-density__swatch--up" /> {result.b} denser
              <span className="x-density__swatch x-density__swatch--down" /> {result.a} denser
            </p>
            <ul className="x-density__list" data-testid="density-regions">
              {result.regions.map((region, i) => (
                <li key={region.cells[0]}>
                  <button
                    type="button"
                    className="x-density__entry"
                    title="Select the rows of this region"
                    onClick={() => onSelect(regionRows(result, region))}
                    data-testid={`density-region-${i}`}
                    data-sign={region.sign}
                  >
                    <span
                      className={`x-density__sign x-density__sign--${region.sign > 0 ? 'up' : 'down'}`}
                    >
                      {region.sign > 0 ? `more ${result.b}` : `less ${result.b}`}
                    </span>
                    <span className="x-density__num">
                      {percent(region.shareA)} → {percent(region.shareB)}
                    </span>
                    <span className="x-density__sub faint">
                      {formatCount(region.countA)} {result.a} · {formatCount(region.countB)}{' '}
                      {result.b}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
            {result.regions.length === 0 && (
              <p className="x-note">The two datasets spread alike over this map.</p>
            )}
          </>
        )}
      </div>
    </Panel>
  );
}
