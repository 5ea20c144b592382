/**
 * A package copied into the simulator the way a copy that dies half way leaves it, end to end: a
 * path file names the package, its version and each file's size (as `paths --package` writes it);
 * the official SDK (npm azure-servicefabric) commits some files, leaves one uploading, sends one
 * whole, and never starts one; an older version's file sits in the store at another size. /metrics
 * shows every state, file count and byte figure of the package.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sfPackage from 'azure-servicefabric';
import { formatPathFile } from '../src/pathfiles/path-file-format.js';
import { startSimulator } from '../src/simulator/server.js';
import { parseExposition, seriesOf } from './helpers/exposition.js';
import { uploadWholeFile } from './helpers/upload.js';
import { startOneCycleExporter } from './helpers/exporter.js';

// A CommonJS package: its default import is module.exports, which carries the named class.
const { ServiceFabricClient } = sfPackage;

const running: Array<{ close(): Promise<void> }> = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).reverse().map((r) => r.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const STORE = 'Store\\VotingApp_1.4.0';
/** The package's files and their sizes in the local package. */
const FILES = {
  manifest: { path: `${STORE}\\ApplicationManifest.xml`, size: 1_234 },
  webExe: { path: `${STORE}\\VotingWebPkg\\Code\\VotingWeb.exe`, size: 250_000 },
  webDll: { path: `${STORE}\\VotingWebPkg\\Code\\VotingWeb.dll`, size: 180_000 },
  dataDll: { path: `${STORE}\\VotingDataPkg\\Code\\VotingData.dll`, size: 300_000 },
  settings: { path: `${STORE}\\VotingDataPkg\\Config\\Settings.xml`, size: 4_321 },
  service: { path: `${STORE}\\VotingDataPkg\\ServiceManifest.xml`, size: 2_048 },
} as const;

describe('package progress end to end, a copy by the official SDK that stopped half way', () => {
  it('counts the files and bytes of each state of the package named by its path file', async () => {
    const sim = await startSimulator();
    running.push(sim);
    const sdk = new ServiceFabricClient(sim.url, { noRetryPolicy: true });

    // Copied and committed; the uploader deleted one session, and left the other (as .NET's does).
    const webExe = await uploadWholeFile(sim.url, FILES.webExe.path, FILES.webExe.size);
    await sdk.commitImageStoreUploadSession(webExe);
    await sdk.deleteImageStoreUploadSession(webExe);
    await sdk.commitImageStoreUploadSession(await uploadWholeFile(sim.url, FILES.webDll.path, FILES.webDll.size));
    // Sent in one request (a small file): in the store without ever having had a session. The
    // generated SDK sends no body, so the stored file is empty: the wrong size for the package.
    await sdk.uploadFile(FILES.manifest.path);
    // Stopped mid-file: 100,000 of 300,000 bytes received.
    await sdk.uploadFileChunk(FILES.dataDll.path, globalThis.crypto.randomUUID(), `bytes 0-99999/${FILES.dataDll.size}`);
    // An earlier version's file at the same path, never replaced by this copy.
    await uploadWholeFile(sim.url, FILES.service.path, 999).then((id) => sdk.commitImageStoreUploadSession(id).then(() => sdk.deleteImageStoreUploadSession(id)));
    // FILES.settings: never started.

    const dir = mkdtempSync(join(tmpdir(), 'sfue-package-'));
    dirs.push(dir);
    writeFileSync(
      join(dir, 'votingapp.yaml'),
      formatPathFile({ package: 'VotingApp', version: '1.4.0', entries: Object.values(FILES).map(({ path, size }) => ({ path, size })) }),
    );
    const exp = await startOneCycleExporter([{ name: 'sim', endpoint: sim.url, contentPaths: [], contentPathFiles: [join(dir, '*.yaml')] }]);
    running.push(exp);

    const series = parseExposition(await (await fetch(`http://${exp.address}/metrics`)).text());
    const figures = (name: string) =>
      Object.fromEntries(seriesOf(series, name).map((s) => [s.labels.state, [s.labels.sf_cluster, s.labels.package, s.labels.version, s.value]]));
    const pkg = (value: number) => ['sim', 'VotingApp', '1.4.0', value];
    expect(figures('servicefabric_imagestore_package_files')).toEqual({
      uploading: pkg(1),
      received: pkg(1),
      in_store: pkg(1),
      absent: pkg(1),
      size_mismatch: pkg(2),
    });
    expect(figures('servicefabric_imagestore_package_bytes')).toEqual({
      uploading: pkg(100_000),
      received: pkg(FILES.webDll.size),
      in_store: pkg(FILES.webExe.size),
      absent: pkg(FILES.settings.size),
      size_mismatch: pkg(FILES.manifest.size + FILES.service.size),
    });
    // The paths' own states agree.
    const stateOf = (path: string): string | undefined =>
      seriesOf(series, 'servicefabric_imagestore_path_state', { content_path: path }).find((s) => s.value === 1)?.labels.state;
    expect(Object.fromEntries(Object.entries(FILES).map(([name, { path }]) => [name, stateOf(path)]))).toEqual({
      manifest: 'in_store',
      webExe: 'in_store',
      webDll: 'received',
      dataDll: 'uploading',
      settings: 'absent',
      service: 'in_store',
    });
  });
});
