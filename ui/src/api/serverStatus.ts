// Is the Chroma server reachable? Requests report failures here; while the server is
// down a /healthz probe runs every few seconds, and screens re-run their queries once it
// answers again (useReconnect). The banner (app/ServerBanner.tsx) reads this store.
import { useEffect, useRef, useSyncExternalStore } from 'react';

export interface ServerStatus {
  down: boolean;
  /** Why we think so (for the banner). */
  reason: string | null;
  /** When the next automatic probe runs (ms since epoch), while down. */
  nextProbeAt: number | null;
}

const PROBE_EVERY_MS = 4000;

let status: ServerStatus = { down: false, reason: null, nextProbeAt: null };
const listeners = new Set<() => void>();
const reconnectListeners = new Set<() => void>();
let timer: ReturnType<typeof setTimeout> | undefined;
let probing = false;

function set(next: ServerStatus) {
  status = next;
  for (const listener of listeners) listener();
}

function schedule() {
  clearTimeout(timer);
  const at = Date.now() + PROBE_EVERY_MS;
  set({ ...status, nextProbeAt: at });
  timer = setTimeout(() => void probe(), PROBE_EVERY_MS);
}

/** Ask /healthz now; on success the server counts as back. */
export async function probe(): Promise<boolean> {
  if (probing) return !status.down;
  probing = true;
  try {
    const response = await fetch('/healthz', { cache: 'no-store' });
    if (response.ok) {
      markUp();
      return true;
    }
    markDown(`the server answered ${response.status}`);
    return false;
  } catch (error) {
    markDown(`cannot reach the server (${(error as Error).message})`);
    return false;
  } finally {
    probing = false;
  }
}

export function markDown(reason: string): void {
  if (!status.down) set({ down: true, reason, nextProbeAt: null });
  else if (status.reason !== reason) set({ ...status, reason });
  if (!timer || status.nextProbeAt === null || status.nextProbeAt < Date.now()) schedule();
}

export function markUp(): void {
  if (!status.down) return;
  clearTimeout(timer);
  timer = undefined;
  set({ down: false, reason: null, nextProbeAt: null });
  for (const listener of reconnectListeners) listener();
}

/** A failed request: find out with a probe whether the server itself is gone. */
export function reportFailure(): void {
  if (!status.down) void probe();
}

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

export function useServerStatus(): ServerStatus {
  return useSyncExternalStore(
    subscribe,
    () => status,
    () => status,
  );
}

/** Run `callback` whenever the server comes back after being down. */
export function useReconnect(callback: () => void): void {
  const latest = useRef(callback);
  latest.current = callback;
  useEffect(() => {
    const listener = () => latest.current();
    reconnectListeners.add(listener);
    return () => {
      reconnectListeners.delete(listener);
    };
  }, []);
}

/** fetch that feeds the status store: network errors and gateway errors trigger a probe. */
export const trackedFetch: typeof fetch = async (input, init) => {
  try {
    const response = await fetch(input, init);
    if (response.status >= 502 && response.status <= 504) reportFailure();
    else if (status.down) markUp();
    return response;
  } catch (error) {
    if ((error as Error).name !== 'AbortError') {
      markDown(`cannot reach the server (${(error as Error).message})`);
    }
    throw error;
  }
};
