import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from './clock.js';
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
