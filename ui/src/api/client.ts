// The urql client: document cache + fetch, through trackedFetch so a dead server shows
// the reconnect banner instead of a blank screen, and a 401 (a session that ended) goes
// back to the sign-in page.
import { Client, cacheExchange, fetchExchange } from 'urql';
import { trackedFetch } from './serverStatus';
import { noteUnauthorized } from './session';

/** `fetcher`, noting a 401 as a signed-out session (session.ts). */
export function sessionAware(fetcher: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await fetcher(input, init);
    if (response.status === 401) await noteUnauthorized(response);
    return response;
  };
}

export function createChromaClient(options: { url?: string; fetch?: typeof fetch } = {}): Client {
  return new Client({
    url: options.url ?? '/graphql',
    exchanges: [cacheExchange, fetchExchange],
    fetch: sessionAware(options.fetch ?? trackedFetch),
    // Screens ask for fresh data when they mount; the cache serves re-renders.
    requestPolicy: 'cache-and-network',
    preferGetMethod: false,
  });
}

/** A GraphQL error's message and code (`extensions.code`), for ErrorBox. */
export function describeError(error: {
  message: string;
  networkError?: Error | undefined;
  graphQLErrors?: readonly { message: string; extensions?: Record<string, unknown> }[];
}): { message: string; code: string | null } {
  if (error.networkError) return { message: 'Cannot reach the Chroma server.', code: 'network' };
  const first = error.graphQLErrors?.[0];
  if (first) {
    const code = typeof first.extensions?.code === 'string' ? first.extensions.code : null;
    return { message: first.message, code };
  }
  return { message: error.message, code: null };
}
