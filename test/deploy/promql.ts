import { readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';
import { parse } from 'yaml';
import { RULES_FILE } from './paths.js';

/** One PromQL expression and where it comes from, for test names and failure messages. */
interface Expression {
  readonly source: string;
  readonly expr: string;
}

/**
 * Replaces Grafana's template variables with values Prometheus accepts: interval variables with a
 * duration, every other variable (all used in `=~` matchers) with the match-all regex.
 */
export function withGrafanaVariables(expr: string): string {
  return expr.replace(/\$__(rate_interval|interval|range)\b/g, '1m').replace(/\$\{?\w+\}?/g, '.*');
}

/** Syntax errors the official PromQL grammar finds in `expr`, as `offset: text` strings. */
export function promqlSyntaxErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(`${node.from}: ${JSON.stringify(expr.slice(Math.max(0, node.from - 10), node.to + 10))}`);
    },
  });
  return errors;
}

/** Every `expr` of rules.yml. */
export function ruleExpressions(): Expression[] {
  const file = parse(readFileSync(RULES_FILE, 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string; record?: string; expr: string }> }> };
  return file.groups.flatMap((g) => g.rules.map((r) => ({ source: `rule ${r.alert ?? r.record}`, expr: r.expr.trim() })));
}

/**
 * Every PromQL expression of a dashboard model: panel targets, and the series selectors inside the
 * variables' `label_values(selector, label)` queries; Grafana variables already substituted.
 */
export function dashboardExpressions(dashboard: unknown): Expression[] {
  const found: Expression[] = [];
  const walk = (node: unknown, where: string): void => {
    if (Array.isArray(node)) {
      node.forEach((child, i) => walk(child, `${where}[${i}]`));
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    const name = typeof record.title === 'string' ? record.title : typeof record.name === 'string' ? record.name : where;
    if (typeof record.expr === 'string') found.push({ source: `panel target in ${where}`, expr: withGrafanaVariables(record.expr) });
    if (typeof record.definition === 'string') {
      const selector = /^label_values\((.+),\s*\w+\)$/.exec(record.definition)?.[1];
      if (selector === undefined) throw new Error(`variable ${name}: unexpected query ${record.definition}`);
      found.push({ source: `variable ${name}`, expr: withGrafanaVariables(selector) });
    }
    for (const [key, value] of Object.entries(record)) walk(value, key === 'panels' || key === 'targets' ? name : where);
  };
  walk(dashboard, 'dashboard');
  return found;
}
