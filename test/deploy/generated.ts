import { readFileSync } from 'node:fs';
import { buildDashboard } from '../../deploy/grafana/dashboard.js';
import { CHART_DIR, DASHBOARD_FILE, RULES_FILE } from './paths.js';

/** A file that is generated from another source and committed. */
export interface GeneratedFile {
  readonly path: string;
  /** From what, for failure messages. */
  readonly from: string;
  readonly content: () => string;
}

/** The dashboard JSON exactly as committed: two-space indentation and a final newline. */
export function dashboardJson(): string {
  return `${JSON.stringify(buildDashboard(), null, 2)}\n`;
}

/**
 * Every generated file: the dashboard JSON from deploy/grafana/dashboard.ts, and the Helm chart's
 * copies of the rules and the dashboard (Helm can read only files inside the chart directory).
 */
export const GENERATED_FILES: readonly GeneratedFile[] = [
  { path: DASHBOARD_FILE, from: 'deploy/grafana/dashboard.ts', content: dashboardJson },
  { path: `${CHART_DIR}/files/dashboard.json`, from: 'deploy/grafana/dashboard.ts', content: dashboardJson },
  { path: `${CHART_DIR}/files/rules.yml`, from: 'deploy/prometheus/rules.yml', content: () => readFileSync(RULES_FILE, 'utf8') },
];
