// Jest over native ESM: run through `node --experimental-vm-modules` (see package.json "test").
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }],
  },
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  // Every REST response a test sees is checked against the OpenAPI document (src/openapi).
  setupFilesAfterEnv: ['<rootDir>/test/support/openapiConformance.ts'],
  // Generous: a loaded machine (CI shares it) can take over a minute to start a file's servers.
  testTimeout: 120000,
  maxWorkers: 2,
  // Native ESM under Jest keeps every file's module graph (playwright-core, OpenTelemetry, ...)
  // alive in its worker: workers grew past 5 GB and slowed down. A worker over this limit is
  // replaced between files.
  workerIdleMemoryLimit: '1GB',
};
