import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SkybridgeError } from '../core/index.js';
import { parseMfaSerial, parseRoleArn, roleArnFor } from './arn.js';
import { parseConnectorConfig } from './connectorConfig.js';

describe('parseRoleArn', () => {
  it('C11: splits a role ARN with a path and keeps the leading zero of the account', () => {
    const arn = 'arn:aws:iam::012345678901:role/integrations/acme/AcmeReadOnly';
    assert.deepEqual(parseRoleArn(arn), {
      partition: 'aws',
      accountId: '012345678901',
      path: '/integrations/acme/',
      roleName: 'AcmeReadOnly',
      arn,
    });
  });

  it('reads a role without a path as path "/"', () => {
    const parts = parseRoleArn('arn:aws-us-gov:iam::111122223333:role/skybridge-connector-role');
    assert.equal(parts.partition, 'aws-us-gov');
    assert.equal(parts.path, '/');
    assert.equal(parts.roleName, 'skybridge-connector-role');
  });

  for (const bad of [
    'arn:aws:iam::12345678901:role/Short',
    'arn:aws:iam::012345678901:user/bob',
    'arn:aws:sts::012345678901:assumed-role/R/s',
    'arn:aws:iam::012345678901:role/',
    'arn:other:iam::012345678901:role/R',
    'arn:aws:iam::012345678901:role/with space',
  ]) {
    it(`refuses ${bad}`, () => {
      assert.throws(
        () => parseRoleArn(bad),
        (e: unknown) => e instanceof SkybridgeError && e.code === 'invalid_role_arn' && e.status === 400,
      );
    });
  }
});

describe('roleArnFor', () => {
  it('builds the ARN from the partition, account, role path and role name', () => {
    const config = parseConnectorConfig({
      bucketName: 'acme',
      rolePath: '/integrations/',
      roleName: 'AcmeRole',
    });
    assert.equal(roleArnFor(config, '012345678901'), 'arn:aws:iam::012345678901:role/integrations/AcmeRole');
    const cn = parseConnectorConfig({ bucketName: 'acme', defaultRegion: 'cn-north-1' });
    assert.equal(
      roleArnFor(cn, '111122223333'),
      'arn:aws-cn:iam::111122223333:role/skybridge-connector-role',
    );
  });

  it('round-trips through parseRoleArn', () => {
    const config = parseConnectorConfig({ bucketName: 'acme', rolePath: '/a/b/', roleName: 'R' });
    const parts = parseRoleArn(roleArnFor(config, '000000000042'));
    assert.deepEqual([parts.accountId, parts.path, parts.roleName], ['000000000042', '/a/b/', 'R']);
  });

  it('refuses an account id that is not 12 digits', () => {
    const config = parseConnectorConfig({ bucketName: 'acme' });
    assert.throws(() => roleArnFor(config, '12345678901'), {
      code: 'invalid_account_id',
      field: 'accountId',
    });
  });
});

describe('parseMfaSerial', () => {
  it('splits a virtual MFA device ARN', () => {
    assert.deepEqual(parseMfaSerial('arn:aws:iam::111122223333:mfa/integration-bot'), {
      partition: 'aws',
      accountId: '111122223333',
      path: '/',
      name: 'integration-bot',
    });
    assert.deepEqual(parseMfaSerial('arn:aws-cn:iam::011122223333:mfa/team/bot'), {
      partition: 'aws-cn',
      accountId: '011122223333',
      path: '/team/',
      name: 'bot',
    });
  });

  it('refuses a user ARN', () => {
    assert.throws(() => parseMfaSerial('arn:aws:iam::111122223333:user/bot'), { code: 'invalid_mfa_serial' });
  });
});
