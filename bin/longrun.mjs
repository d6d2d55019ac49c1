#!/usr/bin/env node
// The `longrun` command (package.json "bin"): runs the TypeScript CLI in src/cli through tsx,
// with the repository's own tsconfig wherever it is started from.
import { register } from 'tsx/esm/api';

register({ tsconfig: new URL('../tsconfig.json', import.meta.url).pathname });
await import('../src/cli/main.ts');
