import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, systemClock } from './clock.js';
import { SkybridgeError } from './errors.js';
import { randomId } from './random.js';

describe('ManualClock', () => {
  it('wakes sleepers only when time passes their deadline', async () => {
    const clock = new ManualClock(1_000);
    const woke: number[] = [];
    void clock.sleep(500).then(() => woke.push(clock.now()));
    void clock.sleep(2_000).then(() => woke.push(clock.now()));
    clock.advance(499);
    await Promise.resolve();
    assert.deepEqual(woke, []);
    clock.advance(1);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(woke, [1_500]);
    assert.equal(clock.waiting, 1);
    clock.set(5_000);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(woke, [1_500, 5_000]);
  });

  it('stops waiting when the signal aborts: the sleeper is gone and the sleep rejects with the reason', async () => {
    const clock = new ManualClock(0);
    const controller = new AbortController();
    const sleeping = clock.sleep(60_000, controller.signal);
    const other = clock.sleep(60_000);
    assert.equal(clock.waiting, 2);
    controller.abort(new Error('cancelled by the caller'));
    await assert.rejects(sleeping, { message: 'cancelled by the caller' });
    assert.equal(clock.waiting, 1, 'only the caller without a signal still waits');
    clock.advance(60_000);
    await other;
    assert.equal(clock.waiting, 0);
  });

  it('rejects at once, without a sleeper, when the signal is already aborted', async () => {
    const clock = new ManualClock(0);
    await assert.rejects(clock.sleep(1_000, AbortSignal.abort()), { name: 'AbortError' });
    await assert.rejects(clock.sleep(0, AbortSignal.abort()), { name: 'AbortError' });
    assert.equal(clock.waiting, 0);
  });
});

describe('systemClock', () => {
  const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

  it('clears its timer when the signal aborts, so an aborted wait holds nothing open', async () => {
    const before = timers();
    const controller = new AbortController();
    const sleeping = systemClock.sleep(600_000, controller.signal);
    assert.equal(timers(), before + 1);
    const started = Date.now();
    controller.abort();
    await assert.rejects(sleeping, { name: 'AbortError' });
    assert.ok(Date.now() - started < 1_000);
    assert.equal(timers(), before, 'the 10-minute timer is cleared');
  });

  it('waits the time asked when nobody aborts', async () => {
    const started = Date.now();
    await systemClock.sleep(20, new AbortController().signal);
    assert.ok(Date.now() - started >= 15);
  });
});

describe('SkybridgeError', () => {
  it('renders the contract error shape with its code and field', () => {
    const error = new SkybridgeError('invalid_field', 'bucketName: must be 3 to 63 characters', {
      status: 400,
      field: 'bucketName',
    });
    assert.deepEqual(JSON.parse(JSON.stringify(error)), {
      error: {
        code: 'invalid_field',
        message: 'bucketName: must be 3 to 63 characters',
        field: 'bucketName',
      },
    });
    assert.equal(error.status, 400);
  });
});

describe('randomId', () => {
  it('carries at least 128 bits and differs between calls', () => {
    const a = randomId();
    const b = randomId();
    assert.notEqual(a, b);
    assert.ok(Buffer.from(a, 'base64url').length >= 16);
  });
});
