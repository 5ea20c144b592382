import { afterEach, describe, expect, it } from '@jest/globals';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePathFile } from '../../src/pathfiles/path-file-format.js';
import { runCli } from '../helpers/run-cli.js';

// A tiny application package: manifest, one service package with Code and Config, a file name with a space.
const PACKAGE = fileURLToPath(new URL('../fixtures/package/VotingApp', import.meta.url));

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('paths command', () => {
  it('lists one content path per file under the store path, joined with \\ as the Windows uploaders do, with sizes, named after the application type', async () => {
    const { status, stdout } = await runCli(['paths', '--package', PACKAGE, '--store-path', '\\Store\\VotingApp_v1\\']);
    expect(status).toBe(0);
    const size = (file: string): number => statSync(join(PACKAGE, file)).size;
    expect(parsePathFile(stdout)).toEqual({
      // ApplicationTypeName and ApplicationTypeVersion of ApplicationManifest.xml.
      package: 'VotingType',
      version: '1.0.0',
      entries: [
        { path: 'Store\\VotingApp_v1\\ApplicationManifest.xml', size: size('ApplicationManifest.xml') },
        { path: 'Store\\VotingApp_v1\\VotingWebPkg\\Code\\Voting Web.Core.dll', size: size('VotingWebPkg/Code/Voting Web.Core.dll') },
        { path: 'Store\\VotingApp_v1\\VotingWebPkg\\Code\\VotingWeb.exe', size: size('VotingWebPkg/Code/VotingWeb.exe') },
        { path: 'Store\\VotingApp_v1\\VotingWebPkg\\Config\\Settings.xml', size: size('VotingWebPkg/Config/Settings.xml') },
        { path: 'Store\\VotingApp_v1\\VotingWebPkg\\ServiceManifest.xml', size: size('VotingWebPkg/ServiceManifest.xml') },
      ],
    });
    expect(stdout.startsWith('# Content paths of an upload of VotingType 1.0.0; written by sf-upload-exporter paths.\n')).toBe(true);
  });

  it('writes a bare list, named after the path file, for a folder without ApplicationManifest.xml, and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfue-paths-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'only.bin'), 'x'.repeat(7));
    const { status, stdout, stderr } = await runCli(['paths', '--package', dir, '--store-path', 'S']);
    expect(status).toBe(0);
    expect(parsePathFile(stdout)).toEqual({ entries: [{ path: 'S\\only.bin', size: 7 }] });
    expect(stderr).toContain('no ApplicationManifest.xml');
  });

  it.each([
    ['not XML', '<ApplicationManifest ApplicationTypeName="A"', 'is not well-formed XML'],
    ['without a version', '<ApplicationManifest xmlns="http://schemas.microsoft.com/2011/01/fabric" ApplicationTypeName="A"/>', 'names no application type'],
  ])('fails naming the manifest when it is %s', async (_what, manifest, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'sfue-paths-'));
    dirs.push(dir);
    cpSync(PACKAGE, dir, { recursive: true });
    writeFileSync(join(dir, 'ApplicationManifest.xml'), manifest);
    const { status, stderr } = await runCli(['paths', '--package', dir]);
    expect(status).toBe(1);
    expect(stderr).toContain(join(dir, 'ApplicationManifest.xml'));
    expect(stderr).toContain(message);
  });

  it('defaults the store path to the package folder name, takes / as separator, and adds an expiry', async () => {
    const before = Date.now();
    const { status, stdout } = await runCli(['paths', '--package', PACKAGE, '--separator', '/', '--expires-in', '2h']);
    expect(status).toBe(0);
    const { entries } = parsePathFile(stdout);
    expect(entries.map((e) => e.path)).toContain('VotingApp/VotingWebPkg/Code/VotingWeb.exe');
    for (const entry of entries) {
      expect(entry.expiresMs).toBeGreaterThanOrEqual(before + 2 * 3_600_000);
      expect(entry.expiresMs).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000);
    }
  });

  it('writes the file atomically with --output-file and leaves no temporary file behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sfue-paths-'));
    dirs.push(dir);
    const out = join(dir, 'voting.yaml');
    const { status, stderr } = await runCli(['paths', '--package', PACKAGE, '--output-file', out]);
    expect(status).toBe(0);
    expect(stderr).toContain('wrote 5 content paths');
    expect(parsePathFile(readFileSync(out, 'utf8')).entries).toHaveLength(5);
    expect(readdirSync(dir)).toEqual(['voting.yaml']);
  });

  it('fails with a message for a missing package folder and a bad separator', async () => {
    const missing = await runCli(['paths', '--package', '/nonexistent/pkg']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('/nonexistent/pkg');
    const separator = await runCli(['paths', '--package', PACKAGE, '--separator', ':']);
    expect(separator.status).not.toBe(0);
    expect(separator.stderr).toContain('--separator');
  });
});
