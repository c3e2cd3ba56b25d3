// The map's colours come from the theme's CSS variables, read when the theme changes.
import type { Theme } from '../state/theme';

export interface MapTheme {
  background: string;
  nullColor: string;
  selected: string;
  hover: string;
  accent: string;
}

const read = (style: CSSStyleDeclaration, name: string, fallback: string) =>
  style.getPropertyValue(name).trim() || fallback;

export function readMapTheme(theme: Theme): MapTheme {
  const dark = theme === 'dark';
  const style = getComputedStyle(document.documentElement);
  return {
    background: read(style, '--map-bg', dark ? '#0c0d10' : '#fbfbfa'),
    nullColor: read(style, '--map-null', dark ? '#4a4d55' : '#b9bbbf'),
    selected: read(style, '--map-selected', dark ? '#ffffff' : '#111318'),
    hover: read(style, '--map-hover', dark ? '#ffffff' : '#111318'),
    accent: read(style, '--accent', dark ? '#6d96ff' : '#2f62d9'),
  };
}
