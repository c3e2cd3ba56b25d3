// @vitest-environment happy-dom
// Signing in and out against a fake server: fetch answers /api/v1/me, /api/v1/session and
// GraphQL the way the real one does with auth on (tests/server/test_sign_in.py checks that).
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createChromaClient } from '../api/client';
import { resetSession } from '../api/session';
import { SessionGate } from './SessionGate';
import { UserMenu } from './UserMenu';

const TOKEN = 'test-token-0123456789abcdef';

function json(status: number, body: unknown): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

const unauthorized = {
  error: { code: 'unauthorized', message: 'missing or wrong bearer token', where: 'authorization' },
};
const expired = {
  error: {
    code: 'session_expired',
    message: 'your session has expired or was signed out: sign in again',
    where: 'cookie',
  },
};

/** A server with auth on; `signedIn` is its one session. */
function fakeServer() {
  const server = { signedIn: false, calls: [] as string[] };
  const fetch = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    const method = init?.method ?? 'GET';
    server.calls.push(`${method} ${String(url)}`);
    if (String(url) === '/api/v1/session' && method === 'POST') {
      const { token } = JSON.parse(String(init?.body)) as { token: string };
      if (token !== TOKEN) {
        return json(401, {
          error: { code: 'unauthorized', message: 'wrong token: nobody signed in', where: 'token' },
        });
      }
      server.signedIn = true;
      return json(200, { name: 'token', role: 'admin', expires_at: '2027-01-01T00:00:00Z' });
    }
    if (String(url) === '/api/v1/session' && method === 'DELETE') {
      server.signedIn = false;
      return json(204, null);
    }
    if (String(url) === '/api/v1/me') {
      if (!server.signedIn) return json(401, unauthorized);
      return json(200, { name: 'token', role: 'admin', via: 'session', auth_required: true });
    }
    return json(server.signedIn ? 200 : 401, server.signedIn ? { data: {} } : expired);
  });
  vi.stubGlobal('fetch', fetch);
  return server;
}

function Signed() {
  return (
    <div data-testid="the-app">
      <UserMenu />
    </div>
  );
}

beforeEach(() => resetSession());
afterEach(() => vi.unstubAllGlobals());

describe('SessionGate', () => {
  it('shows the sign-in page, refuses a wrong token, lets the right one in', async () => {
    const server = fakeServer();
    render(
      <SessionGate>
        <Signed />
      </SessionGate>,
    );
    expect(await screen.findByTestId('sign-in-page')).toBeTruthy();
    expect(screen.queryByTestId('the-app')).toBeNull();

    fireEvent.change(screen.getByTestId('sign-in-token'), { target: { value: 'wrong-token' } });
    fireEvent.click(screen.getByTestId('sign-in-submit'));
    expect((await screen.findByTestId('sign-in-error')).textContent).toContain(
      'wrong token: nobody signed in',
    );

    fireEvent.change(screen.getByTestId('sign-in-token'), { target: { value: TOKEN } });
    fireEvent.click(screen.getByTestId('sign-in-submit'));
    expect(await screen.findByTestId('the-app')).toBeTruthy();
    expect(screen.getByTestId('signed-in-as').textContent).toContain('token');
    expect(server.signedIn).toBe(true);

    fireEvent.click(screen.getByTestId('sign-out'));
    expect(await screen.findByTestId('sign-in-page')).toBeTruthy();
    expect(server.calls).toContain('DELETE /api/v1/session');
    expect(server.signedIn).toBe(false);
  });

  it('goes back to sign-in, saying why, when a request finds the session expired', async () => {
    const server = fakeServer();
    server.signedIn = true;
    render(
      <SessionGate>
        <Signed />
      </SessionGate>,
    );
    expect(await screen.findByTestId('the-app')).toBeTruthy();

    server.signedIn = false; // signed out elsewhere, or expired
    const client = createChromaClient({ fetch: globalThis.fetch });
    await act(async () => {
      await client.query('{ projects { name } }', {}).toPromise();
    });
    await waitFor(() => expect(screen.getByTestId('sign-in-page')).toBeTruthy());
    expect(screen.getByTestId('sign-in-reason').textContent).toBe(
      'Your session has expired or was signed out: sign in again.',
    );
  });

  it('shows the app and no user on a server without auth', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        json(200, { name: 'local', role: 'admin', via: 'none', auth_required: false }),
      ),
    );
    render(
      <SessionGate>
        <Signed />
      </SessionGate>,
    );
    expect(await screen.findByTestId('the-app')).toBeTruthy();
    expect(screen.queryByTestId('user-menu')).toBeNull();
  });
});
