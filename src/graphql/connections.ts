import { encodeCursor, type Page, type Position } from '../tasks/paging.js';

/** A page as a Relay connection. */
export function toConnection<T extends Position>(page: Page<T>, after: string | null | undefined) {
  const edges = page.items.map((node) => ({ cursor: encodeCursor(node), node }));
  return {
    edges,
    nodes: page.items,
    pageInfo: {
      hasNextPage: page.nextCursor !== null,
      hasPreviousPage: Boolean(after),
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
