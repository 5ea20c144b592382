import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DockerfileParser } from 'dockerfile-ast';
import { startServer } from '../helpers/http-server.js';
import { repoFile } from './paths.js';
import { IMAGE_NODE_FLAGS, IMAGE_NODE_OPTIONS } from '../../bench/lib/rpc.js';

const DOCKERFILE = repoFile('Dockerfile');
const text = readFileSync(DOCKERFILE, 'utf8');

interface Step {
  readonly keyword: string;
  readonly args: string;
}

/** The instructions of each build stage, in order. */
function stages(): Step[][] {
  const result: Step[][] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    // The whole instruction after its keyword, flags (--from=...) included, continuations joined.
    const keyword = instruction.getKeyword();
    const step = { keyword, args: instruction.getTextContent().slice(keyword.length).replace(/\\\r?\n\s*/g, ' ').trim() };
    if (step.keyword === 'FROM') result.push([]);
    result.at(-1)?.push(step);
  }
  return result;
}

function bin(name: string): string {
  return repoFile(`node_modules/.bin/${name}`);
}

const all = stages();
const runtime = all.at(-1) ?? [];
const args = (keyword: string, steps: Step[] = runtime): string[] => steps.filter((s) => s.keyword === keyword).map((s) => s.args);

/** The HEALTHCHECK's exec-form command. */
function healthcheckCommand(): string[] {
  const [healthcheck] = args('HEALTHCHECK');
  const json = /CMD\s+(\[.*\])\s*$/s.exec(healthcheck ?? '')?.[1];
  if (!json) throw new Error(`HEALTHCHECK is not an exec-form CMD: ${healthcheck}`);
  return JSON.parse(json) as string[];
}

const running: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  await Promise.all(running.map((r) => r.close()));
});

describe('Dockerfile', () => {
  it('passes dockerfile-utils lint with no finding', () => {
    const run = spawnSync(bin('dockerfile-utils'), ['lint', DOCKERFILE], { encoding: 'utf8' });
    expect({ status: run.status, output: run.stdout + run.stderr }).toEqual({ status: 0, output: '' });
  });

  it('passes dockerfilelint with no finding', () => {
    const run = spawnSync(bin('dockerfilelint'), ['-j', DOCKERFILE], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout) as { files: Array<{ issues_count: number; issues: unknown[] }> };
    expect(report.files.map((f) => f.issues)).toEqual([[]]);
  });

  it('the linters do report a bad Dockerfile (they are really running)', () => {
    const bad = repoFile('test/fixtures/docker/Dockerfile.bad');
    expect(spawnSync(bin('dockerfile-utils'), ['lint', bad], { encoding: 'utf8' }).stdout).toMatch(/MAINTAINER has been deprecated/);
    expect(spawnSync(bin('dockerfilelint'), [bad], { encoding: 'utf8' }).status).not.toBe(0);
  });

  it('builds with dev dependencies and runs with production dependencies only', () => {
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect(args('RUN', all[0]).join('\n')).toMatch(/npm ci(?!.*--omit=dev)[\s\S]*npm run build/);
    const deps = all.find((stage) => args('RUN', stage).some((r) => /npm ci .*--omit=dev/.test(r)));
    const depsName = /\bAS\s+(\S+)/i.exec(deps?.[0]?.args ?? '')?.[1];
    expect(depsName).toBeDefined();
    expect(args('COPY')).toContain(`--from=${depsName} /src/node_modules ./node_modules`);
    expect(args('RUN')).toEqual([]);
  });

  it('uses one Node LTS slim base pinned by its full version, the major version CI also tests on', () => {
    const bases = new Set(all.map((stage) => stage[0]?.args.split(/\s+/)[0]));
    expect(bases.size).toBe(1);
    const [base] = [...bases];
    expect(base).toMatch(/^node:24\.\d+\.\d+-[a-z]+-slim$/);
    // .ci/run installs node@24 from npm for the second test run: keep the two on one major.
    expect(readFileSync(repoFile('.ci/run'), 'utf8')).toMatch(/node@24\b/);
  });

  it('runs as a numeric non-root user, exposes 18922 and reads /etc/sf-upload-exporter/config.yaml', () => {
    const [user] = args('USER');
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(args('EXPOSE')).toEqual(['18922']);
    expect(args('CMD')).toEqual(['["--config.file=/etc/sf-upload-exporter/config.yaml"]']);
    expect(args('ENTRYPOINT')).toEqual([`["node", ${IMAGE_NODE_FLAGS.map((f) => `"${f}"`).join(', ')}, "dist/src/main.js"]`]);
  });

  it('runs node with the flags the benchmark measures the exporter with, and node accepts them', () => {
    // The memory figures of docs/performance.md (and the chart's defaults taken from them) hold
    // for the image only if the image's node runs with the benchmark's flags.
    const entrypoint = JSON.parse(args('ENTRYPOINT')[0] ?? '[]') as string[];
    expect(entrypoint.slice(1, -1)).toEqual([...IMAGE_NODE_FLAGS]);
    const run = spawnSync(process.execPath, [...IMAGE_NODE_FLAGS, '-e', '0'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: IMAGE_NODE_OPTIONS } });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    // NODE_OPTIONS too, in the environment where a pod's own NODE_OPTIONS can replace it.
    expect(args('ENV').join('\n')).toMatch(new RegExp(`(^|\\s)NODE_OPTIONS=${IMAGE_NODE_OPTIONS}(\\s|$)`));
  });

  it('passes the SF_UPLOAD_EXPORTER_REVISION build argument to the runtime, where src/version.ts reads it', () => {
    expect(args('ARG')).toContain('SF_UPLOAD_EXPORTER_REVISION=unknown');
    expect(args('ENV').join('\n')).toContain('SF_UPLOAD_EXPORTER_REVISION=${SF_UPLOAD_EXPORTER_REVISION}');
    expect(readFileSync(repoFile('src/version.ts'), 'utf8')).toContain('process.env.SF_UPLOAD_EXPORTER_REVISION');
  });

  it('sends into the build context exactly what the Dockerfile copies from it', () => {
    const allowed = readFileSync(repoFile('.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/$/, ''));
    const copied = all
      .flatMap((stage) => args('COPY', stage))
      .filter((a) => !a.startsWith('--from'))
      .flatMap((a) => a.split(/\s+/).slice(0, -1))
      .map((s) => s.replace(/\/$/, ''));
    expect(new Set(copied)).toEqual(new Set(allowed));
  });

  it("has a HEALTHCHECK that runs with node alone and reports /-/healthy's answer", async () => {
    const command = healthcheckCommand();
    expect(command[0]).toBe('node');
    const defaultUrl = /SF_UPLOAD_EXPORTER_HEALTHCHECK_URL=(\S+)/.exec(args('ENV').join('\n'))?.[1];
    expect(defaultUrl).toBe('http://127.0.0.1:18922/-/healthy');

    let status = 200;
    const server = await startServer((req, res) => {
      res.statusCode = req.url === '/-/healthy' ? status : 404;
      res.end();
    });
    running.push(server);
    const check = (url: string): Promise<number | null> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, command.slice(1), { env: { ...process.env, SF_UPLOAD_EXPORTER_HEALTHCHECK_URL: url } });
        child.on('exit', (code) => resolve(code));
      });
    expect(await check(`${server.url}/-/healthy`)).toBe(0);
    status = 503;
    expect(await check(`${server.url}/-/healthy`)).toBe(1);
    expect(await check('http://127.0.0.1:1/-/healthy')).toBe(1);
  });
});
