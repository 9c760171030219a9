import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setupWorld, type World } from './support/journey.js';

describe('restarting the server', () => {
  let world: World;

  before(async () => {
    world = await setupWorld();
  });
  after(async () => {
    await world?.close();
  });

  const credentialsWork = async (tenantId: string) => {
    const answer = await world.api('POST', `/v1/integrations/demo/tenants/${tenantId}/credentials`);
    assert.equal(answer.status, 200, answer.text);
    assert.match(answer.body.accessKeyId, /^ASIA/);
    return answer.body;
  };

  it('continues a session started before the restart to completion', async () => {
    const created = await world.api('POST', '/v1/integrations/demo/sessions', {
      tenantId: 'before-restart',
      redirectUrl: world.redirectUrl,
    });
    const id = created.body.id;
    const started = await world.api('POST', `/v1/sessions/${id}/start`, {
      accountId: world.tenant.accountId,
    });
    await world.restartServer();
    const after = await world.api('GET', `/v1/sessions/${id}`);
    assert.equal(after.body.status, 'awaiting_stack');
    assert.equal(after.body.templateUrl, started.body.templateUrl);
    await world.createStack(started.body.templateUrl);
    await world.api('POST', `/v1/sessions/${id}/verify`);
    const ended = await world.waitForSession(id);
    assert.equal(ended.status, 'completed', JSON.stringify(ended));
    await credentialsWork('before-restart');
  });

  it('resumes a verification interrupted by a restart', async () => {
    // The new role stays unusable for 2 s, so the restart lands while verification is retrying.
    await world.sandboxAdmin.updateSettings({ iamPropagationMs: 2_000 });
    const created = await world.api('POST', '/v1/integrations/demo/sessions', {
      tenantId: 'mid-verify',
      redirectUrl: world.redirectUrl,
    });
    const id = created.body.id;
    // Its own account: the role name is the same as the first tenant's.
    const { accountId } = await world.sandboxAdmin.createAccount();
    const started = await world.api('POST', `/v1/sessions/${id}/start`, { accountId });
    const stack = await world.createStack(started.body.templateUrl, { accountId });
    assert.equal(stack.status, 201, JSON.stringify(stack.body));
    const verifying = await world.api('POST', `/v1/sessions/${id}/verify`);
    assert.equal(verifying.body.status, 'verifying');
    await world.restartServer();
    assert.equal((await world.server.store.sessions.get(id))?.status, 'verifying');
    const ended = await world.waitForSession(id, undefined, 15_000);
    assert.equal(ended.status, 'completed', JSON.stringify(ended));
    await world.sandboxAdmin.updateSettings({ iamPropagationMs: 300 });
  });

  it('keeps issuing credentials for installs made before the restart', async () => {
    const before = await credentialsWork('before-restart');
    await world.restartServer();
    const after = await credentialsWork('before-restart');
    assert.equal(after.region, before.region);
    const health = await world.api('GET', '/v1/integrations/demo/installs?tenantId=mid-verify');
    assert.equal(health.body.items.length, 1);
  });
});
