/**
 * The sf-upload-exporter Grafana dashboard, as code (Grafana Foundation SDK). `npm run
 * deploy:generate` writes it to deploy/grafana/sf-upload-exporter.json (and the Helm chart's copy);
 * a test fails when the committed JSON differs from what this file builds.
 */
import {
  DashboardBuilder,
  DashboardCursorSync,
  DatasourceVariableBuilder,
  MappingType,
  QueryVariableBuilder,
  RowBuilder,
  VariableRefresh,
  VariableSort,
  type Dashboard,
  type Panel,
} from '@grafana/grafana-foundation-sdk/dashboard';
import type { Builder } from '@grafana/grafana-foundation-sdk/cog';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as StateTimelinePanel } from '@grafana/grafana-foundation-sdk/statetimeline';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';

/** The dashboard's uid: stable, so provisioning updates rather than duplicates it. */
export const DASHBOARD_UID = 'sf-upload-exporter';

const DATASOURCE: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };
const EXPORTER = 'job=~"$job", instance=~"$instance"';
const PATH = `${EXPORTER}, sf_cluster=~"$sf_cluster", content_path=~"$content_path"`;
const SESSION_LEGEND = '{{sf_cluster}} {{store_relative_path}} {{session_id}}';
const PATH_LEGEND = '{{sf_cluster}} {{content_path}}';
const CLUSTER = `${EXPORTER}, sf_cluster=~"$sf_cluster"`;
const PACKAGE_LEGEND = '{{sf_cluster}} {{package}} {{version}}';
/** The labels that identify a package: one row of the packages table each. */
const PACKAGE_LABELS = ['sf_cluster', 'package', 'version'] as const;
const BY_PACKAGE = `sum by (${PACKAGE_LABELS.join(', ')})`;
/** The labels that identify an upload session, with their column titles: one row of the sessions table each. */
const SESSION_LABELS = { sf_cluster: 'Cluster', content_path: 'Path', store_relative_path: 'File', session_id: 'Session' } as const;

function query(expr: string, legend: string, refId = 'A'): DataqueryBuilder {
  return new DataqueryBuilder().datasource(DATASOURCE).expr(expr).legendFormat(legend).refId(refId);
}

/** An instant query in table format: one column of the sessions table. */
function column(expr: string, refId: string): DataqueryBuilder {
  return new DataqueryBuilder().datasource(DATASOURCE).expr(expr).instant().format(PromQueryFormat.Table).refId(refId);
}

function labelVariable(name: string, label: string, metric: string, selector: string): QueryVariableBuilder {
  const q = `label_values(${metric}${selector ? `{${selector}}` : ''}, ${name})`;
  return new QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query({ query: q, refId: `${name}-variable`, qryType: 1 })
    .definition(q)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*');
}

function exporterHealthPanels(): Array<Builder<Panel>> {
  return [
    new StateTimelinePanel()
      .title('Poll success')
      .description('1 when the last poll of the path (its GetUploadSession, and its store lookup when it had no session) succeeded (servicefabric_imagestore_poll_success).')
      .datasource(DATASOURCE)
      .withTarget(query(`servicefabric_imagestore_poll_success{${PATH}}`, PATH_LEGEND))
      .mappings([
        { type: MappingType.ValueToText, options: { '0': { text: 'failing', color: 'red', index: 0 }, '1': { text: 'ok', color: 'green', index: 1 } } },
      ])
      .span(12)
      .height(8),
    new TimeseriesPanel()
      .title('Poll failures by reason')
      .description('Failed polls per interval, by reason (servicefabric_imagestore_poll_failures_total).')
      .datasource(DATASOURCE)
      .withTarget(
        query(
          `sum by (sf_cluster, content_path, reason) (increase(servicefabric_imagestore_poll_failures_total{${PATH}}[$__rate_interval])) > 0`,
          '{{sf_cluster}} {{content_path}} {{reason}}',
        ),
      )
      .unit('short')
      .min(0)
      .span(12)
      .height(8),
    new TimeseriesPanel()
      .title('Poll duration')
      .description('Wall time of the last poll of each path, and of the whole poll cycle.')
      .datasource(DATASOURCE)
      .withTarget(query(`servicefabric_imagestore_poll_duration_seconds{${PATH}}`, PATH_LEGEND, 'A'))
      .withTarget(query(`servicefabric_imagestore_poll_cycle_duration_seconds{${EXPORTER}}`, 'cycle {{instance}}', 'B'))
      .unit('s')
      .min(0)
      .span(8)
      .height(8),
    new TimeseriesPanel()
      .title('Data age')
      .description('Seconds since the last successful poll of each path; ServiceFabricExporterDataStale fires when a whole cluster passes 5 minutes.')
      .datasource(DATASOURCE)
      .withTarget(query(`time() - servicefabric_imagestore_last_poll_success_timestamp_seconds{${PATH}}`, PATH_LEGEND))
      .unit('s')
      .min(0)
      .span(8)
      .height(8),
    new TimeseriesPanel()
      .title('Cycles skipped')
      .description('Poll cycles skipped because the previous one was still running: the schedule is shorter than a cycle takes.')
      .datasource(DATASOURCE)
      .withTarget(query(`increase(servicefabric_imagestore_poll_cycles_skipped_total{${EXPORTER}}[$__rate_interval])`, '{{instance}}'))
      .unit('short')
      .min(0)
      .span(8)
      .height(8),
  ];
}

