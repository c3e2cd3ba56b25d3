// Shown while the server cannot be reached: what happened, and a retry that does not
// lose the page (the screens re-run their queries when the server answers again).
import { useEffect, useState } from 'react';
import { probe, useServerStatus } from '../api/serverStatus';
import { Button, icons } from '../kit';

export function ServerBanner() {
  const status = useServerStatus();
  const [now, setNow] = useState(Date.now());
  const [trying, setTrying] = useState(false);
  useEffect(() => {
    if (!status.down) return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [status.down]);
  if (!status.down) return null;
  const seconds = status.nextProbeAt
    ? Math.max(0, Math.ceil((status.nextProbeAt - now) / 1000))
    : null;
  return (
    <div className="app-banner" role="alert" data-testid="error-banner">
      <icons.WarningIcon />
      <span>
        <strong>The Chroma server is not answering.</strong>{' '}
        <span className="muted">
          Is it still running?{' '}
          {seconds !== null ? `Trying again in ${seconds} s.` : 'Trying again…'}
        </span>
      </span>
      <Button
        size="sm"
        busy={trying}
        onClick={() => {
          setTrying(true);
          void probe().finally(() => setTrying(false));
        }}
        data-testid="error-banner-retry"
      >
        Retry now
      </Button>
    </div>
  );
}
