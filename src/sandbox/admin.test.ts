import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { type SandboxAdminClient, SandboxAdminError } from './adminClient.js';
import type { RunningSandbox } from './server.js';
import { createAccountWithUser, startTestSandbox, stsClient } from './testing.js';

describe('sandbox admin API', () => {
  let sandbox: RunningSandbox;
  let admin: SandboxAdminClient;

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  before(async () => {
    ({ sandbox, admin } = await startTestSandbox());
  });
  after(() => sandbox.close());
  beforeEach(() => admin.reset());

  it('creates accounts with a given or a random 12-digit id', async () => {
    assert.deepEqual(await call('POST', '/_sandbox/accounts', { accountId: '012345678901' }), {
      status: 201,
      body: { accountId: '012345678901' },
    });
    const random = await call('POST', '/_sandbox/accounts');
    assert.equal(random.status, 201);
    assert.match(random.body.accountId, /^\d{12}$/);
  });

  it('refuses malformed and duplicate account ids', async () => {
    const malformed = await call('POST', '/_sandbox/accounts', { accountId: '12345' });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'invalid_request');
    assert.match(malformed.body.error.message, /accountId must be exactly 12 digits/);
    await admin.createAccount('111122223333');
    const duplicate = await call('POST', '/_sandbox/accounts', { accountId: '111122223333' });
    assert.equal(duplicate.status, 409);
    assert.equal(duplicate.body.error.code, 'account_exists');
    const notJson = await call('POST', '/_sandbox/accounts', '{oops');
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.error.code, 'invalid_json');
  });

  it('creates users with working keys in AWS’s formats', async () => {
    const user = await createAccountWithUser(admin, '111122223333', 'integration-bot');
    assert.equal(user.arn, 'arn:aws:iam::111122223333:user/integration-bot');
    assert.match(user.accessKeyId, /^AKIA[A-Z0-9]{16}$/);
    assert.equal(user.secretAccessKey.length, 40);
    assert.equal((await stsClient(sandbox, user).send(new GetCallerIdentityCommand({}))).Arn, user.arn);

    const duplicate = await call('POST', '/_sandbox/accounts/111122223333/users', {
      userName: 'integration-bot',
    });
    assert.equal(duplicate.status, 409);
    const badName = await call('POST', '/_sandbox/accounts/111122223333/users', { userName: 'has space' });
    assert.equal(badName.status, 400);
    assert.match(badName.body.error.message, /userName/);
    const missingAccount = await call('POST', '/_sandbox/accounts/999999999999/users', { userName: 'x' });
    assert.equal(missingAccount.status, 404);
    assert.equal(missingAccount.body.error.code, 'account_not_found');
  });

  it('creates one virtual MFA device per user', async () => {
    await admin.createAccount('111122223333');
    await admin.createUser('111122223333', 'bot');
    const device = await admin.createMfaDevice('111122223333', 'bot');
    assert.equal(device.serialNumber, 'arn:aws:iam::111122223333:mfa/bot');
    assert.match(device.base32Secret, /^[A-Z2-7]{32}$/);
    const again = await call('POST', '/_sandbox/accounts/111122223333/users/bot/mfa');
    assert.equal(again.status, 409);
    const nobody = await call('POST', '/_sandbox/accounts/111122223333/users/nobody/mfa');
    assert.equal(nobody.status, 404);
    assert.equal(nobody.body.error.code, 'user_not_found');
  });

  it('updates settings partially and refuses invalid ones, naming the field', async () => {
    const updated = await admin.updateSettings({ iamPropagationMs: 2000 });
    assert.deepEqual(updated, {
      iamPropagationMs: 2000,
      stsLatencyMs: 0,
      throttleEvery: 0,
      clockOffsetMs: 0,
      stsDisabledRegions: [],
    });
    assert.deepEqual(await admin.updateSettings({ clockOffsetMs: -5000 }), {
      ...updated,
      clockOffsetMs: -5000,
    });
    const negative = await call('PUT', '/_sandbox/settings', { throttleEvery: -1 });
    assert.equal(negative.status, 400);
    assert.match(negative.body.error.message, /throttleEvery must be >= 0/);
    const unknown = await call('PUT', '/_sandbox/settings', { iamPropagationSeconds: 5 });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.error.message, /unknown field\(s\): iamPropagationSeconds/);
    await assert.rejects(admin.updateSettings({ stsLatencyMs: 1.5 }), (error: unknown) => {
      assert.ok(error instanceof SandboxAdminError);
      assert.equal(error.status, 400);
      return true;
    });
  });

  it('lists accounts with their users, counts calls, and resets everything', async () => {
    const user = await createAccountWithUser(admin, '111122223333', 'bot');
    assert.deepEqual(await admin.listAccounts(), [{ accountId: '111122223333', users: ['bot'], roles: [] }]);
    const sts = stsClient(sandbox, user);
    await sts.send(new GetCallerIdentityCommand({}));
    assert.deepEqual(await admin.stats(), { 'sts:GetCallerIdentity': 1 });
    await admin.resetStats();
    assert.deepEqual(await admin.stats(), {});
    await sts.send(new GetCallerIdentityCommand({}));
    await admin.updateSettings({ stsLatencyMs: 5 });

    const reset = await fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' });
    assert.equal(reset.status, 204);
    assert.deepEqual(await admin.listAccounts(), []);
    assert.deepEqual(await admin.stats(), {});
    assert.equal((await call('GET', '/_sandbox/settings')).body.stsLatencyMs, 0);
    const stale = await sts.send(new GetCallerIdentityCommand({})).catch((error: Error) => error.name);
    assert.equal(stale, 'InvalidClientTokenId');
  });

  it('answers unknown paths and methods with JSON errors', async () => {
    const missing = await call('GET', '/_sandbox/nothing');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'not_found');
    const wrongMethod = await call('DELETE', '/_sandbox/accounts');
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.body.error.code, 'method_not_allowed');
  });
});
