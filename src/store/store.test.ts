import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EngineStore, MemoryEngineStore, parseConnectorConfig } from '../aws/index.js';
import { isSkybridgeError, ManualClock } from '../core/index.js';
import type { Store } from './records.js';
import { createStoreTarget, STORE_DIALECTS, type StoreTarget } from './storeTestTargets.js';

const START = Date.parse('2026-03-01T12:00:00.000Z');

const connectorInput = {
  type: 'aws',
  roleName: 'skybridge-connector-role',
  stackName: 'skybridge-connector',
  bucketName: 'acme-skybridge-templates',
  bucketPrefix: 'templates',
  iam: {
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    otpSecret: 'JBSWY3DPEHPK3PXP',
    mfaSerial: 'arn:aws:iam::111122223333:mfa/skybridge',
  },
};
const connectorConfig = parseConnectorConfig(connectorInput);

/** The same script of engine calls; its answers must match between the memory and SQL stores. */
async function engineScript(engine: EngineStore): Promise<unknown[]> {
  const serial = `arn:aws:iam::111122223333:mfa/script-${Math.random()}`;
  const lease = `refresh:${Math.random()}`;
  const answers: unknown[] = [];
  answers.push(await engine.lastTotpStep(serial));
  answers.push(await engine.claimTotpStep(serial, 100));
  answers.push(await engine.claimTotpStep(serial, 100));
  answers.push(await engine.claimTotpStep(serial, 99));
  answers.push(await engine.claimTotpStep(serial, 101));
  answers.push(await engine.lastTotpStep(serial));
  answers.push(await engine.tryAcquireLease(lease, 'a', 1_000, 10_000));
  answers.push(await engine.tryAcquireLease(lease, 'b', 1_000, 10_500));
  answers.push(await engine.tryAcquireLease(lease, 'a', 1_000, 10_600)); // renew by its holder
  answers.push(await engine.tryAcquireLease(lease, 'b', 1_000, 11_599)); // still held (until 11_600)
  answers.push(await engine.tryAcquireLease(lease, 'b', 1_000, 11_600)); // expired exactly now
  await engine.releaseLease(lease, 'a'); // not a's any more: no effect
  answers.push(await engine.tryAcquireLease(lease, 'a', 1_000, 11_700));
  await engine.releaseLease(lease, 'b');
  answers.push(await engine.tryAcquireLease(lease, 'a', 1_000, 11_700));
  const key = `tenant:${Math.random()}`;
  const credentials = {
    accessKeyId: 'ASIAEXAMPLE',
    secretAccessKey: 'tenant-secret',
    sessionToken: 'tenant-token',
    expiration: START + 3_600_000,
    mfa: true,
  };
  answers.push(await engine.getTenantCredentials(key));
  await engine.putTenantCredentials(key, credentials);
  answers.push(await engine.getTenantCredentials(key));
  answers.push(await engine.getBaseSession(key)); // base and tenant caches are separate
  await engine.putTenantCredentials(key, {
    ...credentials,
    accessKeyId: 'ASIANEWER',
    expiration: START + 7_200_000,
  });
  answers.push(await engine.getTenantCredentials(key));
  await engine.deleteTenantCredentials(key);
  answers.push(await engine.getTenantCredentials(key));
  await engine.putBaseSession(key, {
    accessKeyId: 'ASIABASE',
    secretAccessKey: 'base-secret',
    expiration: START,
  });
  answers.push(await engine.getBaseSession(key));
  await engine.deleteBaseSession(key);
  answers.push(await engine.getBaseSession(key));
  return answers;
}

