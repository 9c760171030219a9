import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { type Clock, ManualClock, SkybridgeError, systemClock } from '../core/index.js';
import { BaseSession } from './baseSession.js';
import type { ConnectorConfig } from './connectorConfig.js';
import { MemoryEngineStore } from './engineStore.js';
import { roleSessionName } from './roleAssumer.js';
import { BASE_ACCOUNT, StsSandbox } from './stsSandbox.fixture.js';
import { TenantCredentialBroker } from './tenantCredentials.js';
import type { IdentityHealth, TenantCredentials, TenantIdentity } from './tenantIdentity.js';

const ACME = '012345678901';
const TENANT_A = '210000000001';
const TENANT_B = '210000000002';
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const RFC_SECRET_AS_PASTED = 'gezd gnbv gy3t qojq gezd gnbv gy3t qojq';

/** A MemoryEngineStore that counts TOTP step claims: one claim = one TOTP code computed and sent. */
class CountingStore extends MemoryEngineStore {
  claims = 0;
  override async claimTotpStep(mfaSerial: string, step: number): Promise<boolean> {
    this.claims++;
    return super.claimTotpStep(mfaSerial, step);
  }
}

async function bucketNames(
  sts: StsSandbox,
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider,
): Promise<string[]> {
  const s3 = new S3Client({ region: 'us-east-1', endpoint: sts.url, forcePathStyle: true, credentials });
  try {
    const answer = await s3.send(new ListBucketsCommand({}));
    return (answer.Buckets ?? []).map((bucket) => bucket.Name ?? '').sort();
  } finally {
    s3.destroy();
  }
}

