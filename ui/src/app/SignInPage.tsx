// The page a browser sees on a server with auth on, before it has a session: one field for
// a personal token (what `chroma application run` was given, or a user's own), traded for
// an HttpOnly cookie. The token is not kept anywhere on this side.
import { type FormEvent, useState } from 'react';
import { signIn } from '../api/session';
import { Button, ErrorBox } from '../kit';
import './signIn.css';

export function SignInPage({ reason }: { reason: string | null }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const refused = await signIn(token.trim());
      if (refused) setError(refused);
    } catch (failure) {
      setError(`Cannot reach the Chroma server (${(failure as Error).message}).`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in" data-testid="sign-in-page">
      <form className="sign-in__card" onSubmit={(event) => void submit(event)}>
        <h1 className="sign-in__title">Sign in to Chroma</h1>
        {reason && (
          <p className="sign-in__reason" role="status" data-testid="sign-in-reason">
            {reason.charAt(0).toUpperCase() + reason.slice(1)}.
          </p>
        )}
        <label className="sign-in__label" htmlFor="sign-in-token">
          Personal token
        </label>
        <input
          id="sign-in-token"
          className="k-input"
          type="password"
          autoComplete="current-password"
          autoFocus
          value={token}
          onChange={(event) => setToken(event.target.value)}
          data-testid="sign-in-token"
        />
        <p className="sign-in__hint muted">
          The token the server was started with (<code>CHROMA_AUTH_TOKEN</code>), or your own.
          Scripts and the SDK send it as a bearer token instead.
        </p>
        {error && <ErrorBox title="Not signed in" message={error} data-testid="sign-in-error" />}
        <Button
          type="submit"
          variant="primary"
          busy={busy}
          disabled={!token.trim()}
          data-testid="sign-in-submit"
        >
          Sign in
        </Button>
      </form>
    </main>
  );
}
