// Lists of tasks and videos, newest first, one keyset page at a time.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { VideoRecord } from '../videos/videoTypes.js';
import { decodeCursor, keysetQuery, pageSize, toPage, type Page, type PageRequest } from './paging.js';
import { withVideo } from './taskStore.js';
import type { TaskKind, TaskStatus, TaskView } from './taskTypes.js';

export interface TaskFilter {
  statuses?: TaskStatus[] | undefined;
  kind?: TaskKind | undefined;
}

/**
 * Each status once: a client may repeat one (70,000 times in a list once made PostgreSQL refuse
 * the query for its bind parameters), and feeds test the list on every event.
 */
export function normalizeFilter(filter: TaskFilter): TaskFilter {
  return { ...filter, ...(filter.statuses ? { statuses: [...new Set(filter.statuses)] } : {}) };
}

export function matchesFilter(filter: TaskFilter, task: TaskView): boolean {
  return (!filter.statuses || filter.statuses.includes(task.status)) && (!filter.kind || filter.kind === task.kind);
}

function pageQuery(page: PageRequest) {
  const names = page.names ?? { first: 'first', after: 'after' };
  const size = pageSize(page.first, names.first, page.in);
  return { size, ...keysetQuery(page.after ? decodeCursor(page.after, names.after, page.in) : null) };
}

export class Listing {
  constructor(private readonly prisma: PrismaClient) {}

  async tasks(callerId: string, filter: TaskFilter, page: PageRequest): Promise<Page<TaskView>> {
    const { size, where, orderBy } = pageQuery(page);
    const rows = await this.prisma.task.findMany({
      where: {
        ...where,
        callerId,
        ...(filter.statuses ? { status: { in: filter.statuses } } : {}),
        ...(filter.kind ? { kind: filter.kind } : {}),
      },
      orderBy,
      take: size + 1,
      include: withVideo,
    });
    return toPage(rows, size);
  }

  async videos(callerId: string, page: PageRequest): Promise<Page<VideoRecord>> {
    const { size, where, orderBy } = pageQuery(page);
    const rows = await this.prisma.video.findMany({ where: { ...where, callerId }, orderBy, take: size + 1 });
    return toPage(rows, size);
  }
}
