// Who is signed in (issue 13): the server's answer to GET /api/v1/me, kept in a small store.
// A 401 from any request (a session that expired or was signed out elsewhere) turns the
// app back to the sign-in page; signing in and out talk to /api/v1/session. The cookie is
// HttpOnly: this code never sees it, nor keeps the token.
import { useSyncExternalStore } from 'react';

export type Session =
  | { state: 'checking' }
  /** The server asks nobody to sign in (auth off, loopback). */
  | { state: 'open' }
  | { state: 'signedIn'; name: string; role: string; via: 'session' | 'token' }
  /** `reason`: why the previous session ended, when it did. */
  | { state: 'signedOut'; reason: string | null };

interface ErrorBody {
  error?: { code?: string; message?: string };
}

let session: Session = { state: 'checking' };
const listeners = new Set<() => void>();

function set(next: Session) {
  session = next;
  for (const listener of listeners) listener();
}

export function currentSession(): Session {
  return session;
}

async function errorOf(response: Response): Promise<{ code: string; message: string }> {
  const body = (await response.json().catch(() => ({}))) as ErrorBody;
  return {
    code: body.error?.code ?? `http_${response.status}`,
    message: body.error?.message ?? `the server answered ${response.status}`,
  };
}

/** Ask the server who we are; a 401 means: sign in. */
export async function checkSession(fetcher: typeof fetch = fetch): Promise<Session> {
  const response = await fetcher('/api/v1/me', { cache: 'no-store' });
  if (response.status === 401) {
    const { code, message } = await errorOf(response);
    set({ state: 'signedOut', reason: code === 'session_expired' ? message : null });
  } else if (!response.ok) {
    throw new Error((await errorOf(response)).message);
  } else {
    const me = (await response.json()) as {
      name: string;
      role: string;
      via: 'session' | 'token' | 'none';
      auth_required: boolean;
    };
    set(
      me.via === 'none' || !me.auth_required
        ? { state: 'open' }
        : { state: 'signedIn', name: me.name, role: me.role, via: me.via },
    );
  }
  return session;
}

/** Trade a token for a session cookie; resolves to an error message, or null when in. */
export async function signIn(token: string, fetcher: typeof fetch = fetch): Promise<string | null> {
  const response = await fetcher('/api/v1/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (!response.ok) return (await errorOf(response)).message;
  const me = (await response.json()) as { name: string; role: string };
  set({ state: 'signedIn', name: me.name, role: me.role, via: 'session' });
  return null;
}

/** End the session on the server (every API process) and show the sign-in page. */
export async function signOut(fetcher: typeof fetch = fetch): Promise<void> {
  await fetcher('/api/v1/session', { method: 'DELETE' });
  set({ state: 'signedOut', reason: null });
}

/** A request was refused with 401: the session is gone, sign in again. */
export async function noteUnauthorized(response: Response): Promise<void> {
  if (session.state === 'open') return;
  const { code, message } = await errorOf(response.clone());
  const reason = code === 'session_expired' ? message : null;
  // Requests refused together: the first to say why the session ended is the one kept.
  const now = currentSession();
  if (now.state === 'signedOut' && (now.reason || !reason)) return;
  set({ state: 'signedOut', reason });
}

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

export function useSession(): Session {
  return useSyncExternalStore(
    subscribe,
    () => session,
    () => session,
  );
}

/**
 * May this person write (log, tag, relabel, run and cancel jobs)? Everyone but a viewer;
 * with auth off, everyone. The server refuses a viewer's writes all the same (403): this
 * only keeps buttons that would be refused off the screen.
 */
export function mayWrite(current: Session): boolean {
  return !(current.state === 'signedIn' && current.role === 'viewer');
}

export function useMayWrite(): boolean {
  return mayWrite(useSession());
}

/** Tests: start from "checking" again. */
export function resetSession(): void {
  set({ state: 'checking' });
}
