import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, type RandomSource, systemClock } from '../core/index.js';
import { backoffDelay, randomFraction, retryWithBackoff } from './retry.js';

/** Random bytes all equal to `byte`: 0x00 gives the fraction 0, 0x80 one half, 0xff almost 1. */
const constantRandom = (byte: number): RandomSource => ({ bytes: (count) => Buffer.alloc(count, byte) });

/** Lets pending promise callbacks run (ManualClock sleepers register asynchronously). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('backoffDelay', () => {
  it('doubles the ceiling each retry up to the cap (full jitter spans 0 to the ceiling)', () => {
    const high = constantRandom(0xff);
    const policy = { baseMs: 100, capMs: 1_000 };
    const delays = [0, 1, 2, 3, 4, 10].map((retry) => Math.round(backoffDelay(retry, policy, high)));
    assert.deepEqual(delays, [100, 200, 400, 800, 1000, 1000]);
    assert.equal(backoffDelay(3, policy, constantRandom(0)), 0);
  });

  it('with equal jitter never waits less than half the ceiling', () => {
    const policy = { baseMs: 1_000, capMs: 10_000, jitter: 'equal' as const };
    assert.equal(backoffDelay(0, policy, constantRandom(0)), 500);
    assert.equal(backoffDelay(5, policy, constantRandom(0)), 5_000);
    assert.equal(Math.round(backoffDelay(5, policy, constantRandom(0xff))), 10_000);
  });

  it('draws fractions uniformly in [0, 1)', () => {
    assert.equal(randomFraction(constantRandom(0x80)), 0x80808080 / 0x1_0000_0000);
    assert.ok(randomFraction(constantRandom(0xff)) < 1);
  });
});

describe('retryWithBackoff', () => {
  it('retries retryable failures on the injected clock and returns the first success', async () => {
    const clock = new ManualClock(0);
    const attempts: number[] = [];
    const running = retryWithBackoff(
      async (attempt) => {
        attempts.push(attempt);
        if (attempt < 3) throw Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
        return 'ok';
      },
      {
        maxAttempts: 5,
        backoff: { baseMs: 100, capMs: 1_000 },
        clock,
        random: constantRandom(0xff),
        shouldRetry: (error) => (error as Error).name === 'Throttling',
      },
    );
    await settle();
    assert.deepEqual(attempts, [1]);
    assert.equal(clock.waiting, 1);
    clock.advance(100);
    await settle();
    assert.deepEqual(attempts, [1, 2]);
    clock.advance(200);
    assert.equal(await running, 'ok');
    assert.deepEqual(attempts, [1, 2, 3]);
  });

  it('stops at maxAttempts and throws the last failure as it was', async () => {
    let calls = 0;
    const failure = new Error('still throttled');
    await assert.rejects(
      retryWithBackoff(
        async () => {
          calls++;
          throw failure;
        },
        {
          maxAttempts: 3,
          backoff: { baseMs: 0, capMs: 0 },
          clock: new ManualClock(0),
          random: constantRandom(0),
          shouldRetry: () => true,
        },
      ),
      (error) => error === failure,
    );
    assert.equal(calls, 3);
  });

  it('does not retry a failure shouldRetry refuses', async () => {
    let calls = 0;
    await assert.rejects(
      retryWithBackoff(
        async () => {
          calls++;
          throw new Error('AccessDenied');
        },
        {
          maxAttempts: 5,
          backoff: { baseMs: 0, capMs: 0 },
          clock: new ManualClock(0),
          random: constantRandom(0),
          shouldRetry: () => false,
        },
      ),
      /AccessDenied/,
    );
    assert.equal(calls, 1);
  });
});

describe('retryWithBackoff with a signal', () => {
  it('stops waiting between attempts when the signal aborts, on a ManualClock nobody advances', async () => {
    const clock = new ManualClock(0);
    const controller = new AbortController();
    let calls = 0;
    const retrying = retryWithBackoff(
      async () => {
        calls++;
        throw new Error('Throttling');
      },
      {
        maxAttempts: 5,
        backoff: { baseMs: 60_000, capMs: 60_000, jitter: 'equal' },
        clock,
        random: constantRandom(0x80),
        shouldRetry: () => true,
        signal: controller.signal,
      },
    );
    await settle();
    assert.equal(clock.waiting, 1, 'waits on the clock before attempt 2');
    controller.abort(new Error('client went away'));
    await assert.rejects(retrying, /client went away/);
    assert.equal(clock.waiting, 0, 'the wait is gone from the clock, not left to hang');
    assert.equal(calls, 1);
  });

  it('on the system clock, leaves no timer behind once aborted, so nothing holds the process open', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    const controller = new AbortController();
    const retrying = retryWithBackoff(
      async () => {
        throw new Error('Throttling');
      },
      {
        maxAttempts: 5,
        backoff: { baseMs: 600_000, capMs: 600_000, jitter: 'equal' },
        clock: systemClock,
        random: constantRandom(0x80),
        shouldRetry: () => true,
        signal: controller.signal,
      },
    );
    await settle();
    assert.equal(timers(), before + 1, 'the wait holds one timer');
    controller.abort(new Error('verification cancelled'));
    await assert.rejects(retrying, /verification cancelled/);
    assert.equal(timers(), before, 'the timer went with the wait');
  });
});
