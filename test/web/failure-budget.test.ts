import { describe, expect, it } from '@jest/globals';
import { FailureBudget } from '../../src/web/failure-budget.js';

function budget(capacity = 3, maxClients = 100): { budget: FailureBudget; advance: (ms: number) => void } {
  let now = 0;
  return { budget: new FailureBudget({ capacity, refillMs: 1000, maxClients, now: () => now }), advance: (ms) => (now += ms) };
}

describe('FailureBudget', () => {
  it('allows `capacity` failed attempts at once, then says how long until the next one', () => {
    const { budget: b, advance } = budget();
    expect([b.take('a'), b.take('a'), b.take('a'), b.take('a')]).toEqual([0, 0, 0, 1000]);
    advance(400);
    expect(b.take('a')).toBe(600);
    advance(600);
    expect([b.take('a'), b.take('a')]).toEqual([0, 1000]);
  });

  it('keeps clients apart, never refills past capacity, and gives back a refunded attempt', () => {
    const { budget: b, advance } = budget();
    for (let i = 0; i < 3; i++) b.take('a');
    expect(b.take('b')).toBe(0);
    advance(60_000);
    expect([b.take('a'), b.take('a'), b.take('a'), b.take('a')]).toEqual([0, 0, 0, 1000]);
    b.refund('a');
    expect(b.take('a')).toBe(0);
  });

  it('forgets the client seen longest ago when it holds too many', () => {
    const { budget: b } = budget(1, 2);
    b.take('a');
    b.take('b');
    b.take('a');
    // 'b' is now the least recently seen: a third client pushes it out, and it starts afresh.
    b.take('c');
    expect(b.take('a')).toBe(1000);
    expect(b.take('b')).toBe(0);
  });
});
