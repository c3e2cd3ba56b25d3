// The density difference's state: which two datasets (by default the map's first two, in
// table order: usually training then what came after it) and whether it is drawn. The grid
// (two typed passes over the points and a 96 x 96 blur) is computed again only when the
// positions, the datasets or the choice change.
import { useMemo, useState } from 'react';
import type { PointTable } from '../../points/types';
import type { DensityChoice } from './DensityPanel';
import { type DensityDifference, densityDifference, mapDatasets } from './densityDiff';

export interface DensityState {
  datasets: string[];
  choice: DensityChoice;
  setChoice: (choice: DensityChoice) => void;
  result: DensityDifference | null;
}

export function useDensity(table: PointTable, loading: boolean): DensityState {
  const datasets = useMemo(() => (loading ? [] : mapDatasets(table)), [table, loading]);
  const [picked, setChoice] = useState<DensityChoice | null>(null);
  const choice: DensityChoice = picked ?? {
    a: datasets[0] ?? '',
    b: datasets[1] ?? '',
    shown: false,
  };
  // Only positions and datasets matter: a new table that shares them (a tag, a loaded
  // column) reuses the grid.
  const dataset = table.columns.get('dataset');
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed on what the grid reads
  const result = useMemo(
    () => (datasets.length < 2 ? null : densityDifference(table, choice.a, choice.b)),
    [table.nx, table.ny, dataset, datasets.length, choice.a, choice.b],
  );
  return { datasets, choice, setChoice, result };
}
