// dependency-cruiser (`npm run depcruise`): the layers of docs/development.md as rules, so that
// data keeps flowing one way. A layer may import the layers below it, never one above.
/** Top to bottom; each entry is one layer's paths. */
const LAYERS = [
  ['main', '^src/(main|cli)[.]ts$'],
  ['wiring', '^src/(exporter[.]ts$|commands/)'],
  ['demo', '^src/demo[.]ts$'],
  ['hosting', '^src/hosting/'],
  ['web', '^src/web/'],
  ['status', '^src/status/'],
  ['metrics', '^src/metrics/'],
  ['pipeline', '^src/pipeline[.]ts$'],
  ['poller', '^src/poller/'],
  ['pathfiles', '^src/pathfiles/'],
  ['model', '^src/model/'],
  ['servicefabric', '^src/servicefabric/'],
  ['config', '^src/config/'],
  ['leaves', '^src/(fsutil/|log[.]ts$|version[.]ts$)'],
];

const upward = LAYERS.flatMap(([name, path], i) =>
  i === 0
    ? []
    : [
        {
          name: `no-upward-from-${name}`,
          comment: `${name} imports only the layers below it (docs/development.md)`,
          severity: 'error',
          from: { path },
          to: { path: LAYERS.slice(0, i).map(([, above]) => above) },
        },
      ],
);

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    { name: 'no-circular', comment: 'no import cycle', severity: 'error', from: {}, to: { circular: true } },
    ...upward,
    {
      name: 'views-read-snapshots',
      comment:
        "metrics, status and web read the snapshot: never the poller, the pipeline or the cluster client; of the client's modules only the data types the snapshot holds (request-errors, session, store-file, image-store-info)",
      severity: 'error',
      from: { path: '^src/(metrics|status|web)/' },
      to: { path: ['^src/pipeline[.]ts$', '^src/poller/(?!snapshot[.]ts$)', '^src/servicefabric/(?!(request-errors|session|store-file|image-store-info)[.]ts$)'] },
    },
    {
      name: 'simulator-stands-alone',
      comment:
        "the simulator is the client's test double and shares no code with it: only the logger and the duration format (a leaf without imports) are shared",
      severity: 'error',
      from: { path: '^src/simulator/' },
      to: { path: '^src/', pathNot: ['^src/simulator/', '^src/log[.]ts$', '^src/config/duration[.]ts$'] },
    },
    {
      name: 'only-entry-points-run-the-simulator',
      comment: 'the exporter reaches the simulator only through the simulate command and the demo',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/simulator/', '^src/cli[.]ts$', '^src/demo[.]ts$'] },
      to: { path: '^src/simulator/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
