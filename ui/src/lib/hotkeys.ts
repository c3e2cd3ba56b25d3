// Single-key shortcuts for the Explorer, ignored while typing in a field. A control that
// takes no typing (a checkbox, a button, a slider) keeps focus after a click but never
// swallows the shortcuts; a <select> does only when the keyboard brought focus to it
// (Tab, or the "c" shortcut: its letters then pick options), not after a click.
import { useEffect, useRef } from 'react';

export type HotkeyMap = Record<string, (event: KeyboardEvent) => void>;

/** Input types that take typed text (everything else, checkbox to range, does not). */
const TEXT_INPUTS = new Set([
  'text',
  'search',
  'email',
  'number',
  'password',
  'tel',
  'url',
  'date',
  'datetime-local',
  'month',
  'time',
  'week',
]);

/** Was the last focus change made with the keyboard (not a pointer)? */
let keyboardFocus = true;
let lastInput: 'keyboard' | 'pointer' = 'keyboard';
let tracking = false;

function trackFocusSource(): void {
  if (tracking || typeof window === 'undefined') return;
  tracking = true;
  window.addEventListener(
    'keydown',
    () => {
      lastInput = 'keyboard';
    },
    true,
  );
  window.addEventListener(
    'pointerdown',
    () => {
      lastInput = 'pointer';
    },
    true,
  );
  window.addEventListener(
    'focusin',
    () => {
      keyboardFocus = lastInput === 'keyboard';
    },
    true,
  );
}

export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.tagName === 'TEXTAREA') return true;
  if (target instanceof HTMLInputElement) return TEXT_INPUTS.has(target.type);
  if (target.tagName === 'SELECT') return keyboardFocus;
  return false;
}

/** Keys are KeyboardEvent.key values ("?", "r", "+"), with "esc" for Escape. */
export function useHotkeys(map: HotkeyMap, enabled = true): void {
  const latest = useRef(map);
  latest.current = map;
  useEffect(() => {
    if (!enabled) return;
    trackFocusSource();
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key !== 'Escape' && isTyping(event.target)) return;
      const handler = latest.current[event.key === 'Escape' ? 'esc' : event.key];
      if (handler) {
        event.preventDefault();
        handler(event);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled]);
}