/**
 * Turns a table's queries into one row per label set: `labels` (in order, with their column
 * titles) then each column's value (`Value #<refId>`, titled).
 *
 * Grafana's Prometheus data source turns each table query into a frame with a column per label,
 * __name__ included, and "Value #<refId>". merge joins rows on every column all frames share,
 * so __name__ (another metric in each query) and any target label such as instance or pod
 * would keep one label set's values in several rows: keep only its labels first. Time stays for
 * the merge: an empty query (e.g. no session is moving, so no ETA) leaves a frame with no label
 * columns, and merge then needs a column every frame has, or it does not merge. Then only label
 * sets the exporter reports now (query A): the recording rules' series lag the scrape by up to an
 * evaluation interval, and a label set gone since would keep a row of its own.
 */
function oneRowPerLabelSet(
  table: TablePanel,
  labels: Readonly<Record<string, string>>,
  columns: ReadonlyArray<readonly [refId: string, title: string, unit: string, ...rest: string[]]>,
): void {
  const names = Object.keys(labels);
  table
    .withTransformation({
      id: 'filterFieldsByName',
      options: { include: { names: ['Time', ...names, ...columns.map(([refId]) => `Value #${refId}`)] } },
    })
    .withTransformation({ id: 'merge', options: {} })
    .withTransformation({
      id: 'filterByValue',
      options: { type: 'include', match: 'all', filters: [{ fieldName: 'Value #A', config: { id: 'isNotNull', options: {} } }] },
    })
    .withTransformation({
      id: 'organize',
      options: {
        excludeByName: { Time: true },
        indexByName: {
          ...Object.fromEntries(names.map((label, i) => [label, i])),
          ...Object.fromEntries(columns.map(([refId], i) => [`Value #${refId}`, names.length + i])),
        },
        renameByName: {
          ...labels,
          ...Object.fromEntries(columns.map(([refId, title]) => [`Value #${refId}`, title])),
        },
      },
    });
}

function sessionsPanels(): Array<Builder<Panel>> {
  const columns: Array<[refId: string, title: string, unit: string]> = [
    ['A', 'Size', 'bytes'],
    ['B', 'Remaining', 'bytes'],
    ['C', 'Progress', 'percentunit'],
    ['D', 'Age', 's'],
    ['E', 'ETA', 's'],
  ];
  const table = new TablePanel()
    .title('Upload sessions')
    .description(
      'One row per upload session the exporter reports now. Progress and ETA come from the recording rules in deploy/prometheus/rules.yml; a session that is not moving (no chunk for 2 minutes, or nothing remaining) has no ETA.',
    )
    .datasource(DATASOURCE)
    .withTarget(column(`servicefabric_imagestore_upload_session_size_bytes{${PATH}}`, 'A'))
    .withTarget(column(`servicefabric_imagestore_upload_session_remaining_bytes{${PATH}}`, 'B'))
    .withTarget(column(`servicefabric_imagestore_upload_session:progress:ratio{${PATH}}`, 'C'))
    .withTarget(column(`servicefabric_imagestore_upload_session_age_seconds{${PATH}}`, 'D'))
    .withTarget(column(`servicefabric_imagestore_upload_session:eta_seconds:deriv5m{${PATH}}`, 'E'));
  oneRowPerLabelSet(table, SESSION_LABELS, columns);
  table.span(24).height(10);
  for (const [, title, unit] of columns) table.overrideByName(title, [{ id: 'unit', value: unit }]);

  return [
    table,
    new TimeseriesPanel()
      .title('Remaining bytes')
      .description('Bytes each session still misses (servicefabric_imagestore_upload_session_remaining_bytes); a flat line above 0 is a stall.')
      .datasource(DATASOURCE)
      .withTarget(query(`servicefabric_imagestore_upload_session_remaining_bytes{${PATH}}`, SESSION_LEGEND))
      .unit('bytes')
      .min(0)
      .span(12)
      .height(9),
    new TimeseriesPanel()
      .title('Throughput')
      .description('Bytes received per second, from the 5-minute slope of the remaining bytes; 0 once a session has had no chunk for 2 minutes, and no line for a session that is gone.')
      .datasource(DATASOURCE)
      .withTarget(query(`servicefabric_imagestore_upload_session:throughput_bytes_per_second:deriv5m{${PATH}}`, SESSION_LEGEND))
      .unit('Bps')
      .min(0)
      .span(12)
      .height(9),
  ];
}

