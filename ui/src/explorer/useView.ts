// The Explorer's view state lives in the URL (state/urlState.ts). This hook reads it and
// writes changes back: replace for tweaks, push for steps worth a Back (another
// projection, another datapoint). The camera is written quietly: it changes every frame.
import { useCallback, useMemo, useRef } from 'react';
import { keepUnchanged } from '../lib/sharing';
import { navigate, replaceQuietly, useLocation } from '../state/router';
import { type Camera, decodeView, type ExplorerView, encodeView } from '../state/urlState';

export type ViewPatch = Partial<ExplorerView> | ((view: ExplorerView) => Partial<ExplorerView>);

export interface ViewState {
  /**
   * The view as the URL has it. Parts that did not change keep their identity across
   * navigations (view.filters, view.hidden...), so hooks depend on them directly.
   */
  view: ExplorerView;
  update: (patch: ViewPatch, options?: { push?: boolean }) => void;
  setCamera: (camera: Camera) => void;
}

export function useView(): ViewState {
  const { search } = useLocation();
  const previous = useRef<ExplorerView | null>(null);
  const view = useMemo(() => {
    const decoded = decodeView(search);
    const shared = previous.current ? keepUnchanged(previous.current, decoded) : decoded;
    previous.current = shared;
    return shared;
  }, [search]);
  const timer = useRef<number | undefined>(undefined);

  const update = useCallback((patch: ViewPatch, { push = false } = {}) => {
    // Start from the URL as it is now: it may hold a newer camera than the last render.
    const current = decodeView(window.location.search);
    const next = { ...current, ...(typeof patch === 'function' ? patch(current) : patch) };
    const query = encodeView(next);
    navigate(`${window.location.pathname}${query ? `?${query}` : ''}`, { replace: !push });
  }, []);

  const setCamera = useCallback((camera: Camera) => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => {
      const current = decodeView(window.location.search);
      const query = encodeView({ ...current, camera });
      replaceQuietly(`${window.location.pathname}?${query}`);
    }, 250);
  }, []);

  return { view, update, setCamera };
}
