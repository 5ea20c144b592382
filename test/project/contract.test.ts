/**
 * The project's habits, held by a test: the license matches package.json, the changelog is in the
 * Keep a Changelog form and follows the package version, every public name the code defines is
 * documented, and every public name added, removed or given a new default since the last release
 * is named in the changelog's Unreleased section.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { ROOT, currentContract, documentation, unreleasedSection, type Contract } from './contract.js';

const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as { name: string; version: string; license: string; author: string };
const changelog = read('CHANGELOG.md');
const contract = currentContract();

if (process.env.SF_PRINT_CONTRACT === '1') process.stdout.write(`${JSON.stringify(contract, null, 2)}\n`);

const VERSION_HEADING = /^## \[(\d+\.\d+\.\d+)\] - (\d{4})-\d{2}-\d{2}$/gm;
const releases = [...changelog.matchAll(VERSION_HEADING)].map((match) => ({ version: match[1]!, year: match[2]! }));

/** How the changelog may name a public entry: the name itself, in backticks. */
function mentions(text: string, kind: keyof Contract, name: string): boolean {
  const candidates = [name];
  if (kind === 'flags') candidates.push(name.split(' ').at(-1)!);
  if (kind === 'config') candidates.push(name.split('.').at(-1)!.replace('[]', ''));
  return candidates.some((candidate) => text.includes(`\`${candidate}\``));
}

describe('LICENSE', () => {
  const license = read('LICENSE');

  it('is the MIT license that package.json declares', () => {
    expect(pkg.license).toBe('MIT');
    expect(license.split('\n')[0]).toBe('MIT License');
    expect(license).toContain('Permission is hereby granted, free of charge, to any person obtaining a copy');
    expect(license).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND');
  });

  it('names package.json\'s author and the year of the first release', () => {
    const first = releases.at(-1);
    expect(first).toBeDefined();
    expect(license).toContain(`Copyright (c) ${first!.year} ${pkg.author}`);
  });
});

describe('CHANGELOG.md', () => {
  it('opens with an Unreleased section, then the released versions, newest first', () => {
    const headings = [...changelog.matchAll(/^## .*$/gm)].map((match) => match[0]);
    expect(headings[0]).toBe('## [Unreleased]');
    expect(headings.slice(1)).toEqual(releases.map((release) => expect.stringContaining(`[${release.version}]`)));
    const ordered = releases.map((r) => r.version).sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
    expect(releases.map((r) => r.version)).toEqual(ordered);
  });

  it('has the package version as its newest release (build_info reads package.json)', () => {
    expect(releases[0]?.version).toBe(pkg.version);
    const chart = read('helm/sf-upload-exporter/Chart.yaml');
    expect(chart).toMatch(new RegExp(`^appVersion: "?${pkg.version.replaceAll('.', '\\.')}"?$`, 'm'));
  });

  it('tags every entry the way Prometheus projects do', () => {
    const entries = changelog.split('\n').filter((line) => line.startsWith('- '));
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expect(entry).toMatch(/^- \[(CHANGE|FEATURE|ENHANCEMENT|BUGFIX|SECURITY)\] /);
  });
});

describe('the public contract', () => {
  const docs = documentation();

  it.each(['metrics', 'flags', 'config', 'rules'] as const)('every %s name the code defines is documented', (kind) => {
    const names = Object.keys(contract[kind]).map((name) => (kind === 'flags' ? name.split(' ').at(-1)! : name));
    const leaf = (name: string): string => (kind === 'config' ? name.split('.').at(-1)!.replace('[]', '') : name);
    const undocumented = names.filter((name) => !docs.includes(leaf(name)));
    expect(undocumented).toEqual([]);
  });

  it.each(['metrics', 'flags', 'config', 'rules'] as const)(
    'every %s name added, removed or given a new default since the last release is in the changelog',
    (kind) => {
      const released = (JSON.parse(read('test/fixtures/contract/released.json')) as Contract)[kind];
      const now = contract[kind];
      const changed = [...new Set([...Object.keys(released), ...Object.keys(now)])].filter((name) => released[name] !== now[name]);
      const unreleased = unreleasedSection(changelog);
      const missing = changed.filter((name) => !mentions(unreleased, kind, name));
      // A name here changed since test/fixtures/contract/released.json (the last release): add a
      // line naming it in backticks under "## [Unreleased]" in CHANGELOG.md.
      expect(missing).toEqual([]);
    },
  );

  it('the front page links the license, changelog, contributing guide and security policy', () => {
    const readme = read('README.md');
    for (const page of ['LICENSE', 'CHANGELOG.md', 'CONTRIBUTING.md', 'SECURITY.md']) expect(readme).toContain(`](${page})`);
  });
});
