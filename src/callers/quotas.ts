// Per-caller limits (QUOTA_* settings). 0 means unlimited. With authentication on, each has a
// default; the anonymous caller of a server without authentication has none unless set
// (decision 0013): one local user has nobody to be fair to.

export interface QuotaSettings {
  /** Task creations per minute: a bucket of `creationBurst` tokens refilled at this rate. */
  creationsPerMinute: number;
  /** How many creations may come at once before the rate applies. */
  creationBurst: number;
  /** Tasks queued or running at once. */
  activeTasks: number;
  /** Bytes of stored videos (the MP4s' sizeBytes); a new render is refused once they reach it. */
  mediaBytes: number;
  /** Open graphql-ws connections at once, per process. */
  sockets: number;
}

export const authenticatedQuotaDefaults: QuotaSettings = {
  creationsPerMinute: 120,
  creationBurst: 120,
  activeTasks: 100,
  mediaBytes: 10 * 1024 ** 3,
  sockets: 20,
};

export const unlimitedQuotas: QuotaSettings = { creationsPerMinute: 0, creationBurst: 0, activeTasks: 0, mediaBytes: 0, sockets: 0 };

/** Whether creating a task must go through admission (a limit to check, or callers to keep fair). */
export function admissionNeeded(quotas: QuotaSettings, manyCallers: boolean): boolean {
  return manyCallers || quotas.creationsPerMinute > 0 || quotas.activeTasks > 0 || quotas.mediaBytes > 0;
}
