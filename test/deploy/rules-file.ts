import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { RULES_FILE } from './paths.js';

/** One rule of deploy/prometheus/rules.yml, as the tests read it. */
interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  annotations?: Record<string, string>;
}

/** deploy/prometheus/rules.yml, as the tests read it. */
interface RuleFile {
  groups: Array<{ name: string; rules: Rule[] }>;
}

/** The shipped rules, parsed afresh: a test may edit its copy (scale an alert down to seconds). */
export function shippedRules(): RuleFile {
  return parse(readFileSync(RULES_FILE, 'utf8')) as RuleFile;
}

/** The alerting rule `alert` of `file`; throws when the file has none, so a renamed alert fails loudly. */
export function alertRule(file: RuleFile, alert: string): Rule {
  const rule = file.groups.flatMap((g) => g.rules).find((r) => r.alert === alert);
  if (!rule) throw new Error(`rules.yml has no ${alert}`);
  return rule;
}
