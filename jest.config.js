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
  testTimeout: 60000,
  maxWorkers: 2,
};
