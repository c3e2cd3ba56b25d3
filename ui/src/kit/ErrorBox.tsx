import type { ReactNode } from 'react';
import { Button } from './Button';
import { WarningIcon } from './icons';

export interface ErrorBoxProps {
  title?: string;
  message: ReactNode;
  /** A code or a technical detail, shown smaller. */
  details?: ReactNode;
  onRetry?: () => void;
  retryLabel?: string;
  'data-testid'?: string;
}

/** An error a person can read and, where possible, recover from. */
export function ErrorBox({
  title = 'Something went wrong',
  message,
  details,
  onRetry,
  retryLabel = 'Retry',
  ...rest
}: ErrorBoxProps) {
  return (
    <div className="k-error" role="alert" data-testid={rest['data-testid']}>
      <p className="k-error__title">
        <WarningIcon />
        {title}
      </p>
      <p className="k-error__message">{message}</p>
      {details && <p className="k-error__details">{details}</p>}
      {onRetry && (
        <div className="k-error__actions">
          <Button size="sm" onClick={onRetry}>
            {retryLabel}
          </Button>
        </div>
      )}
    </div>
  );
}
