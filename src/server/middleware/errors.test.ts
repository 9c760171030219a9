import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { SkybridgeError } from '../../core/index.js';
import { errorBody } from './errors.js';

describe('errorBody', () => {
  it('keeps a SkybridgeError code, status and field', () => {
    const error = new SkybridgeError('session_ended', 'This session expired.', { status: 409, field: 'id' });
    assert.deepEqual(errorBody(error, 'req_1'), {
      status: 409,
      body: { error: { code: 'session_ended', message: 'This session expired.', field: 'id' } },
    });
  });

  it('turns a zod error into 400 invalid_request naming the field', () => {
    const parsed = z
      .object({ tenantId: z.string().max(3, 'must be at most 3 characters') })
      .safeParse({ tenantId: 'long' });
    assert.equal(parsed.success, false);
    const { status, body } = errorBody(parsed.error, 'req_1');
    assert.equal(status, 400);
    assert.deepEqual(body.error, {
      code: 'invalid_request',
      message: 'tenantId: must be at most 3 characters',
      field: 'tenantId',
    });
  });

  it('hides an unknown error behind internal_error with the request id', () => {
    const { status, body } = errorBody(new Error('password=hunter2 leaked by a library'), 'req_42');
    assert.equal(status, 500);
    assert.equal(body.error.code, 'internal_error');
    assert.equal(body.error.requestId, 'req_42');
    assert.equal(JSON.stringify(body).includes('hunter2'), false);
  });
});
