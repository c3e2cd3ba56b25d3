// Who is signed in, and the way out. Nothing on a server that asks nobody to sign in.
import { useState } from 'react';
import { signOut, useSession } from '../api/session';
import { Button } from '../kit';
import './signIn.css';

export function UserMenu() {
  const session = useSession();
  const [busy, setBusy] = useState(false);
  if (session.state !== 'signedIn') return null;
  return (
    <span className="user-menu" data-testid="user-menu">
      <span data-testid="signed-in-as" title={`Signed in as ${session.name} (${session.role})`}>
        {session.name} <span className="muted">({session.role})</span>
      </span>
      {session.via === 'session' && (
        <Button
          size="sm"
          variant="ghost"
          busy={busy}
          onClick={() => {
            setBusy(true);
            void signOut().finally(() => setBusy(false));
          }}
          data-testid="sign-out"
        >
          Sign out
        </Button>
      )}
    </span>
  );
}
