// A screen that could not load its data. A dead server is the global banner's business
// (ServerBanner): here it only says that the page waits. Anything else is this page's own
// error, with its message and a retry.
import type { CombinedError } from 'urql';
import { describeError } from '../api/client';
import { ErrorBox, Spinner } from '../kit';

export interface PageErrorProps {
  title: string;
  error: CombinedError | { message: string; network: boolean };
  onRetry?: () => void;
}

export function PageError({ title, error, onRetry }: PageErrorProps) {
  const network = 'network' in error ? error.network : Boolean(error.networkError);
  if (network) {
    return (
      <div className="app-waiting" role="status">
        <Spinner /> Waiting for the server…
      </div>
    );
  }
  const { message, code } =
    'network' in error ? { message: error.message, code: null } : describeError(error);
  return (
    <ErrorBox
      title={title}
      message={message}
      details={code && code !== 'not_found' ? `code: ${code}` : undefined}
      onRetry={code === 'not_found' ? undefined : onRetry}
      data-testid="error-banner"
    />
  );
}
