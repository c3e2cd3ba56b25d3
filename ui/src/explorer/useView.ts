// The Explorer's view state lives in the URL (state/urlState.ts). This hook reads it and
// writes changes back: replace for tweaks, push for steps worth a Back (another
// projection, another datapoint). The camera is written quietly: it changes every frame.
import { useCallback, useMemo, useRef } from 'react';
import { navigate, replaceQuietly, useLocation } from '../state/router';
import { type Camera, decodeView, type ExplorerView, encodeView } from '../state/urlState';

export type ViewPatch = Partial<ExplorerView> | ((view: ExplorerView) => Partial<ExplorerView>);

export function useView(): {
  view: ExplorerView;
  update: (patch: ViewPatch, options?: { push?: boolean }) => void;
  setCamera: (camera: Camera) => void;
} {
  const { search } = useLocation();
  const view = useMemo(() => decodeView(search), [search]);
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