function packagesPanels(): Array<Builder<Panel>> {
  // Summed over the shards (each counts the package's files it polls) and the exporter's
  // instances, as the rules' progress ratios are; those drop `instance`, which the dashboard's
  // filter needs, so the panels compute them from the exporter's series.
  const files = (state: string): string => `${BY_PACKAGE} (servicefabric_imagestore_package_files{${CLUSTER}, state="${state}"})`;
  const bytesProgress = `${BY_PACKAGE} (servicefabric_imagestore_package_bytes{${CLUSTER}, state="in_store"}) / (${BY_PACKAGE} (servicefabric_imagestore_package_bytes{${CLUSTER}}) > 0)`;
  const columns: Array<[refId: string, title: string, unit: string, expr: string]> = [
    // A package counting no file (its data is stale: every state reads 0) has no row.
    ['A', 'Files', 'short', `${BY_PACKAGE} (servicefabric_imagestore_package_files{${CLUSTER}}) > 0`],
    ['B', 'Progress', 'percentunit', bytesProgress],
    ['C', 'In store', 'short', files('in_store')],
    ['D', 'Received', 'short', files('received')],
    ['E', 'Uploading', 'short', files('uploading')],
    ['F', 'Absent', 'short', files('absent')],
    ['G', 'Size mismatch', 'short', files('size_mismatch')],
    ['H', 'Last chunk', 's', `time() - max by (${PACKAGE_LABELS.join(', ')}) (servicefabric_imagestore_package_last_modified_timestamp_seconds{${CLUSTER}})`],
  ];
  const table = new TablePanel()
    .title('Packages')
    .description(
      'One row per package (a path file): progress over its bytes in the image store, its files in each state, and the seconds since any of its files last received a chunk (empty while none has a session). ServiceFabricPackageCopyStalled fires for a package with files absent or uploading, others in the store, and nothing moving for 10 minutes.',
    )
    .datasource(DATASOURCE);
  for (const [refId, , , expr] of columns) table.withTarget(column(expr, refId));
  oneRowPerLabelSet(table, { sf_cluster: 'Cluster', package: 'Package', version: 'Version' }, columns);
  table.span(24).height(8);
  for (const [, title, unit] of columns) table.overrideByName(title, [{ id: 'unit', value: unit }]);
  // The progress as a bar over the package's bytes.
  table.overrideByName('Progress', [
    { id: 'custom.cellOptions', value: { type: 'gauge', mode: 'basic' } },
    { id: 'min', value: 0 },
    { id: 'max', value: 1 },
  ]);

  return [
    table,
    new TimeseriesPanel()
      .title('Package progress')
      .description("Each package's bytes in the image store over all its bytes (for a file still uploading, the bytes received so far); a flat line below 100 % is a copy that stopped.")
      .datasource(DATASOURCE)
      .withTarget(query(bytesProgress, PACKAGE_LEGEND))
      .unit('percentunit')
      .min(0)
      .max(1)
      .span(12)
      .height(9),
    new TimeseriesPanel()
      .title('Package files by state')
      .description('Files of each package in each state (servicefabric_imagestore_package_files): uploading, received, in_store, absent, size_mismatch.')
      .datasource(DATASOURCE)
      .withTarget(query(`sum by (sf_cluster, package, version, state) (servicefabric_imagestore_package_files{${CLUSTER}})`, `${PACKAGE_LEGEND} {{state}}`))
      .unit('short')
      .min(0)
      .span(12)
      .height(9),
  ];
}

/** Time to full in the panels: the alert's window, over hours so that one package copy is not a trend. */
const FILL_WINDOW = '6h';

