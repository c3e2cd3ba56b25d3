import { type ReactNode, useState } from 'react';
import { classes } from './Button';
import { ChevronIcon } from './icons';

export interface PanelProps {
  title: ReactNode;
  /** Controls shown at the right of the header. */
  actions?: ReactNode;
  /** Collapsible panels have a clickable title; closed ones keep their children unmounted. */
  collapsible?: boolean;
  defaultOpen?: boolean;
  className?: string;
  children: ReactNode;
  'data-testid'?: string;
}

export function Panel({
  title,
  actions,
  collapsible = false,
  defaultOpen = true,
  className,
  children,
  ...rest
}: PanelProps) {
  const [open, setOpen] = useState(defaultOpen);
  const shown = !collapsible || open;
  return (
    <section
      className={classes('k-panel', !shown && 'k-panel--closed', className)}
      data-testid={rest['data-testid']}
    >
      <header className="k-panel__head">
        {collapsible ? (
          <button
            type="button"
            className="k-panel__title"
            aria-expanded={open}
            onClick={() => setOpen(!open)}
          >
            <ChevronIcon className="k-panel__chevron" size={12} />
            {title}
          </button>
        ) : (
          <h2 className="k-panel__title">{title}</h2>
        )}
        {actions}
      </header>
      {shown && <div className="k-panel__body">{children}</div>}
    </section>
  );
}
