import { e2eSuite } from './support/e2eSuite.js';

describe('end to end on PostgreSQL', () => e2eSuite('postgres'));
