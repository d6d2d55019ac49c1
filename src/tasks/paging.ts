// Keyset paging, newest first, over (createdAt, id). A cursor names the last item seen, so
// items created while a client pages only ever appear before its position: no duplicates, no
// gaps among the items that existed when it started.
import { ValidationError } from '../errors.js';
import { isWellFormedId } from './ids.js';

export const pageSizes = { default: 20, max: 100 } as const;

export interface Page<T> {
  items: T[];
  /** Cursor of the last item, to ask for the next page; null on the last page. */
  nextCursor: string | null;
}

export interface PageRequest {
  first?: number | null | undefined;
  after?: string | null | undefined;
  /** How the interface calls these two, to name them in errors. Default first / after. */
  names?: { first: string; after: string };
  in?: 'query';
}

export interface Position {
  createdAt: Date;
  id: string;
}

export function encodeCursor(item: Position): string {
  return Buffer.from(JSON.stringify([item.createdAt.toISOString(), item.id])).toString('base64url');
}

export function decodeCursor(cursor: string, field: string, location?: 'query'): Position {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    const date = new Date(typeof createdAt === 'string' ? createdAt : NaN);
    // Within what PostgreSQL stores and this server can have written: a forged far date is bad input.
    const year = date.getUTCFullYear();
    if (typeof id === 'string' && isWellFormedId(id) && year >= 1970 && year <= 9999) return { createdAt: date, id };
  } catch {
    // fall through to the error below
  }
  throw new ValidationError([{ field, message: 'is not a cursor this server handed out', ...(location ? { in: location } : {}) }]);
}

export function pageSize(first: number | null | undefined, field: string, location?: 'query'): number {
  if (first === undefined || first === null) return pageSizes.default;
  if (!Number.isInteger(first) || first < 1 || first > pageSizes.max) {
    throw new ValidationError([{ field, message: `must be an integer from 1 to ${pageSizes.max}`, ...(location ? { in: location } : {}) }]);
  }
  return first;
}

/** The Prisma filter and order for "after this position, newest first". */
export function keysetQuery(after: Position | null) {
  return {
    where: after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] } : {},
    orderBy: [{ createdAt: 'desc' as const }, { id: 'desc' as const }],
  };
}

/** Given up to size+1 rows, the page and its next cursor. */
export function toPage<T extends Position>(rows: T[], size: number): Page<T> {
  const items = rows.slice(0, size);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > size && last ? encodeCursor(last) : null };
}
