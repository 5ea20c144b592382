/**
 * The dashboard imports into any Grafana, Azure Managed Grafana included, with nothing to edit: the
 * data source is a variable of type prometheus, and no panel, query or variable names a fixed one.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { DASHBOARD_FILE } from './paths.js';

const text = readFileSync(DASHBOARD_FILE, 'utf8');
const dashboard = JSON.parse(text) as Record<string, unknown> & { templating: { list: Array<Record<string, unknown>> } };

/** Every `datasource` reference in the dashboard, with where it is. */
function datasourceRefs(node: unknown, path = '$'): Array<{ path: string; ref: unknown }> {
  if (Array.isArray(node)) return node.flatMap((v, i) => datasourceRefs(v, `${path}[${i}]`));
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([k, v]) => [...(k === 'datasource' ? [{ path: `${path}.${k}`, ref: v }] : []), ...datasourceRefs(v, `${path}.${k}`)]);
}

describe('Grafana dashboard import (deploy/grafana/sf-upload-exporter.json)', () => {
  it('has a Prometheus data-source variable', () => {
    const variable = dashboard.templating.list.find((v) => v.type === 'datasource');
    expect(variable).toMatchObject({ name: 'datasource', query: 'prometheus' });
    // No fixed current value: Grafana picks the organisation's default Prometheus data source.
    expect(variable?.current).toBeUndefined();
  });

  it('refers to its data source only through that variable: no fixed uid anywhere', () => {
    const refs = datasourceRefs(dashboard);
    expect(refs.length).toBeGreaterThan(10);
    for (const { path, ref } of refs) expect({ path, ref }).toEqual({ path, ref: { type: 'prometheus', uid: '${datasource}' } });
  });

  it('needs no import inputs and carries no instance id', () => {
    expect(dashboard.__inputs).toBeUndefined();
    expect(text).not.toMatch(/\$\{DS_/);
    expect(dashboard.id ?? null).toBeNull();
    expect(dashboard.uid).toBe('sf-upload-exporter');
  });
});
