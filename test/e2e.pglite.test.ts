import { e2eSuite } from './support/e2eSuite.js';

describe('end to end on the embedded PGlite', () => e2eSuite('pglite'));
