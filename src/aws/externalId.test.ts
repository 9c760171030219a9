import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RandomSource } from '../core/index.js';
import { generateExternalId, isValidExternalId } from './externalId.js';

describe('generateExternalId (C8)', () => {
  it('C8: gives 1,000 different ids, each within the STS charset and length', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const id = generateExternalId();
      assert.match(id, /^[A-Za-z0-9+=,.@:/_-]{2,1224}$/);
      assert.ok(isValidExternalId(id));
      ids.add(id);
    }
    assert.equal(ids.size, 1000);
  });

  it('C8: draws at least 128 bits from the injected random source', () => {
    const requested: number[] = [];
    const fixed: RandomSource = {
      bytes: (count) => {
        requested.push(count);
        return Buffer.alloc(count, 0xab);
      },
    };
    const id = generateExternalId(fixed);
    assert.ok(requested.length === 1 && requested[0]! * 8 >= 128, `asked for ${requested} bytes`);
    assert.equal(id, `skybridge-${Buffer.alloc(requested[0]!, 0xab).toString('base64url')}`);
    assert.equal(generateExternalId(fixed), id);
  });

  it('C8: refuses "tenant 42", "x" and other values STS would refuse', () => {
    assert.equal(isValidExternalId('tenant 42'), false);
    assert.equal(isValidExternalId('x'), false);
    assert.equal(isValidExternalId('x'.repeat(1225)), false);
    assert.equal(isValidExternalId('a:b/c@d.e,f=g+h_i-j'), true);
  });
});
