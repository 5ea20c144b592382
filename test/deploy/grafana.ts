// @grafana/data is imported as ESM (its dist/esm build). That build imports named exports from
// CommonJS packages (`import { tz } from 'moment-timezone'`): Node's own ESM loader refuses them,
// jest's (--experimental-vm-modules) evaluates the CommonJS module and offers all its keys, so this
// works under jest, which is all it is for. Its CommonJS build is no way out: it require()s
// ESM-only packages (marked, @react-hookz/web), which jest cannot require before Node 24.9.
import {
  FieldType,
  getFieldDisplayName,
  standardTransformers,
  standardTransformersRegistry,
  transformDataFrame,
  type DataFrame,
  type DataTransformerConfig,
  type Field,
} from '@grafana/data';

let registered = false;

/** Registers @grafana/data's standard transformations, as Grafana does at start-up. */
function registerTransformers(): void {
  if (registered) return;
  registered = true;
  // One entry per transformation: standardTransformers also lists joinByField under its old name.
  const unique = new Map(Object.values(standardTransformers).map((info) => [info.id, info]));
  standardTransformersRegistry.setInit(() =>
    [...unique.values()].map((info) => ({
      id: info.id,
      aliasIds: info.aliasIds,
      name: info.name,
      description: info.description,
      defaultOptions: info.defaultOptions,
      transformation: () => Promise.resolve(info),
      // The editor and its pictures are Grafana's UI; nothing here renders them.
      editor: () => null,
      imageDark: '',
      imageLight: '',
    })),
  );
  // transformDataFrame reads window.__grafanaSceneContext to tell a Scenes dashboard from an older
  // one; there is no window in Node, and without a scene context it interpolates template
  // variables in the options, which these options do not use.
  (globalThis as { window?: object }).window ??= {};
}

/** Runs a panel's transformation list through Grafana's own transformations. */
export async function transform(transformations: DataTransformerConfig[], frames: DataFrame[]): Promise<DataFrame[]> {
  registerTransformers();
  return new Promise((resolve, reject) => {
    const subscription = transformDataFrame(transformations, frames).subscribe({
      next: (result) => {
        resolve(result);
        // Unsubscribing inside next would run before subscribe() returns on a synchronous source.
        queueMicrotask(() => subscription.unsubscribe());
      },
      error: reject,
    });
  });
}

/** One instant-query answer of Prometheus's HTTP API, `GET /api/v1/query`. */
export interface InstantAnswer {
  readonly status: string;
  readonly data: { readonly resultType: string; readonly result: ReadonlyArray<{ metric: Record<string, string>; value: [number, string] }> };
}

/** A Prometheus sample value as Grafana parses it (`+Inf`, `-Inf`, `NaN` included). */
function sampleValue(text: string): number {
  if (/^[+-]?inf(?:inity)?$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  return parseFloat(text);
}

/**
 * The frames Grafana's Prometheus data source hands a panel's transformations for table-format
 * instant queries (transformDFToTable in its result_transformer.ts): one frame per query, with a
 * Time column in milliseconds, one string column per label of any of its series in name order
 * (`__name__` included when the series have one; '' where a series lacks the label), and the value
 * column, named `Value #<refId>` when the panel has more than one query.
 */
export function tableFrames(answers: ReadonlyArray<{ refId: string; answer: InstantAnswer }>): DataFrame[] {
  return answers.map(({ refId, answer }) => {
    const series = answer.data.result;
    const labels = [...new Set(series.flatMap((s) => Object.keys(s.metric)))].sort();
    const fields: Field[] = [
      { name: 'Time', type: FieldType.time, config: {}, values: series.map((s) => s.value[0] * 1000) },
      ...labels.map((label) => ({
        name: label,
        type: label === 'le' ? FieldType.number : FieldType.string,
        config: { filterable: true },
        values: series.map((s) => s.metric[label] ?? ''),
      })),
      {
        name: answers.length > 1 ? `Value #${refId}` : 'Value',
        type: FieldType.number,
        config: {},
        values: series.map((s) => sampleValue(s.value[1])),
      },
    ];
    return { refId, fields, length: series.length };
  });
}

/** The column titles a table panel shows for a frame: its fields' display names (`organize` renames through them). */
export function columnsOf(frame: DataFrame): string[] {
  return frame.fields.map((f) => getFieldDisplayName(f, frame));
}

/** A frame as rows of column title → value, for assertions. */
export function rowsOf(frame: DataFrame): Array<Record<string, unknown>> {
  const columns = columnsOf(frame);
  return Array.from({ length: frame.length }, (_, i) => Object.fromEntries(frame.fields.map((f, c) => [columns[c], f.values[i]])));
}
