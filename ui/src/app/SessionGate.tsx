// Shows the app once the server says who we are (or that it asks nobody), and the sign-in
// page while nobody is signed in: on first load, after signing out, and when a request
// finds its session expired.
import { type ReactNode, useEffect, useState } from 'react';
import { checkSession, useSession } from '../api/session';
import { ErrorBox, Spinner } from '../kit';
import { SignInPage } from './SignInPage';

export function SessionGate({ children }: { children: ReactNode }) {
  const session = useSession();
  const [failure, setFailure] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `attempt` re-runs the check
  useEffect(() => {
    setFailure(null);
    checkSession().catch((error: Error) => setFailure(error.message));
  }, [attempt]);

  if (failure) {
    return (
      <div className="app-center">
        <ErrorBox
          title="Cannot reach the Chroma server"
          message={failure}
          onRetry={() => setAttempt((n) => n + 1)}
        />
      </div>
    );
  }
  switch (session.state) {
    case 'checking':
      return (
        <div className="app-center">
          <Spinner size="lg" label="Loading" />
        </div>
      );
    case 'signedOut':
      return <SignInPage reason={session.reason} />;
    default:
      return <>{children}</>;
  }
}
