// Light / dark: follows the system until the person picks one (kept in localStorage).
import { useSyncExternalStore } from 'react';

export type ThemeChoice = 'system' | 'light' | 'dark';
export type Theme = 'light' | 'dark';

const KEY = 'chroma.theme';
const listeners = new Set<() => void>();

function readChoice(): ThemeChoice {
  try {
    const stored = window.localStorage.getItem(KEY);
    return stored === 'light' || stored === 'dark' ? stored : 'system';
  } catch {
    return 'system';
  }
}

const media = () =>
  typeof window !== 'undefined' && window.matchMedia
    ? window.matchMedia('(prefers-color-scheme: dark)')
    : null;

function resolve(choice: ThemeChoice): Theme {
  if (choice !== 'system') return choice;
  return media()?.matches ? 'dark' : 'light';
}

let choice: ThemeChoice = typeof window === 'undefined' ? 'system' : readChoice();

function apply() {
  document.documentElement.dataset.theme = resolve(choice);
  for (const listener of listeners) listener();
}

export function initTheme(): void {
  apply();
  media()?.addEventListener?.('change', () => {
    if (choice === 'system') apply();
  });
}

export function setThemeChoice(next: ThemeChoice): void {
  choice = next;
  try {
    if (next === 'system') window.localStorage.removeItem(KEY);
    else window.localStorage.setItem(KEY, next);
  } catch {
    // Private mode without storage: the choice lasts for this page only.
  }
  apply();
}

/** system -> light -> dark -> system. */
export function nextChoice(current: ThemeChoice): ThemeChoice {
  return current === 'system' ? 'light' : current === 'light' ? 'dark' : 'system';
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useTheme(): { choice: ThemeChoice; theme: Theme } {
  const current = useSyncExternalStore(
    subscribe,
    () => `${choice}:${resolve(choice)}`,
    () => 'system:light',
  );
  const [c, t] = current.split(':') as [ThemeChoice, Theme];
  return { choice: c, theme: t };
}
