// A small client-side router: four screens do not need a routing library. The location
// is an external store (history API); the server answers index.html for unknown non-API
// paths, so every route is also a deep link.
import { useSyncExternalStore } from 'react';

export type Route =
  | { name: 'projects' }
  | { name: 'project'; project: string }
  | { name: 'explore'; project: string }
  | { name: 'compare'; project: string }
  | { name: 'not-found'; path: string };

export function matchRoute(pathname: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodePart);
  if (parts.length === 0) return { name: 'projects' };
  if (parts[0] === 'p' && parts.length === 2) return { name: 'project', project: parts[1]! };
  if (parts[0] === 'p' && parts.length === 3 && parts[2] === 'explore') {
    return { name: 'explore', project: parts[1]! };
  }
  if (parts[0] === 'p' && parts.length === 3 && parts[2] === 'compare') {
    return { name: 'compare', project: parts[1]! };
  }
  return { name: 'not-found', path: pathname };
}

function decodePart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

export const paths = {
  projects: () => '/',
  project: (project: string) => `/p/${encodeURIComponent(project)}`,
  explore: (project: string, query = '') =>
    `/p/${encodeURIComponent(project)}/explore${query ? `?${query}` : ''}`,
  compare: (project: string, query = '') =>
    `/p/${encodeURIComponent(project)}/compare${query ? `?${query}` : ''}`,
};

const listeners = new Set<() => void>();
const notify = () => {
  for (const listener of listeners) listener();
};

if (typeof window !== 'undefined') window.addEventListener('popstate', notify);

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const snapshot = () => window.location.pathname + window.location.search;

/** The current path + query; re-renders on navigation. */
export function useLocation(): { pathname: string; search: string } {
  const href = useSyncExternalStore(subscribe, snapshot, snapshot);
  const q = href.indexOf('?');
  return q < 0
    ? { pathname: href, search: '' }
    : { pathname: href.slice(0, q), search: href.slice(q) };
}

export function navigate(to: string, { replace = false } = {}): void {
  if (to === snapshot()) return;
  if (replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  notify();
}

/**
 * Rewrite the query without a re-render (the camera moves many times a second); the next
 * render reads it like any other URL.
 */
export function replaceQuietly(to: string): void {
  if (to !== snapshot()) window.history.replaceState(null, '', to);
}

/** An <a> that navigates in-app on a plain click and stays a real link otherwise. */
export function onLinkClick(event: React.MouseEvent<HTMLAnchorElement>, to: string): void {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(to);
}
