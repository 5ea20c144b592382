import { afterAll, expect } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { CHART_DIR, repoFile } from './paths.js';

// npm test's pretest (scripts/test-tools.mjs) finds or installs helm and jest's globalSetup sets HELM;
// without them, the helm that scripts/get-helm.sh puts into .cache.
const HELM = process.env.HELM ?? repoFile('.cache/helm/helm');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: any; data?: any; stringData?: any };

const tmp = mkdtempSync(join(tmpdir(), 'sfue-helm-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs helm with these arguments; its exit status and output. */
export function helm(args: string[]): { status: number | null; stdout: string; stderr: string } {
  if (!existsSync(HELM)) throw new Error(`no helm at ${HELM}: run npm test, which installs it, or scripts/get-helm.sh (or set HELM)`);
  const run = spawnSync(HELM, args, { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

let valuesFiles = 0;
/** A values file holding these values, removed after the test file. */
export function valuesFile(values: object): string {
  const file = join(tmp, `values-${(valuesFiles += 1)}.yaml`);
  writeFileSync(file, stringify(values));
  return file;
}

/** `helm template` with these values; every rendered manifest, parsed. */
export function render(values: object = {}, release = 'sfue'): Manifest[] {
  const run = helm(['template', release, CHART_DIR, '--namespace', 'monitoring', '-f', valuesFile(values)]);
  if (run.status !== 0) throw new Error(`helm template failed: ${run.stderr}`);
  return parseAllDocuments(run.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

/** The one manifest of this kind (and API version, if given); fails the test if there is not exactly one. */
export function one(manifests: Manifest[], kind: string, apiVersion?: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind && (apiVersion === undefined || m.apiVersion === apiVersion));
  expect({ kind, apiVersion, count: found.length }).toEqual({ kind, apiVersion, count: 1 });
  return found[0] as Manifest;
}
