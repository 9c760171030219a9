import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ManualClock, SkybridgeError } from '../core/index.js';
import { BaseSession } from './baseSession.js';
import { MemoryEngineStore } from './engineStore.js';
import { BASE_ACCOUNT, StsSandbox } from './stsSandbox.fixture.js';

/** Lets the engine run until `condition` holds (it awaits HTTP calls and the store between steps). */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  assert.ok(condition(), `timed out waiting until ${what}`);
}

describe('BaseSession against the sandbox', () => {
  let sts: StsSandbox;
  const usedSteps = () =>
    [
      ...(sts.sandbox.world.accounts.get(BASE_ACCOUNT)?.users.get('integration-bot')?.mfaDevices[0]
        ?.usedSteps ?? []),
    ].sort((a, b) => a - b);

  before(async () => {
    sts = await StsSandbox.start();
  });
  after(async () => {
    await sts.close();
  });
  beforeEach(async () => {
    await sts.admin.resetStats();
    sts.sandbox.world.accounts
      .get(BASE_ACCOUNT)
      ?.users.get('integration-bot')
      ?.mfaDevices[0]?.usedSteps.clear();
  });

  it('C2: a refresh in the TOTP step already used waits for the next step and sends its code', async () => {
    const clock = new ManualClock(1_000_000);
    await sts.alignClock(1_000_000);
    const store = new MemoryEngineStore();
    const base = new BaseSession({ name: 'c2', config: sts.config(), store, clock });

    const first = await base.get();
    assert.equal(first.mfa, true);
    assert.deepEqual(usedSteps(), [33]);

    clock.set(1_010_000);
    await sts.alignClock(1_010_000);
    let finished = false;
    const refreshing = base.refresh().then((credentials) => {
      finished = true;
      return credentials;
    });
    await until(() => clock.waiting === 1, 'the refresh waits on the clock');
    assert.equal(finished, false, 'must not send step 33 again');
    assert.equal((await sts.stsCalls()).GetSessionToken, 1);

    await sts.alignClock(1_020_000);
    clock.set(1_020_000);
    const second = await refreshing;
    assert.deepEqual(usedSteps(), [33, 34], "step 34's code was sent, once");
    assert.equal(await store.lastTotpStep(sts.mfa.serialNumber), 34);
    assert.notEqual(second.accessKeyId, first.accessKeyId);
    assert.equal((await sts.stsCalls()).GetSessionToken, 2);
    // baseSessionSeconds (12 h) from the sandbox's answer time (a few real ms after t=1020 s).
    assert.ok(Math.abs(second.expiration - (1_020_000 + 43_200_000)) < 2_000, String(second.expiration));
  });

  it('retries a rejected MFA code once, with the next step', async () => {
    const clock = new ManualClock(2_000_000); // step 66
    await sts.alignClock(2_000_000);
    // Another client used step 66's code without telling our store: AWS rejects ours.
    sts.sandbox.world.accounts
      .get(BASE_ACCOUNT)
      ?.users.get('integration-bot')
      ?.mfaDevices[0]?.usedSteps.add(66);
    const base = new BaseSession({
      name: 'retry',
      config: sts.config(),
      store: new MemoryEngineStore(),
      clock,
    });

    const getting = base.get();
    await until(() => clock.waiting === 1, 'the retry waits for step 67');
    await sts.alignClock(2_010_000);
    clock.set(2_010_000);
    const credentials = await getting;
    assert.ok(credentials.sessionToken);
    assert.deepEqual(usedSteps(), [66, 67]);
    assert.equal((await sts.stsCalls()).GetSessionToken, 2);
  });

  it('gives up with mfa_code_rejected when the second code is rejected too', async () => {
    const clock = new ManualClock(3_000_000); // step 100
    await sts.alignClock(3_000_000);
    const device = sts.sandbox.world.accounts.get(BASE_ACCOUNT)?.users.get('integration-bot')?.mfaDevices[0];
    device?.usedSteps.add(100);
    device?.usedSteps.add(101);
    const base = new BaseSession({
      name: 'rejected',
      config: sts.config(),
      store: new MemoryEngineStore(),
      clock,
    });

    const getting = base.get().then(
      () => assert.fail('expected mfa_code_rejected'),
      (error: unknown) => error,
    );
    await until(() => clock.waiting === 1, 'the retry waits for step 101');
    await sts.alignClock(3_030_000);
    clock.set(3_030_000);
    const error = await getting;
    assert.ok(error instanceof SkybridgeError);
    assert.equal(error.code, 'mfa_code_rejected');
    assert.equal((await sts.stsCalls()).GetSessionToken, 2, 'exactly one retry');
    assert.ok(!error.message.includes(sts.mfa.base32Secret));
  });

  it('reports an unknown MFA serial as mfa_misconfigured without retrying', async () => {
    const clock = new ManualClock(4_000_000);
    await sts.alignClock(4_000_000);
    const config = sts.config({ iam: { mfaSerial: `arn:aws:iam::${BASE_ACCOUNT}:mfa/nobody` } });
    const base = new BaseSession({ name: 'serial', config, store: new MemoryEngineStore(), clock });
    await assert.rejects(base.get(), (error: unknown) => {
      assert.ok(error instanceof SkybridgeError);
      assert.equal(error.code, 'mfa_misconfigured');
      assert.equal(error.field, 'iam.mfaSerial');
      assert.match(error.message, /iam\.mfaSerial/);
      return true;
    });
    assert.equal((await sts.stsCalls()).GetSessionToken, 1);
  });

  it('shares one session between instances through the store', async () => {
    const clock = new ManualClock(5_000_000);
    await sts.alignClock(5_000_000);
    const store = new MemoryEngineStore();
    const config = sts.config();
    const one = await new BaseSession({ name: 'shared', config, store, clock }).get();
    const two = await new BaseSession({ name: 'shared', config, store, clock }).get();
    assert.equal(two.accessKeyId, one.accessKeyId);
    assert.equal((await sts.stsCalls()).GetSessionToken, 1);
  });

  it("with the keys omitted uses the AWS SDK's default provider chain (here: the environment)", async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = sts.user.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = sts.user.secretAccessKey;
    try {
      const config = sts.config({ mfa: false, iam: { accessKeyId: undefined, secretAccessKey: undefined } });
      assert.equal(config.iam.accessKeyId, undefined);
      const base = new BaseSession({ name: 'chain', config, store: new MemoryEngineStore() });
      assert.equal((await base.get()).accessKeyId, sts.user.accessKeyId);
      assert.equal((await base.identity()).arn, sts.user.arn);
    } finally {
      for (const [name, value] of [
        ['AWS_ACCESS_KEY_ID', saved.id],
        ['AWS_SECRET_ACCESS_KEY', saved.secret],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('without MFA uses the long-term keys with no STS call, and knows its identity', async () => {
    const base = new BaseSession({
      name: 'keys',
      config: sts.config({ mfa: false }),
      store: new MemoryEngineStore(),
    });
    const credentials = await base.get();
    assert.equal(base.mfa, false);
    assert.equal(credentials.accessKeyId, sts.user.accessKeyId);
    assert.equal((await sts.stsCalls()).GetSessionToken, 0);
    const identity = await base.identity();
    assert.deepEqual(
      { accountId: identity.accountId, arn: identity.arn },
      { accountId: BASE_ACCOUNT, arn: sts.user.arn },
    );
  });
});
