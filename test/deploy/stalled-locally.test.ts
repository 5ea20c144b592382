import { afterAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { parseConfig } from '../../src/config/load.js';
import { startExporter, type Exporter } from '../../src/exporter.js';
import { silentLogger } from '../../src/log.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { alertsNamed, eventually, prometheusWithRules, type PrometheusServer } from '../helpers/prometheus.js';
import { RULES_FILE, repoFile } from './paths.js';

// docs/alerts.md, "See ServiceFabricUploadStalled fire locally", run as written: the session the
// admin API creates, the exporter configuration, the shipped rules unchanged, and the runbook's
// DeleteUploadSession. Only the addresses (free ports) and the poll schedule (every second instead
// of every 30) differ.
const alertsDoc = readFileSync(repoFile('docs/alerts.md'), 'utf8');
const recipe = alertsDoc.split('## See ServiceFabricUploadStalled fire locally')[1] ?? '';
const runbook = alertsDoc.split('## ServiceFabricUploadStalled')[1]?.split('\n## ')[0] ?? '';

const MODIFIED = "$(node -p 'new Date(Date.now() - 10 * 60e3).toISOString()')";

/** The JSON the recipe writes to stalled.json, with its shell substitution evaluated as the shell would. */
function sessionBody(): { path: string; fileSize: number; received: unknown[]; modifiedDate: string } {
  const heredoc = /cat > stalled\.json <<EOF\n([\s\S]*?)\nEOF/.exec(recipe)?.[1];
  if (heredoc === undefined || !heredoc.includes(MODIFIED)) throw new Error('docs/alerts.md: the stalled.json recipe changed; update this test');
  return JSON.parse(heredoc.replace(MODIFIED, new Date(Date.now() - 10 * 60e3).toISOString())) as ReturnType<typeof sessionBody>;
}

let sim: Simulator | undefined;
let exporter: Exporter | undefined;
let prometheus: PrometheusServer | undefined;

afterAll(async () => {
  await prometheus?.close();
  await exporter?.close();
  await sim?.close();
});

const stalledAlerts = (): ReturnType<PrometheusServer['alerts']> => alertsNamed(prometheus, 'ServiceFabricUploadStalled');

describe('docs/alerts.md: see ServiceFabricUploadStalled fire locally', () => {
  it('fires for the backdated session with the shipped rules, and resolves after the runbook\'s DeleteUploadSession', async () => {
    sim = await startSimulator({ adminPort: 0 });
    const created = await fetch(`${sim.adminUrl}/sessions`, { method: 'POST', body: JSON.stringify(sessionBody()) });
    expect(created.status).toBe(201);
    const { SessionId: sessionId } = (await created.json()) as { SessionId: string };

    const documented = parse(/```yaml\n([\s\S]*?)```/.exec(recipe)?.[1] ?? '') as { clusters: Array<{ endpoint: string; content_paths: string[] }> };
    expect(documented.clusters.map((c) => [c.endpoint, c.content_paths])).toEqual([['http://127.0.0.1:19080', [sessionBody().path]]]);
    const config = parseConfig(stringify({ poll: { schedule: '* * * * * *' }, clusters: documented.clusters.map((c) => ({ ...c, endpoint: sim?.url })) }));
    exporter = await startExporter({ config, listen: { host: '127.0.0.1', port: 0 }, telemetryPath: '/metrics', disableExporterMetrics: false, logger: silentLogger });
    prometheus = await prometheusWithRules(exporter.address, readFileSync(RULES_FILE, 'utf8'));

    // Pending at once (the last chunk is 10 minutes old), firing after the rule's `for: 1m`.
    const firing = await eventually('ServiceFabricUploadStalled to fire', 100_000, async () => (await stalledAlerts()).find((a) => a.state === 'firing'));
    expect(firing.labels).toMatchObject({ sf_cluster: 'local', content_path: 'demo/stalled.zip', store_relative_path: 'demo/stalled.zip', session_id: sessionId });

    // The runbook's request, on the simulator's gateway; without api-version it is refused as a
    // real gateway refuses it.
    const request = /`DELETE (\/ImageStore\/\$\/DeleteUploadSession\?[^`]*)`/.exec(runbook)?.[1];
    expect(request).toContain('api-version=6.0');
    const url = `${sim.url}${(request as string).replace('<session_id>', sessionId)}`;
    const withoutVersion = await fetch(url.replace('api-version=6.0&', ''), { method: 'DELETE' });
    expect(withoutVersion.status).toBe(400);
    expect(((await withoutVersion.json()) as { Error?: { Code?: string } }).Error?.Code).toBe('E_INVALIDARG');
    const deleted = await fetch(url, { method: 'DELETE' });
    await deleted.arrayBuffer();
    expect(deleted.status).toBe(200);

    await eventually('ServiceFabricUploadStalled to resolve', 20_000, async () => ((await stalledAlerts()).length === 0 ? true : undefined));
  }, 150_000);
});
