import { describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import { createLogger } from '../src/log.js';

function capture(): { stream: Writable; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

describe('createLogger', () => {
  it('writes JSON lines with the level as a word and an ISO time', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream });
    log.info({ sf_cluster: 'a' }, 'hello');
    const line = JSON.parse(out.lines()[0] ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', msg: 'hello', sf_cluster: 'a' });
    expect(String(line.time)).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('drops lines below the configured level', () => {
    const out = capture();
    const log = createLogger({ level: 'warn', destination: out.stream });
    log.info('quiet');
    log.warn('loud');
    expect(out.lines()).toHaveLength(1);
    expect(out.lines()[0]).toContain('loud');
  });

  it('writes one human-readable line per entry in logfmt format', () => {
    const out = capture();
    const log = createLogger({ format: 'logfmt', destination: out.stream });
    log.info({ content_path: 'a\\b' }, 'polled');
    const lines = out.lines();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('INFO');
    expect(lines[0]).toContain('polled');
    expect(() => JSON.parse(lines[0] ?? '')).toThrow();
  });

  it('keeps an entry on one line in logfmt format whatever its text holds, escaping control characters', () => {
    const out = capture();
    const log = createLogger({ format: 'logfmt', destination: out.stream });
    // As a cluster could word a FabricError: a newline followed by what looks like a log entry.
    const forged = 'E_FAIL\n[2026-01-01 00:00:00.000 +0000] ERROR: forged entry\r\u2028\u202e';
    log.warn({ fabric_code: forged, err: new Error('multi\nline') }, `poll failed: ${forged}`);
    log.info('next');
    const lines = out.lines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('poll failed: E_FAIL\\n[2026-01-01 00:00:00.000 +0000] ERROR: forged entry');
    expect(lines[0]).not.toMatch(/[\r\u2028\u202e]/);
    expect(lines[0]).toContain('multi\\nline');
    expect(lines[1]).toContain('next');
  });
});