describe('TenantCredentialBroker against the sandbox', () => {
  let sts: StsSandbox;
  let acme: TenantIdentity;
  let tenantA: TenantIdentity;
  let tenantB: TenantIdentity;

  function broker(options: {
    clock?: Clock;
    config?: ConnectorConfig;
    store?: MemoryEngineStore;
    health?: { identity: string; health: IdentityHealth }[];
  }) {
    const config = options.config ?? sts.config();
    const store = options.store ?? new MemoryEngineStore();
    const clock = options.clock ?? systemClock;
    // A retry's backoff sleeps on `clock`, and no test advances a ManualClock for one: a transient
    // socket error would strand the caller there until the file times out. Fail at once instead.
    const maxAttempts = options.clock ? 1 : undefined;
    const baseSession = new BaseSession({ name: 'aws', config, store, clock, maxAttempts });
    return new TenantCredentialBroker({
      config,
      store,
      baseSession,
      clock,
      maxAttempts,
      backoff: { baseMs: 5, capMs: 20 },
      onIdentityHealth: (identity, health) => options.health?.push({ identity: identity.id, health }),
    });
  }

  before(async () => {
    sts = await StsSandbox.start();
    for (const account of [ACME, TENANT_A, TENANT_B]) await sts.createAccount(account);
    acme = sts.identity({
      id: 'idn_acme',
      tenantId: 'acme',
      accountId: ACME,
      externalId: 'acme-external-id-0123456789abcdef',
      roleArn: sts.createTenantRole({ accountId: ACME, externalId: 'acme-external-id-0123456789abcdef' }),
    });
    tenantA = sts.identity({
      id: 'idn_a',
      accountId: TENANT_A,
      externalId: 'tenant-a-external-id-0123456789',
      roleArn: sts.createTenantRole({ accountId: TENANT_A, externalId: 'tenant-a-external-id-0123456789' }),
    });
    tenantB = sts.identity({
      id: 'idn_b',
      accountId: TENANT_B,
      externalId: 'tenant-b-external-id-0123456789',
      roleArn: sts.createTenantRole({ accountId: TENANT_B, externalId: 'tenant-b-external-id-0123456789' }),
    });
    sts.createBucket(TENANT_A, 'tenant-a-invoices');
    sts.createBucket(TENANT_A, 'tenant-a-reports');
    sts.createBucket(TENANT_B, 'tenant-b-photos');
  });
  after(async () => {
    await sts.close();
  });
  /** The connector user's MFA device in the sandbox. */
  const device = () => {
    const found = sts.sandbox.world.accounts.get(BASE_ACCOUNT)?.users.get('integration-bot')?.mfaDevices[0];
    assert.ok(found);
    return found;
  };

  beforeEach(async () => {
    await sts.admin.updateSettings({ clockOffsetMs: 0, throttleEvery: 0, stsLatencyMs: 0 });
    await sts.admin.resetStats();
    // Each test starts with a fresh store, so the MFA device forgets the steps earlier tests used.
    sts.sandbox.world.accounts
      .get(BASE_ACCOUNT)
      ?.users.get('integration-bot')
      ?.mfaDevices[0]?.usedSteps.clear();
  });

  it('C1: 50 cold callers in one tick share one GetSessionToken, one TOTP code and one AssumeRole', async () => {
    const clock = new ManualClock(59_000);
    await sts.alignClock(59_000);
    const store = new CountingStore();
    const config = sts.config({ iam: { otpSecret: RFC_SECRET_AS_PASTED } });
    const credentials = broker({ clock, store, config });
    // The device of case C1 holds the RFC 6238 test secret (configured above in the form people paste it).
    const randomSecret = device().base32Secret;
    device().base32Secret = RFC_SECRET;
    let results: TenantCredentials[];
    try {
      results = await Promise.all(Array.from({ length: 50 }, () => credentials.getCredentials(acme)));
    } finally {
      device().base32Secret = randomSecret;
    }

    assert.deepEqual(await sts.stsCalls(), { AssumeRole: 1, GetSessionToken: 1, GetCallerIdentity: 0 });
    assert.equal(store.claims, 1, 'the TOTP code is computed once');
    assert.equal(await store.lastTotpStep(sts.mfa.serialNumber), 1, 'Unix 59 is TOTP step 1');
    assert.deepEqual([...device().usedSteps], [1], "AWS saw step 1's code (287082 for the RFC secret), once");
    assert.ok(
      results.every((result) => result === results[0]),
      'all 50 get the same credentials',
    );
    const first = results[0]!;
    assert.match(first.accessKeyId, /^ASIA/);
    assert.equal(first.region, 'us-east-1');
    assert.ok(Math.abs(first.expiration.getTime() - (59_000 + 3_600_000)) < 2_000);
    assert.deepEqual(await bucketNames(sts, first), []);
  });

  it('C1: a failed AssumeRole is not cached: once the role is back, the next call succeeds', async () => {
    const clock = new ManualClock(59_000);
    await sts.alignClock(59_000);
    const credentials = broker({ clock });
    await credentials.getCredentials(acme);
    await credentials.forget(acme);
    sts.deleteTenantRole(ACME);
    try {
      const failures = await Promise.allSettled(
        Array.from({ length: 5 }, () => credentials.getCredentials(acme)),
      );
      for (const failure of failures) {
        assert.equal(failure.status, 'rejected');
        assert.equal((failure.reason as SkybridgeError).code, 'tenant_access_denied');
      }
      assert.equal((await sts.stsCalls()).AssumeRole, 2, 'five waiting callers shared one failed call');
    } finally {
      acme.roleArn = sts.createTenantRole({ accountId: ACME, externalId: acme.externalId });
    }
    const after = await credentials.getCredentials(acme);
    assert.match(after.accessKeyId, /^ASIA/);
    assert.equal((await sts.stsCalls()).AssumeRole, 3);
  });

  it('C5: refuses tenant sessions over 1 hour when the base session is MFA-backed, before calling AWS', async () => {
    const plain = sts.config({ mfa: false, iam: { tenantSessionSeconds: 7200 } });
    // The schema refuses this combination; build it by hand to prove the engine does not rely on that.
    const config: ConnectorConfig = {
      ...plain,
      iam: { ...plain.iam, otpSecret: sts.mfa.base32Secret, mfaSerial: sts.mfa.serialNumber },
    };
    await assert.rejects(broker({ config }).getCredentials(acme), (error: unknown) => {
      assert.ok(error instanceof SkybridgeError);
      assert.equal(error.code, 'invalid_connector_config');
      assert.equal(error.field, 'iam.tenantSessionSeconds');
      assert.match(error.message, /one hour/);
      return true;
    });
    assert.deepEqual(await sts.stsCalls(), { AssumeRole: 0, GetSessionToken: 0, GetCallerIdentity: 0 });
  });

  it('C5: AWS refuses DurationSeconds=7200 with MFA session credentials; the engine asks for 3600 s and gets them', async () => {
    const clock = new ManualClock(12_000_000);
    await sts.alignClock(12_000_000);
    const config = sts.config();
    const store = new MemoryEngineStore();
    const baseSession = new BaseSession({ name: 'aws', config, store, clock });
    const client = new STSClient({
      region: 'us-east-1',
      endpoint: sts.url,
      credentials: baseSession.provider(),
    });
    try {
      await assert.rejects(
        client.send(
          new AssumeRoleCommand({
            RoleArn: acme.roleArn,
            ExternalId: acme.externalId,
            RoleSessionName: 'c5-probe',
            DurationSeconds: 7200,
          }),
        ),
        (error: unknown) => {
          assert.equal((error as Error).name, 'ValidationError');
          assert.match((error as Error).message, /1 hour session limit for roles assumed by role chaining/);
          return true;
        },
      );
    } finally {
      client.destroy();
    }
    const credentials = new TenantCredentialBroker({ config, store, baseSession, clock });
    const issued = await credentials.getCredentials(acme);
    assert.equal(config.iam.tenantSessionSeconds, 3600);
    assert.ok(
      Math.abs(issued.expiration.getTime() - (12_000_000 + 3_600_000)) < 2_000,
      String(issued.expiration),
    );
  });

  it("passes the base session's typed error through (mfa_misconfigured), without calling AssumeRole", async () => {
    const config = sts.config({ iam: { mfaSerial: `arn:aws:iam::${BASE_ACCOUNT}:mfa/nobody` } });
    await assert.rejects(broker({ config }).getCredentials(acme), (error: unknown) => {
      assert.ok(error instanceof SkybridgeError);
      assert.equal(error.code, 'mfa_misconfigured');
      return true;
    });
    assert.deepEqual(await sts.stsCalls(), { AssumeRole: 0, GetSessionToken: 1, GetCallerIdentity: 0 });
  });

  it('C11: assumes a role whose ARN has a path with the ARN unchanged', async () => {
    const roleArn = sts.createTenantRole({
      accountId: ACME,
      roleName: 'AcmeReadOnly',
      path: '/integrations/acme/',
      externalId: acme.externalId,
    });
    assert.equal(roleArn, `arn:aws:iam::${ACME}:role/integrations/acme/AcmeReadOnly`);
    const identity = { ...acme, id: 'idn_acme_path', installId: 'ins_acme_path', roleArn };
    const result = await broker({}).getCredentials(identity);
    const session = sts.sandbox.world.credentials.get(result.accessKeyId);
    assert.equal(session?.roleArn, roleArn);
    assert.equal(session?.arn, `arn:aws:sts::${ACME}:assumed-role/AcmeReadOnly/skybridge-ins_acme_path`);
  });

  it("gives each tenant credentials that list only that tenant's buckets", async () => {
    const credentials = broker({});
    assert.deepEqual(await bucketNames(sts, credentials.provider(tenantA)), [
      'tenant-a-invoices',
      'tenant-a-reports',
    ]);
    assert.deepEqual(await bucketNames(sts, credentials.provider(tenantB)), ['tenant-b-photos']);
  });

  it('a removed role gives tenant_access_denied and an unhealthy report, while another tenant keeps working', async () => {
    const clock = new ManualClock(Date.now());
    await sts.alignClock(clock.now());
    const health: { identity: string; health: IdentityHealth }[] = [];
    const credentials = broker({ clock, health });
    const identityA = {
      ...tenantA,
      id: 'idn_a_removed',
      roleArn: sts.createTenantRole({
        accountId: TENANT_A,
        roleName: 'removed',
        externalId: tenantA.externalId,
      }),
    };
    await credentials.getCredentials(identityA);
    await credentials.getCredentials(tenantB);
    assert.deepEqual(
      health.map((h) => [h.identity, h.health.healthy]),
      [
        ['idn_a_removed', true],
        ['idn_b', true],
      ],
    );

    sts.deleteTenantRole(TENANT_A, 'removed');
    clock.advance(3_600_000); // both tenants' credentials have expired
    await sts.alignClock(clock.now());

    await assert.rejects(credentials.getCredentials(identityA), (error: unknown) => {
      assert.ok(error instanceof SkybridgeError);
      assert.equal(error.code, 'tenant_access_denied');
      assert.equal(error.status, 403);
      assert.match(error.message, /removed|trust policy/);
      assert.match(error.message, /[Rr]einstall/);
      return true;
    });
    const unhealthy = health.at(-1)!;
    assert.equal(unhealthy.identity, 'idn_a_removed');
    assert.equal(unhealthy.health.healthy, false);
    assert.equal(unhealthy.health.error?.code, 'tenant_access_denied');
    assert.equal(unhealthy.health.checkedAt.getTime(), clock.now());

    assert.deepEqual(await bucketNames(sts, credentials.provider(tenantB)), ['tenant-b-photos']);
  });

  it('absorbs throttling (every 2nd STS call refused) with backoff', async () => {
    const credentials = broker({});
    // The base session first: a throttled GetSessionToken moves on to the next TOTP step (up to 30 s away).
    await credentials.getCredentials(tenantB);
    await sts.admin.resetStats();
    await sts.admin.updateSettings({ throttleEvery: 2 });
    const identities = [acme, tenantA, tenantB].map((identity) => ({
      ...identity,
      id: `${identity.id}_throttled`,
    }));
    const results = await Promise.all(identities.map((identity) => credentials.getCredentials(identity)));
    assert.equal(new Set(results.map((result) => result.accessKeyId)).size, 3);
    const calls = await sts.stsCalls();
    assert.ok(calls.AssumeRole > 3, `some AssumeRole calls were throttled and retried (${calls.AssumeRole})`);
  });

  it('replaces a base session that AWS says expired early, then retries once', async () => {
    const clock = new ManualClock(6_000_000);
    await sts.alignClock(6_000_000);
    const credentials = broker({ clock });
    await credentials.getCredentials(tenantA);
    // Kill the base session in the sandbox, as if it was revoked.
    for (const credential of sts.sandbox.world.credentials.values()) {
      if (credential.kind === 'session') credential.expiresAt = 0;
    }
    const getting = credentials.getCredentials(tenantB);
    // The new base session needs a TOTP step nobody used: the next one.
    for (let i = 0; i < 2_000 && clock.waiting === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 1));
    await sts.alignClock(6_000_000 + 30_000);
    clock.set(6_000_000 + 30_000);
    const result = await getting;
    assert.match(result.accessKeyId, /^ASIA/);
    assert.deepEqual(await sts.stsCalls(), { AssumeRole: 3, GetSessionToken: 2, GetCallerIdentity: 0 });
  });

  it('keeps serving still-valid credentials while their refresh fails', async () => {
    const clock = new ManualClock(Date.now());
    await sts.alignClock(clock.now());
    const health: { identity: string; health: IdentityHealth }[] = [];
    const credentials = broker({ clock, health });
    const identity = {
      ...tenantA,
      id: 'idn_a_stale',
      roleArn: sts.createTenantRole({
        accountId: TENANT_A,
        roleName: 'stale',
        externalId: tenantA.externalId,
      }),
    };
    const fresh = await credentials.getCredentials(identity);
    sts.deleteTenantRole(TENANT_A, 'stale');
    clock.advance(3_600_000 - 120_000); // inside the 5-minute refresh margin, 2 minutes left
    await sts.alignClock(clock.now());

    const served = await credentials.getCredentials(identity);
    assert.equal(served, fresh);
    for (let i = 0; i < 2_000 && health.length < 2; i++)
      await new Promise((resolve) => setTimeout(resolve, 1));
    assert.equal(health.at(-1)?.health.healthy, false, 'the failed background refresh is reported');
    assert.equal(await credentials.getCredentials(identity), fresh, 'still served after the failure');
    assert.equal((await sts.stsCalls()).AssumeRole, 2, 'no new attempt during the cool-down');

    clock.advance(120_000); // now expired: nothing valid to serve
    await assert.rejects(credentials.getCredentials(identity), /tenant|role/);
  });

  it('gives the AWS SDK a provider that keeps an S3 client working past the first credential lifetime', async () => {
    const start = Date.now();
    const clock = new ManualClock(start);
    await sts.alignClock(start);
    const credentials = broker({ clock });
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: sts.url,
      forcePathStyle: true,
      credentials: credentials.provider(tenantA),
    });
    try {
      const list = async () =>
        ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name).sort();
      assert.deepEqual(await list(), ['tenant-a-invoices', 'tenant-a-reports']);
      const firstKey = (await credentials.getCredentials(tenantA)).accessKeyId;

      clock.set(start + 3_600_000 + 60_000); // a minute past the first credentials' expiry
      await sts.alignClock(clock.now());
      assert.deepEqual(await list(), ['tenant-a-invoices', 'tenant-a-reports']);
      assert.notEqual((await credentials.getCredentials(tenantA)).accessKeyId, firstKey);
      assert.equal((await sts.stsCalls()).AssumeRole, 2);
    } finally {
      s3.destroy();
    }
  });
});

