const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Ids are UUIDs (the columns are uuid): anything else cannot name a task or video, so it is
 * simply not found, and it must never reach a query, where PostgreSQL would reject it.
 */
export function isWellFormedId(id: string): boolean {
  return uuidPattern.test(id);
}
