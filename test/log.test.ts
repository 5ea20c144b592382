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
});
