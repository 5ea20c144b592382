/**
 * `npm test`'s pretest (scripts/test-tools.mjs) on machines it cannot see from here: each case runs
 * it in a scratch copy of the project (no .cache/helm) with a PATH of stub commands, so the tools of
 * this machine are hidden and nothing is installed or downloaded.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOOLS = ['promtool', 'prometheus', 'chromium', 'helm', 'curl', 'python3', 'xmllint', 'openssl'];
const TOOL_SUITES = ['test/deploy/rules.test.ts', 'test/deploy/dashboard-capacity.promtool.test.ts', 'test/exporter.promtool.test.ts', 'test/deploy/prometheus-e2e.test.ts', 'test/deploy/package-stalled-e2e.test.ts', 'test/deploy/stalled-locally.test.ts', 'test/web/gzip-prometheus.test.ts', 'test/web/status-page.browser.test.ts', 'test/deploy/chart.test.ts', 'test/deploy/chart-azure.test.ts', 'test/web/gzip-clients.test.ts', 'test/deploy/servicefabric-package.test.ts'];

const scratch = mkdtempSync(join(tmpdir(), 'sfue-test-tools-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function script(path: string, text: string): void {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
}

/** A program that does nothing and succeeds (`--version` included). */
const PROGRAM = '#!/bin/sh\nexit 0\n';

/**
 * A fake machine: an empty project with the script, and a bin folder that is all of PATH. `apt`:
 * an apt-get that logs its arguments and "installs" a package by putting its programs into bin,
 * failing for the packages in `unavailable`.
 */
function machine(name: string, options: { apt?: { unavailable?: string[] }; programs?: string[] } = {}) {
  const dir = join(scratch, name);
  const bin = join(dir, 'bin');
  mkdirSync(join(dir, 'project', 'scripts'), { recursive: true });
  mkdirSync(bin);
  for (const file of ['test-tools.mjs', 'get-helm.sh']) copyFileSync(join(ROOT, 'scripts', file), join(dir, 'project', 'scripts', file));
  for (const program of options.programs ?? []) script(join(bin, program), PROGRAM);
  const log = join(dir, 'apt.log');
  if (options.apt) {
    const unavailable = options.apt.unavailable ?? [];
    script(
      join(bin, 'apt-get'),
      `#!/bin/sh
PATH=/usr/bin:/bin
echo "$*" >> '${log}'
[ "$1" = install ] || exit 0
for p in "$@"; do
  case " ${unavailable.join(' ')} " in *" $p "*) echo "E: Unable to locate package $p" >&2; exit 100;; esac
done
for p in "$@"; do
  case $p in
    prometheus) programs="promtool prometheus";;
    chromium) programs=chromium;;
    openssl) programs=openssl;;
    curl) programs=curl;;
    python3) programs=python3;;
    libxml2-utils) programs=xmllint;;
    *) programs=;;
  esac
  for program in $programs; do printf '#!/bin/sh\\nexit 0\\n' > '${bin}'/$program; chmod +x '${bin}'/$program; done
done
`,
    );
    // For a run that is not root: passwordless sudo.
    script(join(bin, 'sudo'), '#!/bin/sh\n[ "$1" = -n ] && shift\nexec "$@"\n');
  }
  return {
    run(env: Record<string, string> = {}) {
      const result = spawnSync(process.execPath, [join(dir, 'project', 'scripts', 'test-tools.mjs')], {
        env: { PATH: bin, HOME: dir, ...env },
        encoding: 'utf8',
        timeout: 60_000,
      });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    },
    aptLog: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []),
  };
}

