// Open graphql-ws connections and the operations running on them, read from the endpoint when
// Prometheus scrapes: no count kept beside the sockets' own state that could drift from it.
import { Gauge, type Registry } from 'prom-client';

export interface WebSocketUse {
  connections: number;
  /** Operations running on those connections: subscriptions, and queries or mutations still executing. */
  operations: number;
}

/** `use` is null while no GraphQL endpoint exists (worker role, or not started): no samples then. */
export function registerWebSocketGauges(registry: Registry, use: () => WebSocketUse | null): void {
  new Gauge({
    name: 'longrun_graphql_ws_connections',
    help: 'Open GraphQL WebSocket connections (graphql-ws).',
    registers: [registry],
    collect() {
      const now = use();
      if (now) this.set(now.connections);
    },
  });
  new Gauge({
    name: 'longrun_graphql_ws_subscriptions',
    help: 'Operations running on GraphQL WebSocket connections: subscriptions, and queries or mutations still executing.',
    registers: [registry],
    collect() {
      const now = use();
      if (now) this.set(now.operations);
    },
  });
}
