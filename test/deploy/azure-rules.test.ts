/**
 * deploy/azure/prometheus-rule-groups.json: the shipped rules as Azure Monitor rule groups. Checked
 * against the resource type's JSON schema (vendored in test/fixtures/azure) and rule by rule against
 * deploy/prometheus/rules.yml; generated-file freshness is test/deploy/generated.test.ts's.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { buildRuleGroupsTemplate, isoDuration, prometheusDurationMs, SEVERITY, type PrometheusRuleFile } from '../../deploy/azure/rule-groups.js';
import { AZURE_RULE_GROUPS_FILE, repoFile } from './paths.js';
import { shippedRules } from './rules-file.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const template = JSON.parse(readFileSync(AZURE_RULE_GROUPS_FILE, 'utf8')) as Json;
const fixture = (name: string): Json => JSON.parse(readFileSync(repoFile(`test/fixtures/azure/${name}`), 'utf8'));

/** A validator of one prometheusRuleGroups resource, from the 2023-03-01 schema and the common definitions it refers to. */
function resourceValidator() {
  const ajv = new Ajv({ allErrors: true, strict: false, schemaId: 'auto' } as never);
  // draft-04 files with `id`: registered under the addresses their $refs use.
  const common = fixture('common-definitions.json');
  const groups = fixture('Microsoft.AlertsManagement.PrometheusRuleGroups.json');
  delete common.id;
  delete common.$schema;
  delete groups.id;
  delete groups.$schema;
  ajv.addSchema(common, 'https://schema.management.azure.com/schemas/common/definitions.json');
  ajv.addSchema(groups, 'groups');
  return ajv.compile({ $ref: 'groups#/resourceDefinitions/prometheusRuleGroups' });
}
const validate = resourceValidator();

describe('Azure Monitor rule groups (deploy/azure/prometheus-rule-groups.json)', () => {
  it('takes the workspace, the cluster name, the location and an optional action group as parameters', () => {
    expect(Object.keys(template.parameters)).toEqual(['azureMonitorWorkspaceId', 'clusterName', 'location', 'actionGroupId']);
    expect(template.parameters.actionGroupId.defaultValue).toBe('');
    expect(template.parameters.location.defaultValue).toBe('[resourceGroup().location]');
  });

  it('has one prometheusRuleGroups resource per rule group, each valid against the 2023-03-01 schema', () => {
    const rules = shippedRules();
    expect(template.resources).toHaveLength(rules.groups.length);
    for (const resource of template.resources as Json[]) {
      const ok = validate(resource);
      expect(ok ? [] : validate.errors).toEqual([]);
      expect(resource.properties.scopes).toEqual(["[parameters('azureMonitorWorkspaceId')]"]);
      expect(resource.properties.clusterName).toBe("[parameters('clusterName')]");
      expect(resource.properties.interval).toBe('PT1M');
    }
  });

  it('the schema check is not vacuous: a severity that is no integer, or a rule without an expression, fails', () => {
    const resource = structuredClone(template.resources[0]) as Json;
    const alert = resource.properties.rules.find((r: Json) => r.alert !== undefined);
    expect(validate({ ...resource, properties: { ...resource.properties, rules: [{ ...alert, severity: 'warning' }] } })).toBe(false);
    expect(validate({ ...resource, properties: { ...resource.properties, rules: [{ alert: 'X' }] } })).toBe(false);
    expect(validate({ ...resource, apiVersion: '2021-07-22-preview' })).toBe(false);
  });

  it('keeps every rule of rules.yml, in order, with its name, expression, labels and annotations; for and keep_firing_for as ISO 8601; severity from its label', () => {
    const rules = shippedRules();
    let alerts = 0;
    rules.groups.forEach((group, g) => {
      const resource = template.resources[g] as Json;
      expect(resource.name).toBe(`[format('{0}-${group.name}', parameters('clusterName'))]`);
      const azure = resource.properties.rules as Json[];
      expect(azure).toHaveLength(group.rules.length);
      group.rules.forEach((rule, i) => {
        const labels = (rule as { labels?: Record<string, string> }).labels;
        const got = azure[i];
        expect([got.alert, got.record, got.expression, got.labels, got.annotations]).toEqual([rule.alert, rule.record, rule.expr, labels, rule.annotations]);
        if (rule.record !== undefined) {
          expect(Object.keys(got).sort()).toEqual(['expression', 'record', ...(labels ? ['labels'] : [])].sort());
          return;
        }
        alerts += 1;
        expect(got.severity).toBe(SEVERITY[labels?.severity ?? '']);
        expect(got.for).toBe(rule.for === undefined ? undefined : isoDuration(prometheusDurationMs(rule.for)));
        expect(got.resolveConfiguration).toEqual(rule.keep_firing_for === undefined ? undefined : { autoResolved: true, timeToResolve: isoDuration(prometheusDurationMs(rule.keep_firing_for)) });
        expect(got.actions).toBe("[if(empty(parameters('actionGroupId')), createArray(), createArray(createObject('actionGroupId', parameters('actionGroupId'))))]");
      });
    });
    expect(alerts).toBeGreaterThan(3);
  });

  it('maps the severity labels by the documented table (docs/azure.md)', () => {
    expect(SEVERITY).toEqual({ critical: 0, error: 1, warning: 2, info: 3, debug: 4 });
    const doc = readFileSync(repoFile('docs/azure.md'), 'utf8');
    for (const [label, severity] of Object.entries(SEVERITY)) expect(doc).toContain(`| \`${label}\` | ${severity} |`);
  });
});