for (const dialect of STORE_DIALECTS) {
  describe(`store on ${dialect}`, () => {
    let target: StoreTarget;
    let store: Store;
    const clock = new ManualClock(START);

    before(async () => {
      target = await createStoreTarget(dialect);
      store = await target.open({ clock });
    });

    after(async () => {
      await store?.close();
      await target?.dispose();
    });

    it('reports its dialect', () => {
      assert.equal(store.dialect, dialect);
    });

    it('runs migrations once: a second open sees the same data and applies nothing', async () => {
      await store.audit.record({ actor: 'test', action: 'migration.probe', target: 'one' });
      const second = await target.open({ clock });
      try {
        const probes = await second.audit.list({ action: 'migration.probe' });
        assert.deepEqual(
          probes.map((p) => p.target),
          ['one'],
        );
      } finally {
        await second.close();
      }
    });

    it('refuses to open with a master key other than the one the database was created with', async () => {
      await assert.rejects(
        target.open({ clock, masterKey: Buffer.alloc(32, 9).toString('hex') }),
        (error: unknown) => isSkybridgeError(error) && error.code === 'master_key_mismatch',
      );
    });

    describe('connectors', () => {
      it('round-trips a configuration with its secrets, keeping createdAt on update', async () => {
        const created = await store.connectors.put('acme', connectorConfig, 'admin:key1');
        assert.deepEqual(created.config, connectorConfig);
        assert.equal(created.createdAt.getTime(), START);
        assert.deepEqual((await store.connectors.get('acme'))?.config, connectorConfig);

        clock.advance(1_000);
        const changed = parseConnectorConfig({
          ...connectorInput,
          bucketPrefix: 'v2',
          iam: {
            accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
            secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
          },
        });
        const updated = await store.connectors.put('acme', changed, 'admin:key1');
        assert.equal(updated.createdAt.getTime(), START);
        assert.equal(updated.updatedAt.getTime(), START + 1_000);
        const read = await store.connectors.get('acme');
        assert.equal(read?.config.bucketPrefix, 'v2');
        assert.deepEqual(read?.config, changed);
        assert.equal(read?.config.iam.otpSecret, undefined);
        assert.equal(read?.config.iam.secretAccessKey, 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
      });

      it('stores a configuration without secrets and lists connectors by name', async () => {
        // No IAM keys: the SDK's default provider chain supplies the base credentials.
        const plain = parseConnectorConfig({ type: 'aws', bucketName: 'zeta-templates' });
        assert.equal(plain.iam.secretAccessKey, undefined);
        await store.connectors.put('zeta', plain, 'admin');
        assert.deepEqual((await store.connectors.get('zeta'))?.config, plain);
        assert.equal(await store.connectors.get('missing'), undefined);
        const names = (await store.connectors.list()).map((c) => c.name);
        assert.deepEqual(names, ['acme', 'zeta']);
      });
    });

    describe('integrations', () => {
      it('round-trips connectors and redirect URLs, and updates in place', async () => {
        const input = { connectors: { awsConnector: 'acme' }, redirectUrls: ['https://app.example/done'] };
        const created = await store.integrations.put('s3-sample', input, 'admin');
        assert.deepEqual(created.connectors, { awsConnector: 'acme' });
        assert.deepEqual(created.redirectUrls, ['https://app.example/done']);
        await store.integrations.put(
          's3-sample',
          { ...input, redirectUrls: ['https://a.example', 'https://b.example'] },
          'admin',
        );
        const read = await store.integrations.get('s3-sample');
        assert.deepEqual(read?.redirectUrls, ['https://a.example', 'https://b.example']);
        assert.equal(read?.createdAt.getTime(), created.createdAt.getTime());
        assert.deepEqual(
          (await store.integrations.list()).map((i) => i.name),
          ['s3-sample'],
        );
        assert.equal(await store.integrations.get('nope'), undefined);
      });
    });

    describe('sessions', () => {
      const base = {
        integration: 's3-sample',
        tenantId: 'tenant-1',
        redirectUrl: 'https://app.example/done',
      };

      it('creates a pending session and reads it back', async () => {
        const expiresAt = new Date(clock.now() + 3_600_000);
        const created = await store.sessions.create({ ...base, id: 'sess-create', expiresAt });
        assert.equal(created.status, 'pending');
        assert.equal(created.expiresAt.getTime(), expiresAt.getTime());
        assert.equal(created.accountId, undefined);
        assert.deepEqual(await store.sessions.get('sess-create'), created);
        await assert.rejects(
          store.sessions.create({ ...base, id: 'sess-create', expiresAt }),
          (error: unknown) =>
            isSkybridgeError(error) && error.code === 'session_exists' && error.status === 409,
        );
      });

      it('transitions only from the expected statuses, and clears fields set to undefined', async () => {
        await store.sessions.create({ ...base, id: 'sess-cas', expiresAt: new Date(clock.now() + 60_000) });
        assert.equal(
          await store.sessions.transition('sess-cas', ['verifying'], { status: 'completed' }),
          undefined,
        );
        assert.equal(
          await store.sessions.transition('no-such-session', ['pending'], { status: 'failed' }),
          undefined,
        );
        clock.advance(5);
        const started = await store.sessions.transition('sess-cas', ['pending'], {
          status: 'awaiting_stack',
          accountId: '012345678901',
          region: 'eu-west-1',
          templateKey: 'templates/sess-cas.yaml',
          templateUrl: 'https://bucket.s3.amazonaws.com/templates/sess-cas.yaml',
          consoleUrl: 'https://console.aws.amazon.com/cloudformation/home',
          errorCode: 'previous_error',
        });
        assert.equal(started?.status, 'awaiting_stack');
        assert.equal(started?.accountId, '012345678901');
        assert.equal(started?.updatedAt.getTime(), clock.now());
        const verifying = await store.sessions.transition('sess-cas', ['awaiting_stack'], {
          status: 'verifying',
          verifyAttempts: 3,
          verifyStartedAt: new Date(clock.now()),
          errorCode: undefined,
        });
        assert.equal(verifying?.errorCode, undefined);
        assert.equal(verifying?.region, 'eu-west-1');
        assert.equal(verifying?.verifyAttempts, 3);
        assert.equal(verifying?.verifyStartedAt?.getTime(), clock.now());
        assert.deepEqual((await store.sessions.get('sess-cas'))?.errorCode, undefined);
      });

      it('lets exactly one of two concurrent transitions from verifying to completed win', async () => {
        for (let round = 0; round < 5; round++) {
          const id = `sess-race-${round}`;
          await store.sessions.create({ ...base, id, expiresAt: new Date(clock.now() + 60_000) });
          await store.sessions.transition(id, ['pending'], { status: 'verifying' });
          const results = await Promise.all([
            store.sessions.transition(id, ['verifying'], { status: 'completed', installId: 'install-a' }),
            store.sessions.transition(id, ['verifying'], { status: 'completed', installId: 'install-b' }),
          ]);
          const winners = results.filter((r) => r !== undefined);
          assert.equal(winners.length, 1);
          assert.equal((await store.sessions.get(id))?.installId, winners[0]?.installId);
        }
      });

      it('derives each anti-forgery token from the session id, stores none, and checks it exactly', async () => {
        await store.sessions.create({ ...base, id: 'sess-csrf', expiresAt: new Date(clock.now() + 60_000) });
        await store.sessions.create({
          ...base,
          id: 'sess-csrf-2',
          expiresAt: new Date(clock.now() + 60_000),
        });
        const token = store.sessions.csrfToken('sess-csrf');
        assert.match(token, /^[A-Za-z0-9_-]{43}$/, 'HMAC-SHA256, base64url');
        assert.equal(store.sessions.csrfToken('sess-csrf'), token, 'the same token each time');
        assert.notEqual(store.sessions.csrfToken('sess-csrf-2'), token);
        assert.equal(await store.sessions.checkCsrf('sess-csrf', token), true);
        assert.equal(await store.sessions.checkCsrf('sess-csrf-2', token), false, "another session's token");
        assert.equal(await store.sessions.checkCsrf('sess-csrf', `${token}x`), false);
        assert.equal(await store.sessions.checkCsrf('sess-csrf', token.slice(0, -1)), false);
        assert.equal(await store.sessions.checkCsrf('sess-csrf', ''), false);
        assert.equal(await store.sessions.checkCsrf('sess-csrf', undefined), false);
        assert.equal(await store.sessions.checkCsrf('no-such-session', token), false);
        assert.equal(JSON.stringify(await store.sessions.get('sess-csrf')).includes(token), false);
      });

      it('counts sessions by status with every status present', async () => {
        const all = await store.sessions.listByStatus([
          'pending',
          'awaiting_stack',
          'verifying',
          'completed',
          'failed',
          'cancelled',
          'expired',
        ]);
        const expected: Record<string, number> = {
          pending: 0,
          awaiting_stack: 0,
          verifying: 0,
          completed: 0,
          failed: 0,
          cancelled: 0,
          expired: 0,
        };
        for (const session of all) expected[session.status] = (expected[session.status] ?? 0) + 1;
        assert.ok(all.length >= 5, `sessions were created before (${all.length})`);
        assert.deepEqual(await store.sessions.countByStatus(), expected);
        await store.sessions.create({ ...base, id: 'sess-count', expiresAt: new Date(clock.now() + 60_000) });
        await store.sessions.transition('sess-count', ['pending'], { status: 'failed' });
        const after = await store.sessions.countByStatus();
        assert.equal(after.failed, expected.failed! + 1);
        assert.equal(after.pending, expected.pending);
      });

      it('lists expirable sessions (not ended, expiresAt <= now) and sessions by status', async () => {
        const now = clock.now();
        await store.sessions.create({ ...base, id: 'exp-due', expiresAt: new Date(now - 1) });
        await store.sessions.create({ ...base, id: 'exp-now', expiresAt: new Date(now) });
        await store.sessions.create({ ...base, id: 'exp-later', expiresAt: new Date(now + 1) });
        await store.sessions.create({ ...base, id: 'exp-ended', expiresAt: new Date(now - 10) });
        await store.sessions.transition('exp-ended', ['pending'], {
          status: 'cancelled',
          endedAt: new Date(now),
        });
        const expirable = (await store.sessions.listExpirable(new Date(now))).map((s) => s.id);
        assert.ok(expirable.includes('exp-due'));
        assert.ok(expirable.includes('exp-now'));
        assert.ok(!expirable.includes('exp-later'));
        assert.ok(!expirable.includes('exp-ended'));
        const cancelled = await store.sessions.listByStatus(['cancelled']);
        assert.deepEqual(
          cancelled.map((s) => s.id),
          ['exp-ended'],
        );
        assert.equal(cancelled[0]?.endedAt?.getTime(), now);
        assert.deepEqual(await store.sessions.listByStatus([]), []);
      });
    });

    describe('identities', () => {
      it('keeps the external id on the second call (reconnect)', async () => {
        let calls = 0;
        const make = () => {
          calls += 1;
          return { id: `identity-${calls}`, externalId: `external-${calls}` };
        };
        const first = await store.identities.getOrCreate('acme', 'tenant-r', make);
        const second = await store.identities.getOrCreate('acme', 'tenant-r', make);
        assert.equal(first.externalId, 'external-1');
        assert.deepEqual(second, first);
        assert.equal(calls, 1);
        const other = await store.identities.getOrCreate('other-connector', 'tenant-r', make);
        assert.notEqual(other.externalId, first.externalId);
      });

      it('creates one identity per (connector, tenant) even when called concurrently', async () => {
        let n = 0;
        const results = await Promise.all(
          Array.from({ length: 8 }, () =>
            store.identities.getOrCreate('acme', 'tenant-concurrent', () => {
              n += 1;
              return { id: `concurrent-${n}`, externalId: `concurrent-external-${n}` };
            }),
          ),
        );
        assert.equal(new Set(results.map((r) => r.id)).size, 1);
        assert.equal(new Set(results.map((r) => r.externalId)).size, 1);
        assert.deepEqual(await store.identities.get(results[0]!.id), results[0]);
      });

      it('updates fields, including health, and clears fields set to undefined', async () => {
        const identity = await store.identities.getOrCreate('acme', 'tenant-u', () => ({
          id: 'identity-u',
          externalId: 'external-u',
        }));
        clock.advance(10);
        const updated = await store.identities.update(identity.id, {
          accountId: '012345678901',
          region: 'us-east-1',
          roleArn: 'arn:aws:iam::012345678901:role/skybridge-connector-role',
          templateVersion: '1',
          healthy: false,
          healthError: 'AccessDenied',
          checkedAt: new Date(clock.now()),
        });
        assert.equal(updated.accountId, '012345678901');
        assert.equal(updated.healthy, false);
        assert.equal(updated.checkedAt?.getTime(), clock.now());
        assert.equal(updated.updatedAt.getTime(), clock.now());
        const healed = await store.identities.update(identity.id, { healthy: true, healthError: undefined });
        assert.equal(healed.healthy, true);
        assert.equal(healed.healthError, undefined);
        assert.equal(healed.roleArn, 'arn:aws:iam::012345678901:role/skybridge-connector-role');
        await assert.rejects(
          store.identities.update('missing', { healthy: true }),
          (error: unknown) => isSkybridgeError(error) && error.code === 'identity_not_found',
        );
      });
    });

    describe('installs', () => {
      it('creates with linked identities, lists active ones, and soft-deletes', async () => {
        const a = await store.identities.getOrCreate('acme', 'tenant-i', () => ({
          id: 'ident-ia',
          externalId: 'ext-ia',
        }));
        const b = await store.identities.getOrCreate('acme', 'tenant-j', () => ({
          id: 'ident-ib',
          externalId: 'ext-ib',
        }));
        const one = await store.installs.create(
          {
            id: 'inst-1',
            integration: 'sample',
            tenantId: 'tenant-i',
            sessionId: 's1',
            identities: { awsConnector: a.id },
          },
          'session:s1',
        );
        assert.equal(one.status, 'active');
        assert.deepEqual(one.identities, [{ alias: 'awsConnector', identity: a }]);
        clock.advance(1);
        await store.installs.create(
          {
            id: 'inst-2',
            integration: 'sample',
            tenantId: 'tenant-j',
            sessionId: 's2',
            identities: { awsConnector: b.id },
          },
          'session:s2',
        );
        clock.advance(1);
        await store.installs.create(
          {
            id: 'inst-3',
            integration: 'sample',
            tenantId: 'tenant-i',
            sessionId: 's3',
            identities: { awsConnector: a.id },
          },
          'session:s3',
        );

        const ids = async (tenant?: string) =>
          (await store.installs.listByIntegration('sample', tenant)).map((i) => i.id);
        assert.deepEqual(await ids(), ['inst-1', 'inst-2', 'inst-3']);
        assert.deepEqual(await ids('tenant-i'), ['inst-1', 'inst-3']);
        assert.deepEqual(await store.installs.listByIntegration('other'), []);

        clock.advance(1);
        assert.equal(await store.installs.delete('inst-1', 'admin'), true);
        assert.equal(await store.installs.delete('inst-1', 'admin'), false);
        assert.equal(await store.installs.delete('no-such-install', 'admin'), false);
        assert.deepEqual(await ids('tenant-i'), ['inst-3']);
        const deleted = await store.installs.get('inst-1');
        assert.equal(deleted?.status, 'deleted');
        assert.equal(deleted?.deletedAt?.getTime(), clock.now());
        assert.equal(deleted?.identities[0]?.identity.externalId, 'ext-ia');
        assert.equal(await store.installs.get('missing'), undefined);
      });

      it('completes a reconnect in one transaction: session, identity, new install, old one replaced', async () => {
        const identity = await store.identities.getOrCreate('acme', 'tenant-rc', () => ({
          id: 'ident-rc',
          externalId: 'ext-rc',
        }));
        const input = {
          integration: 'sample',
          tenantId: 'tenant-rc',
          identities: { awsConnector: identity.id },
        };
        await store.installs.create({ ...input, id: 'inst-rc-1', sessionId: 'sess-rc-1' }, 'install-flow');
        await store.sessions.create({
          integration: 'sample',
          redirectUrl: 'https://app.example/done',
          tenantId: 'tenant-rc',
          id: 'sess-rc-2',
          expiresAt: new Date(clock.now() + 60_000),
        });
        await store.sessions.transition('sess-rc-2', ['pending'], { status: 'verifying' });
        clock.advance(3);
        const created = await store.installs.create(
          {
            ...input,
            id: 'inst-rc-2',
            sessionId: 'sess-rc-2',
            replaces: ['inst-rc-1'],
            identityPatches: {
              [identity.id]: { accountId: '000000000042', roleArn: 'arn:aws:iam::000000000042:role/r' },
            },
            session: { from: ['verifying'], patch: { status: 'completed', installId: 'inst-rc-2' } },
          },
          'install-flow',
        );
        assert.equal(created.identities[0]?.identity.accountId, '000000000042');
        assert.deepEqual(
          (await store.installs.listByIntegration('sample', 'tenant-rc')).map((i) => i.id),
          ['inst-rc-2'],
        );
        assert.equal((await store.installs.get('inst-rc-1'))?.deletedAt?.getTime(), clock.now());
        const session = await store.sessions.get('sess-rc-2');
        assert.equal(session?.status, 'completed');
        assert.equal(session?.installId, 'inst-rc-2');
        const replaced = await store.audit.list({ action: 'install.replaced' });
        assert.deepEqual(
          replaced.map((e) => [e.target, e.actor, e.details]),
          [['inst-rc-1', 'install-flow', { integration: 'sample', tenantId: 'tenant-rc', by: 'inst-rc-2' }]],
        );
        assert.equal((await store.audit.list({ action: 'install.created' }))[0]?.target, 'inst-rc-2');
      });

      it('two sessions of one tenant completing at once leave exactly one active install (replaceOthers)', async () => {
        const identity = await store.identities.getOrCreate('acme', 'tenant-twin', () => ({
          id: 'ident-twin',
          externalId: 'ext-twin',
        }));
        await store.installs.create(
          {
            id: 'inst-twin-0',
            integration: 'sample',
            tenantId: 'tenant-twin',
            sessionId: 'sess-twin-0',
            identities: { awsConnector: identity.id },
          },
          'install-flow',
        );
        for (const n of [1, 2]) {
          await store.sessions.create({
            integration: 'sample',
            redirectUrl: 'https://app.example/done',
            tenantId: 'tenant-twin',
            id: `sess-twin-${n}`,
            expiresAt: new Date(clock.now() + 60_000),
          });
          await store.sessions.transition(`sess-twin-${n}`, ['pending'], { status: 'verifying' });
        }
        // Both read the same "previous" list before either commits, as two server instances would.
        const previous = (await store.installs.listByIntegration('sample', 'tenant-twin')).map((i) => i.id);
        const complete = (n: number) =>
          store.installs.create(
            {
              id: `inst-twin-${n}`,
              integration: 'sample',
              tenantId: 'tenant-twin',
              sessionId: `sess-twin-${n}`,
              identities: { awsConnector: identity.id },
              replaces: previous,
              replaceOthers: true,
              identityPatches: { [identity.id]: { accountId: `00000000004${n}` } },
              session: { from: ['verifying'], patch: { status: 'completed', installId: `inst-twin-${n}` } },
            },
            'install-flow',
          );
        const [one, two] = await Promise.all([complete(1), complete(2)]);
        const active = (await store.installs.listByIntegration('sample', 'tenant-twin')).map((i) => i.id);
        assert.equal(active.length, 1, `active: ${active.join(', ')}`);
        // The later one replaced the earlier one (and the original), whichever committed first.
        const [first, second] = one.replaced.includes('inst-twin-2') ? [two, one] : [one, two];
        assert.deepEqual(first.replaced, ['inst-twin-0']);
        assert.deepEqual(second.replaced, [first.id]);
        assert.deepEqual(active, [second.id]);
      });

      it('…and so do two completions linking different identities (the connector changed between sessions)', async () => {
        const identities = await Promise.all(
          ['old', 'new'].map((name) =>
            store.identities.getOrCreate(`conn-${name}`, 'tenant-swap', () => ({
              id: `ident-swap-${name}`,
              externalId: `ext-swap-${name}`,
            })),
          ),
        );
        for (const n of [1, 2]) {
          await store.sessions.create({
            integration: 'sample',
            redirectUrl: 'https://app.example/done',
            tenantId: 'tenant-swap',
            id: `sess-swap-${n}`,
            expiresAt: new Date(clock.now() + 60_000),
          });
          await store.sessions.transition(`sess-swap-${n}`, ['pending'], { status: 'verifying' });
        }
        const complete = (n: number) => {
          const identity = identities[n - 1]!;
          return store.installs.create(
            {
              id: `inst-swap-${n}`,
              integration: 'sample',
              tenantId: 'tenant-swap',
              sessionId: `sess-swap-${n}`,
              identities: { awsConnector: identity.id },
              replaceOthers: true,
              identityPatches: { [identity.id]: { accountId: `00000000005${n}` } },
              session: { from: ['verifying'], patch: { status: 'completed', installId: `inst-swap-${n}` } },
            },
            'install-flow',
          );
        };
        await Promise.all([complete(1), complete(2)]);
        const active = (await store.installs.listByIntegration('sample', 'tenant-swap')).map((i) => i.id);
        assert.equal(active.length, 1, `active: ${active.join(', ')}`);
      });

      it('writes nothing when the session left the expected status first (a cancel won)', async () => {
        const identity = await store.identities.getOrCreate('acme', 'tenant-cx', () => ({
          id: 'ident-cx',
          externalId: 'ext-cx',
        }));
        const input = {
          integration: 'sample',
          tenantId: 'tenant-cx',
          identities: { awsConnector: identity.id },
        };
        await store.installs.create({ ...input, id: 'inst-cx-1', sessionId: 'sess-cx-1' }, 'install-flow');
        await store.sessions.create({
          integration: 'sample',
          redirectUrl: 'https://app.example/done',
          tenantId: 'tenant-cx',
          id: 'sess-cx-2',
          expiresAt: new Date(clock.now() + 60_000),
        });
        await store.sessions.transition('sess-cx-2', ['pending'], { status: 'cancelled' });
        await assert.rejects(
          store.installs.create(
            {
              ...input,
              id: 'inst-cx-2',
              sessionId: 'sess-cx-2',
              replaces: ['inst-cx-1'],
              identityPatches: { [identity.id]: { accountId: '000000000042' } },
              session: { from: ['verifying'], patch: { status: 'completed', installId: 'inst-cx-2' } },
            },
            'install-flow',
          ),
          (error: unknown) =>
            isSkybridgeError(error) && error.code === 'session_ended' && error.status === 409,
        );
        assert.equal(await store.installs.get('inst-cx-2'), undefined);
        assert.equal((await store.installs.get('inst-cx-1'))?.status, 'active');
        assert.deepEqual(await store.identities.get(identity.id), identity);
        assert.equal((await store.sessions.get('sess-cx-2'))?.status, 'cancelled');
      });

      it('creates nothing when an identity does not exist, and refuses a duplicate id', async () => {
        await assert.rejects(
          store.installs.create(
            {
              id: 'inst-bad',
              integration: 'sample',
              tenantId: 't',
              sessionId: 's',
              identities: { awsConnector: 'nope' },
            },
            'admin',
          ),
          (error: unknown) => isSkybridgeError(error) && error.code === 'identity_not_found',
        );
        assert.equal(await store.installs.get('inst-bad'), undefined);
        await assert.rejects(
          store.installs.create(
            { id: 'inst-2', integration: 'sample', tenantId: 'tenant-j', sessionId: 's', identities: {} },
            'admin',
          ),
          (error: unknown) => isSkybridgeError(error) && error.code === 'install_exists',
        );
      });
    });

    describe('API keys', () => {
      it('verifies the right key, refuses a wrong one, and never returns the key', async () => {
        assert.equal(await store.apiKeys.count(), 0);
        const record = await store.apiKeys.create({
          id: 'key-1',
          name: 'bootstrap',
          key: 'sk_right_0123456789',
          role: 'admin',
        });
        assert.deepEqual(
          Object.entries(record)
            .filter(([, value]) => value !== undefined)
            .map(([key]) => key)
            .sort(),
          ['createdAt', 'id', 'name', 'role'],
        );
        assert.ok(!JSON.stringify(record).includes('sk_right'));
        assert.equal(await store.apiKeys.count(), 1);
        assert.equal(await store.apiKeys.verify('sk_wrong_0123456789'), undefined);
        assert.equal(await store.apiKeys.verify(''), undefined);
        const verified = await store.apiKeys.verify('sk_right_0123456789');
        assert.equal(verified?.id, 'key-1');
        assert.equal(verified?.lastUsedAt?.getTime(), clock.now());
        await assert.rejects(
          store.apiKeys.create({ id: 'key-2', name: 'dup', key: 'sk_right_0123456789', role: 'admin' }),
          (error: unknown) =>
            isSkybridgeError(error) && error.code === 'api_key_exists' && !error.message.includes('sk_right'),
        );
      });
    });

    describe('audit', () => {
      it('records configuration and install changes with their actors, newest first', async () => {
        const installs = (await store.audit.list({ action: 'install.created' })).filter((e) =>
          /^inst-\d$/.test(e.target ?? ''),
        );
        assert.deepEqual(
          installs.map((e) => [e.target, e.actor]),
          [
            ['inst-3', 'session:s3'],
            ['inst-2', 'session:s2'],
            ['inst-1', 'session:s1'],
          ],
        );
        assert.deepEqual(installs[2]?.details, {
          integration: 'sample',
          tenantId: 'tenant-i',
          sessionId: 's1',
          identities: { awsConnector: 'ident-ia' },
        });
        const deletions = await store.audit.list({ action: 'install.deleted' });
        assert.deepEqual(
          deletions.map((e) => [e.target, e.actor, e.details]),
          [['inst-1', 'admin', { integration: 'sample', tenantId: 'tenant-i' }]],
        );
        const connectors = await store.audit.list({ action: 'connector.put' });
        assert.deepEqual(
          connectors.map((e) => [e.target, e.actor, e.details]),
          [
            ['zeta', 'admin', { created: true }],
            ['acme', 'admin:key1', { created: false }],
            ['acme', 'admin:key1', { created: true }],
          ],
        );
        assert.equal((await store.audit.list({ action: 'integration.put' })).length, 2);
      });

      it('records what the server reports and honours the limit', async () => {
        clock.advance(7);
        for (const caller of ['route:a', 'route:b', 'route:c']) {
          await store.audit.record({
            actor: caller,
            action: 'credentials.issued',
            target: 'inst-3',
            details: { connector: 'awsConnector' },
          });
        }
        const latest = await store.audit.list({ action: 'credentials.issued', limit: 2 });
        assert.deepEqual(
          latest.map((e) => e.actor),
          ['route:c', 'route:b'],
        );
        assert.equal(latest[0]?.at.getTime(), clock.now());
        assert.deepEqual(latest[0]?.details, { connector: 'awsConnector' });
        const all = await store.audit.list();
        assert.equal(all[0]?.action, 'credentials.issued');
        assert.ok(Number(all[0]?.id) > Number(all[1]?.id));
      });
    });

    describe('engine store', () => {
      it('answers the same as MemoryEngineStore', async () => {
        const expected = await engineScript(new MemoryEngineStore());
        const actual = await engineScript(store.engine);
        assert.deepEqual(actual, expected);
        assert.deepEqual(expected.slice(0, 6), [undefined, true, false, false, true, 101]);
        assert.deepEqual(expected.slice(6, 13), [true, false, true, false, true, false, true]);
      });

      it('lets exactly one of many concurrent claims of one step win, across two instances', async () => {
        const other = await target.open({ clock });
        try {
          for (let step = 1_000; step < 1_005; step++) {
            const claims = await Promise.all(
              Array.from({ length: 6 }, (_, i) =>
                (i % 2 === 0 ? store.engine : other.engine).claimTotpStep('mfa-race', step),
              ),
            );
            assert.equal(claims.filter(Boolean).length, 1, `step ${step}: ${claims}`);
          }
          assert.equal(await other.engine.lastTotpStep('mfa-race'), 1_004);
        } finally {
          await other.close();
        }
      });

      it('lets exactly one of two instances take a free lease at once', async () => {
        const other = await target.open({ clock });
        try {
          for (let round = 0; round < 5; round++) {
            const name = `lease-race-${round}`;
            const taken = await Promise.all([
              store.engine.tryAcquireLease(name, 'instance-a', 30_000, START),
              other.engine.tryAcquireLease(name, 'instance-b', 30_000, START),
              store.engine.tryAcquireLease(name, 'instance-c', 30_000, START),
            ]);
            assert.equal(taken.filter(Boolean).length, 1, `round ${round}: ${taken}`);
          }
        } finally {
          await other.close();
        }
      });
    });
  });
}
