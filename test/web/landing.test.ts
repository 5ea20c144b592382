import { describe, expect, it } from '@jest/globals';
import { renderLanding } from '../../src/web/landing.js';

describe('landing page', () => {
  const info = {
    version: '1.2.3',
    telemetryPath: '/metrics',
    demo: false,
    clusters: [{ name: 'prod', endpoint: 'https://sf.example:19080', contentPaths: ['SwaggerTest\\Common.dll', '<script>alert(1)</script>'] }],
  };

  it('names the exporter and version, links the telemetry path, and lists clusters and paths', () => {
    const html = renderLanding(info);
    expect(html).toContain('sf-upload-exporter');
    expect(html).toContain('1.2.3');
    expect(html).toContain('href="/metrics"');
    expect(html).toContain('prod');
    expect(html).toContain('SwaggerTest\\Common.dll');
  });

  it('shows paths from the configuration as text, never as markup', () => {
    const html = renderLanding(info);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
  });

  it('says so in demo mode', () => {
    expect(renderLanding({ ...info, demo: true })).toMatch(/Demo mode/);
    expect(renderLanding(info)).not.toMatch(/Demo mode/);
  });
});
