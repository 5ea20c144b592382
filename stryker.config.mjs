// StrykerJS (`npm run mutate`): mutation testing of the modules that guard users. See
// docs/development.md, "Mutation testing", for what each survivor means and how CI runs it.
import { readFileSync } from 'node:fs';

/**
 * `file:from-to` for each named function or method of `file`, found in its source, so that a range
 * follows the code when lines move: from the declaration (with the comment lines right above it) to
 * its closing brace at the same indentation.
 */
function functions(file, ...names) {
  const lines = readFileSync(new URL(file, import.meta.url), 'utf8').split('\n');
  return names.map((name) => {
    const at = lines.findIndex((line) => new RegExp(`^(\\s*)(export )?(async )?(function )?${name.replace('#', '\\#')}\\(`).test(line));
    if (at < 0) throw new Error(`stryker.config.mjs: no function ${name} in ${file}`);
    const indent = /^\s*/.exec(lines[at])[0];
    const end = lines.findIndex((line, i) => i > at && line === `${indent}}`);
    let start = at;
    while (start > 0 && /^\s*(\/\/|\/\*\*|\*)/.test(lines[start - 1])) start -= 1;
    return `${file}:${start + 1}-${end + 1}`;
  });
}

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
    // The cluster client, the response parser and the failure classification.
    'src/servicefabric/client.ts',
    'src/servicefabric/parse.ts',
    'src/servicefabric/classify.ts',
    // Basic auth, the web-config checks and the parts of the listener that apply them: sansOf,
    // refresh (the authentication drop guard), wrap (who needs credentials), and the TLS client
    // certificate policies.
    'src/web/auth.ts',
    'src/web/webconfig.ts',
    ...functions('src/web/web-security.ts', 'exemptFromBasicAuth', 'filesOf', 'sansOf', 'refresh', 'wrap', '#applyTls', '#clientCertificateProblem'),
    // The exposition's escaping and number format.
    'src/metrics/number-format.ts',
    ...functions('src/metrics/render.ts', 'escapeString', 'escapeLabelValue', 'encodeLabels', 'header'),
    // Shard assignment, staleness, path-file parsing, and the status view's alertable state.
    'src/poller/shard.ts',
    ...functions('src/poller/snapshot.ts', 'isFresh'),
    'src/pathfiles/path-file-format.ts',
    'src/pathfiles/path-file-yaml.ts',
    'src/pathfiles/path-file-parser.ts',
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
