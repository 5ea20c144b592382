// Prints the line CI reads, `N passed, N failed`: the tests of the jest JSON reports given as
// arguments, plus one count per named check given as `--check NAME=EXIT_CODE` (lint, typecheck,
// build, soak, ...), so a failing step never hides behind green tests. A report that is missing or
// unreadable counts as a failure, so a crashed run never looks green; so does a run that left suites
// out (SF_SKIP_TOOL_SUITES=1), which is not the whole suite.
import { readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--check') {
    const [name, code] = (args[++i] ?? '').split('=');
    const ok = code === '0';
    if (ok) passed += 1;
    else failed += 1;
    console.log(`check ${name}: ${ok ? 'passed' : `failed (exit ${code})`}`);
    continue;
  }
  const file = args[i];
  try {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    // Suites that failed to run (syntax error, import failure) have no failed tests; count them.
    failed += report.numRuntimeErrorTestSuites ?? 0;
    console.log(`${file}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numRuntimeErrorTestSuites ?? 0} suites failed to run`);
    const leftOut = report.leftOutSuites ?? [];
    if (leftOut.length > 0) {
      console.log(`${file}: ${leftOut.length} suites left out by SF_SKIP_TOOL_SUITES=1 (${leftOut.join(', ')})`);
      failed += 1;
    }
  } catch (error) {
    console.log(`${file}: unreadable (${error.message})`);
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
