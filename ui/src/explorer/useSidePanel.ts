// The side panel's tab and the datapoint open in it (kept in the URL as `dp`).
import { type RefObject, useCallback, useState } from 'react';
import type { ScatterMapHandle } from '../map/ScatterMap';
import type { IdLookup } from '../points/lookup';
import type { ViewState } from './useView';

export type SideTab = 'selection' | 'datapoint';

export function useSidePanel(
  { view, update }: Pick<ViewState, 'view' | 'update'>,
  lookup: IdLookup,
  map: RefObject<ScatterMapHandle | null>,
) {
  const [tab, setTab] = useState<SideTab>(view.datapoint ? 'datapoint' : 'selection');

  /** Open a datapoint (a step worth a Back); `focus`: also centre the map on it. */
  const openDatapoint = useCallback(
    (id: string, { focus }: { focus: boolean }) => {
      update({ datapoint: id }, { push: true });
      setTab('datapoint');
      if (focus) {
        const index = lookup.indexOf(Number(id));
        if (index >= 0) map.current?.focus(index);
      }
    },
    [update, lookup, map],
  );

  const closeDatapoint = useCallback(() => {
    update({ datapoint: null });
    setTab('selection');
  }, [update]);

  return { tab, setTab, openDatapoint, closeDatapoint };
}
