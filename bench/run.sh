#!/usr/bin/env bash
# `npm run bench -- [name ...] [options]`: raises the open-file limit for the 5,000-socket
# figures (clients and servers of figures 6 and 7 each hold 5,000+ descriptors), then runs
# bench/run.ts. PostgreSQL must be up on 127.0.0.1:5432 (as on every machine here).
set -euo pipefail
cd "$(dirname "$0")/.."
want=16384
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$want" ]; then
  ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "bench: PostgreSQL is not answering on 127.0.0.1:5432" >&2
fi
exec node --import tsx bench/run.ts "$@"
