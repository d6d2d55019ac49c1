// A connection or call that outlives one verification (a graphql-ws socket, a gRPC watch) lasts
// no longer than its credentials: a JWT verified with the clock tolerance expires at exp plus
// that tolerance, as it would on its next HTTP request.
import type { Caller } from './caller.js';
import { clockToleranceSeconds } from './jwt.js';

/** setTimeout's longest delay; a token valid for longer is checked again then. */
const maxTimerMs = 2 ** 31 - 1;

/** Calls `expired` once the caller's credentials expire (never for API keys). Returns the cancel. */
export function whenCredentialsExpire(caller: Caller, expired: () => void): () => void {
  if (!caller.expiresAt) return () => undefined;
  const at = caller.expiresAt.getTime() + clockToleranceSeconds * 1000;
  let timer: NodeJS.Timeout;
  const arm = () => {
    const ms = at - Date.now();
    if (ms <= 0) return expired();
    timer = setTimeout(arm, Math.min(ms, maxTimerMs));
  };
  // On a later tick, even when already due: the caller finishes setting the call up first.
  timer = setTimeout(arm, 0);
  return () => clearTimeout(timer);
}
