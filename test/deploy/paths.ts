import { fileURLToPath } from 'node:url';

/** Absolute path of a file in the repository, from its repository-relative path. */
export function repoFile(relative: string): string {
  return fileURLToPath(new URL(`../../${relative}`, import.meta.url));
}

export const RULES_FILE = repoFile('deploy/prometheus/rules.yml');
export const RULES_TEST_FILE = repoFile('deploy/prometheus/rules.test.yml');
export const DASHBOARD_FILE = repoFile('deploy/grafana/sf-upload-exporter.json');
export const CHART_DIR = repoFile('helm/sf-upload-exporter');
export const AZURE_RULE_GROUPS_FILE = repoFile('deploy/azure/prometheus-rule-groups.json');
