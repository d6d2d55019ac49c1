// Builds the migrated PGlite template once, before the workers start, so parallel test files
// clone it instead of each building its own (a fresh PGlite takes seconds). When the cached
// template is current this returns in well under a second.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function globalSetup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  execFileSync(process.execPath, ['--import', 'tsx', 'test/support/buildTemplate.ts'], { cwd: root, stdio: 'inherit' });
}
