// The jest configuration StrykerJS runs (stryker.config.mjs): the project's, limited to the test
// files that run the mutated modules in-process. Suites that spawn the built CLI, a browser,
// Prometheus or helm cannot see a mutant (they run dist/ or another process) and would only add
// minutes to every Stryker run; the property tests (test/reliability/properties.test.ts) take about
// 25 s and cover every parser mutant, which made them most of a full run, while the parser's own
// tests kill the same mutants. The full suite (npm test) still runs all of them.
import base from '../../jest.config.js';

/** The test files that exercise the modules listed in stryker.config.mjs's `mutate`. */
export const MUTATION_TESTS = [
  'test/metrics/number-format.test.ts',
  'test/metrics/render.test.ts',
  'test/pathfiles/path-file-format.test.ts',
  'test/pathfiles/path-file-parser.test.ts',
  'test/pathfiles/path-file-watcher.test.ts',
  'test/poller/shard.test.ts',
  'test/poller/snapshot.test.ts',
  'test/servicefabric/classify.test.ts',
  'test/servicefabric/client.test.ts',
  'test/servicefabric/image-store-info.test.ts',
  'test/servicefabric/store-lookup.test.ts',
  'test/servicefabric/parse.test.ts',
  'test/status/capacity-view.test.ts',
  'test/status/packages.test.ts',
  'test/status/view.test.ts',
  'test/web/auth.test.ts',
  'test/web/status-page-packages.test.ts',
  'test/web/status-page.test.ts',
  'test/web/web-security.test.ts',
  'test/web/webconfig.test.ts',
];

/** @type {import('jest').Config} */
export default {
  ...base,
  rootDir: '../..',
  // src/ too, so that jest's --findRelatedTests (Stryker's enableFindRelatedTests) follows imports
  // through every source file: with test/ alone it lost a test whose chain passes through a module
  // outside the mutated file's folder (web-security.test.ts → exporter.ts → web/web-security.ts).
  roots: ['<rootDir>/test', '<rootDir>/src'],
  testMatch: MUTATION_TESTS.map((file) => `<rootDir>/${file}`),
  testPathIgnorePatterns: ['/node_modules/'],
  // Neither helm nor Chromium is needed by these files, and Stryker reports on its own.
  globalSetup: undefined,
  reporters: ['default'],
};
