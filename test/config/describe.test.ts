import { describe, expect, it } from '@jest/globals';
import { describeConfig } from '../../src/config/describe.js';
import { parseConfig } from '../../src/config/load.js';

describe('describeConfig', () => {
  const config = parseConfig(
    [
      'poll:',
      '  request_timeout: 1500ms',
      '  max_staleness: 1h30m',
      'clusters:',
      '  - name: prod',
      '    endpoint: https://sf.example.com:19080/',
      "    content_paths: ['SwaggerTest\\Common.dll', MyAppPkg]",
      '  - name: dev',
      '    endpoint: http://localhost:19080',
      '    content_paths: [MyAppPkg]',
      '',
    ].join('\n'),
  );

  it('summarises with the file key names and formatted durations', () => {
    expect(describeConfig(config)).toEqual({
      poll: { schedule: '*/30 * * * * *', concurrency: 8, request_timeout: '1s500ms', max_staleness: '1h30m', max_response_size: '4MiB' },
      clusters: [
        { name: 'prod', endpoint: 'https://sf.example.com:19080', content_paths: ['SwaggerTest\\Common.dll', 'MyAppPkg'] },
        { name: 'dev', endpoint: 'http://localhost:19080', content_paths: ['MyAppPkg'] },
      ],
    });
  });

  it('survives a JSON round trip unchanged', () => {
    const summary = describeConfig(config);
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
  });

  it('shows tls: and auth: as file paths and names, never what they hold', () => {
    const cluster = {
      ...config.clusters[0]!,
      tls: { pfxFile: '/s/client.pfx', passphraseEnv: 'SF_PFX_PASSPHRASE', serverThumbprints: ['AB'.repeat(20)], insecureSkipVerify: false },
      auth: { type: 'entra_id' as const, clientId: 'app', clientSecretFile: '/s/entra.secret' },
    };
    const summary = describeConfig({ ...config, clusters: [cluster] }) as { clusters: Array<Record<string, unknown>> };
    expect(summary.clusters[0]).toMatchObject({
      tls: { pfx_file: '/s/client.pfx', passphrase_env: 'SF_PFX_PASSPHRASE', server_thumbprints: ['AB'.repeat(20)], insecure_skip_verify: false },
      auth: { type: 'entra_id', client_id: 'app', client_secret_file: '/s/entra.secret' },
    });
  });

  it('prints only the keys it knows, not whatever a cluster object carries', () => {
    const cluster = { ...config.clusters[0]!, password: 'hunter2' };
    const summary = describeConfig({ ...config, clusters: [cluster] });
    expect(JSON.stringify(summary)).not.toContain('hunter2');
  });
});
