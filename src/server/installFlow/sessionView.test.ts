import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SessionRecord } from '../../store/index.js';
import { redirectTargetFor, toSessionView } from './sessionView.js';

const record = (patch: Partial<SessionRecord>): SessionRecord => ({
  id: 'abc_DEF-123',
  integration: 'demo',
  tenantId: 'acme & co',
  redirectUrl: 'https://app.example/done?from=skybridge',
  status: 'pending',
  createdAt: new Date('2030-01-01T00:00:00Z'),
  updatedAt: new Date('2030-01-01T00:00:00Z'),
  expiresAt: new Date('2030-01-01T01:00:00Z'),
  ...patch,
});

describe('session views', () => {
  it('hide template links once ended', () => {
    const open = toSessionView(
      record({ status: 'awaiting_stack', templateUrl: 'https://t', consoleUrl: 'https://c' }),
      'https://sb.example',
    );
    assert.equal(open.url, 'https://sb.example/connect/abc_DEF-123');
    assert.equal(open.templateUrl, 'https://t');
    assert.equal(open.expiresAt, '2030-01-01T01:00:00.000Z');
    const ended = toSessionView(
      record({ status: 'cancelled', templateUrl: 'https://t', errorCode: 'session_cancelled' }),
      'https://sb.example',
    );
    assert.equal(ended.templateUrl, undefined);
    assert.deepEqual(ended.error, { code: 'session_cancelled', message: 'session_cancelled' });
  });

  it('send the browser back with the install id, or the error code, keeping the app query', () => {
    const base = 'https://sb.example';
    assert.equal(redirectTargetFor(toSessionView(record({ status: 'verifying' }), base)), undefined);
    assert.equal(
      redirectTargetFor(toSessionView(record({ status: 'completed', installId: 'inst_1' }), base)),
      'https://app.example/done?from=skybridge&session=abc_DEF-123&tenantId=acme+%26+co&installId=inst_1',
    );
    assert.equal(
      redirectTargetFor(
        toSessionView(record({ status: 'failed', errorCode: 'external_id_not_enforced' }), base),
      ),
      'https://app.example/done?from=skybridge&session=abc_DEF-123&tenantId=acme+%26+co&error=external_id_not_enforced',
    );
  });
});
