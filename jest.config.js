// ESM end to end: ts-jest compiles TypeScript as ES modules so that ESM-only packages (ky) load
// unchanged; relative imports carry the `.js` suffix that NodeNext requires and jest strips it.
import { leftOutSuites } from './scripts/test-tools.mjs';

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // SF_SKIP_TOOL_SUITES=1 leaves out the suites that need promtool, prometheus, chromium or helm;
  // scripts/jest-report.mjs says so at the end of the run.
  testPathIgnorePatterns: ['/node_modules/', ...leftOutSuites().map((suite) => `<rootDir>/${escape(suite)}$`)],
  // Where helm and Chromium are, for the test files (scripts/test-tools.mjs finds them).
  globalSetup: '<rootDir>/scripts/jest-global-setup.mjs',
  reporters: ['default', '<rootDir>/scripts/jest-report.mjs'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: false }],
  },
  testTimeout: 30000,
};
