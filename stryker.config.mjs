// StrykerJS (`npm run mutate`): mutation testing of the modules that guard users. See
// docs/development.md, "Mutation testing", for what each survivor means and how CI runs it.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'jest',
  // ts-jest compiles the tests as ES modules (jest.config.js), which needs VM modules in every runner.
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  jest: { configFile: 'test/mutation/jest.config.js', enableFindRelatedTests: true },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  coverageAnalysis: 'perTest',
  // A static mutant (a module-level constant: a code list, a regular expression, a table) is live
  // in every test, so each would re-run every related test file: 10 % of the mutants took 40 % of
  // the time. The constants that guard users are pinned by explicit tests instead (see
  // docs/development.md).
  ignoreStatic: true,
  mutate: [
    // The response parser and the failure classification.
    'src/servicefabric/parse.ts',
    'src/servicefabric/classify.ts',
    // Basic auth, the web-config checks and the parts of the listener that apply them: sansOf,
    // refresh (the authentication drop guard), wrap (who needs credentials), and the TLS client
    // certificate policies.
    'src/web/auth.ts',
    'src/web/webconfig.ts',
    'src/web/web-security.ts:21-39',
    'src/web/web-security.ts:92-161',
    'src/web/web-security.ts:194-234',
    // The exposition's escaping (escapeString, escapeLabelValue, encodeLabels, header) and number format.
    'src/metrics/number-format.ts',
    'src/metrics/render.ts:89-109',
    'src/metrics/render.ts:149-152',
    // Shard assignment, staleness, path-file parsing, and the status view's alertable state.
    'src/poller/shard.ts',
    'src/poller/snapshot.ts:89-91',
    'src/config/pathfile.ts',
    'src/poller/pathfile-parser.ts',
    'src/status/view.ts',
  ],
  reporters: ['clear-text', 'progress', 'json', 'html'],
  // dist/ is gitignored but the sandbox needs it: a few tests spawn the built CLI (unmutated).
  ignorePatterns: ['!dist/**'],
  // Committed, so a run re-tests only the mutants whose code or tests changed since it was written.
  incremental: true,
  incrementalFile: 'test/mutation/stryker-incremental.json',
  concurrency: 2,
  timeoutMS: 10000,
  thresholds: { high: 90, low: 85, break: 85 },
};
