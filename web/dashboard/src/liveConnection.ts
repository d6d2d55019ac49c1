// The page's one graphql-ws connection: retries for ever with a capped backoff, sends the
// caller's key in connection_init, and reports a refused key (close code 4403) instead of
// retrying it.
import { createClient, type Client } from 'graphql-ws';

/** The server closes a socket whose credentials are missing or wrong with 4403. */
export const forbiddenCloseCode = 4403;

export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting';

export interface LiveConnectionEvents {
  onStatus(status: ConnectionStatus): void;
  /** Every time the server acknowledged the connection; wasRetry after a drop. */
  onConnected(wasRetry: boolean): void;
}

export function isForbiddenClose(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'code' in value && value.code === forbiddenCloseCode;
}

export function webSocketUrl(location: Location): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/graphql`;
}

export function createLiveConnection(apiKey: string | null, events: LiveConnectionEvents): Client {
  return createClient({
    url: webSocketUrl(window.location),
    connectionParams: () => (apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
    // A dashboard stays open for hours: never give up on the server, but do give up on a key.
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: (closeEvent) => !isForbiddenClose(closeEvent),
    retryWait: async (retries) => {
      const delayMs = Math.min(5000, 250 * 2 ** retries) * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    },
    // Pings find a silently dead socket (a laptop waking up) instead of waiting for TCP.
    keepAlive: 10_000,
    on: {
      connecting: (isRetry) => events.onStatus(isRetry ? 'reconnecting' : 'connecting'),
      connected: (_socket, _payload, wasRetry) => {
        events.onStatus('live');
        events.onConnected(wasRetry);
      },
      closed: () => events.onStatus('reconnecting'),
    },
  });
}
