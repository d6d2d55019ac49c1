// ListOperations' filter (AIP-160, the small part of it this server needs) and paging
// (AIP-158: page_size 0 is the default, above the maximum is the maximum).
import { ValidationError } from '../errors.js';
import type { TaskFilter } from '../tasks/listing.js';
import { pageSizes, type PageRequest } from '../tasks/paging.js';
import { taskKinds, taskStatuses, terminalStatuses, type TaskKind, type TaskStatus } from '../tasks/taskTypes.js';

const filterHelp = 'supports `done = true|false`, `status = PENDING|RUNNING|SUCCEEDED|FAILED|CANCELLED` and `kind = CREATE_VIDEO|DELETE_VIDEO`, joined with AND';

function invalidFilter(): ValidationError {
  return new ValidationError([{ field: 'filter', message: filterHelp }]);
}

/** `done = true`, `status = RUNNING AND kind = CREATE_VIDEO`, ...; empty: every operation. */
export function parseOperationsFilter(filter: string): TaskFilter {
  const text = filter.trim();
  if (text === '') return {};
  // Each term narrows the statuses (null: not restricted yet) or names the kind.
  let allowed: readonly TaskStatus[] | null = null;
  let kind: TaskKind | undefined;
  for (const term of text.split(/\s+AND\s+/)) {
    const match = /^(done|status|kind|metadata\.status|metadata\.kind)\s*=\s*"?([A-Za-z_]+)"?$/.exec(term.trim());
    if (!match) throw invalidFilter();
    const [, rawField = '', value = ''] = match;
    const field = rawField.replace(/^metadata\./, '');
    let only: readonly TaskStatus[];
    if (field === 'done') {
      if (value !== 'true' && value !== 'false') throw invalidFilter();
      only = value === 'true' ? terminalStatuses : taskStatuses.filter((s) => !terminalStatuses.includes(s));
    } else if (field === 'status') {
      const status = taskStatuses.find((s) => s === value.toUpperCase());
      if (!status) throw invalidFilter();
      only = [status];
    } else {
      const named = taskKinds.find((k) => k === value.toUpperCase());
      if (!named || (kind !== undefined && kind !== named)) throw invalidFilter();
      kind = named;
      continue;
    }
    const before: readonly TaskStatus[] = allowed ?? taskStatuses;
    allowed = before.filter((s) => only.includes(s));
  }
  return {
    ...(allowed ? { statuses: [...allowed] } : {}),
    ...(kind ? { kind } : {}),
  };
}

export function pageRequest(pageSize: number, pageToken: string): PageRequest {
  if (!Number.isInteger(pageSize) || pageSize < 0) throw new ValidationError([{ field: 'page_size', message: 'must not be negative' }]);
  return {
    first: pageSize === 0 ? undefined : Math.min(pageSize, pageSizes.max),
    after: pageToken === '' ? undefined : pageToken,
    names: { first: 'page_size', after: 'page_token' },
  };
}
