/**
 * What the API says must be true at every instant: a live health check that sees a removed role,
 * a reconnect that never shows two active installs (nor none), a cancel racing a completion that ends
 * one way or the other with nothing half-written, and anti-forgery tokens that the database never
 * holds. Real server over HTTP, real sandbox, SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { IdentityRecord } from '../src/store/index.js';
import { type Json, offsetClock, setupWorld, type World } from './support/journey.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const database of ['sqlite', 'postgres'] as const)
  describe(`consistency of installs, sessions and health (${database})`, () => {
    let world: World;
    const clock = offsetClock();

    before(async () => {
      world = await setupWorld({ database, clock });
    });
    after(async () => {
      await world?.close();
    });

    /** The tenant's identity as stored (created by `start`, so it exists once a session started). */
    const identityOf = (tenantId: string): Promise<IdentityRecord> =>
      world.server.store.identities.getOrCreate(world.connectorName, tenantId, () => {
        throw new Error(`tenant ${tenantId} has no identity yet`);
      });
    const activeInstalls = async (tenantId: string): Promise<string[]> =>
      (await world.server.store.installs.listByIntegration(world.integration, tenantId)).map((i) => i.id);
    // One AWS account per tenant: each tenant's stack creates the same role name, trusting its own external id.
    const accounts = new Map<string, string>();
    const install = async (tenantId: string, options: { stack?: boolean } = {}) => {
      if (!accounts.has(tenantId))
        accounts.set(tenantId, (await world.sandboxAdmin.createAccount()).accountId);
      return world.installTenant(tenantId, { ...options, accountId: accounts.get(tenantId)! });
    };
    const startSession = async (tenantId: string): Promise<string> => {
      const created = await world.api('POST', '/v1/integrations/demo/sessions', {
        tenantId,
        redirectUrl: world.redirectUrl,
      });
      assert.equal(created.status, 201, created.text);
      const started = await world.api('POST', `/v1/sessions/${created.body.id}/start`, {
        accountId: accounts.get(tenantId),
      });
      assert.equal(started.status, 200, started.text);
      return created.body.id;
    };

    it('sees a role the tenant deleted at once, with at most one AssumeRole per identity per minute', async () => {
      const { installId } = await world.installTenant('health');
      const warm = await world.api('POST', '/v1/integrations/demo/tenants/health/credentials');
      assert.equal(warm.status, 200, 'credentials are cached for the next hour');
      await world.sandboxAdmin.resetStats();

      const first = await world.api('GET', `/v1/installs/${installId}/health`);
      assert.equal(first.status, 200, first.text);
      assert.deepEqual(Object.keys(first.body).sort(), ['checkedAt', 'healthy']);
      assert.equal(first.body.healthy, true);
      assert.ok(Math.abs(Date.parse(first.body.checkedAt) - clock.now()) < 5_000, first.body.checkedAt);
      assert.equal((await world.sandboxAdmin.stats())['sts:AssumeRole'], 1, 'a live check, not the cache');
      const again = await world.api('GET', `/v1/installs/${installId}/health`);
      assert.deepEqual(again.body, first.body, 'within a minute: the last result, with its checkedAt');
      assert.equal((await world.sandboxAdmin.stats())['sts:AssumeRole'], 1, 'no second STS call');

      // The tenant removes the role with its own keys.
      await world.deleteTenantRole(installId);

      clock.advance(61_000);
      const gone = await world.api('GET', `/v1/installs/${installId}/health`);
      assert.equal(gone.status, 200, gone.text);
      assert.equal(gone.body.healthy, false, gone.text);
      assert.equal(gone.body.error.code, 'tenant_access_denied');
      assert.match(gone.body.error.message, /removed .*or its trust policy changed/);
      assert.match(gone.body.error.message, /Reinstall/);
      assert.ok(Date.parse(gone.body.checkedAt) >= Date.parse(first.body.checkedAt) + 60_000);
      assert.equal((await world.sandboxAdmin.stats())['sts:AssumeRole'], 2);

      const identity = (await world.server.store.installs.get(installId))!.identities[0]!.identity;
      assert.equal(identity.healthy, false);
      assert.match(identity.healthError ?? '', /^tenant_access_denied: /);
      assert.equal(identity.checkedAt?.toISOString(), gone.body.checkedAt);
      const audited = await world.server.store.audit.list({ action: 'identity.health_checked' });
      assert.deepEqual(
        audited.filter((e) => e.target === installId).map((e) => [e.actor.split(':')[0], e.details]),
        [
          [
            'api-key',
            {
              identity: identity.id,
              connector: 'awsConnector',
              healthy: false,
              code: 'tenant_access_denied',
            },
          ],
          ['api-key', { identity: identity.id, connector: 'awsConnector', healthy: true }],
        ],
      );
    });

    it('never shows a reconnecting tenant two active installs, nor none', async () => {
      const { installId: first } = await install('rc');
      let done = false;
      const seen = new Map<number, number>();
      // Several readers, as integration code calling getSdkByTenant on many requests at once would be.
      const readers = Array.from({ length: 4 }, async () => {
        while (!done) {
          for (let burst = 0; burst < 5; burst += 1) {
            const count = (await activeInstalls('rc')).length;
            seen.set(count, (seen.get(count) ?? 0) + 1);
          }
          // SQLite answers without I/O: let the server's sockets and timers run between bursts.
          await new Promise((resolve) => setImmediate(resolve));
        }
      });
      try {
        const { installId: second } = await install('rc', { stack: false });
        assert.notEqual(second, first);
      } finally {
        done = true;
        await Promise.all(readers);
      }
      assert.deepEqual([...seen.keys()], [1], `install counts seen: ${JSON.stringify([...seen])}`);
      assert.ok(seen.get(1)! > 20, `readers read throughout (${seen.get(1)} reads)`);
      const credentials = await world.api('POST', '/v1/integrations/demo/tenants/rc/credentials');
      assert.equal(credentials.status, 200, credentials.text);
      const replaced = await world.server.store.audit.list({ action: 'install.replaced' });
      assert.equal(replaced.find((e) => e.target === first)?.details?.by, (await activeInstalls('rc'))[0]);
    });

    it('leaves the identity and installs untouched when a cancel lands just before the completion', async () => {
      await install('cx');
      const installsBefore = await activeInstalls('cx');
      const identityBefore = await identityOf('cx');
      const sessionId = await startSession('cx');
      const installs = world.server.store.installs;
      const create = installs.create.bind(installs);
      let cancelled: Promise<Json> | undefined;
      // The role is verified; before the completion reaches the database, the tenant cancels.
      installs.create = async (input, actor) => {
        if (input.sessionId === sessionId) {
          cancelled = world.api('POST', `/v1/sessions/${sessionId}/cancel`);
          await cancelled;
        }
        return create(input, actor);
      };
      try {
        clock.advance(1_000); // a completion would stamp a later updatedAt/checkedAt
        assert.equal((await world.api('POST', `/v1/sessions/${sessionId}/verify`)).status, 200);
        const ended = await world.waitForSession(sessionId);
        assert.equal(ended.status, 'cancelled', JSON.stringify(ended));
        assert.equal(ended.installId, undefined);
      } finally {
        installs.create = create;
      }
      assert.ok(cancelled, 'the completion reached the store');
      const cancel = await cancelled;
      assert.equal(cancel.status, 200, cancel.text);
      assert.equal(cancel.body.status, 'cancelled');
      assert.deepEqual(await identityOf('cx'), identityBefore, 'the identity is exactly as before');
      assert.deepEqual(await activeInstalls('cx'), installsBefore, 'the earlier install is still the one');
    });

    it('ends a cancel racing the completion either completed and recorded, or cancelled and untouched', async () => {
      await install('race');
      const outcomes: string[] = [];
      for (const delayMs of [0, 20, 60, 150, 400]) {
        const identityBefore = await identityOf('race');
        const installsBefore = await activeInstalls('race');
        const sessionId = await startSession('race');
        clock.advance(1_000);
        assert.equal((await world.api('POST', `/v1/sessions/${sessionId}/verify`)).status, 200);
        await sleep(delayMs);
        const cancel = await world.api('POST', `/v1/sessions/${sessionId}/cancel`);
        const ended = await world.waitForSession(sessionId);
        outcomes.push(ended.status);
        const identity = await identityOf('race');
        if (ended.status === 'completed') {
          assert.equal(cancel.status, 409, cancel.text);
          assert.equal(cancel.body.error.code, 'session_ended');
          assert.deepEqual(await activeInstalls('race'), [ended.installId]);
          assert.ok(identity.checkedAt! > identityBefore.checkedAt!, 'the identity was updated with it');
          assert.equal(identity.roleArn, identityBefore.roleArn);
        } else {
          assert.equal(ended.status, 'cancelled', JSON.stringify(ended));
          assert.equal(cancel.status, 200, cancel.text);
          assert.equal(ended.installId, undefined);
          assert.deepEqual(identity, identityBefore, `delay ${delayMs} ms: the identity is untouched`);
          assert.deepEqual(await activeInstalls('race'), installsBefore);
        }
      }
      assert.ok(outcomes.includes('cancelled'), `outcomes: ${outcomes}`);
    });

    it('keeps the anti-forgery token out of the database while the pages keep accepting it', async () => {
      const created = await world.api('POST', '/v1/integrations/demo/sessions', {
        tenantId: 'pages',
        redirectUrl: world.redirectUrl,
      });
      const id: string = created.body.id;
      const page = await (await fetch(`${world.url}/connect/${id}`)).text();
      const token = /<input type="hidden" name="csrf" value="([^"]+)">/.exec(page)?.[1];
      assert.ok(token && token.length >= 40, 'the page carries a token');
      const again = await (await fetch(`${world.url}/connect/${id}`)).text();
      assert.ok(again.includes(`value="${token}"`), 'the same token on every view of the page');
      assert.equal((await world.storedText()).includes(token), false, 'the token is nowhere in the database');

      const post = (csrf: string) =>
        fetch(`${world.url}/connect/${id}`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ accountId: world.tenant.accountId, region: 'us-east-1', csrf }),
        });
      const forged = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
      assert.equal((await post(forged)).status, 403);
      const accepted = await post(token);
      assert.equal(accepted.status, 303);
      assert.equal((await world.api('GET', `/v1/sessions/${id}`)).body.status, 'awaiting_stack');
    });
  });
