import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { parse, stringify } from 'yaml';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { parseConfig } from '../../src/config/load.js';
import { configFileSchema, errorMap, UNWRITTEN_SECTIONS } from '../../src/config/schema.js';
import { startExporter } from '../../src/exporter.js';
import { CLIENT_AUTH_TYPES } from '../../src/web/webconfig.js';
import { makeTestCerts, type TestCerts } from '../helpers/certs.js';
import { captureLog } from '../helpers/log-capture.js';
import { helm, one, render, valuesFile, type Manifest } from './helm.js';
import { CHART_DIR, DASHBOARD_FILE, RULES_FILE, repoFile } from './paths.js';

const tmp = mkdtempSync(join(tmpdir(), 'sfue-chart-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

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

  it('asks for the memory the benchmark measured at the documented scale (10,000 paths and sessions), with headroom', () => {
    // bench/results/memory-full.json is written by `npm run bench -- --memory` with the image's settings.
    const results = JSON.parse(readFileSync(repoFile('bench/results/memory-full.json'), 'utf8')) as {
      memory: { scales: Array<{ paths: number; sessions: number; exporter: { rss_mb: number }; exporter_peak_rss_mb: number }> };
    };
    const scale = results.memory.scales.find((x) => x.paths === 10_000 && x.sessions === 10_000);
    expect(scale).toBeDefined();
    const mib = (quantity: string): number => {
      const m = /^(\d+)(Mi|Gi)$/.exec(quantity);
      if (!m) throw new Error(`unexpected quantity ${quantity}`);
      return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
    };
    const { requests, limits } = container(one(render(), 'Deployment')).resources as { requests: { memory: string }; limits: { memory: string } };
    // The bench's MB are MiB. The request holds the RSS between scrapes, the limit 1.5 × the highest under load.
    expect(mib(requests.memory)).toBeGreaterThanOrEqual(scale?.exporter.rss_mb ?? Infinity);
    expect(mib(limits.memory)).toBeGreaterThanOrEqual(1.5 * (scale?.exporter_peak_rss_mb ?? Infinity));
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

  it('scrapes through a ServiceMonitor with every endpoint setting', () => {
    const manifests = render(EVERYTHING, 'prod-exporter');
    const monitor = one(manifests, 'ServiceMonitor');
    const service = one(manifests, 'Service');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.metadata.labels).toMatchObject({ release: 'kube-prometheus-stack' });
    expect(monitor.spec.selector.matchLabels).toEqual(service.spec.selector);
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
  });

  describe('the job label', () => {
    /** The `job` the Prometheus Operator gives the ServiceMonitor's targets: the Service's label named by spec.jobLabel, else the Service's name. */
    function scrapedJob(manifests: Manifest[]): string {
      const service = one(manifests, 'Service');
      const jobLabel = one(manifests, 'ServiceMonitor').spec.jobLabel as string | undefined;
      return (jobLabel ? service.metadata.labels?.[jobLabel] : undefined) ?? service.metadata.name;
    }

    it.each([
      ['the defaults', {}, 'sf-upload-exporter'],
      ['nameOverride', { nameOverride: 'sfx' }, 'sf-upload-exporter'],
      ['fullnameOverride', { fullnameOverride: 'uploads-exporter' }, 'sf-upload-exporter'],
      ['sharding', { sharding: { shards: 3 }, nameOverride: 'sfx' }, 'sf-upload-exporter'],
      ['jobLabel', { jobLabel: 'sf-uploads' }, 'sf-uploads'],
      ['jobLabel and nameOverride', { jobLabel: 'sf-uploads', nameOverride: 'sfx' }, 'sf-uploads'],
    ])('with %s (%j) is %s, and the rendered rules select that job (promtool test rules)', (_what, values, job) => {
      const manifests = render({ ...values, serviceMonitor: { enabled: true }, prometheusRule: { enabled: true } }, 'prod');
      expect(scrapedJob(manifests)).toBe(job);

      // The rules as rendered, unit-tested against targets of the job the ServiceMonitor produces:
      // ExporterDown fires when its target is down and stays silent while it is up (an absent()
      // on another job would fire here forever).
      const dir = mkdtempSync(join(tmp, 'job-'));
      writeFileSync(join(dir, 'rules.yml'), stringify({ groups: one(manifests, 'PrometheusRule').spec.groups }));
      const target = { job, instance: '10.1.2.3:18922' };
      const series = (value: string): unknown => [{ series: `up{job="${job}",instance="${target.instance}"}`, values: value }];
      writeFileSync(
        join(dir, 'rules.test.yml'),
        stringify({
          rule_files: ['rules.yml'],
          evaluation_interval: '1m',
          tests: [
            { interval: '1m', input_series: series('1x10'), alert_rule_test: [{ eval_time: '10m', alertname: 'ServiceFabricExporterDown', exp_alerts: [] }] },
            {
              interval: '1m',
              input_series: series('0x10'),
              alert_rule_test: [
                {
                  eval_time: '6m',
                  alertname: 'ServiceFabricExporterDown',
                  exp_alerts: [
                    {
                      exp_labels: { severity: 'warning', ...target },
                      exp_annotations: {
                        summary: `sf-upload-exporter ${target.instance} is down`,
                        description: `Prometheus cannot scrape sf-upload-exporter ${target.instance} (job ${job}); no cluster, content path or file is being watched for stalled uploads by it.`,
                      },
                    },
                  ],
                },
              ],
            },
          ],
        }),
      );
      const run = spawnSync('promtool', ['test', 'rules', join(dir, 'rules.test.yml')], { encoding: 'utf8' });
      expect({ status: run.status, output: run.stdout + run.stderr }).toEqual({ status: 0, output: expect.stringContaining('SUCCESS') });
    });

    it('is a Kubernetes label value', () => {
      const run = helm(['template', 'sfue', CHART_DIR, '-f', valuesFile({ jobLabel: 'sf upload exporter' })]);
      expect({ status: run.status, where: run.stderr.includes('/jobLabel') }).toEqual({ status: 1, where: true });
    });
  });

  it('prints NOTES that port-forward to the Service, or to one shard\'s pod when sharded, and name the job to scrape', () => {
    /** NOTES.txt as `helm install` prints it, rendered client-side without a cluster. */
    const notes = (values: object): string => {
      const run = helm(['install', 'sfue', CHART_DIR, '--dry-run=client', '--namespace', 'monitoring', '-f', valuesFile(values)]);
      if (run.status !== 0) throw new Error(`helm install --dry-run failed: ${run.stderr}`);
      return run.stdout.split('\nNOTES:\n')[1] ?? '';
    };
    expect(notes({})).toContain('kubectl -n monitoring port-forward svc/sfue-sf-upload-exporter 18922');
    // The headless Service of a StatefulSet has no single address: a forward reaches one shard.
    const sharded = notes({ sharding: { shards: 3 } });
    expect(sharded).toContain('kubectl -n monitoring port-forward pod/sfue-sf-upload-exporter-0 18922');
    expect(sharded).toContain('sfue-sf-upload-exporter-2');
    expect(sharded).not.toContain('svc/');
    expect(notes({ jobLabel: 'sf-uploads', nameOverride: 'sfx' })).toContain('with job_name "sf-uploads"');
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

  describe('client certificates and the probes', () => {
    let certs: TestCerts;
    beforeAll(() => {
      certs = makeTestCerts();
    });
    afterAll(() => certs.cleanup());

    /** What the kubelet's probes can do against an exporter with this client_auth_type: an HTTPS GET without a client certificate, and a TCP connect. */
    async function kubeletView(clientAuthType: string): Promise<{ httpsGet: string; tcpConnect: string }> {
      const file = join(tmp, `web-${clientAuthType}.yml`);
      const ca = clientAuthType === 'NoClientCert' ? {} : { client_ca_file: certs.ca.certFile };
      writeFileSync(file, stringify({ tls_server_config: { cert_file: certs.server.certFile, key_file: certs.server.keyFile, client_auth_type: clientAuthType, ...ca } }));
      const exporter = await startExporter({
        config: {
          ...UNWRITTEN_SECTIONS,
          poll: { schedule: '0 0 1 1 *', concurrency: 1, requestTimeoutMs: 2000, maxStalenessMs: 60_000, maxResponseBytes: 4 * 1024 * 1024, storeRecheckIntervalMs: 600_000 },
          clusters: [{ name: 'unused', endpoint: 'http://127.0.0.1:9', contentPaths: ['MyAppPkg'] }],
        },
        listen: { host: '127.0.0.1', port: 0 },
        telemetryPath: '/metrics',
        disableExporterMetrics: true,
        logger: captureLog('error').logger,
        webConfigFile: file,
      });
      // Like the kubelet: no client certificate, server certificate not verified.
      const agent = new Agent({ connect: { rejectUnauthorized: false } });
      try {
        const httpsGet = await request(`https://${exporter.address}/-/healthy`, { dispatcher: agent }).then(
          async (res) => {
            await res.body.dump();
            return `status ${res.statusCode}`;
          },
          () => 'refused',
        );
        const [host, port] = [exporter.address.slice(0, exporter.address.lastIndexOf(':')), Number(exporter.address.slice(exporter.address.lastIndexOf(':') + 1))];
        const tcpConnect = await new Promise<string>((resolve) => {
          const socket = connect({ host, port }, () => {
            socket.destroy();
            resolve('connected');
          });
          socket.on('error', () => resolve('refused'));
        });
        return { httpsGet, tcpConnect };
      } finally {
        await agent.close();
        await exporter.close();
      }
    }

    it.each([
      ['NoClientCert', 'httpGet'],
      ['RequestClientCert', 'httpGet'],
      ['VerifyClientCertIfGiven', 'httpGet'],
      ['RequireAnyClientCert', 'tcpSocket'],
      ['RequireAndVerifyClientCert', 'tcpSocket'],
      ['RequireClientCert', 'tcpSocket'],
    ])('with client_auth_type %s renders %s probes, the kind the kubelet can pass against the exporter', async (clientAuthType, kind) => {
      const view = await kubeletView(clientAuthType);
      expect(view).toEqual(kind === 'httpGet' ? { httpsGet: 'status 200', tcpConnect: 'connected' } : { httpsGet: 'refused', tcpConnect: 'connected' });

      const webConfiguration = { tls_server_config: { cert_file: '/etc/sf-upload-exporter/secrets/tls.crt', key_file: '/etc/sf-upload-exporter/secrets/tls.key', client_auth_type: clientAuthType } };
      const deployment = one(render({ webConfiguration, existingSecret: 'tls' }), 'Deployment');
      expect(() => new Deployment(deployment as never).validate()).not.toThrow();
      const c = container(deployment);
      const probes = { liveness: c.livenessProbe, readiness: c.readinessProbe };
      if (kind === 'httpGet') {
        expect(probes).toMatchObject({
          liveness: { httpGet: { path: '/-/healthy', port: 'http', scheme: 'HTTPS' }, periodSeconds: 10 },
          readiness: { httpGet: { path: '/-/ready', port: 'http', scheme: 'HTTPS' }, periodSeconds: 5 },
        });
      } else {
        expect(probes).toEqual({
          liveness: { tcpSocket: { port: 'http' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
          readiness: { tcpSocket: { port: 'http' }, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3 },
        });
      }
    });

    it('covers every client_auth_type the exporter accepts', () => {
      expect([...CLIENT_AUTH_TYPES, 'RequireClientCert'].sort()).toEqual(
        ['NoClientCert', 'RequestClientCert', 'VerifyClientCertIfGiven', 'RequireAnyClientCert', 'RequireAndVerifyClientCert', 'RequireClientCert'].sort(),
      );
    });
  });

  describe('config: the chart schema, generated from the exporter\'s, accepts what the exporter accepts', () => {
    const base = { name: 'prod', endpoint: 'https://prod.example.com:19080' };
    const accepted: Array<[string, object]> = [
      ['content_path_files only', { clusters: [{ ...base, content_path_files: ['/etc/sf-upload-exporter/paths.d/*.yaml'] }] }],
      ['empty content_paths and content_path_files', { clusters: [{ ...base, content_paths: [], content_path_files: ['/paths/*.yaml'] }] }],
      ['content_paths and empty content_path_files', { clusters: [{ ...base, content_paths: ['MyAppPkg'], content_path_files: [] }] }],
      [
        'tls, auth and status',
        {
          status: { stalled_after: '5m' },
          clusters: [
            {
              ...base,
              content_paths: ['MyAppPkg'],
              tls: { ca_file: '/etc/sf-upload-exporter/secrets/ca.crt', cert_file: '/etc/sf-upload-exporter/secrets/client.crt', key_file: '/etc/sf-upload-exporter/secrets/client.key' },
              auth: { type: 'entra_id', client_id: '00000000-0000-0000-0000-000000000001', client_secret_file: '/etc/sf-upload-exporter/secrets/secret' },
            },
          ],
        },
      ],
      [
        'managed and workload identity',
        {
          clusters: [
            { ...base, content_paths: ['MyAppPkg'], auth: { type: 'entra_id', managed_identity: true } },
            { ...base, name: 'user-assigned', content_paths: ['MyAppPkg'], auth: { type: 'entra_id', managed_identity: { client_id: '2f3e4d5c-6b7a-4988-9aab-bccddeeff001' } } },
            { ...base, name: 'aks', content_paths: ['MyAppPkg'], auth: { type: 'entra_id', workload_identity: true } },
          ],
        },
      ],
    ];
    it.each(accepted)('accepts %s', (_what, config) => {
      expect(configFileSchema.safeParse(config, { error: errorMap }).error?.issues).toBeUndefined();
      const configMap = one(render({ config }), 'ConfigMap');
      expect(parse(configMap.data['config.yaml'] as string)).toMatchObject(config);
    });

    it.each([
      ['neither content_paths nor content_path_files', { clusters: [base] }],
      ['both lists empty', { clusters: [{ ...base, content_paths: [], content_path_files: [] }] }],
    ])('rejects %s, as the exporter does', (_what, config) => {
      expect(configFileSchema.safeParse(config, { error: errorMap }).success).toBe(false);
      const run = helm(['template', 'sfue', CHART_DIR, '-f', valuesFile({ config })]);
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain('/config/clusters/0');
    });
  });

  describe('config: the chart schema rejects what the exporter rejects, wherever JSON Schema can say it', () => {
    const FIXTURES = repoFile('test/fixtures/config');
    const cluster = { name: 'prod', endpoint: 'https://prod.example.com:19080', content_paths: ['MyAppPkg'] };

    /** Why the exporter rejects a configuration that the chart's schema lets through, as values.yaml lists it. */
    const BEYOND_SCHEMA: Record<string, string> = {
      'invalid-cron.yaml': 'cron fields out of range',
      'invalid-response-size-bounds.yaml': 'the bounds of durations and sizes',
      'invalid-timeout-too-long.yaml': 'the bounds of durations and sizes',
      'invalid-idle-interval.yaml': 'the bounds of durations and sizes',
      'invalid-staleness.yaml': 'max_staleness greater than request_timeout',
      'invalid-staleness-default-timeout.yaml': 'max_staleness greater than request_timeout',
      'invalid-secure-files.yaml': 'files and environment variables',
    };
    const valuesYaml = readFileSync(`${CHART_DIR}/values.yaml`, 'utf8');

    /** `helm template` with this exporter configuration: undefined when accepted, else helm's error. */
    function chartError(config: unknown): string | undefined {
      const run = helm(['template', 'sfue', CHART_DIR, '-f', valuesFile({ config })]);
      return run.status === 0 ? undefined : run.stderr;
    }

    /** The exporter's verdict: undefined when it starts with this configuration, else its error. */
    function exporterError(text: string, file?: string): string | undefined {
      try {
        parseConfig(text, file);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    }

    // Syntax errors of the YAML document itself are not values the chart could be given.
    const invalid = readdirSync(FIXTURES).filter((f) => f.startsWith('invalid-') && !f.startsWith('invalid-yaml-'));
    it.each(invalid)('%s: rejected by both, or listed as beyond JSON Schema', (file) => {
      const text = readFileSync(join(FIXTURES, file), 'utf8');
      expect(exporterError(text, join(FIXTURES, file))).toBeDefined();
      const beyond = BEYOND_SCHEMA[file];
      expect({ file, rejectedByChart: chartError(parse(text)) !== undefined }).toEqual({ file, rejectedByChart: beyond === undefined });
      if (beyond !== undefined) expect(valuesYaml).toContain(beyond);
    });

    const good = [...readdirSync(FIXTURES).filter((f) => f.startsWith('good-')).map((f) => `test/fixtures/config/${f}`), 'config/example.yaml'];
    it.each(good)('%s: accepted by both', (file) => {
      const text = readFileSync(repoFile(file), 'utf8');
      expect(exporterError(text, repoFile(file))).toBeUndefined();
      expect(chartError(parse(text))).toBeUndefined();
    });

    it('names the field, never the value, where a value may be a secret', () => {
      const error = chartError(parse(readFileSync(join(FIXTURES, 'invalid-secret-looking-values.yaml'), 'utf8'))) ?? '';
      for (const field of ['/config/clusters/0/endpoint', '/config/clusters/1/endpoint', '/config/clusters/2/tls/passphrase_env']) expect(error).toContain(field);
      expect(error).not.toMatch(/SECRET/);
    });

    it.each([
      ['a bad cron expression', { poll: { schedule: 'every 30 seconds' }, clusters: [cluster] }, '/config/poll/schedule'],
      ['10seconds', { poll: { request_timeout: '10seconds' }, clusters: [cluster] }, '/config/poll/request_timeout'],
      ['concurrency: 0', { poll: { concurrency: 0 }, clusters: [cluster] }, '/config/poll/concurrency'],
      ['an unknown key', { clusters: [{ ...cluster, timeout: '5s' }] }, "/config/clusters/0': additional properties 'timeout'"],
      ['a certificate without a key', { clusters: [{ ...cluster, tls: { cert_file: '/etc/sf-upload-exporter/secrets/client.crt' } }] }, '/config/clusters/0/tls'],
      ['a key without a certificate', { clusters: [{ ...cluster, tls: { key_file: '/etc/sf-upload-exporter/secrets/client.key' } }] }, '/config/clusters/0/tls'],
      ['a duplicate content path', { clusters: [{ ...cluster, content_paths: ['A', 'A'] }] }, '/config/clusters/0/content_paths'],
      ['insecure_skip_verify with a CA', { clusters: [{ ...cluster, tls: { insecure_skip_verify: true, ca_file: '/ca.pem' } }] }, '/config/clusters/0/tls'],
      ['auth without a credential', { clusters: [{ ...cluster, auth: { type: 'entra_id', client_id: 'x' } }] }, '/config/clusters/0/auth'],
      ['an endpoint with a query', { clusters: [{ ...cluster, endpoint: 'https://prod.example.com:19080/?a=b' }] }, '/config/clusters/0/endpoint'],
    ])('helm rejects %s at the field, as the exporter does', (_what, config, where) => {
      expect(exporterError(stringify(config))).toBeDefined();
      expect(chartError(config)).toContain(where);
    });

    it.each([
      ['duplicate cluster names', { clusters: [cluster, { ...cluster, endpoint: 'https://other.example.com:19080' }] }, 'duplicate cluster names'],
      ['max_staleness below request_timeout', { poll: { request_timeout: '30s', max_staleness: '20s' }, clusters: [cluster] }, 'max_staleness greater than request_timeout'],
    ])('helm lets %s through (JSON Schema cannot say it), values.yaml says so, and the exporter stops', (_what, config, listed) => {
      expect(exporterError(stringify(config))).toBeDefined();
      expect(chartError(config)).toBeUndefined();
      expect(valuesYaml).toContain(listed);
    });
  });

  it('mounts extraVolumes with extraVolumeMounts: path files from a ConfigMap (the docs/deployment.md example)', () => {
    const section = readFileSync(repoFile('docs/deployment.md'), 'utf8').split('### Path files from a ConfigMap')[1] ?? '';
    const values = parse(/```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '') as {
      extraVolumes: Array<{ name: string }>;
      extraVolumeMounts: Array<{ name: string; mountPath: string }>;
    };
    expect(values.extraVolumeMounts).toEqual([{ name: 'paths', mountPath: '/etc/sf-upload-exporter/paths.d', readOnly: true }]);
    expect(values.extraVolumes.map((v) => v.name)).toEqual(['paths']);
    for (const manifests of [render(values), render({ ...values, sharding: { shards: 2 } })]) {
      const workload = manifests.find((m) => m.kind === 'Deployment' || m.kind === 'StatefulSet') as Manifest;
      expect(() => new (workload.kind === 'Deployment' ? Deployment : StatefulSet)(workload as never).validate()).not.toThrow();
      expect(workload.spec.template.spec.volumes).toContainEqual(values.extraVolumes[0]);
      expect(container(workload).volumeMounts).toContainEqual(values.extraVolumeMounts[0]);
      const config = parseConfig(one(manifests, 'ConfigMap').data['config.yaml'] as string);
      expect(config.clusters[0]?.contentPathFiles).toEqual(['/etc/sf-upload-exporter/paths.d/*.yaml']);
    }
    expect(container(one(render(), 'Deployment')).volumeMounts.map((m: { name: string }) => m.name)).toEqual(['config', 'tmp']);
  });

  it.each([
    ['plain HTTP', {}, 'http'],
    ['TLS', { webConfiguration: EVERYTHING.webConfiguration }, 'https'],
    ['TLS with an explicit scheme', { webConfiguration: EVERYTHING.webConfiguration, serviceMonitor: { enabled: true, scheme: 'http' } }, 'http'],
    ['plain HTTP with an explicit scheme', { serviceMonitor: { enabled: true, scheme: 'https' } }, 'https'],
  ])('scrapes with the scheme the listener speaks: %s', (_what, values, scheme) => {
    const monitor = one(render({ serviceMonitor: { enabled: true }, ...values }), 'ServiceMonitor');
    expect(monitor.spec.endpoints[0].scheme).toBe(scheme);
  });

  it('serves and scrapes metrics under telemetryPath (--web.telemetry-path)', () => {
    const defaults = render({ serviceMonitor: { enabled: true } });
    expect(one(defaults, 'ServiceMonitor').spec.endpoints[0].path).toBe('/metrics');
    expect(container(one(defaults, 'Deployment')).args.filter((a: string) => a.startsWith('--web.telemetry-path'))).toEqual([]);

    const moved = render({ serviceMonitor: { enabled: true }, telemetryPath: '/sf/metrics', sharding: { shards: 2 } });
    expect(one(moved, 'ServiceMonitor').spec.endpoints[0].path).toBe('/sf/metrics');
    expect(container(one(moved, 'StatefulSet')).args).toContain('--web.telemetry-path=/sf/metrics');

    const run = helm(['template', 'sfue', CHART_DIR, '-f', valuesFile({ telemetryPath: 'metrics' })]);
    expect({ status: run.status, where: run.stderr.includes('/telemetryPath') }).toEqual({ status: 1, where: true });
  });
});
