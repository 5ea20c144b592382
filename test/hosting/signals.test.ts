import { describe, expect, it, jest } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { onReloadSignals, waitForShutdown, type SignalSource } from '../../src/hosting/signals.js';
import { captureLog } from '../helpers/log-capture.js';

function source(): SignalSource & EventEmitter {
  return new EventEmitter() as SignalSource & EventEmitter;
}

describe('stopping and reloading on signals', () => {
  // Service Fabric stops a guest executable with CTRL_C_EVENT, which Node raises as SIGINT on Windows.
  it.each([
    ['win32', 'SIGINT'],
    ['win32', 'SIGBREAK'],
    ['win32', 'SIGHUP'],
    ['linux', 'SIGTERM'],
    ['linux', 'SIGINT'],
  ] as const)('on %s, %s stops: close runs once, the exit code is 0, and the signal is logged', async (platform, signal) => {
    const events = source();
    const { logger, entries } = captureLog();
    const close = jest.fn(async () => undefined);
    const stopped = waitForShutdown(close, { logger, platform, source: events });
    events.emit(signal, signal);
    events.emit(signal, signal);
    expect(await stopped).toBe(0);
    expect(close).toHaveBeenCalledTimes(1);
    expect(entries()).toContainEqual(expect.objectContaining({ msg: 'shutting down', signal }));
    expect(entries()).toContainEqual(expect.objectContaining({ msg: 'stopped' }));
  });

  it('on Linux, SIGHUP reloads and does not stop; on Windows it does not reload', async () => {
    const linux = source();
    const reload = jest.fn();
    const off = onReloadSignals(reload, { platform: 'linux', source: linux });
    const { logger } = captureLog();
    const close = jest.fn(async () => undefined);
    void waitForShutdown(close, { logger, platform: 'linux', source: linux });
    linux.emit('SIGHUP', 'SIGHUP');
    expect(reload).toHaveBeenCalledWith('SIGHUP');
    expect(close).not.toHaveBeenCalled();
    off();
    expect(linux.listenerCount('SIGHUP')).toBe(0);

    const windows = source();
    const windowsReload = jest.fn();
    onReloadSignals(windowsReload, { platform: 'win32', source: windows });
    windows.emit('SIGHUP', 'SIGHUP');
    expect(windowsReload).not.toHaveBeenCalled();
  });

  it('exits 1 when closing fails, and leaves no stop listener behind', async () => {
    const events = source();
    const { logger, entries } = captureLog();
    const stopped = waitForShutdown(async () => Promise.reject(new Error('socket stuck')), { logger, platform: 'win32', source: events });
    events.emit('SIGINT', 'SIGINT');
    expect(await stopped).toBe(1);
    expect(entries()).toContainEqual(expect.objectContaining({ msg: 'error during shutdown' }));
    for (const signal of ['SIGINT', 'SIGBREAK', 'SIGHUP', 'SIGTERM']) expect(events.listenerCount(signal)).toBe(0);
  });
});
