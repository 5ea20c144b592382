/**
 * The alert and recording rules of deploy/prometheus/rules.yml as Azure resources: an ARM template
 * with one Microsoft.AlertsManagement/prometheusRuleGroups resource per rule group, for Azure
 * Monitor managed service for Prometheus, which evaluates no PrometheusRule. `npm run
 * deploy:generate` writes it to deploy/azure/prometheus-rule-groups.json; a test fails when the
 * committed template differs from what this file builds.
 */

/** A rule as rules.yml writes it. */
export interface PrometheusRule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A rule file as rules.yml writes it. */
export interface PrometheusRuleFile {
  groups: Array<{ name: string; interval?: string; rules: PrometheusRule[] }>;
}

/**
 * Azure Monitor's alert severity (0 critical, 1 error, 2 warning, 3 informational, 4 verbose) for
 * each value of a rule's `severity` label. An alert without one, or with another value, fails the
 * generator: a silent default would page the wrong people.
 */
export const SEVERITY: Readonly<Record<string, number>> = { critical: 0, error: 1, warning: 2, info: 3, debug: 4 };

/** Azure's ranges (the resource type's documentation): group interval and timeToResolve 1 to 15 minutes. */
const MINUTE_MS = 60_000;
const INTERVAL_RANGE_MS = [MINUTE_MS, 15 * MINUTE_MS] as const;
const TIME_TO_RESOLVE_RANGE_MS = [MINUTE_MS, 15 * MINUTE_MS] as const;
/** Prometheus evaluates a group without `interval` every global evaluation_interval, 1m by default. */
const DEFAULT_INTERVAL = '1m';

const UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: MINUTE_MS, h: 60 * MINUTE_MS, d: 24 * 60 * MINUTE_MS, w: 7 * 24 * 60 * MINUTE_MS, y: 365 * 24 * 60 * MINUTE_MS };

/** Milliseconds of a Prometheus duration (`1h30m`, `90s`, `0`); throws on anything else. */
export function prometheusDurationMs(duration: string): number {
  if (duration === '0') return 0;
  const parts = [...duration.matchAll(/(\d+)(ms|[smhdwy])/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== duration) throw new Error(`not a Prometheus duration: ${JSON.stringify(duration)}`);
  return parts.reduce((ms, p) => ms + Number(p[1]) * (UNITS_MS[p[2] as string] as number), 0);
}

/** An ISO 8601 duration as ARM writes them (`PT1H30M`, `P1DT2H`), from milliseconds; whole seconds only. */
export function isoDuration(ms: number): string {
  if (!Number.isInteger(ms / 1000)) throw new Error(`${ms} ms is not a whole number of seconds, which Azure's durations need`);
  let seconds = ms / 1000;
  const days = Math.floor(seconds / 86_400);
  seconds -= days * 86_400;
  const hours = Math.floor(seconds / 3600);
  seconds -= hours * 3600;
  const minutes = Math.floor(seconds / 60);
  seconds -= minutes * 60;
  const time = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds ? `${seconds}S` : ''}`;
  if (days === 0 && time === '') return 'PT0S';
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}

function inRange(what: string, duration: string, [min, max]: readonly [number, number]): string {
  const ms = prometheusDurationMs(duration);
  if (ms < min || ms > max) throw new Error(`${what} is ${duration}; Azure accepts ${isoDuration(min)} to ${isoDuration(max)} only: change it in deploy/prometheus/rules.yml`);
  return isoDuration(ms);
}

/** A literal string ARM would take for an expression (`[...]`) is written with `[[`, which ARM reads back as the literal. */
function armLiteral(value: string): string {
  return value.startsWith('[') && value.endsWith(']') ? `[${value}` : value;
}

function armLiterals(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, armLiteral(v)]));
}

const ACTION_GROUP = "[if(empty(parameters('actionGroupId')), createArray(), createArray(createObject('actionGroupId', parameters('actionGroupId'))))]";

function azureRule(group: string, rule: PrometheusRule): Record<string, unknown> {
  const where = `group ${group}, ${rule.alert !== undefined ? `alert ${rule.alert}` : `record ${rule.record ?? '?'}`}`;
  const common = { expression: armLiteral(rule.expr), ...(rule.labels ? { labels: armLiterals(rule.labels) } : {}) };
  if (rule.record !== undefined) {
    if (rule.for !== undefined || rule.keep_firing_for !== undefined || rule.annotations !== undefined) throw new Error(`${where}: a recording rule has no for, keep_firing_for or annotations`);
    return { record: rule.record, ...common };
  }
  const label = rule.labels?.severity;
  const severity = label === undefined ? undefined : SEVERITY[label];
  if (severity === undefined) throw new Error(`${where}: severity label ${JSON.stringify(label)} has no Azure severity; use one of ${Object.keys(SEVERITY).join(', ')}`);
  return {
    alert: rule.alert,
    ...common,
    ...(rule.annotations ? { annotations: armLiterals(rule.annotations) } : {}),
    enabled: true,
    severity,
    ...(rule.for !== undefined ? { for: isoDuration(prometheusDurationMs(rule.for)) } : {}),
    ...(rule.keep_firing_for !== undefined
      ? { resolveConfiguration: { autoResolved: true, timeToResolve: inRange(`${where}: keep_firing_for`, rule.keep_firing_for, TIME_TO_RESOLVE_RANGE_MS) } }
      : {}),
    actions: ACTION_GROUP,
  };
}

/** The ARM template of `rules`: one prometheusRuleGroups resource per group. Throws, naming the rule, on what Azure cannot hold. */
export function buildRuleGroupsTemplate(rules: PrometheusRuleFile): Record<string, unknown> {
  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    metadata: {
      description:
        'The sf-upload-exporter recording and alerting rules as Azure Monitor Prometheus rule groups. Generated from deploy/prometheus/rules.yml by npm run deploy:generate: do not edit. See docs/azure.md.',
    },
    parameters: {
      azureMonitorWorkspaceId: { type: 'string', metadata: { description: 'Resource id of the Azure Monitor workspace the rules query and alert on.' } },
      clusterName: { type: 'string', metadata: { description: 'The AKS cluster whose data the rules evaluate (its `cluster` label); also names the rule groups.' } },
      location: { type: 'string', defaultValue: '[resourceGroup().location]', metadata: { description: 'Region of the rule groups: the Azure Monitor workspace\'s.' } },
      actionGroupId: { type: 'string', defaultValue: '', metadata: { description: 'Resource id of an action group every alert notifies; empty: none.' } },
    },
    resources: rules.groups.map((group) => ({
      type: 'Microsoft.AlertsManagement/prometheusRuleGroups',
      apiVersion: '2023-03-01',
      name: `[format('{0}-${group.name}', parameters('clusterName'))]`,
      location: "[parameters('location')]",
      properties: {
        description: `Rule group ${group.name} of sf-upload-exporter (deploy/prometheus/rules.yml).`,
        scopes: ["[parameters('azureMonitorWorkspaceId')]"],
        clusterName: "[parameters('clusterName')]",
        enabled: true,
        interval: inRange(`group ${group.name}: interval`, group.interval ?? DEFAULT_INTERVAL, INTERVAL_RANGE_MS),
        rules: group.rules.map((rule) => azureRule(group.name, rule)),
      },
    })),
  };
}
