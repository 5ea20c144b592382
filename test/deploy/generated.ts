import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import * as z from 'zod';
import { buildRuleGroupsTemplate, type PrometheusRuleFile } from '../../deploy/azure/rule-groups.js';
import { buildDashboard } from '../../deploy/grafana/dashboard.js';
import { configFileSchema } from '../../src/config/schema.js';
import { AZURE_RULE_GROUPS_FILE, CHART_DIR, DASHBOARD_FILE, RULES_FILE } from './paths.js';

/** A file that is generated from another source and committed. */
interface GeneratedFile {
  readonly path: string;
  /** From what, for failure messages. */
  readonly from: string;
  readonly content: () => string;
}

/** The dashboard JSON exactly as committed: two-space indentation and a final newline. */
function dashboardJson(): string {
  return `${JSON.stringify(buildDashboard(), null, 2)}\n`;
}

/** The ARM template of Azure Monitor rule groups, from the shipped rules, as committed. */
function ruleGroupsJson(): string {
  return `${JSON.stringify(buildRuleGroupsTemplate(parse(readFileSync(RULES_FILE, 'utf8')) as PrometheusRuleFile), null, 2)}\n`;
}

/**
 * The JSON Schema of the exporter's configuration file, as zod converts the one schema the exporter
 * validates with: its input side (what is written in the file, before defaults and transforms),
 * with the checks zod makes in code added where src/config/json-schema.ts can say them.
 */
function configJsonSchema(): Record<string, unknown> {
  const { $schema: _draft, ...schema } = z.toJSONSchema(configFileSchema, { io: 'input', target: 'draft-7' });
  return {
    description:
      "The exporter's configuration file, rendered into a ConfigMap. Generated from src/config/schema.ts (npm run deploy:generate); the exporter checks the rest at start-up (README: Deploy with Helm).",
    ...schema,
  };
}

/** The chart's values.schema.json: as committed, with its `config` property generated from the zod schema. */
function valuesSchemaJson(): string {
  const values = JSON.parse(readFileSync(`${CHART_DIR}/values.schema.json`, 'utf8')) as { properties: Record<string, unknown> };
  values.properties.config = configJsonSchema();
  return `${JSON.stringify(values, null, 2)}\n`;
}

/**
 * Every generated file: the dashboard JSON from deploy/grafana/dashboard.ts, the Helm chart's
 * copies of the rules and the dashboard (Helm can read only files inside the chart directory), and
 * the `config` section of the chart's values schema, and the Azure rule groups' ARM template from the rules.
 */
export const GENERATED_FILES: readonly GeneratedFile[] = [
  { path: DASHBOARD_FILE, from: 'deploy/grafana/dashboard.ts', content: dashboardJson },
  { path: `${CHART_DIR}/files/dashboard.json`, from: 'deploy/grafana/dashboard.ts', content: dashboardJson },
  { path: `${CHART_DIR}/files/rules.yml`, from: 'deploy/prometheus/rules.yml', content: () => readFileSync(RULES_FILE, 'utf8') },
  { path: AZURE_RULE_GROUPS_FILE, from: 'deploy/prometheus/rules.yml', content: ruleGroupsJson },
  { path: `${CHART_DIR}/values.schema.json`, from: 'src/config/schema.ts (its config property)', content: valuesSchemaJson },
];
