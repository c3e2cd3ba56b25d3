import { type ReactNode, useEffect, useRef, useState } from 'react';
import { classes } from './Button';
import { Kbd } from './Kbd';

export interface TooltipProps {
  content: ReactNode;
  shortcut?: string;
  placement?: 'above' | 'below';
  /** Milliseconds of hover before it shows (focus shows it at once). */
  delay?: number;
  children: ReactNode;
}

/** A small label shown on hover or keyboard focus of its child. */
export function Tooltip({
  content,
  shortcut,
  placement = 'above',
  delay = 400,
  children,
}: TooltipProps) {
  const [shown, setShown] = useState(false);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const show = (wait: number) => {
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setShown(true), wait);
  };
  const hide = () => {
    window.clearTimeout(timer.current);
    setShown(false);
  };
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the wrapper only watches its child's hover and focus
    <span
      className="k-tooltip"
      onMouseEnter={() => show(delay)}
      onMouseLeave={hide}
      onFocus={(event) => {
        // Only keyboard focus: a mouse click must not leave a label hanging.
        if ((event.target as HTMLElement).matches(':focus-visible')) show(0);
      }}
      onBlur={hide}
      onMouseDown={hide}
    >
      {children}
      {shown && (
        <span
          role="tooltip"
          className={classes(
            'k-tooltip__bubble',
            placement === 'below' && 'k-tooltip__bubble--below',
          )}
        >
          {content}
          {shortcut && <Kbd>{shortcut}</Kbd>}
        </span>
      )}
    </span>
  );
}