function capacityPanels(): Array<Builder<Panel>> {
  // Per cluster, not per exporter instance: with sharding only shard 0 reports the disk, and an
  // exporter restart (a new instance) would otherwise cut the line in two. The slope is taken over
  // the per-cluster maximum (a subquery), so that it spans restarts as the alert's recording does.
  const perCluster = (metric: string, extra = ''): string => `max by (sf_cluster) (${metric}{${CLUSTER}${extra}})`;
  const available = perCluster('servicefabric_imagestore_disk_available_bytes');
  const capacity = perCluster('servicefabric_imagestore_disk_capacity_bytes');
  const used = (use: string): string => perCluster('servicefabric_imagestore_used_bytes', `, use="${use}"`);
  // Seconds until the free space is gone at the slope of the last 6 hours; none while it is not falling.
  const timeToFull = `${available} / (-deriv(${available}[${FILL_WINDOW}:5m]) > 0)`;
  const columns: Array<[refId: string, title: string, unit: string, expr: string]> = [
    ['A', 'Capacity', 'bytes', capacity],
    ['B', 'Available', 'bytes', available],
    ['C', 'Free', 'percentunit', `${available} / (${capacity} > 0)`],
    ['D', 'Time to full', 's', timeToFull],
    ['E', 'Staging', 'bytes', used('staging')],
    ['F', 'Copy', 'bytes', used('copy')],
    ['G', 'Register', 'bytes', used('register')],
    ['H', 'Metadata', 'bytes', used('metadata')],
  ];
  const table = new TablePanel()
    .title('Image store capacity')
    .description(
      "One row per cluster: the disk of the node that hosts the Image Store Service's primary replica (GetImageStoreInfo), its free space, the time until it is full at the slope of the last 6 hours (empty while it is not falling), and what the image store keeps on it by use. ServiceFabricImageStoreDiskFilling fires below 10 % free or when it runs out within a day.",
    )
    .datasource(DATASOURCE);
  for (const [refId, , , expr] of columns) table.withTarget(column(expr, refId));
  oneRowPerLabelSet(table, { sf_cluster: 'Cluster' }, columns);
  table.span(24).height(6);
  for (const [, title, unit] of columns) table.overrideByName(title, [{ id: 'unit', value: unit }]);
  // Free space as a bar, red below the alert's 10 %.
  table.overrideByName('Free', [
    { id: 'custom.cellOptions', value: { type: 'gauge', mode: 'basic' } },
    { id: 'min', value: 0 },
    { id: 'max', value: 1 },
    {
      id: 'thresholds',
      value: {
        mode: 'absolute',
        steps: [
          { value: null, color: 'red' },
          { value: 0.1, color: 'green' },
        ],
      },
    },
  ]);

  return [
    table,
    new TimeseriesPanel()
      .title('Free space and capacity')
      .description("Free space on the image store's disk against the disk's size, per cluster; deployments fail once it reaches 0.")
      .datasource(DATASOURCE)
      .withTarget(query(available, '{{sf_cluster}} available', 'A'))
      .withTarget(query(capacity, '{{sf_cluster}} capacity', 'B'))
      .unit('bytes')
      .min(0)
      .span(8)
      .height(9),
    new TimeseriesPanel()
      .title('Used by use')
      .description('What the image store keeps on the disk (servicefabric_imagestore_used_bytes): staging (uploads in progress and abandoned sessions until they expire), copy (copied packages not removed), register (registered application type versions), metadata.')
      .datasource(DATASOURCE)
      .withTarget(query(`max by (sf_cluster, use) (servicefabric_imagestore_used_bytes{${CLUSTER}})`, '{{sf_cluster}} {{use}}'))
      .unit('bytes')
      .min(0)
      .span(8)
      .height(9),
    new TimeseriesPanel()
      .title('Time to full')
      .description('Time until the disk is full at the slope of its free space over the last 6 hours; no line while it is not falling. ServiceFabricImageStoreDiskFilling fires below a day.')
      .datasource(DATASOURCE)
      .withTarget(query(timeToFull, '{{sf_cluster}}'))
      .unit('s')
      .min(0)
      .span(8)
      .height(9),
  ];
}

/** Builds the dashboard model: four expanded rows, each followed by its panels. */
export function buildDashboard(): Dashboard {
  const builder = new DashboardBuilder('Service Fabric image-store uploads')
    .uid(DASHBOARD_UID)
    .description('Upload sessions, package copies, image store capacity and poll health from sf-upload-exporter.')
    .tags(['service-fabric', 'sf-upload-exporter'])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('30s')
    .time({ from: 'now-3h', to: 'now' })
    .timezone('browser')
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(labelVariable('job', 'Job', 'servicefabric_exporter_build_info', ''))
    .withVariable(labelVariable('instance', 'Instance', 'servicefabric_exporter_build_info', 'job=~"$job"'))
    .withVariable(labelVariable('sf_cluster', 'Cluster', 'servicefabric_imagestore_poll_success', EXPORTER))
    .withVariable(labelVariable('content_path', 'Content path', 'servicefabric_imagestore_poll_success', `${EXPORTER}, sf_cluster=~"$sf_cluster"`));
  const rows: Array<[title: string, panels: Array<Builder<Panel>>]> = [
    ['Exporter health', exporterHealthPanels()],
    ['Upload sessions', sessionsPanels()],
    ['Packages', packagesPanels()],
    ['Capacity', capacityPanels()],
  ];
  for (const [title, panels] of rows) {
    builder.withRow(new RowBuilder(title));
    for (const panel of panels) builder.withPanel(panel);
  }
  return builder.build();
}
