/**
 * The chart in Azure: the ServiceMonitor the Azure Monitor metrics add-on reads (azmonitoring.coreos.com),
 * checked against the add-on's own CRD, and the service account marked for AKS workload identity.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { helm, one, render, valuesFile, type Manifest } from './helm.js';
import { CHART_DIR, repoFile } from './paths.js';

const AZURE_API = 'azmonitoring.coreos.com/v1';
const OPERATOR_API = 'monitoring.coreos.com/v1';
const CLIENT_ID = '6b1f4a8e-2c3d-4e5f-8a9b-0c1d2e3f4a5b';

type Schema = { type?: string; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: unknown; 'x-kubernetes-preserve-unknown-fields'?: boolean };

/**
 * The CRD's schema with every object closed: the API server prunes a field the CRD does not know,
 * so a misspelt or unsupported key would vanish in the cluster without a word. Here it fails.
 */
function closed(schema: Schema): Schema {
  const out: Schema = { ...schema };
  if (schema.properties) {
    out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, closed(v)]));
    if (schema.additionalProperties === undefined && schema['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
  }
  if (schema.items) out.items = closed(schema.items);
  return out;
}

/** A validator for azmonitoring.coreos.com/v1 ServiceMonitor, from the add-on's vendored CRD (test/fixtures/azure). */
function addOnValidator(): ValidateFunction {
  const crd = parse(readFileSync(repoFile('test/fixtures/azure/servicemonitors.azmonitoring.coreos.com.yaml'), 'utf8')) as {
    spec: { group: string; names: { kind: string }; versions: Array<{ name: string; schema: { openAPIV3Schema: Schema } }> };
  };
  expect([crd.spec.group, crd.spec.names.kind]).toEqual(['azmonitoring.coreos.com', 'ServiceMonitor']);
  const v1 = crd.spec.versions.find((v) => v.name === 'v1');
  if (!v1) throw new Error('the vendored CRD has no v1');
  const ajv = new Ajv({ allErrors: true, strict: false });
  // Kubernetes' integer formats; ajv knows neither.
  ajv.addFormat('int32', true);
  ajv.addFormat('int64', true);
  return ajv.compile(closed(v1.schema.openAPIV3Schema));
}

const validate = addOnValidator();
function expectValid(manifest: Manifest): void {
  const ok = validate(manifest);
  expect(ok ? [] : validate.errors).toEqual([]);
}

const ENDPOINT = {
  interval: '15s',
  scrapeTimeout: '5s',
  labels: { team: 'deploy' },
  relabelings: [{ targetLabel: 'team', replacement: 'deploy' }],
  metricRelabelings: [{ sourceLabels: ['__name__'], regex: 'nodejs_.*', action: 'drop' }],
  tlsConfig: { insecureSkipVerify: true, serverName: 'sfue.monitoring.svc' },
  basicAuth: { username: { name: 'scrape-auth', key: 'user' }, password: { name: 'scrape-auth', key: 'password' } },
};
const WEB_TLS = { tls_server_config: { cert_file: '/etc/sf-upload-exporter/secrets/tls.crt', key_file: '/etc/sf-upload-exporter/secrets/tls.key' } };

