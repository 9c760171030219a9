import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ManualClock, SkybridgeError } from '../core/index.js';
import { AwsConnector } from './awsConnector.js';
import { MemoryEngineStore } from './engineStore.js';
import { StsSandbox } from './stsSandbox.fixture.js';
import type { TenantIdentity, VerifyProgress } from './tenantIdentity.js';

const TENANT = '012345678901';
const OTHER = '210000000009';
const EXTERNAL_ID = 'verify-external-id-0123456789abcdef';

describe('verifying a tenant role against the sandbox', () => {
  let sts: StsSandbox;
  let roles = 0;

  /** A connector with a short real-time propagation timeout and quick backoff. */
  function connector(
    verify: { propagationTimeoutSeconds?: number; requireExternalIdEnforced?: boolean } = {},
  ) {
    return new AwsConnector({
      name: 'aws',
      config: sts.config({ mfa: false, verify: { propagationTimeoutSeconds: 10, ...verify } }),
      store: new MemoryEngineStore(),
      tuning: { verifyBackoff: { baseMs: 200, capMs: 1_000, jitter: 'equal' } },
    });
  }

  /** A new role in `accountId`, created now on the sandbox clock (so IAM propagation applies). */
  function newRole(options: { accountId?: string; path?: string; insecure?: boolean } = {}): TenantIdentity {
    const accountId = options.accountId ?? TENANT;
    const roleName = `verify-role-${++roles}`;
    const roleArn = sts.createTenantRole({
      accountId,
      roleName,
      externalId: EXTERNAL_ID,
      createdAt: sts.sandboxNow(),
      ...(options.path ? { path: options.path } : {}),
      ...(options.insecure ? { withoutExternalIdCondition: true } : {}),
    });
    return sts.identity({ id: `idn_${roles}`, accountId, roleArn, externalId: EXTERNAL_ID });
  }

  before(async () => {
    sts = await StsSandbox.start();
    await sts.createAccount(TENANT);
    await sts.createAccount(OTHER);
  });
  after(async () => {
    await sts.close();
  });
  beforeEach(async () => {
    await sts.admin.updateSettings({ iamPropagationMs: 0, clockOffsetMs: 0 });
    await sts.admin.resetStats();
  });

  it('C6: retries AccessDenied while IAM propagates a new role, then verifies it', async () => {
    await sts.admin.updateSettings({ iamPropagationMs: 1_500 });
    const identity = newRole();
    const progress: VerifyProgress[] = [];
    const started = Date.now();
    const verified = await connector().verify(identity, { onProgress: (p) => progress.push(p) });
    const elapsed = Date.now() - started;

    assert.deepEqual(verified, {
      accountId: TENANT,
      roleArn: identity.roleArn,
      assumedRoleArn: `arn:aws:sts::${TENANT}:assumed-role/verify-role-${roles}/skybridge-verify-${identity.id}`,
    });
    assert.ok(elapsed >= 1_400, `waited for propagation (${elapsed} ms)`);
    assert.ok(progress.length >= 2, `several attempts (${progress.length})`);
    assert.equal(progress[0]?.attempt, 1);
    assert.equal(progress[0]?.lastError, undefined);
    assert.equal(progress[1]?.lastError?.code, 'AccessDenied');
    assert.deepEqual(
      progress.map((p) => p.attempt),
      progress.map((_, i) => i + 1),
    );
    const calls = await sts.stsCalls();
    // Every attempt, plus the wrong-external-id check, plus GetCallerIdentity on the role.
    assert.equal(calls.AssumeRole, progress.length + 1);
    assert.equal(calls.GetCallerIdentity, 1);
  });

  it('C6: reports role_not_assumable, saying what to check, once the propagation timeout passes', async () => {
    await sts.admin.updateSettings({ iamPropagationMs: 60_000 });
    const identity = newRole();
    const started = Date.now();
    await assert.rejects(connector({ propagationTimeoutSeconds: 1 }).verify(identity), (error: unknown) => {
      assert.ok(error instanceof SkybridgeError);
      assert.equal(error.code, 'role_not_assumable');
      assert.match(error.message, new RegExp(`account ${TENANT}`));
      assert.match(error.message, /CREATE_COMPLETE/);
      assert.match(error.message, /verify-role-\d+/);
      return true;
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 900 && elapsed < 3_000, `gave up after about 1 s (${elapsed} ms)`);
  });

  it('refuses a role that trusts us without the external id (external_id_not_enforced)', async () => {
    const identity = newRole({ insecure: true });
    await assert.rejects(connector().verify(identity), (error: unknown) => {
      assert.ok(error instanceof SkybridgeError);
      assert.equal(error.code, 'external_id_not_enforced');
      assert.match(error.message, /sts:ExternalId/);
      return true;
    });
    // Only when the configuration allows it is such a role accepted.
    const accepted = await connector({ requireExternalIdEnforced: false }).verify(identity);
    assert.equal(accepted.accountId, TENANT);
  });

  it('refuses a role in another account than the tenant said (account_mismatch)', async () => {
    const identity = { ...newRole({ accountId: OTHER }), accountId: TENANT };
    await assert.rejects(connector().verify(identity), (error: unknown) => {
      assert.ok(error instanceof SkybridgeError);
      assert.equal(error.code, 'account_mismatch');
      assert.match(error.message, new RegExp(`${OTHER}.*${TENANT}`));
      return true;
    });
  });

  it('C11: verifies a role whose ARN has a path, using the ARN unchanged', async () => {
    const identity = newRole({ path: '/integrations/acme/' });
    assert.match(identity.roleArn, /:role\/integrations\/acme\/verify-role-\d+$/);
    const verified = await connector().verify(identity);
    assert.equal(verified.roleArn, identity.roleArn);
  });

  it('stops waiting as soon as the caller aborts', async () => {
    await sts.admin.updateSettings({ iamPropagationMs: 60_000 });
    const identity = newRole();
    const controller = new AbortController();
    const started = Date.now();
    const verifying = connector({ propagationTimeoutSeconds: 60 }).verify(identity, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.attempt === 2) controller.abort();
      },
    });
    await assert.rejects(verifying, (error: unknown) => {
      assert.ok(error instanceof SkybridgeError);
      assert.equal(error.code, 'verification_aborted');
      return true;
    });
    assert.ok(Date.now() - started < 3_000);
    // Nothing keeps going behind the caller's back: no further AssumeRole once it gave up.
    const attempts = (await sts.stsCalls()).AssumeRole;
    assert.equal(attempts, 1, 'attempt 2 was aborted before it was sent');
    await new Promise((resolve) => setTimeout(resolve, 700)); // longer than any backoff of this connector
    assert.equal((await sts.stsCalls()).AssumeRole, attempts);
  });

  it('stops waiting for a TOTP step when the caller aborts (verification_aborted at once, no code sent)', async () => {
    const clock = new ManualClock(15_010_000); // step 500; step 501 starts in 20 s
    await sts.admin.updateSettings({ clockOffsetMs: 15_010_000 - Date.now() });
    const store = new MemoryEngineStore();
    await store.claimTotpStep(sts.mfa.serialNumber, 500); // another instance just used this step
    const aws = new AwsConnector({ name: 'aws', config: sts.config(), store, clock });
    const identity = sts.identity({
      id: 'idn_abort_totp',
      accountId: TENANT,
      externalId: EXTERNAL_ID,
      roleArn: sts.createTenantRole({ accountId: TENANT, roleName: 'abort-totp', externalId: EXTERNAL_ID }),
    });
    const controller = new AbortController();
    const verifying = aws.verify(identity, { signal: controller.signal });
    verifying.catch(() => {});
    for (let i = 0; i < 2_000 && clock.waiting === 0; i++) await new Promise((r) => setTimeout(r, 1));
    assert.equal(clock.waiting, 1, 'the base session waits for step 501');
    const aborted = Date.now();
    controller.abort();
    let timer: NodeJS.Timeout | undefined;
    const error = await Promise.race([
      verifying,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('verification still waiting 1 s after the abort')), 1_000);
      }),
    ]).then(
      () => assert.fail('expected verification_aborted'),
      (e: unknown) => e,
    );
    clearTimeout(timer);
    assert.ok(error instanceof SkybridgeError, String(error));
    assert.equal(error.code, 'verification_aborted');
    assert.ok(Date.now() - aborted < 500);
    assert.equal(clock.waiting, 0, 'nothing is left waiting on the clock');
    assert.deepEqual(await sts.stsCalls(), { AssumeRole: 0, GetSessionToken: 0, GetCallerIdentity: 0 });
    assert.equal(await store.lastTotpStep(sts.mfa.serialNumber), 500);
  });
});
