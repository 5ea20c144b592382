/**
 * BasicAuthenticator and the Authorization header as the listener reads them (web-security.test.ts
 * covers the same through HTTP): who is admitted, who is refused, and what a flood costs.
 */
import { describe, expect, it } from '@jest/globals';
import type { IncomingMessage } from 'node:http';
import bcrypt from 'bcryptjs';
import { BasicAuthenticator, DUMMY_PASSWORD, basicCredentials, dummyCost } from '../../src/web/auth.js';

const PASSWORD = 'correct horse battery staple';
const users = { prometheus: bcrypt.hashSync(PASSWORD, 4), grafana: bcrypt.hashSync('another one', 4) };

const header = (authorization: string | undefined): IncomingMessage => ({ headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage;
const basic = (text: string): string => `Basic ${Buffer.from(text).toString('base64')}`;

describe('basicCredentials', () => {
  it('reads user and password, the password up to the end and colons included', () => {
    expect(basicCredentials(header(basic('prometheus:a:b:c')))).toEqual({ user: 'prometheus', password: 'a:b:c' });
    expect(basicCredentials(header(basic(':')))).toEqual({ user: '', password: '' });
    expect(basicCredentials(header(basic('ünïcode:pässword')))).toEqual({ user: 'ünïcode', password: 'pässword' });
    // The scheme is case-insensitive; whitespace around the token is allowed, as in Go.
    expect(basicCredentials(header(`bAsIc   ${Buffer.from('u:p').toString('base64')}  `))).toEqual({ user: 'u', password: 'p' });
  });

  it('finds no credentials without the header, in another scheme, without a colon, or in anything but strict base64', () => {
    for (const value of [
      undefined,
      '',
      'Basic',
      `Bearer ${Buffer.from('u:p').toString('base64')}`,
      `Basic${Buffer.from('u:p').toString('base64')}`,
      basic('no colon here'),
      `Basic ${Buffer.from('u:p').toString('base64')}=`,
      `Basic ${Buffer.from('u:pw').toString('base64').replace(/=+$/, '')}`,
      'Basic dTpw!!!!',
      `x Basic ${Buffer.from('u:p').toString('base64')}`,
    ]) {
      expect({ value, credentials: basicCredentials(header(value)) }).toEqual({ value, credentials: undefined });
    }
  });
});

describe('dummyCost', () => {
  it('is the highest cost among the hashes, whichever bcrypt prefix each has, so an unknown user costs what the dearest known one does', () => {
    const hash = (prefix: string, cost: string): string => `${prefix}${cost}$${'a'.repeat(53)}`;
    expect(dummyCost({ a: hash('$2y$', '12'), b: hash('$2b$', '04') })).toBe(12);
    expect(dummyCost({ a: hash('$2a$', '05'), b: hash('$2x$', '07'), c: hash('$2$', '11') })).toBe(11);
    expect(dummyCost({ a: hash('$2y$', '31') })).toBe(31);
    expect(dummyCost({ a: hash('$2y$', '09'), b: hash('$2y$', '10') })).toBe(10);
  });
});

describe('BasicAuthenticator', () => {
  it('admits a known user with the right password only', async () => {
    const auth = new BasicAuthenticator();
    expect(await auth.verify(users, 'prometheus', PASSWORD, 'a')).toEqual({ result: 'ok' });
    expect(await auth.verify(users, 'prometheus', 'wrong', 'a')).toEqual({ result: 'denied' });
    expect(await auth.verify(users, 'grafana', PASSWORD, 'a')).toEqual({ result: 'denied' });
    expect(await auth.verify(users, 'Prometheus', PASSWORD, 'a')).toEqual({ result: 'denied' });
  });

  it('refuses an unknown user whatever the password, the dummy hash\'s own included', async () => {
    const auth = new BasicAuthenticator();
    auth.warm(users);
    expect(await auth.verify(users, 'mallory', DUMMY_PASSWORD, 'a')).toEqual({ result: 'denied' });
    expect(await auth.verify(users, 'mallory', PASSWORD, 'a')).toEqual({ result: 'denied' });
    // Names of Object.prototype are no users either.
    expect(await auth.verify(users, 'constructor', DUMMY_PASSWORD, 'a')).toEqual({ result: 'denied' });
    expect(await auth.verify(users, '__proto__', DUMMY_PASSWORD, 'a')).toEqual({ result: 'denied' });
  });

  it('checks against the hashes passed in, so a changed file takes effect at once', async () => {
    const auth = new BasicAuthenticator();
    expect(await auth.verify(users, 'prometheus', PASSWORD, 'a')).toEqual({ result: 'ok' });
    const rotated = { prometheus: bcrypt.hashSync('rotated', 4) };
    expect(await auth.verify(rotated, 'prometheus', PASSWORD, 'a')).toEqual({ result: 'denied' });
    expect(await auth.verify(rotated, 'prometheus', 'rotated', 'a')).toEqual({ result: 'ok' });
  });

  it('answers throttled past the failed-attempt budget, per client, with the wait in whole seconds', async () => {
    const auth = new BasicAuthenticator({ budget: { capacity: 2, refillMs: 2500, maxClients: 10 } });
    expect(await auth.verify(users, 'prometheus', 'guess 1', 'a')).toEqual({ result: 'denied' });
    expect(await auth.verify(users, 'mallory', 'guess 2', 'a')).toEqual({ result: 'denied' });
    // The same wrong password again is still a failed attempt, though its check is cached.
    expect(await auth.verify(users, 'prometheus', 'guess 1', 'a')).toEqual({ result: 'throttled', retryAfterSeconds: 3 });
    expect(await auth.verify(users, 'prometheus', PASSWORD, 'a')).toEqual({ result: 'throttled', retryAfterSeconds: 3 });
    // Another client has its own budget.
    expect(await auth.verify(users, 'prometheus', 'guess 1', 'b')).toEqual({ result: 'denied' });
    expect(await auth.verify(users, 'prometheus', PASSWORD, 'b')).toEqual({ result: 'ok' });
  });

  it('gives the attempt back on success, so a client that logs in right never runs out', async () => {
    const auth = new BasicAuthenticator({ budget: { capacity: 1, refillMs: 60_000, maxClients: 10 } });
    for (let i = 0; i < 3; i++) expect(await auth.verify(users, 'grafana', 'another one', 'a')).toEqual({ result: 'ok' });
    expect(await auth.verify(users, 'grafana', 'wrong', 'a')).toEqual({ result: 'denied' });
    expect(await auth.verify(users, 'grafana', 'wrong again', 'a')).toMatchObject({ result: 'throttled' });
  });

  it('admits credentials verified before even when their client has used up its budget', async () => {
    const auth = new BasicAuthenticator({ budget: { capacity: 1, refillMs: 60_000, maxClients: 10 } });
    expect(await auth.verify(users, 'prometheus', PASSWORD, 'shared-nat')).toEqual({ result: 'ok' });
    expect(await auth.verify(users, 'prometheus', 'flood', 'shared-nat')).toEqual({ result: 'denied' });
    expect(await auth.verify(users, 'prometheus', 'flood 2', 'shared-nat')).toMatchObject({ result: 'throttled' });
    expect(await auth.verify(users, 'prometheus', PASSWORD, 'shared-nat')).toEqual({ result: 'ok' });
  });

  it('answers throttled at once, without queueing, when too many checks already wait', async () => {
    const auth = new BasicAuthenticator({ budget: { capacity: 1000, refillMs: 1000, maxClients: 10_000 } });
    const verdicts = await Promise.all(Array.from({ length: 40 }, (_, i) => auth.verify(users, 'prometheus', `wrong ${i}`, `client-${i}`)));
    const throttled = verdicts.filter((v) => v.result === 'throttled');
    // One check runs, sixteen wait; the rest are refused with a one-second wait.
    expect(verdicts.filter((v) => v.result === 'denied')).toHaveLength(17);
    expect(throttled).toHaveLength(23);
    expect(throttled.every((v) => v.result === 'throttled' && v.retryAfterSeconds === 1)).toBe(true);
    // A refusal for a full queue is not charged to the client: one with a budget of one still gets its check.
    const tight = new BasicAuthenticator({ budget: { capacity: 1, refillMs: 60_000, maxClients: 10 } });
    const queued = await Promise.all(Array.from({ length: 30 }, (_, i) => tight.verify(users, 'prometheus', `w ${i}`, `c-${i}`)));
    expect(queued.filter((v) => v.result === 'throttled')).toHaveLength(13);
    expect(await tight.verify(users, 'prometheus', PASSWORD, 'c-29')).toEqual({ result: 'ok' });
  });
});