describe('Helm chart in Azure', () => {
  it('renders no add-on ServiceMonitor by default', () => {
    expect(render().filter((m) => m.apiVersion === AZURE_API)).toEqual([]);
  });

  it('azureMonitor.enabled renders an azmonitoring.coreos.com/v1 ServiceMonitor the add-on\'s CRD accepts, with the label limits Microsoft asks for', () => {
    const manifests = render({ azureMonitor: { enabled: true } });
    const monitor = one(manifests, 'ServiceMonitor', AZURE_API);
    expect(manifests.filter((m) => m.apiVersion === OPERATOR_API)).toEqual([]);
    expectValid(monitor);
    expect(monitor.spec).toMatchObject({ labelLimit: 63, labelNameLengthLimit: 511, labelValueLengthLimit: 1023 });
    const service = one(manifests, 'Service');
    expect(monitor.spec.selector.matchLabels).toEqual(service.spec.selector);
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: ['monitoring'] });
    expect(monitor.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', scheme: 'http', interval: '30s', scrapeTimeout: '10s' }]);
  });

  it('with every endpoint setting, TLS and basic auth, is valid and scrapes as the operator\'s ServiceMonitor does; both can be on', () => {
    const manifests = render({ webConfiguration: WEB_TLS, telemetryPath: '/sf/metrics', serviceMonitor: { enabled: true, ...ENDPOINT }, azureMonitor: { enabled: true, ...ENDPOINT } });
    const azure = one(manifests, 'ServiceMonitor', AZURE_API);
    const operator = one(manifests, 'ServiceMonitor', OPERATOR_API);
    expectValid(azure);
    const { interval, scrapeTimeout, relabelings, metricRelabelings, tlsConfig, basicAuth } = ENDPOINT;
    // https from the web configuration's TLS, as for the operator's resource.
    expect(azure.spec.endpoints).toEqual([{ port: 'http', path: '/sf/metrics', scheme: 'https', interval, scrapeTimeout, tlsConfig, basicAuth, relabelings, metricRelabelings }]);
    const { labelLimit: _l, labelNameLengthLimit: _n, labelValueLengthLimit: _v, ...rest } = azure.spec as Record<string, unknown>;
    expect(rest).toEqual(operator.spec);
    expect(azure.metadata.labels).toMatchObject({ team: 'deploy' });
    expect(azure.metadata.name).toBe(operator.metadata.name);
  });

  it.each([
    ['the defaults', {}, 'sf-upload-exporter'],
    ['nameOverride', { nameOverride: 'sfx' }, 'sf-upload-exporter'],
    ['jobLabel', { jobLabel: 'sf-uploads' }, 'sf-uploads'],
  ])('gives its targets the job the alert rules select, with %s', (_what, values, job) => {
    const manifests = render({ ...values, azureMonitor: { enabled: true } }, 'prod');
    const service = one(manifests, 'Service');
    const jobLabel = one(manifests, 'ServiceMonitor', AZURE_API).spec.jobLabel as string;
    expect(service.metadata.labels?.[jobLabel]).toBe(job);
  });

  it('takes its own scheme, namespace and labels', () => {
    const monitor = one(render({ azureMonitor: { enabled: true, scheme: 'https', namespace: 'observability', labels: { a: 'b' } } }), 'ServiceMonitor', AZURE_API);
    expectValid(monitor);
    expect([monitor.spec.endpoints[0].scheme, monitor.metadata.namespace, monitor.metadata.labels?.a]).toEqual(['https', 'observability', 'b']);
  });

  it('would catch a field the add-on does not know (the check is not vacuous)', () => {
    const monitor = one(render({ azureMonitor: { enabled: true } }), 'ServiceMonitor', AZURE_API);
    expect(validate({ ...monitor, spec: { ...monitor.spec, labelLimits: 63 } })).toBe(false);
    expect(validate({ ...monitor, spec: { ...monitor.spec, endpoints: [{ ...monitor.spec.endpoints[0], scheme: 'ftp' }] } })).toBe(false);
  });

  it.each([
    [{ azureMonitor: { interval: 'soon' } }, '/azureMonitor/interval'],
    [{ azureMonitor: { scheme: 'ftp' } }, '/azureMonitor/scheme'],
    [{ azureMonitor: { enable: true } }, 'enable'],
    [{ workloadIdentity: { enabled: true, clientId: 'not-a-guid' } }, '/workloadIdentity/clientId'],
  ])('rejects bad values through its schema: %j', (values, where) => {
    const run = helm(['template', 'sfue', CHART_DIR, '-f', valuesFile(values)]);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(where);
  });

  describe('workloadIdentity', () => {
    it('annotates the service account with the client id and labels the pods for the AKS webhook', () => {
      const manifests = render({ workloadIdentity: { enabled: true, clientId: CLIENT_ID }, serviceAccount: { annotations: { owner: 'ops' } } });
      const account = one(manifests, 'ServiceAccount');
      expect(account.metadata.annotations).toEqual({ owner: 'ops', 'azure.workload.identity/client-id': CLIENT_ID });
      const pod = one(manifests, 'Deployment').spec.template;
      expect(pod.metadata.labels['azure.workload.identity/use']).toBe('true');
      expect(pod.spec.serviceAccountName).toBe(account.metadata.name);
    });

    it('labels every shard\'s pods too', () => {
      const statefulSet = one(render({ sharding: { shards: 2 }, workloadIdentity: { enabled: true, clientId: CLIENT_ID } }), 'StatefulSet');
      expect(statefulSet.spec.template.metadata.labels['azure.workload.identity/use']).toBe('true');
    });

    it('is off by default: no annotation, no label', () => {
      const manifests = render();
      expect(one(manifests, 'ServiceAccount').metadata.annotations).toBeUndefined();
      expect(one(manifests, 'Deployment').spec.template.metadata.labels['azure.workload.identity/use']).toBeUndefined();
    });

    it('needs the client id when the chart creates the service account, and says so', () => {
      const run = helm(['template', 'sfue', CHART_DIR, '-f', valuesFile({ workloadIdentity: { enabled: true } })]);
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain('workloadIdentity.clientId');
      // With an existing service account, annotating it is the operator's part; the pods are still labelled.
      const pod = one(render({ workloadIdentity: { enabled: true }, serviceAccount: { create: false, name: 'sfue-wi' } }), 'Deployment').spec.template;
      expect([pod.spec.serviceAccountName, pod.metadata.labels['azure.workload.identity/use']]).toEqual(['sfue-wi', 'true']);
    });
  });
});
