// The selection: point indices here, mirrored into the URL as datapoint ids (up to
// SELECTION_CAP, else only the count), and restored from the URL once the points load.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { IdLookup } from '../points/lookup';
import { EMPTY, fromIndices, type Selection } from '../state/selection';
import { type ExplorerView, SELECTION_CAP } from '../state/urlState';
import type { ViewState } from './useView';

/** The selection as the URL keeps it: its ids while few enough, and its size. */
export function selectionForUrl(
  selection: Selection,
  ids: Float64Array,
): ExplorerView['selection'] {
  return {
    ids: selection.length <= SELECTION_CAP ? Array.from(selection, (i) => ids[i]!) : [],
    total: selection.length,
  };
}

/** The URL's selection as point indices (ids not on this map are left out). */
export function selectionFromUrl(linked: ExplorerView['selection'], lookup: IdLookup): Selection {
  return fromIndices(linked.ids.map((id) => lookup.indexOf(id)).filter((i) => i >= 0));
}

export interface SelectionState {
  selection: Selection;
  /** The link carried a selection too big to keep (its size), until the next change. */
  droppedFromLink: number;
  changeSelection(next: Selection): void;
}

export function useSelection(
  /** The table's ids (none while the points load). */
  ids: Float64Array,
  loading: boolean,
  lookup: IdLookup,
  { view, update }: Pick<ViewState, 'view' | 'update'>,
): SelectionState {
  const [selection, setSelection] = useState<Selection>(EMPTY);
  const [droppedFromLink, setDroppedFromLink] = useState(0);

  // Once per load (keyed by its ids: later copies of the table share them), not per change.
  const restoredFor = useRef<Float64Array | null>(null);
  useEffect(() => {
    if (loading || restoredFor.current === ids) return;
    restoredFor.current = ids;
    setSelection(selectionFromUrl(view.selection, lookup));
    if (view.selection.total > view.selection.ids.length) setDroppedFromLink(view.selection.total);
  }, [loading, ids, lookup, view.selection]);

  const changeSelection = useCallback(
    (next: Selection) => {
      setSelection(next);
      setDroppedFromLink(0);
      update({ selection: selectionForUrl(next, ids) });
    },
    [ids, update],
  );
  return { selection, droppedFromLink, changeSelection };
}
