// The map's spatial index (hover and lasso hit-testing), built where the points are
// decoded. kdbush v4's serialised format is the one regl-scatterplot embeds.
import KDBush from 'kdbush';
import type { PointTable } from './types';

export function buildSpatialIndex(table: PointTable): ArrayBuffer {
  const index = new KDBush(table.count);
  for (let i = 0; i < table.count; i++) index.add(table.nx[i]!, table.ny[i]!);
  index.finish();
  return index.data as ArrayBuffer;
}

export function withSpatialIndex(table: PointTable): PointTable {
  // An empty index cannot be serialised usefully; the map builds its own for tiny tables.
  return table.count > 0 ? { ...table, spatialIndex: buildSpatialIndex(table) } : table;
}