describe('the generator', () => {
  const file = (rule: Record<string, unknown>, interval?: string): PrometheusRuleFile => ({
    groups: [{ name: 'g', ...(interval ? { interval } : {}), rules: [{ alert: 'A', expr: 'up == 0', labels: { severity: 'warning' }, ...rule }] }],
  });
  const ruleOf = (f: PrometheusRuleFile): Json => (buildRuleGroupsTemplate(f).resources as Json[])[0].properties.rules[0];

  it.each([
    ['0', 'PT0S'],
    ['90s', 'PT1M30S'],
    ['5m', 'PT5M'],
    ['1h30m', 'PT1H30M'],
    ['2d', 'P2D'],
    ['1d12h', 'P1DT12H'],
  ])('writes the Prometheus duration %s as %s', (duration, iso) => {
    expect(isoDuration(prometheusDurationMs(duration))).toBe(iso);
  });

  it.each([
    ['keep_firing_for 30s', { keep_firing_for: '30s' }, undefined, 'group g, alert A: keep_firing_for is 30s; Azure accepts PT1M to PT15M only: change it in deploy/prometheus/rules.yml'],
    ['keep_firing_for 16m', { keep_firing_for: '16m' }, undefined, 'group g, alert A: keep_firing_for is 16m; Azure accepts PT1M to PT15M only'],
    ['interval 30s', {}, '30s', 'group g: interval is 30s; Azure accepts PT1M to PT15M only'],
    ['interval 1h', {}, '1h', 'group g: interval is 1h; Azure accepts PT1M to PT15M only'],
    ['no severity label', { labels: { team: 'x' } }, undefined, 'group g, alert A: severity label undefined has no Azure severity; use one of critical, error, warning, info, debug'],
    ['an unknown severity', { labels: { severity: 'page' } }, undefined, 'group g, alert A: severity label "page" has no Azure severity'],
    ['a fractional second', { for: '1500ms' }, undefined, '1500 ms is not a whole number of seconds'],
    ['a bad duration', { for: '5 minutes' }, undefined, 'not a Prometheus duration: "5 minutes"'],
  ])('fails, naming the rule, on %s rather than rounding', (_what, rule, interval, message) => {
    expect(() => buildRuleGroupsTemplate(file(rule, interval))).toThrow(message);
  });

  it('takes the edges of Azure\'s range: 1m and 15m', () => {
    expect(ruleOf(file({ keep_firing_for: '1m' })).resolveConfiguration.timeToResolve).toBe('PT1M');
    expect(ruleOf(file({ keep_firing_for: '15m' })).resolveConfiguration.timeToResolve).toBe('PT15M');
    expect((buildRuleGroupsTemplate(file({}, '15m')).resources as Json[])[0].properties.interval).toBe('PT15M');
  });

  it('writes a string ARM would take for an expression as a literal', () => {
    const rule = ruleOf(file({ annotations: { summary: '[down]' } }));
    expect(rule.annotations.summary).toBe('[[down]');
  });
});
