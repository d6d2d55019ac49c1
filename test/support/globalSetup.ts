// Runs once before the workers start. Jest loads this file natively (no module mapping), so it
// imports only Node's own modules.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Page tests drive Debian's Chromium (see browser.ts); install it when it is missing (CI runs as root). */
function ensureChromium(): void {
  if (fs.existsSync('/usr/bin/chromium')) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env });
}

export default function globalSetup(): void {
  ensureChromium();
  // Builds the migrated PGlite template once, so parallel test files clone it instead of each
  // building its own (a fresh PGlite takes seconds). When the cached template is current this
  // returns in well under a second.
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, ['--import', 'tsx', 'test/support/buildTemplate.ts'], { cwd: root, stdio: 'inherit' });
}
