import { describe, expect, it } from '@jest/globals';
import { SessionStore } from '../../src/simulator/store.js';
import { fakeClock } from './helpers.js';

const ID = '2032ac6c-a348-4594-86da-dab0f2bb1ae1';
const OTHER = 'fb2da2b2-7cb4-45d2-a2e6-c4888d205bc5';
const MIN = 60_000;

describe('SessionStore', () => {
  it('creates a session on the first chunk and merges later chunks', () => {
    const store = new SessionStore();
    expect(store.addChunk('a\\f.bin', ID, 0, 9, 100)).toEqual({ ok: true, created: true, changed: true });
    expect(store.addChunk('a\\f.bin', ID, 10, 19, 100)).toEqual({ ok: true, created: false, changed: true });
    const s = store.byId(ID);
    expect(s?.received).toEqual([{ start: 0, end: 19 }]);
    expect(s && store.expectedRanges(s)).toEqual([{ start: 20, end: 99 }]);
  });

  it('rejects an id reused for another path, another size, or a chunk outside the missing ranges', () => {
    const store = new SessionStore();
    store.addChunk('a', ID, 10, 19, 100);
    expect(store.addChunk('b', ID, 0, 9, 100)).toEqual({ ok: false, error: 'id_conflict' });
    expect(store.addChunk('A', ID, 0, 9, 100)).toEqual({ ok: false, error: 'id_conflict' });
    expect(store.addChunk('a', ID, 0, 9, 101)).toEqual({ ok: false, error: 'size_mismatch' });
    expect(store.addChunk('a', ID, 5, 14, 100)).toEqual({ ok: false, error: 'range' });
    // Already received: a re-send is refused as well, whole or in part.
    expect(store.addChunk('a', ID, 10, 19, 100)).toEqual({ ok: false, error: 'range' });
    expect(store.addChunk('a', ID, 12, 15, 100)).toEqual({ ok: false, error: 'range' });
    // Across two missing ranges and the received one between them.
    store.addChunk('a', ID, 30, 39, 100);
    expect(store.addChunk('a', ID, 20, 45, 100)).toEqual({ ok: false, error: 'range' });
  });

  it('moves ModifiedDate only when new bytes are accepted', () => {
    const clock = fakeClock('2024-01-01T00:00:00.000Z');
    const store = new SessionStore({ now: clock.now });
    store.addChunk('p', ID, 0, 9, 100);
    clock.advance(5000);
    store.addChunk('p', ID, 0, 9, 100); // re-send: refused
    store.addChunk('p', ID, 5, 14, 100); // overlap: refused
    store.byPath('p');
    expect(store.byId(ID)?.modifiedMs).toBe(Date.parse('2024-01-01T00:00:00.000Z'));
    store.addChunk('p', ID, 10, 19, 100);
    expect(store.byId(ID)?.modifiedMs).toBe(Date.parse('2024-01-01T00:00:05.000Z'));
    clock.advance(5000);
    store.addChunk('p', ID, 20, 99, 100);
    expect(store.commit(ID)).toBe('ok');
    expect(store.byId(ID)?.modifiedMs).toBe(Date.parse('2024-01-01T00:00:10.000Z'));
  });

  it('expires sessions idle for the timeout on a tick, committed ones included', () => {
    const clock = fakeClock('2024-01-01T00:00:00.000Z');
    const store = new SessionStore({ now: clock.now }); // default 30 min
    store.addChunk('idle', ID, 0, 9, 10);
    store.commit(ID);
    clock.advance(10 * MIN);
    store.addChunk('busy', OTHER, 0, 9, 100);
    clock.advance(20 * MIN - 1);
    expect(store.expire()).toBe(0);
    clock.advance(1);
    expect(store.expire()).toBe(1);
    expect(store.byId(ID)).toBeUndefined();
    expect(store.byId(OTHER)).toBeDefined();
    clock.advance(10 * MIN);
    expect(store.expire()).toBe(1);
    expect(store.size).toBe(0);
  });

  it('matches paths exactly: no folder matching, case and separators matter', () => {
    const store = new SessionStore();
    store.addChunk('Store\\App\\a.dll', ID, 0, 0, 10);
    expect(store.byPath('Store\\App\\a.dll')).toHaveLength(1);
    expect(store.byPath('Store\\App')).toHaveLength(0);
    expect(store.byPath('Store/App/a.dll')).toHaveLength(0);
    expect(store.byPath('store\\app\\a.dll')).toHaveLength(0);
  });

  it('commits only when the chunk bodies add up to the file; a size that does not match fails every time', () => {
    const store = new SessionStore();
    store.addChunk('a', ID, 0, 49, 100, 50);
    store.addChunk('a', ID, 50, 99, 100, 0);
    expect(store.byId(ID)?.receivedBytes).toBe(50);
    expect(store.commit(ID)).toBe('size_mismatch');
    expect(store.commit(ID)).toBe('size_mismatch');
    expect(store.files()).toEqual([]);
    // A first chunk that ends at the file size leaves nothing expected and ranges that are not the file.
    store.addChunk('b', OTHER, 0, 10, 10);
    expect(store.expectedRanges(store.byId(OTHER)!)).toEqual([]);
    expect(store.commit(OTHER)).toBe('bad_ranges');
  });

  it('commits only complete sessions; the file appears under its normalised path and the session stays', () => {
    const store = new SessionStore();
    store.addChunk('apps/web/a.zip', ID, 0, 49, 100);
    expect(store.commit(ID)).toBe('incomplete');
    expect(store.commit(OTHER)).toBe('unknown');
    store.addChunk('apps/web/a.zip', ID, 50, 99, 100);
    expect(store.commit(ID)).toBe('ok');
    expect(store.commit(ID)).toBe('ok');
    expect(store.byPath('apps/web/a.zip')[0]?.committed).toBe(true);
    expect(store.files().map((f) => [f.path, f.size])).toEqual([['apps\\web\\a.zip', 100]]);
    expect(store.list('apps')).toEqual({ exists: true, files: [], folders: [{ path: 'apps\\web', fileCount: 1 }] });
    expect(store.list('nope').exists).toBe(false);
  });

  it('finds, replaces and deletes a stored file whatever the case it is named in, as the Windows store keys it', () => {
    const store = new SessionStore();
    store.putFile('Store/App/A.dll', 10);
    // The file itself, under its own spelling, for a lookup in another case.
    expect(store.list('store\\app\\a.DLL')).toEqual({ exists: true, files: [expect.objectContaining({ path: 'Store\\App\\A.dll', size: 10 })], folders: [] });
    expect(store.list('STORE')).toEqual({ exists: true, files: [], folders: [{ path: 'Store\\App', fileCount: 1 }] });
    // A write in another case replaces it, and the file takes that spelling.
    store.putFile('store\\app\\a.dll', 20);
    expect(store.files().map((f) => [f.path, f.size])).toEqual([['store\\app\\a.dll', 20]]);
    expect(store.deleteContent('STORE\\APP')).toBe(true);
    expect(store.files()).toEqual([]);
  });

  it('lists a folder in key order, each sub-folder once with its file count', () => {
    const store = new SessionStore();
    for (const path of ['pkg\\b.txt', 'Pkg\\Code\\x.dll', 'pkg\\a.txt', 'pkg\\code\\y.dll', 'pkgOther\\z']) store.putFile(path, 1);
    const listing = store.list('PKG');
    expect(listing.files.map((f) => f.path)).toEqual(['pkg\\a.txt', 'pkg\\b.txt']);
    expect(listing.folders).toEqual([{ path: 'Pkg\\Code', fileCount: 2 }]);
  });

  it('a zero-byte session can never complete (ExpectedRanges stays [0,0])', () => {
    const store = new SessionStore();
    expect(store.addChunk('empty', ID, 0, 0, 0).ok).toBe(true);
    const s = store.byId(ID);
    expect(s && store.expectedRanges(s)).toEqual([{ start: 0, end: 0 }]);
    expect(store.commit(ID)).toBe('incomplete');
  });

  it('keeps no bytes: a 100 GB session is a few numbers', () => {
    const store = new SessionStore();
    const size = 100 * 1024 ** 3;
    expect(store.addChunk('big.vhd', ID, 0, size / 2 - 1, size).ok).toBe(true);
    const s = store.byId(ID);
    expect(s && store.expectedRanges(s)).toEqual([{ start: size / 2, end: size - 1 }]);
  });

  it('creates sessions directly for tests, validating input', () => {
    const store = new SessionStore();
    const s = store.putSession({ path: 'x', fileSize: 10, received: [{ start: 0, end: 4 }], sessionId: ID.toUpperCase() });
    expect(s.sessionId).toBe(ID);
    expect(() => store.putSession({ path: 'x', fileSize: 10, received: [{ start: 5, end: 10 }] })).toThrow(/outside/);
    expect(() => store.putSession({ path: 'x', fileSize: 10, sessionId: 'nope' })).toThrow(/invalid session id/);
  });
});
