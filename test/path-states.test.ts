/**
 * Every watched file has a state, end to end: files uploaded to the simulator with the official
 * SDK (npm azure-servicefabric), some committed, one still uploading, one sent whole without a
 * session, one never started; the exporter's /metrics shows each path's state, and the simulator's
 * request counts show which paths were looked up in the store and when.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import sfPackage from 'azure-servicefabric';
import type { Exporter } from '../src/exporter.js';
import { startSimulator } from '../src/simulator/server.js';
import { parseExposition, seriesOf, valueOf } from './helpers/exposition.js';
import { uploadWholeFile } from './helpers/upload.js';
import { startOneCycleExporter } from './helpers/exporter.js';

// A CommonJS package: its default import is module.exports, which carries the named class.
const { ServiceFabricClient } = sfPackage;

const running: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).reverse().map((r) => r.close()));
});

const FILE_SIZE = 300_000;
const CHUNK = 100_000;

/** The package's files, as `Copy-ServiceFabricApplicationPackage` names them under the store folder. */
const PATHS = {
  committed: 'Store\\VotingApp\\VotingWebPkg\\Code\\VotingWeb.dll',
  received: 'Store\\VotingApp\\VotingWebPkg\\Code\\VotingWeb.exe',
  uploading: 'Store\\VotingApp\\VotingDataPkg\\Code\\VotingData.dll',
  whole: 'Store\\VotingApp\\ApplicationManifest.xml',
  never: 'Store\\VotingApp\\VotingDataPkg\\Config\\Settings.xml',
  // The committed file, as another tool spells it: the store holds it under one key.
  respelled: 'store/votingapp/votingwebpkg/code/VOTINGWEB.DLL',
  broken: 'Store\\VotingApp\\VotingWebPkg\\ServiceManifest.xml',
} as const;

async function statesOn(exp: Exporter): Promise<Record<string, Record<string, number>>> {
  const res = await fetch(`http://${exp.address}/metrics`);
  expect(res.status).toBe(200);
  const series = parseExposition(await res.text());
  const out: Record<string, Record<string, number>> = {};
  for (const s of seriesOf(series, 'servicefabric_imagestore_path_state')) {
    const path = s.labels.content_path as string;
    out[path] = { ...out[path], [s.labels.state as string]: s.value };
  }
  // The failing lookup, read from the same scrape: counted for the cluster, not as the path's failed poll.
  out.failures = {
    poll_success: valueOf(series, 'servicefabric_imagestore_poll_success', { content_path: PATHS.broken }),
    poll_fabric_error: valueOf(series, 'servicefabric_imagestore_poll_failures_total', { content_path: PATHS.broken, reason: 'fabric_error' }),
    lookup_fabric_error: valueOf(series, 'servicefabric_imagestore_store_lookup_failures_total', { sf_cluster: 'sim', reason: 'fabric_error' }),
  };
  return out;
}

const state = (current: 'uploading' | 'received' | 'in_store' | 'absent' | undefined): Record<string, number> =>
  Object.fromEntries(['uploading', 'received', 'in_store', 'absent'].map((s) => [s, s === current ? 1 : 0]));

describe('path states end to end, uploads by the official SDK', () => {
  it('shows uploading, received, in_store and absent on /metrics, and looks up only the paths without a session', async () => {
    const sim = await startSimulator();
    running.push(sim);
    const sdk = new ServiceFabricClient(sim.url, { noRetryPolicy: true });

    // Committed, and its session deleted: only the store knows the file now.
    const committed = await uploadWholeFile(sim.url, PATHS.committed, FILE_SIZE);
    await sdk.commitImageStoreUploadSession(committed);
    await sdk.deleteImageStoreUploadSession(committed);
    // Committed, its session left as the .NET uploader leaves it (visible, nothing missing).
    await sdk.commitImageStoreUploadSession(await uploadWholeFile(sim.url, PATHS.received, FILE_SIZE));
    // Still uploading: the SDK's chunks for the first two thirds of the file.
    const uploading = globalThis.crypto.randomUUID();
    await sdk.uploadFileChunk(PATHS.uploading, uploading, `bytes 0-${CHUNK - 1}/${FILE_SIZE}`);
    await sdk.uploadFileChunk(PATHS.uploading, uploading, `bytes ${CHUNK}-${2 * CHUNK - 1}/${FILE_SIZE}`);
    // Sent in one request, as small files are: no session at any time.
    await sdk.uploadFile(PATHS.whole);
    // The store's listing fails for one path (its GetUploadSession answers).
    sim.faults.add({ kind: 'status', path: PATHS.broken, status: 503, code: 'FABRIC_E_SERVICE_TOO_BUSY', operations: ['ListContent'] });

    const exp = await startOneCycleExporter([{ name: 'sim', endpoint: sim.url, contentPaths: Object.values(PATHS) }]);
    running.push(exp);

    expect(await statesOn(exp)).toEqual({
      [PATHS.committed]: state('in_store'),
      [PATHS.received]: state('received'),
      [PATHS.uploading]: state('uploading'),
      [PATHS.whole]: state('in_store'),
      [PATHS.never]: state('absent'),
      [PATHS.respelled]: state('in_store'),
      // Unknown: every state at 0, the lookup's failure counted for the cluster, and the poll
      // itself successful (its GetUploadSession answered).
      [PATHS.broken]: state(undefined),
      failures: { poll_success: 1, poll_fabric_error: 0, lookup_fabric_error: 1 },
    });
    // One GetUploadSession per path; lookups only for the five paths without a session, the two
    // spellings of one file in VotingWebPkg\Code answered by one listing of that folder.
    expect(sim.requestCounts()).toMatchObject({ GetUploadSessionByPath: 7, ListContent: 4 });

    // The next cycle asks the store again only about the absent path and the one whose lookup
    // failed; the upload goes on and the failing listing recovers meanwhile.
    await sdk.uploadFileChunk(PATHS.uploading, uploading, `bytes ${2 * CHUNK}-${FILE_SIZE - 1}/${FILE_SIZE}`);
    sim.faults.clear();
    await exp.poller.tick();
    expect(sim.requestCounts()).toMatchObject({ GetUploadSessionByPath: 14, ListContent: 6 });
    const next = await statesOn(exp);
    expect(next[PATHS.uploading]).toEqual(state('received'));
    expect(next[PATHS.broken]).toEqual(state('absent'));
    expect(next[PATHS.committed]).toEqual(state('in_store'));
  });
});
