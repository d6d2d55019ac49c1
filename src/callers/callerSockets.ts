// QUOTA_SOCKETS: open graphql-ws connections per caller, counted in this process (each process
// of a deployment allows the limit on its own; a load balancer spreads a caller's sockets).
export class CallerSockets {
  private readonly open = new Map<string, number>();

  /** 0: unlimited. */
  constructor(readonly limit: number) {}

  /** Counts one more socket of `callerId`, or answers false when it has `limit` open already. */
  tryOpen(callerId: string): boolean {
    const count = this.open.get(callerId) ?? 0;
    if (this.limit > 0 && count >= this.limit) return false;
    this.open.set(callerId, count + 1);
    return true;
  }

  closed(callerId: string): void {
    const count = (this.open.get(callerId) ?? 0) - 1;
    if (count > 0) this.open.set(callerId, count);
    else this.open.delete(callerId);
  }
}
