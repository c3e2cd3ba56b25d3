import type { ReactNode } from 'react';
import { classes } from './Button';

export type Tone = 'neutral' | 'ok' | 'warn' | 'danger' | 'info';

export function Badge({
  tone = 'neutral',
  children,
  title,
}: {
  tone?: Tone;
  children: ReactNode;
  title?: string;
}) {
  return (
    <span className={classes('k-badge', tone !== 'neutral' && `k-badge--${tone}`)} title={title}>
      {children}
    </span>
  );
}