describe('npm test finding and installing the programs the suite needs', () => {
  it('stops with one line per missing program and the commands that install it, where nothing can be installed', () => {
    const { status, stdout, stderr } = machine('nothing').run();
    expect(status).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(TOOLS.length + 2);
    for (const tool of TOOLS) {
      const line = lines.find((l) => l.trimStart().startsWith(`${tool} `));
      expect(line).toBeDefined();
      expect(line).toMatch(/brew install/);
      expect(line).toMatch(/sudo dnf install/);
    }
    expect(lines.find((l) => l.trimStart().startsWith('promtool '))).toMatch(/sudo apt-get install prometheus .*no apt-get/);
    expect(lines.at(-1)).toMatch(/SF_SKIP_TOOL_SUITES=1 npm test/);
    expect(stdout).not.toMatch(/promtool \//);
  });

  it('installs what is missing with apt-get (as root, or with passwordless sudo), then finds it', () => {
    const fake = machine('apt', { apt: {} });
    const helm = join(scratch, 'apt', 'bin', 'helm-elsewhere');
    script(helm, PROGRAM);
    const { status, stdout, stderr } = fake.run({ HELM: helm });
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(fake.aptLog()).toEqual([
      'update -qq',
      'install -y -qq --no-install-recommends prometheus',
      'install -y -qq --no-install-recommends chromium fonts-dejavu-core',
      'install -y -qq --no-install-recommends curl',
      'install -y -qq --no-install-recommends python3',
      'install -y -qq --no-install-recommends libxml2-utils',
      'install -y -qq --no-install-recommends openssl',
    ]);
    for (const tool of ['promtool', 'prometheus', 'chromium', 'curl', 'python3', 'xmllint', 'openssl']) expect(stdout).toContain(`${tool} ${join(scratch, 'apt', 'bin', tool)}`);
    expect(stdout).toContain(`helm ${helm}`);
  });

  it('reports only what apt-get could not install, with its reason', () => {
    const fake = machine('no-chromium', { apt: { unavailable: ['chromium'] }, programs: ['helm'] });
    const { status, stderr } = fake.run();
    expect(status).toBe(1);
    const missing = stderr.trim().split('\n').slice(1, -1);
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatch(/^ {2}chromium .*apt-get install chromium fonts-dejavu-core failed: E: Unable to locate package chromium/);
  });

  it('reports a tool its variable names when that does not run', () => {
    const { status, stderr } = machine('bad-variable', { programs: ['promtool', 'prometheus', 'chromium', 'helm', 'openssl'] }).run({ CHROMIUM: '/nonexistent/chromium' });
    expect(status).toBe(1);
    expect(stderr).toMatch(/^ {2}chromium .*\(CHROMIUM=\/nonexistent\/chromium does not run\)$/m);
  });

  it('with SF_SKIP_TOOL_SUITES=1, needs only openssl and names the suites it leaves out', () => {
    const { status, stdout } = machine('skip', { programs: ['openssl'] }).run({ SF_SKIP_TOOL_SUITES: '1' });
    expect(status).toBe(0);
    for (const suite of TOOL_SUITES) expect(stdout).toContain(suite);
    const without = machine('skip-no-openssl').run({ SF_SKIP_TOOL_SUITES: '1' });
    expect(without.status).toBe(1);
    expect(without.stderr).toMatch(/^ {2}openssl /m);
  });
});

describe('jest with SF_SKIP_TOOL_SUITES=1', () => {
  const jest = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [join(ROOT, 'node_modules/jest/bin/jest.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules', SF_TEST_REPORT: '', ...env },
      encoding: 'utf8',
      timeout: 120_000,
    });

  it('leaves out exactly the tool suites, which all exist', () => {
    for (const suite of TOOL_SUITES) expect(existsSync(join(ROOT, suite))).toBe(true);
    const all = jest(['--listTests'], { SF_SKIP_TOOL_SUITES: '' }).stdout;
    const some = jest(['--listTests'], { SF_SKIP_TOOL_SUITES: '1' }).stdout;
    const relative = (out: string) => out.trim().split('\n').map((p) => p.slice(ROOT.length)).sort();
    expect(relative(all).filter((p) => !relative(some).includes(p))).toEqual([...TOOL_SUITES].sort());
  });

  it('says so with the summary, and writes the SF_TEST_REPORT report with the suites left out', () => {
    const report = join(scratch, 'report.json');
    const run = jest(['test/config/size.test.ts'], { SF_SKIP_TOOL_SUITES: '1', SF_TEST_REPORT: report });
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/^Left out by SF_SKIP_TOOL_SUITES=1, not run: 12 suites .*\nTest Suites: 1 passed/m);
    const json = JSON.parse(readFileSync(report, 'utf8')) as { success: boolean; numPassedTests: number; numFailedTests: number; leftOutSuites: string[] };
    expect(json.success).toBe(true);
    expect(json.numPassedTests).toBeGreaterThan(0);
    expect(json.numFailedTests).toBe(0);
    expect(json.leftOutSuites.sort()).toEqual([...TOOL_SUITES].sort());
  });
});
