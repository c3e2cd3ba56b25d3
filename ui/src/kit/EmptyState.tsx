import type { ReactNode } from 'react';

export interface EmptyStateProps {
  title: string;
  icon?: ReactNode;
  children?: ReactNode;
  actions?: ReactNode;
  'data-testid'?: string;
}

/** What to show where there is nothing yet, and what to do about it. */
export function EmptyState({ title, icon, children, actions, ...rest }: EmptyStateProps) {
  return (
    <div className="k-empty" data-testid={rest['data-testid']}>
      {icon && <div className="k-empty__icon">{icon}</div>}
      <h2 className="k-empty__title">{title}</h2>
      {children && <div className="k-empty__body">{children}</div>}
      {actions}
    </div>
  );
}
