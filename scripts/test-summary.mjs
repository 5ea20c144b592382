// Prints the line CI reads, `N passed, N failed`, summed over jest JSON reports given as arguments.
// A report that is missing or unreadable counts as a failure, so a crashed run never looks green.
import { readFileSync } from 'node:fs';

let passed = 0;
let failed = 0;
for (const file of process.argv.slice(2)) {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    passed += report.numPassedTests;
    failed += report.numFailedTests;
    // Suites that failed to run (syntax error, import failure) have no failed tests; count them.
    failed += report.numRuntimeErrorTestSuites ?? 0;
    console.log(`${file}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numRuntimeErrorTestSuites ?? 0} suites failed to run`);
  } catch (error) {
    console.log(`${file}: unreadable (${error.message})`);
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
