// Run by globalSetup in a process of its own (through tsx: Jest's globalSetup cannot load the
// ESM sources with their .js import suffixes): builds the cached PGlite template.
import { migratedPgliteTemplate } from './pgliteTemplate.js';

await migratedPgliteTemplate();
