import type { ButtonHTMLAttributes, ReactNode } from 'react';
import { classes } from './Button';
import { Tooltip } from './Tooltip';

export interface IconButtonProps extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'children'> {
  /** The accessible name, also shown as the tooltip. */
  label: string;
  icon: ReactNode;
  /** A keyboard shortcut shown in the tooltip. */
  shortcut?: string;
  /** A toggle's state (rendered as aria-pressed). */
  pressed?: boolean;
  size?: 'sm' | 'md';
  variant?: 'default' | 'ghost';
  tooltipPlacement?: 'above' | 'below';
}

export function IconButton({
  label,
  icon,
  shortcut,
  pressed,
  size = 'md',
  variant = 'default',
  tooltipPlacement = 'below',
  className,
  type = 'button',
  ...rest
}: IconButtonProps) {
  return (
    <Tooltip content={label} shortcut={shortcut} placement={tooltipPlacement}>
      <button
        type={type}
        aria-label={label}
        aria-pressed={pressed}
        className={classes(
          'k-btn',
          'k-icon-btn',
          variant === 'ghost' && 'k-btn--ghost',
          size === 'sm' && 'k-btn--sm',
          className,
        )}
        {...rest}
      >
        {icon}
      </button>
    </Tooltip>
  );
}
