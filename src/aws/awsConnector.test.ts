import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { type Logger, ManualClock } from '../core/index.js';
import { openStore } from '../store/index.js';
import { AwsConnector } from './awsConnector.js';
import type { EngineStore } from './engineStore.js';
import { MemoryEngineStore } from './engineStore.js';
import { BASE_ACCOUNT, StsSandbox } from './stsSandbox.fixture.js';
import { ASSUME_POLL_MS, ASSUME_WAIT_MS, assumeLeaseName } from './tenantCredentials.js';
import type { IdentityHealth } from './tenantIdentity.js';

const TENANT = '012345678901';
const EXTERNAL_ID = 'facade-external-id-0123456789abcdef';
const SESSION_ID = 'sess_0123456789abcdefXYZ';

describe('AwsConnector against the sandbox', () => {
  let sts: StsSandbox;
  // One store for the file, as instances of one deployment share theirs: the TOTP steps used stay known.
  const store = new MemoryEngineStore();

  before(async () => {
    sts = await StsSandbox.start();
    await sts.createAccount(TENANT);
    sts.createBucket(BASE_ACCOUNT, 'skybridge-templates');
    sts.createBucket(TENANT, 'acme-data');
  });
  after(async () => {
    await sts.close();
  });

  it('checks the base credentials with MFA (one GetSessionToken, then GetCallerIdentity)', async () => {
    await sts.admin.resetStats();
    const aws = new AwsConnector({ name: 'aws', config: sts.config(), store });
    assert.deepEqual(await aws.check(), { accountId: BASE_ACCOUNT, arn: sts.user.arn, mfa: 'ok' });
    assert.equal(await aws.baseAccountId(), BASE_ACCOUNT);
    assert.deepEqual(await sts.stsCalls(), { AssumeRole: 0, GetSessionToken: 1, GetCallerIdentity: 1 });
  });

  it('says MFA is not configured when it is not', async () => {
    const aws = new AwsConnector({
      name: 'plain',
      config: sts.config({ mfa: false }),
      store: new MemoryEngineStore(),
    });
    assert.equal((await aws.check()).mfa, 'not-configured');
  });

  it('prepares an install: renders the template with our account and the external id, publishes it, links the console', async () => {
    const aws = new AwsConnector({
      name: 'aws',
      config: sts.config({ mfa: false }),
      store: new MemoryEngineStore(),
    });
    const prepared = await aws.prepareInstall({
      sessionId: SESSION_ID,
      accountId: TENANT,
      region: 'eu-west-1',
      externalId: EXTERNAL_ID,
    });
    assert.equal(prepared.roleArn, `arn:aws:iam::${TENANT}:role/skybridge-connector-role`);
    assert.equal(prepared.stackName, 'skybridge-connector');
    assert.equal(prepared.templateUrl, `${sts.url}/skybridge-templates/templates/${SESSION_ID}.yaml`);
    assert.ok(prepared.templateBody.includes(EXTERNAL_ID));
    assert.ok(prepared.templateBody.includes(BASE_ACCOUNT));
    assert.ok(prepared.templateVersion.length > 0);
    assert.ok(
      prepared.consoleUrl.startsWith(
        'https://eu-west-1.console.aws.amazon.com/cloudformation/home?region=eu-west-1#',
      ),
    );
    assert.ok(prepared.consoleUrl.includes(encodeURIComponent(prepared.templateUrl)));
    const stored = sts.sandbox.world.buckets
      .get('skybridge-templates')
      ?.objects.get(`templates/${SESSION_ID}.yaml`);
    assert.equal(stored?.body.toString('utf8'), prepared.templateBody);

    await aws.removeTemplate(SESSION_ID);
    assert.equal(
      sts.sandbox.world.buckets.get('skybridge-templates')?.objects.has(`templates/${SESSION_ID}.yaml`),
      false,
    );
  });

  it('verifies, hands out cached credentials and a provider, and forgets them on uninstall', async () => {
    const health: IdentityHealth[] = [];
    const aws = new AwsConnector({
      name: 'aws',
      config: sts.config(),
      store,
      onIdentityHealth: (_identity, h) => health.push(h),
    });
    const identity = sts.identity({
      id: 'idn_facade',
      accountId: TENANT,
      externalId: EXTERNAL_ID,
      roleArn: sts.createTenantRole({ accountId: TENANT, externalId: EXTERNAL_ID }),
    });
    assert.equal(identity.roleArn, aws.roleArnFor(TENANT));
    const verified = await aws.verify(identity);
    assert.equal(verified.accountId, TENANT);

    await sts.admin.resetStats();
    const first = await aws.getCredentials(identity);
    const again = await aws.getCredentials(identity);
    assert.equal(again, first);
    const s3 = new S3Client({
      region: identity.region,
      endpoint: sts.url,
      forcePathStyle: true,
      credentials: aws.credentialProvider(identity),
    });
    const buckets = await s3.send(new ListBucketsCommand({}));
    s3.destroy();
    assert.deepEqual(
      buckets.Buckets?.map((b) => b.Name),
      ['acme-data'],
    );
    assert.equal((await sts.stsCalls()).AssumeRole, 1);
    assert.deepEqual(
      health.map((h) => h.healthy),
      [true],
    );

    await aws.forget(identity);
    const fresh = await aws.getCredentials(identity);
    assert.notEqual(fresh.accessKeyId, first.accessKeyId);
    assert.equal((await sts.stsCalls()).AssumeRole, 2);
  });

  it('binds the connector to its logger once: every line of every part carries it exactly once', async () => {
    const lines: { bindings: Record<string, unknown>[]; msg: string | undefined }[] = [];
    const capture = (bindings: Record<string, unknown>[]): Logger => {
      const write = (_obj: object, msg?: string) => lines.push({ bindings, msg });
      return {
        debug: write,
        info: write,
        warn: write,
        error: write,
        child: (more) => capture([...bindings, more]),
      };
    };
    // A TOTP step of its own, on a device whose record of used steps starts afresh.
    const clock = new ManualClock(21_000_000);
    await sts.alignClock(21_000_000);
    sts.sandbox.world.accounts
      .get(BASE_ACCOUNT)
      ?.users.get('integration-bot')
      ?.mfaDevices[0]?.usedSteps.clear();
    const aws = new AwsConnector({
      name: 'aws-logs',
      config: sts.config(),
      store: new MemoryEngineStore(),
      clock,
      logger: capture([]),
    });
    const gone = sts.identity({
      id: 'idn_logs',
      accountId: TENANT,
      externalId: EXTERNAL_ID,
      roleArn: `arn:aws:iam::${TENANT}:role/no-such-role`,
    });
    try {
      await aws.check(); // the base session logs that it obtained a session
      await assert.rejects(aws.getCredentials(gone), { code: 'tenant_access_denied' }); // the broker warns
    } finally {
      await sts.admin.updateSettings({ clockOffsetMs: 0 });
    }

    const parts = new Set(lines.map((l) => l.bindings.find((b) => 'part' in b)?.part));
    assert.ok(parts.has('base-session') && parts.has('tenant-credentials'), [...parts].join(','));
    for (const line of lines) {
      const connectors = line.bindings.filter((b) => 'connector' in b).map((b) => b.connector);
      assert.deepEqual(
        connectors,
        ['aws-logs'],
        `"${line.msg}" bound the connector ${connectors.length} times`,
      );
    }
  });

  it("answers the connector user's least-privilege IAM policy", () => {
    const aws = new AwsConnector({ name: 'aws', config: sts.config(), store });
    const policy = aws.iamPolicy() as { Version: string; Statement: unknown[] };
    assert.equal(policy.Version, '2012-10-17');
    assert.ok(policy.Statement.length > 0);
  });

  /**
   * Two instances of one deployment (two AwsConnectors, one EngineStore, one MFA device), 25 cold
   * requests each in the same tick. Instance two waits on the base session's refresh lease (a 1 s
   * poll on its clock); the clock moves only once instance one has answered.
   */
  async function twoInstancesColdStart(engine: EngineStore, start: number, id: string) {
    const clock = new ManualClock(start);
    await sts.alignClock(start);
    const device = sts.sandbox.world.accounts.get(BASE_ACCOUNT)?.users.get('integration-bot')?.mfaDevices[0];
    device?.usedSteps.clear();
    await sts.admin.resetStats();
    const identity = sts.identity({
      id,
      accountId: TENANT,
      externalId: EXTERNAL_ID,
      roleArn: aws().roleArnFor(TENANT),
    });
    const one = new AwsConnector({ name: 'aws', config: sts.config(), store: engine, clock });
    const two = new AwsConnector({ name: 'aws', config: sts.config(), store: engine, clock });
    // Both start in the same tick; one asks first, so it takes the lease.
    const firstOne = Promise.all(Array.from({ length: 25 }, () => one.getCredentials(identity)));
    const fromTwo = Promise.all(Array.from({ length: 25 }, () => two.getCredentials(identity)));
    const fromOne = await firstOne;
    for (let i = 0; i < 2_000 && clock.waiting === 0; i++) await new Promise((r) => setTimeout(r, 1));
    clock.advance(1_000);
    const second = await fromTwo;
    await sts.alignClock(clock.now());
    return { fromOne, second, device, clock };
  }

  function aws(): AwsConnector {
    return new AwsConnector({ name: 'aws', config: sts.config(), store });
  }

  it('waits at most 5 s for an instance that holds the AssumeRole lease and never stores a result, then assumes the role itself', async () => {
    const clock = new ManualClock(25_000_000);
    const engine = new MemoryEngineStore();
    const aws = new AwsConnector({ name: 'aws', config: sts.config({ mfa: false }), store: engine, clock });
    if (!sts.sandbox.world.accounts.get(TENANT)?.roles.has('skybridge-connector-role'))
      sts.createTenantRole({ accountId: TENANT, externalId: EXTERNAL_ID });
    const identity = sts.identity({
      id: 'idn_stuck_lease',
      accountId: TENANT,
      externalId: EXTERNAL_ID,
      roleArn: aws.roleArnFor(TENANT),
    });
    // Another instance took the lease and then hung (or died): it will never store credentials.
    assert.ok(await engine.tryAcquireLease(assumeLeaseName(identity), 'hung-instance', 60_000, clock.now()));
    await sts.admin.resetStats();
    let settled = false;
    const getting = aws.getCredentials(identity).finally(() => {
      settled = true;
    });
    getting.catch(() => {});
    let waitedMs = 0;
    while (!settled) {
      for (let i = 0; i < 2_000 && !settled && clock.waiting === 0; i++)
        await new Promise((r) => setTimeout(r, 1));
      if (settled) break;
      assert.equal(clock.waiting, 1);
      assert.equal((await sts.stsCalls()).AssumeRole, 0, 'no AssumeRole while waiting for the lease holder');
      clock.advance(ASSUME_POLL_MS);
      waitedMs += ASSUME_POLL_MS;
    }
    const credentials = await getting;
    assert.ok(credentials.sessionToken);
    assert.equal(waitedMs, ASSUME_WAIT_MS, 'waited the whole bound, no longer');
    assert.equal((await sts.stsCalls()).AssumeRole, 1);
  });

  for (const kind of ['MemoryEngineStore', 'the SQLite store'] as const) {
    it(`C1 with a warm base session: 20 cold callers across two instances sharing ${kind} make one AssumeRole`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'skybridge-engine-'));
      const sql = kind === 'the SQLite store' ? await openStore({ dataDir: dir }) : undefined;
      const engine = sql ? sql.engine : new MemoryEngineStore();
      const start = kind === 'MemoryEngineStore' ? 23_000_000 : 24_000_000;
      const clock = new ManualClock(start);
      await sts.alignClock(start);
      sts.sandbox.world.accounts
        .get(BASE_ACCOUNT)
        ?.users.get('integration-bot')
        ?.mfaDevices[0]?.usedSteps.clear();
      try {
        if (!sts.sandbox.world.accounts.get(TENANT)?.roles.has('skybridge-connector-role'))
          sts.createTenantRole({ accountId: TENANT, externalId: EXTERNAL_ID });
        const one = new AwsConnector({ name: 'aws', config: sts.config(), store: engine, clock });
        const two = new AwsConnector({ name: 'aws', config: sts.config(), store: engine, clock });
        await one.check();
        await two.check(); // takes the base session one stored: both are warm now
        await sts.admin.resetStats();
        const identity = sts.identity({
          id: `idn_warm_${sql ? 'sql' : 'memory'}`,
          accountId: TENANT,
          externalId: EXTERNAL_ID,
          roleArn: one.roleArnFor(TENANT),
        });

        let settled = false;
        const all = Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? one : two).getCredentials(identity)),
        ).finally(() => {
          settled = true;
        });
        all.catch(() => {});
        // The instance without the lease polls the store on the clock: move it one poll at a time.
        let polls = 0;
        while (!settled) {
          for (let i = 0; i < 2_000 && !settled && clock.waiting === 0; i++)
            await new Promise((r) => setTimeout(r, 1));
          if (settled) break;
          assert.ok(clock.waiting > 0, 'neither answered nor waiting');
          clock.advance(ASSUME_POLL_MS);
          polls++;
        }
        const credentials = await all;
        const calls = await sts.stsCalls();
        assert.equal(calls.AssumeRole, 1, "the second instance took the first one's result from the store");
        assert.equal(calls.GetSessionToken, 0);
        assert.equal(new Set(credentials.map((c) => c.accessKeyId)).size, 1);
        assert.ok(polls >= 1, 'the second instance waited for the first');
        assert.ok(polls * ASSUME_POLL_MS <= 5_000, `waited ${polls} polls`);
      } finally {
        await sts.admin.updateSettings({ clockOffsetMs: 0 });
        await sql?.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it(`C1: two instances sharing ${kind} and one MFA device send one TOTP code and share the base session`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'skybridge-engine-'));
      const sql = kind === 'the SQLite store' ? await openStore({ dataDir: dir }) : undefined;
      try {
        // The role of the facade test above (created there), trusting EXTERNAL_ID.
        if (!sts.sandbox.world.accounts.get(TENANT)?.roles.has('skybridge-connector-role'))
          sts.createTenantRole({ accountId: TENANT, externalId: EXTERNAL_ID });
        const start = kind === 'MemoryEngineStore' ? 59_000 : 119_000; // steps 1 and 3
        const { fromOne, second, device } = await twoInstancesColdStart(
          sql ? sql.engine : new MemoryEngineStore(),
          start,
          `idn_two_${sql ? 'sql' : 'memory'}`,
        );
        const calls = await sts.stsCalls();
        assert.equal(calls.GetSessionToken, 1, 'instance two reused the stored base session');
        assert.equal(calls.AssumeRole, 1, 'and the tenant credentials instance one stored');
        assert.deepEqual([...(device?.usedSteps ?? [])], [start === 59_000 ? 1 : 3], 'one code, sent once');
        assert.equal(new Set([...fromOne, ...second].map((c) => c.accessKeyId)).size, 1);
        assert.ok(fromOne.every((c) => c === fromOne[0]) && second.every((c) => c === second[0]));
      } finally {
        await sql?.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
