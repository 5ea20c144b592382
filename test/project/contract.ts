/**
 * The public contract as the code defines it: metric families, command-line flags with their
 * defaults, configuration keys with their defaults, alerting and recording rules. Read from the
 * code itself (the commander program, the zod schema, the rule file, the metric name literals), so
 * that the documentation and the changelog can be checked against what users actually get.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parse as parseYaml } from 'yaml';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli.js';
import { configFileSchema } from '../../src/config/schema.js';

export const ROOT = new URL('../../', import.meta.url).pathname;

/** The contract: each entry maps a public name to its default ('' when it has none). */
export interface Contract {
  metrics: Record<string, string>;
  flags: Record<string, string>;
  config: Record<string, string>;
  rules: Record<string, string>;
}

function filesUnder(dir: string, suffix: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return filesUnder(path, suffix);
    return path.endsWith(suffix) ? [path] : [];
  });
}

/** Metric family names: every quoted `servicefabric_*` literal in src/ (names are never built from parts). */
function metricNames(): string[] {
  const names = new Set<string>();
  for (const file of filesUnder(join(ROOT, 'src'), '.ts')) {
    for (const match of readFileSync(file, 'utf8').matchAll(/'(servicefabric_[a-z0-9_]+)'/g)) names.add(match[1]!);
  }
  return [...names].sort();
}

function defaultOf(value: unknown, description: string | undefined): string {
  if (description !== undefined) return description;
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Flags of the exporter and every subcommand, keyed `command --flag`, with their defaults. */
function flags(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (command: Command, prefix: string): void => {
    for (const option of command.options) {
      const name = option.long ?? option.short ?? option.flags;
      out[`${prefix} ${name}`] = defaultOf(option.defaultValue, option.defaultValueDescription);
    }
    for (const sub of command.commands) walk(sub, `${prefix} ${sub.name()}`);
  };
  walk(buildProgram(), 'sf-upload-exporter');
  return out;
}

interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  default?: unknown;
}

/** Configuration keys as dotted paths (`clusters[].tls.ca_file`), with their defaults. */
function configKeys(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (schema: JsonSchema, path: string): void => {
    for (const [key, child] of Object.entries(schema.properties ?? {})) {
      const childPath = path ? `${path}.${key}` : key;
      const isObject = child.properties !== undefined;
      if (!isObject) out[childPath] = defaultOf(child.default, undefined);
      walk(child, childPath);
    }
    if (schema.items) walk(schema.items, `${path}[]`);
    for (const branch of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) walk(branch, path);
  };
  walk(z.toJSONSchema(configFileSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema, '');
  return out;
}

/** Alert and recording rule names from deploy/prometheus/rules.yml, with the alert's `for`. */
function ruleNames(): Record<string, string> {
  const file = parseYaml(readFileSync(join(ROOT, 'deploy/prometheus/rules.yml'), 'utf8')) as {
    groups: { rules: { alert?: string; record?: string; for?: string }[] }[];
  };
  const out: Record<string, string> = {};
  for (const rule of file.groups.flatMap((group) => group.rules)) {
    if (rule.alert) out[rule.alert] = rule.for ?? '';
    else if (rule.record) out[rule.record] = '';
  }
  return out;
}

/** The whole contract of the code as it is now. */
export function currentContract(): Contract {
  const metrics = Object.fromEntries(metricNames().map((name) => [name, '']));
  return { metrics, flags: flags(), config: configKeys(), rules: ruleNames() };
}

/** README.md, the top-level pages and every docs/ page, as one text. */
export function documentation(): string {
  const pages = ['README.md', ...filesUnder(join(ROOT, 'docs'), '.md').map((file) => file.slice(ROOT.length))];
  return pages.map((page) => readFileSync(join(ROOT, page), 'utf8')).join('\n');
}

/** The `## [Unreleased]` section of CHANGELOG.md. */
export function unreleasedSection(changelog: string): string {
  const start = changelog.indexOf('## [Unreleased]');
  if (start < 0) return '';
  const next = changelog.indexOf('\n## [', start + 1);
  return changelog.slice(start, next < 0 ? undefined : next);
}
