import { afterEach, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePathFile } from '../../src/pathfiles/path-file-format.js';
import { runCli } from '../helpers/run-cli.js';

// A tiny application package: manifest, one service package with Code and Config, a file name with a space.
const PACKAGE = fileURLToPath(new URL('../fixtures/package/VotingApp', import.meta.url));

const dirs: string[] = [];

/** A new temporary folder, removed after the test. */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sfue-paths-'));
  dirs.push(dir);
  return dir;
}

/** A manifest naming `name` and `version`. */
const manifest = (name: string, version = '1.0.0'): string =>
  `<ApplicationManifest xmlns="http://schemas.microsoft.com/2011/01/fabric" ApplicationTypeName="${name}" ApplicationTypeVersion="${version}"/>`;

/** What a terminal must never receive from a package: ESC (starts a control sequence) and BEL. */
// eslint-disable-next-line no-control-regex
const TERMINAL_CONTROL = /[\u001b\u0007]/;
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

describe('paths command on a hostile package folder', () => {
  it('does not follow folder links: two links to . end neither the walk nor the list', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.bin'), 'abc');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'b.bin'), 'de');
    symlinkSync('.', join(dir, 'loop'));
    symlinkSync('..', join(dir, 'sub', 'up'));
    const { status, stdout, stderr } = await runCli(['paths', '--package', dir, '--store-path', 'S', '--separator', '/'], { timeoutMs: 15_000 });
    expect(status).toBe(0);
    expect(parsePathFile(stdout).entries).toEqual([
      { path: 'S/a.bin', size: 3 },
      { path: 'S/sub/b.bin', size: 2 },
    ]);
    expect(stderr).toContain('note: 2 entries are not listed:\n');
    expect(stderr).toContain('  loop: a link to a folder (folder links are not followed)\n');
    expect(stderr).toContain('  sub/up: a link to a folder (folder links are not followed)\n');
  });

  it('lists a link to a file inside the package with that file\'s size, and nothing a link outside it leads to', async () => {
    const outside = tempDir();
    writeFileSync(join(outside, 'secret.pem'), 'x'.repeat(50));
    const dir = tempDir();
    writeFileSync(join(dir, 'a.bin'), 'abc');
    symlinkSync('a.bin', join(dir, 'alias.bin'));
    symlinkSync(outside, join(dir, 'etc'));
    symlinkSync(join(outside, 'secret.pem'), join(dir, 'key.pem'));
    symlinkSync(join(dir, 'missing'), join(dir, 'dangling'));
    const { status, stdout, stderr } = await runCli(['paths', '--package', dir, '--store-path', 'S', '--separator', '/']);
    expect(status).toBe(0);
    expect(parsePathFile(stdout).entries).toEqual([
      { path: 'S/a.bin', size: 3 },
      { path: 'S/alias.bin', size: 3 },
    ]);
    expect(stderr).toContain('  etc: a link that leaves the package folder\n');
    expect(stderr).toContain('  key.pem: a link that leaves the package folder\n');
    expect(stderr).toContain('  dangling: a link that cannot be followed (ENOENT)\n');
    expect(stdout).not.toContain('secret');
  });

  it('does not read a manifest that is a link out of the package (to /dev/zero): one line, exit 1', async () => {
    const dir = tempDir();
    symlinkSync('/dev/zero', join(dir, 'ApplicationManifest.xml'));
    const { status, stderr } = await runCli(['paths', '--package', dir], { timeoutMs: 15_000 });
    expect(status).toBe(1);
    expect(stderr).toContain(`error: ${join(dir, 'ApplicationManifest.xml')} is a link that leaves the package folder: not read\n`);
  });

  (process.platform === 'win32' ? it.skip : it)('refuses a manifest that is a FIFO at once rather than wait for a writer', async () => {
    const dir = tempDir();
    execFileSync('mkfifo', [join(dir, 'ApplicationManifest.xml')]);
    const { status, stderr } = await runCli(['paths', '--package', dir], { timeoutMs: 15_000 });
    expect(status).toBe(1);
    expect(stderr).toContain(`error: ${join(dir, 'ApplicationManifest.xml')} is not a regular file: not an application manifest\n`);
  });

  it('follows a manifest link that stays inside the package', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'meta'));
    writeFileSync(join(dir, 'meta', 'manifest.xml'), manifest('LinkedType'));
    symlinkSync(join('meta', 'manifest.xml'), join(dir, 'ApplicationManifest.xml'));
    const { status, stdout } = await runCli(['paths', '--package', dir]);
    expect(status).toBe(0);
    expect(parsePathFile(stdout)).toMatchObject({ package: 'LinkedType', version: '1.0.0' });
  });

  it.each([
    ['an external entity', '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<ApplicationManifest ApplicationTypeName="A" ApplicationTypeVersion="1">&x;</ApplicationManifest>'],
    ['nesting beyond the parser\'s depth', `<ApplicationManifest ApplicationTypeName="A" ApplicationTypeVersion="1">${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</ApplicationManifest>`],
    ['a __proto__ element', '<ApplicationManifest ApplicationTypeName="A" ApplicationTypeVersion="1"><__proto__>x</__proto__></ApplicationManifest>'],
  ])('ends with one line and exit 1 for a manifest with %s, not a stack trace', async (_what, text) => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ApplicationManifest.xml'), text);
    const { status, stdout, stderr } = await runCli(['paths', '--package', dir]);
    expect({ status, stdout }).toEqual({ status: 1, stdout: '' });
    expect(stderr).toMatch(new RegExp(`^error: ${join(dir, 'ApplicationManifest.xml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not (an application manifest this command reads|well-formed XML): [^\n]+\n$`));
  });

  it('prints no ESC or BEL of the application type name, and escapes them in the comment', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ApplicationManifest.xml'), manifest('Evil\u001b]0;pwned\u0007Type', '1.0\u001b[2J'));
    const { status, stdout, stderr } = await runCli(['paths', '--package', dir]);
    expect(stdout + stderr).not.toMatch(TERMINAL_CONTROL);
    // Once the exporter refuses control characters in package names, the command refuses them too.
    if (status === 0) expect(stdout.split('\n')[0]).toBe('# Content paths of an upload of Evil\\u{1b}]0;pwned\\u{7}Type 1.0\\u{1b}[2J; written by sf-upload-exporter paths.');
    else expect(stderr).toMatch(/^error: .* which the exporter would refuse: /);
  });

  it('refuses an application type name or version the exporter would refuse (over 256 characters)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ApplicationManifest.xml'), manifest('A'.repeat(257)));
    const { status, stdout, stderr } = await runCli(['paths', '--package', dir]);
    expect({ status, stdout }).toEqual({ status: 1, stdout: '' });
    expect(stderr).toBe(
      `error: ${join(dir, 'ApplicationManifest.xml')}: its ApplicationTypeName and ApplicationTypeVersion name the package and its version, which the exporter would refuse: package: longer than 256 characters\n`,
    );
    writeFileSync(join(dir, 'ApplicationManifest.xml'), manifest('A'.repeat(256)));
    expect((await runCli(['paths', '--package', dir])).status).toBe(0);
  });
});
