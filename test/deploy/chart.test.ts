import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { parseConfig } from '../../src/config/index.js';
import { CHART_DIR, DASHBOARD_FILE, RULES_FILE, repoFile } from './paths.js';

// scripts/get-helm.sh puts helm there (.ci/run runs it); HELM overrides.
const HELM = process.env.HELM ?? repoFile('.cache/helm/helm');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: any; data?: any; stringData?: any };

const tmp = mkdtempSync(join(tmpdir(), 'sfue-chart-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function helm(args: string[]): { status: number | null; stdout: string; stderr: string } {
  if (!existsSync(HELM)) throw new Error(`no helm at ${HELM}: run scripts/get-helm.sh (or set HELM)`);
  const run = spawnSync(HELM, args, { encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

let valuesFiles = 0;
function valuesFile(values: object): string {
  const file = join(tmp, `values-${(valuesFiles += 1)}.yaml`);
  writeFileSync(file, stringify(values));
  return file;
}

/** `helm template` with these values; every rendered manifest, parsed. */
function render(values: object = {}, release = 'sfue'): Manifest[] {
  const run = helm(['template', release, CHART_DIR, '--namespace', 'monitoring', '-f', valuesFile(values)]);
  if (run.status !== 0) throw new Error(`helm template failed: ${run.stderr}`);
  return parseAllDocuments(run.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

function one(manifests: Manifest[], kind: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind);
  expect({ kind, count: found.length }).toEqual({ kind, count: 1 });
  return found[0] as Manifest;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function container(workload: Manifest): any {
  return workload.spec.template.spec.containers[0];
}

const EVERYTHING = {
  serviceMonitor: {
    enabled: true,
    interval: '15s',
    scrapeTimeout: '5s',
    labels: { release: 'kube-prometheus-stack' },
    relabelings: [{ targetLabel: 'team', replacement: 'deploy' }],
    metricRelabelings: [{ sourceLabels: ['__name__'], regex: 'nodejs_.*', action: 'drop' }],
    scheme: 'https',
    tlsConfig: { insecureSkipVerify: true },
    basicAuth: { username: { name: 'scrape-auth', key: 'user' }, password: { name: 'scrape-auth', key: 'password' } },
  },
  prometheusRule: { enabled: true, additionalLabels: { release: 'kube-prometheus-stack' }, rules: [{ alert: 'Extra', expr: 'vector(1)' }] },
  dashboard: { enabled: true },
  networkPolicy: { enabled: true, ingressFrom: [{ namespaceSelector: { matchLabels: { name: 'monitoring' } } }] },
  existingSecret: 'sf-credentials',
  webConfiguration: { tls_server_config: { cert_file: '/etc/sf-upload-exporter/secrets/tls.crt', key_file: '/etc/sf-upload-exporter/secrets/tls.key' } },
  extraArgs: ['--log.level=debug'],
  extraEnv: [{ name: 'TZ', value: 'UTC' }],
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'monitoring', effect: 'NoSchedule' }],
  affinity: { nodeAffinity: {} },
};

describe('Helm chart (helm/sf-upload-exporter)', () => {
  it('passes helm lint --strict, values.schema.json included', () => {
    const run = helm(['lint', '--strict', CHART_DIR]);
    expect({ status: run.status, failed: run.stdout.match(/(\d+) chart\(s\) failed/)?.[1] }).toEqual({ status: 0, failed: '0' });
  });

  it.each([
    [{ sharding: { shards: 0 } }, '/sharding/shards'],
    [{ config: { clusters: [] } }, '/config/clusters'],
    [{ serviceMonitor: { interval: 'soon' } }, '/serviceMonitor/interval'],
    [{ replicas: 2 }, 'replicas'],
  ])('rejects bad values through its schema: %j', (values, where) => {
    const run = helm(['template', 'sfue', CHART_DIR, '-f', valuesFile(values)]);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(where);
  });

  it('renders valid core objects (kubernetes-models schemas), default and with every option', () => {
    for (const manifests of [render(), render(EVERYTHING), render({ ...EVERYTHING, sharding: { shards: 4 } })]) {
      for (const m of manifests) {
        const model = { Deployment, StatefulSet, ConfigMap, Secret, Service, ServiceAccount, NetworkPolicy }[m.kind];
        if (model) expect(() => new model(m as never).validate()).not.toThrow();
      }
    }
  });

  it('runs one non-root process with a read-only root filesystem, no capabilities and the RuntimeDefault seccomp profile', () => {
    const manifests = render();
    expect(manifests.filter((m) => m.kind === 'StatefulSet')).toEqual([]);
    const deployment = one(manifests, 'Deployment');
    expect(deployment.spec.replicas).toBe(1);
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(container(deployment).securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('probes /-/healthy for liveness and /-/ready for readiness on the metrics port', () => {
    const c = container(one(render(), 'Deployment'));
    expect(c.ports).toEqual([{ name: 'http', containerPort: 18922, protocol: 'TCP' }]);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/-/healthy', port: 'http' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/-/ready', port: 'http' });
    // With TLS on /metrics the probes speak HTTPS too.
    const tls = container(one(render(EVERYTHING), 'Deployment'));
    expect([tls.livenessProbe.httpGet.scheme, tls.readinessProbe.httpGet.scheme]).toEqual(['HTTPS', 'HTTPS']);
  });

  it('renders config into a ConfigMap the exporter accepts, and restarts pods when it changes', () => {
    const cluster = { name: 'prod', endpoint: 'https://prod.example.com:19080', content_paths: ['SwaggerTest\\Common.dll'] };
    const manifests = render({ config: { poll: { schedule: '*/15 * * * * *' }, clusters: [cluster] } });
    const configMap = one(manifests, 'ConfigMap');
    const config = parseConfig(configMap.data['config.yaml'] as string);
    expect(config.clusters.map((c) => [c.name, c.endpoint, c.contentPaths])).toEqual([['prod', cluster.endpoint, cluster.content_paths]]);
    expect(config.poll.schedule).toBe('*/15 * * * * *');
    const deployment = one(manifests, 'Deployment');
    expect(container(deployment).args).toEqual(['--config.file=/etc/sf-upload-exporter/config.yaml', '--web.listen-address=:18922']);
    expect(container(deployment).volumeMounts).toContainEqual({ name: 'config', mountPath: '/etc/sf-upload-exporter/config.yaml', subPath: 'config.yaml', readOnly: true });

    const checksum = (m: Manifest[]): string => one(m, 'Deployment').spec.template.metadata.annotations['checksum/config'];
    const other = render({ config: { clusters: [{ ...cluster, content_paths: ['Other'] }] } });
    expect(checksum(manifests)).toMatch(/^[0-9a-f]{64}$/);
    expect(checksum(other)).not.toBe(checksum(manifests));
  });

  it('mounts existingSecret as files and passes webConfiguration with --web.config.file', () => {
    const manifests = render(EVERYTHING);
    const deployment = one(manifests, 'Deployment');
    const c = container(deployment);
    expect(c.volumeMounts).toContainEqual({ name: 'secrets', mountPath: '/etc/sf-upload-exporter/secrets', readOnly: true });
    expect(deployment.spec.template.spec.volumes).toContainEqual({ name: 'secrets', secret: { secretName: 'sf-credentials', defaultMode: 0o440 } });
    expect(c.args).toEqual([
      '--config.file=/etc/sf-upload-exporter/config.yaml',
      '--web.listen-address=:18922',
      '--web.config.file=/etc/sf-upload-exporter/web/web-config.yml',
      '--log.level=debug',
    ]);
    expect(c.env).toEqual([{ name: 'TZ', value: 'UTC' }]);
    const secret = one(manifests, 'Secret');
    expect(parse(secret.stringData['web-config.yml'] as string)).toEqual(EVERYTHING.webConfiguration);
    expect(deployment.spec.template.metadata.annotations['checksum/web-config']).toMatch(/^[0-9a-f]{64}$/);
    expect(deployment.spec.template.spec).toMatchObject({ nodeSelector: EVERYTHING.nodeSelector, tolerations: EVERYTHING.tolerations, affinity: EVERYTHING.affinity });
  });

  it.each([2, 3, 8])('runs %i shards as a StatefulSet whose pod index is the shard index, behind a headless Service', (shards) => {
    const manifests = render({ sharding: { shards } });
    expect(manifests.filter((m) => m.kind === 'Deployment')).toEqual([]);
    const statefulSet = one(manifests, 'StatefulSet');
    const service = one(manifests, 'Service');
    expect(statefulSet.spec.replicas).toBe(shards);
    expect(statefulSet.spec.serviceName).toBe(service.metadata.name);
    expect(service.spec.clusterIP).toBe('None');
    expect(service.spec.selector).toEqual(statefulSet.spec.selector.matchLabels);
    const c = container(statefulSet);
    expect(c.args).toEqual(expect.arrayContaining(['--shard.index=$(SHARD_INDEX)', `--shard.count=${shards}`]));
    expect(c.env).toContainEqual({ name: 'SHARD_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.labels['apps.kubernetes.io/pod-index']" } } });
  });

  it('scrapes through a ServiceMonitor with every endpoint setting, and job = the name the alert rules select', () => {
    const manifests = render(EVERYTHING, 'prod-exporter');
    const monitor = one(manifests, 'ServiceMonitor');
    const service = one(manifests, 'Service');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(monitor.spec.selector.matchLabels).toEqual(service.spec.selector);
    expect(monitor.spec.jobLabel).toBe('app.kubernetes.io/name');
    expect(service.metadata.labels?.['app.kubernetes.io/name']).toBe('sf-upload-exporter');
    const { relabelings, metricRelabelings, tlsConfig, basicAuth, scheme, interval, scrapeTimeout } = EVERYTHING.serviceMonitor;
    expect(monitor.spec.endpoints).toEqual([
      { port: 'http', path: '/metrics', scheme, interval, scrapeTimeout, tlsConfig, basicAuth, relabelings, metricRelabelings },
    ]);
  });

  it('ships the rules of deploy/prometheus/rules.yml in its PrometheusRule, plus additional ones', () => {
    const rule = one(render(EVERYTHING), 'PrometheusRule');
    expect(rule.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    const shipped = (parse(readFileSync(RULES_FILE, 'utf8')) as { groups: unknown[] }).groups;
    expect(rule.spec.groups).toEqual([...shipped, { name: 'sfue-sf-upload-exporter.additional', rules: [{ alert: 'Extra', expr: 'vector(1)' }] }]);
    // With nameOverride the ServiceMonitor's job changes, and so does the rules' job selector.
    const renamed = one(render({ ...EVERYTHING, nameOverride: 'sfx' }), 'PrometheusRule');
    expect(JSON.stringify(renamed.spec.groups)).toContain('up{job=\\"sfx\\"} == 0');
    expect(JSON.stringify(renamed.spec.groups)).not.toContain('sf-upload-exporter"');
  });

  it('ships the dashboard in a ConfigMap labelled for the Grafana sidecar, only when asked', () => {
    expect(render().filter((m) => m.kind === 'ConfigMap')).toHaveLength(1);
    const dashboard = render(EVERYTHING).find((m) => m.kind === 'ConfigMap' && m.metadata.name.endsWith('-dashboard'));
    expect(dashboard?.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    expect(JSON.parse(dashboard?.data['sf-upload-exporter.json'] as string)).toEqual(JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')));
  });

  it('limits ingress to the metrics port from the given peers with a NetworkPolicy', () => {
    const policy = one(render(EVERYTHING), 'NetworkPolicy');
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.ingress).toEqual([{ ports: [{ port: 'http', protocol: 'TCP' }], from: EVERYTHING.networkPolicy.ingressFrom }]);
    expect(render().filter((m) => m.kind === 'NetworkPolicy')).toEqual([]);
  });
});
