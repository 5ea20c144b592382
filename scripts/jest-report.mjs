// A jest reporter beside the default one. It says, right above jest's own summary, which suites this run
// left out (SF_SKIP_TOOL_SUITES=1), so a partial run never passes for a whole one; and with
// SF_TEST_REPORT=FILE it writes the run as `jest --json` would, for CI's summary line
// (scripts/test-summary.mjs), which keeps the test command exactly as the README writes it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatTestResults } from '@jest/test-result';
import { leftOutSuites, SKIP_VARIABLE } from './test-tools.mjs';

export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const leftOut = leftOutSuites();
    if (leftOut.length > 0) {
      process.stderr.write(`Left out by ${SKIP_VARIABLE}=1, not run: ${leftOut.length} suites (${leftOut.join(', ')}). This is not the whole suite.\n`);
    }
    const file = process.env.SF_TEST_REPORT;
    if (file) {
      mkdirSync(dirname(file), { recursive: true });
      // jest decides `success` only after the reporters have run; decided here the way it does.
      const success = results.numFailedTests === 0 && results.numRuntimeErrorTestSuites === 0 && !results.snapshot.failure && !results.runExecError;
      writeFileSync(file, JSON.stringify({ ...formatTestResults(results), success, leftOutSuites: leftOut }));
    }
  }
}