describe('TenantCredentialBroker faults', () => {
  let sts: StsSandbox;
  let tenant: TenantIdentity;

  before(async () => {
    sts = await StsSandbox.start();
    await sts.createAccount(ACME);
    tenant = sts.identity({
      id: 'idn_faults',
      tenantId: 'acme',
      accountId: ACME,
      externalId: 'faults-external-id-0123456789',
      roleArn: sts.createTenantRole({ accountId: ACME, externalId: 'faults-external-id-0123456789' }),
    });
  });
  after(async () => {
    await sts.close();
  });
  beforeEach(async () => {
    await sts.admin.updateSettings({ clockOffsetMs: 0, throttleEvery: 0, stsLatencyMs: 0 });
    await sts.admin.resetStats();
  });

  /** A broker on the long-term keys (no MFA), so every STS call in these tests is an AssumeRole. */
  function plainBroker(store = new MemoryEngineStore()) {
    const config = sts.config({ mfa: false });
    return new TenantCredentialBroker({
      config,
      store,
      baseSession: new BaseSession({ name: 'aws', config, store }),
      backoff: { baseMs: 5, capMs: 20 },
    });
  }

  it('sts_throttled (503, retryable) once every one of the 5 AssumeRole attempts was throttled; then recovers', async () => {
    const credentials = plainBroker();
    await sts.admin.updateSettings({ throttleEvery: 1 });
    await assert.rejects(credentials.getCredentials(tenant), (error: unknown) => {
      assert.ok(error instanceof SkybridgeError);
      assert.equal(error.code, 'sts_throttled');
      assert.equal(error.status, 503);
      assert.equal(error.retryable, true);
      assert.match(error.message, /Throttling/);
      return true;
    });
    assert.deepEqual(await sts.stsCalls(), { AssumeRole: 5, GetSessionToken: 0, GetCallerIdentity: 0 });
    await sts.admin.updateSettings({ throttleEvery: 0 });
    assert.match(
      (await credentials.getCredentials(tenant)).accessKeyId,
      /^ASIA/,
      'the failure was not cached',
    );
    assert.equal((await sts.stsCalls()).AssumeRole, 6);
  });

  it('serves no credential obtained by a call that forget() overtook: the next call assumes the role again', async () => {
    const store = new MemoryEngineStore();
    const credentials = plainBroker(store);
    await sts.admin.updateSettings({ stsLatencyMs: 150 });
    const overtaken = credentials.getCredentials(tenant);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the AssumeRole is on its way
    await credentials.forget(tenant);
    const stale = await overtaken; // its caller asked before forget(), and gets its answer
    await sts.admin.updateSettings({ stsLatencyMs: 0 });

    const fresh = await credentials.getCredentials(tenant);
    assert.notEqual(fresh.accessKeyId, stale.accessKeyId, 'not the credentials forget() dropped');
    assert.equal((await sts.stsCalls()).AssumeRole, 2);
    // Nor does another instance sharing the store get them.
    const other = await plainBroker(store).getCredentials(tenant);
    assert.equal(other.accessKeyId, fresh.accessKeyId);
  });

  it('never hands a reconnected tenant (new role, new external id) the answer still in flight for its old role', async () => {
    const credentials = plainBroker();
    const externalId = 'faults-new-external-id-0123456789';
    const moved = {
      ...tenant,
      externalId,
      roleArn: sts.createTenantRole({ accountId: ACME, roleName: 'reconnected', externalId }),
    };
    await sts.admin.updateSettings({ stsLatencyMs: 100 });
    const [old, now] = await Promise.all([
      credentials.getCredentials(tenant),
      credentials.getCredentials(moved),
    ]);
    assert.equal(sts.sandbox.world.credentials.get(old.accessKeyId)?.roleArn, tenant.roleArn);
    assert.equal(sts.sandbox.world.credentials.get(now.accessKeyId)?.roleArn, moved.roleArn);
    assert.equal((await sts.stsCalls()).AssumeRole, 2);
  });

  it('names the role session validly for odd install ids (long, unicode, spaces), and AWS accepts it', async () => {
    const credentials = plainBroker();
    for (const installId of [`ins ${'é'.repeat(80)} 🚀 x`, 'a', '名前 with spaces/and:colons']) {
      const identity = { ...tenant, id: `idn_${installId}`, installId };
      const result = await credentials.getCredentials(identity);
      const session = sts.sandbox.world.credentials.get(result.accessKeyId);
      const name = roleSessionName('skybridge', installId);
      assert.match(name, /^[\w+=,.@-]{2,64}$/);
      assert.equal(session?.arn, `arn:aws:sts::${ACME}:assumed-role/skybridge-connector-role/${name}`);
    }
  });
});

describe('roleSessionName', () => {
  it('keeps AWS rules (2-64 chars of [\\w+=,.@-]) whatever the install id holds', () => {
    const name = roleSessionName('skybridge', `ins/ü 42:${'x'.repeat(100)}`);
    assert.match(name, /^[\w+=,.@-]{2,64}$/);
    assert.equal(name.length, 64);
    assert.ok(name.startsWith('skybridge-ins---42-xxx'), name);
    assert.equal(roleSessionName('skybridge', 'ins_7Hq2'), 'skybridge-ins_7Hq2');
  });
});
