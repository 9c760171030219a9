import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type Logger, ManualClock, SkybridgeError } from '../core/index.js';
import { BaseSession } from './baseSession.js';
import { MemoryEngineStore } from './engineStore.js';
import { BASE_ACCOUNT, StsSandbox } from './stsSandbox.fixture.js';
import { totpCode, totpStep } from './totp.js';

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

    clock.set(1_019_999); // still step 33: keep waiting
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(finished, false, 'step 34 starts at t = 1020 s, not before');
    assert.equal(clock.waiting, 1);
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

  it('C2: an "invalid MFA one time pass code" answer is retried once, with the next step\'s code', async () => {
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

  it("C2: gives up with mfa_code_rejected when the next step's code is rejected too", async () => {
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

  it('C2: reports an MFA serial AWS cannot validate as mfa_misconfigured, without retrying', async () => {
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

  it('refreshes 5 minutes ahead of expiry: none at 6 minutes, at 4 the valid session is served and one GetSessionToken follows with a later step', async () => {
    const start = 15_000_000; // the start of step 500
    const clock = new ManualClock(start);
    await sts.alignClock(start);
    const store = new MemoryEngineStore();
    // 15-minute sessions (the shortest AWS allows) keep the steps involved easy to read.
    const config = sts.config({ iam: { baseSessionSeconds: 900 } });
    const base = new BaseSession({ name: 'ahead', config, store, clock });
    const moveTo = async (ms: number) => {
      await sts.alignClock(ms);
      clock.set(ms);
    };

    const first = await base.get();
    assert.deepEqual(usedSteps(), [totpStep(start)]);
    // 900 s from the sandbox's answer time, a few real ms after `start`.
    assert.ok(first.expiration - (start + 900_000) >= 0 && first.expiration - (start + 900_000) < 2_000);

    await moveTo(first.expiration - 6 * 60_000);
    for (let i = 0; i < 5; i++) assert.equal((await base.get()).accessKeyId, first.accessKeyId);
    await new Promise((resolve) => setTimeout(resolve, 50)); // room for a refresh that should not start
    assert.equal((await sts.stsCalls()).GetSessionToken, 1, 'no refresh 6 minutes before expiry');
    assert.equal(clock.waiting, 0);

    const fourBefore = first.expiration - 4 * 60_000;
    await moveTo(fourBefore);
    // Inside the margin every caller still gets the valid session at once, without waiting on STS.
    const served = await Promise.all(Array.from({ length: 10 }, () => base.get()));
    assert.deepEqual(
      new Set(served.map((credentials) => credentials.accessKeyId)),
      new Set([first.accessKeyId]),
    );
    // Read from the sandbox's own state without yielding: the refresh has not reached STS yet.
    assert.deepEqual(usedSteps(), [totpStep(start)], 'served before any new GetSessionToken');
    let next = first;
    for (let i = 0; i < 2_000 && next.accessKeyId === first.accessKeyId; i++) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      next = await base.get();
    }
    assert.notEqual(next.accessKeyId, first.accessKeyId, 'the background refresh replaced the session');
    assert.equal(clock.waiting, 0, 'the refresh did not wait for a TOTP step');
    assert.equal((await sts.stsCalls()).GetSessionToken, 2, 'exactly one refresh for all those callers');
    // The refresh sent the code of the step it ran in, later than the first session's.
    const refreshStep = totpStep(fourBefore);
    assert.ok(refreshStep > totpStep(start));
    assert.deepEqual(usedSteps(), [totpStep(start), refreshStep]);
    assert.equal(await store.lastTotpStep(sts.mfa.serialNumber), refreshStep);
    assert.ok(Math.abs(next.expiration - (fourBefore + 900_000)) < 2_000, String(next.expiration));
    // The new session is outside the margin: later callers cause no further call.
    for (let i = 0; i < 5; i++) assert.equal((await base.get()).accessKeyId, next.accessKeyId);
    assert.equal((await sts.stsCalls()).GetSessionToken, 2);
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

  /** `work`'s outcome, or a failure if it has not settled within `ms` of real time (instead of hanging). */
  async function within<T>(ms: number, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([work, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  it('get(signal) stops waiting for the next TOTP step as soon as the signal aborts, and sends no code', async () => {
    const clock = new ManualClock(13_010_000); // step 433; step 434 starts in 20 s
    await sts.alignClock(13_010_000);
    const store = new MemoryEngineStore();
    await store.claimTotpStep(sts.mfa.serialNumber, 433); // another instance used this step's code
    const base = new BaseSession({ name: 'abort', config: sts.config(), store, clock });

    const controller = new AbortController();
    const getting = base.get(controller.signal);
    getting.catch(() => {});
    await until(() => clock.waiting === 1, 'the session waits for step 434');
    controller.abort();
    const error = await within(1_000, getting).then(
      () => assert.fail('expected the wait to be aborted'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'AbortError');
    assert.equal(clock.waiting, 0, 'nothing is left waiting on the clock');
    assert.equal(clock.now(), 13_010_000);
    assert.equal((await sts.stsCalls()).GetSessionToken, 0);
    assert.equal(await store.lastTotpStep(sts.mfa.serialNumber), 433, 'no step claimed for the aborted wait');

    // The next caller starts afresh and gets a session with step 434's code.
    const credentials = await drive(clock, base.get());
    assert.equal(credentials.mfa, true);
    assert.deepEqual(usedSteps(), [434]);
  });

  it('one caller aborting does not stop the refresh another caller still waits for', async () => {
    const clock = new ManualClock(14_010_000); // step 467
    await sts.alignClock(14_010_000);
    const store = new MemoryEngineStore();
    await store.claimTotpStep(sts.mfa.serialNumber, 467);
    const base = new BaseSession({ name: 'abort-one', config: sts.config(), store, clock });

    const leaving = new AbortController();
    const staying = new AbortController();
    const gone = base.get(leaving.signal);
    gone.catch(() => {});
    const kept = base.get(staying.signal);
    await until(() => clock.waiting === 1, 'one shared wait for step 468');
    leaving.abort();
    await assert.rejects(within(1_000, gone), { name: 'AbortError' });
    assert.equal(clock.waiting, 1, 'the shared refresh still waits for the other caller');
    const credentials = await drive(clock, kept);
    assert.equal(credentials.mfa, true);
    assert.deepEqual(usedSteps(), [468]);
    assert.equal((await sts.stsCalls()).GetSessionToken, 1);
  });

  /** Moves the engine's clock and the sandbox's to the next TOTP step each time the engine waits, until `work` settles. */
  async function drive<T>(clock: ManualClock, work: Promise<T>): Promise<T> {
    let settled = false;
    const watched = work.finally(() => {
      settled = true;
    });
    watched.catch(() => {});
    while (!settled) {
      await until(() => settled || clock.waiting > 0, 'the engine waits on the clock or finishes');
      if (settled) break;
      const next = (Math.floor(clock.now() / 30_000) + 1) * 30_000;
      await sts.alignClock(next);
      clock.set(next);
    }
    return watched;
  }

  /**
   * A loopback TCP relay to the sandbox that cuts the next `drop` connections as they open, before
   * a byte reaches STS: a network failure before AWS answered (or even heard) the request.
   */
  async function flakyRelay(): Promise<{
    url: string;
    dropNext: (n: number) => void;
    dropped: () => number;
    close: () => Promise<void>;
  }> {
    const target = new URL(sts.url);
    let toDrop = 0;
    let dropped = 0;
    const sockets = new Set<Socket>();
    const server: Server = createServer((client) => {
      sockets.add(client);
      client.on('close', () => sockets.delete(client));
      if (toDrop > 0) {
        toDrop--;
        dropped++;
        client.resetAndDestroy();
        return;
      }
      const upstream = connect(Number(target.port), target.hostname);
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    assert.ok(address && typeof address === 'object');
    return {
      url: `http://127.0.0.1:${address.port}`,
      dropNext: (n) => {
        toDrop = n;
      },
      dropped: () => dropped,
      close: async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  it('C2: a connection cut before STS answered keeps its step claimed; the retry sends the next step, each code at most once', async () => {
    const relay = await flakyRelay();
    try {
      const clock = new ManualClock(7_015_000); // step 233, 5 s before step 234: within the retry budget
      await sts.alignClock(7_015_000);
      const store = new MemoryEngineStore();
      const config = sts.config({ endpoints: { sts: relay.url } });
      const base = new BaseSession({ name: 'cut', config, store, clock, backoff: { baseMs: 1, capMs: 1 } });

      relay.dropNext(1);
      const getting = base.get();
      await until(() => clock.waiting === 1, 'the retry waits');
      assert.equal(relay.dropped(), 1);
      // AWS never saw step 233's code, yet it stays claimed: a request cut after sending may have
      // reached AWS, so no instance may send that code again.
      assert.equal(await store.lastTotpStep(sts.mfa.serialNumber), 233);
      assert.deepEqual(usedSteps(), []);
      const credentials = await drive(clock, getting);
      assert.equal(credentials.mfa, true);
      assert.equal(clock.now(), 7_020_000, 'waited for step 234 (t = 7020 s)');
      assert.deepEqual(usedSteps(), [234]);
      assert.equal(await store.lastTotpStep(sts.mfa.serialNumber), 234);
      assert.equal((await sts.stsCalls()).GetSessionToken, 1, 'only the uncut request reached STS');
    } finally {
      await relay.close();
    }
  });

  it('C2: after every attempt the 10-s budget allows was cut (aws_unreachable, 502, retryable), the next call succeeds with a step never claimed before', async () => {
    const relay = await flakyRelay();
    try {
      const clock = new ManualClock(8_039_000); // step 267, 1 s before step 268; step 269 is 31 s away
      await sts.alignClock(8_039_000);
      const store = new MemoryEngineStore();
      const config = sts.config({ endpoints: { sts: relay.url } });
      const base = new BaseSession({ name: 'cut3', config, store, clock, backoff: { baseMs: 1, capMs: 1 } });

      relay.dropNext(3);
      const error = await drive(clock, base.get()).then(
        () => assert.fail('expected aws_unreachable'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof SkybridgeError);
      assert.equal(error.code, 'aws_unreachable');
      assert.equal(error.status, 502);
      assert.equal(error.retryable, true);
      assert.equal(relay.dropped(), 2, 'a third attempt would have waited past the budget');
      assert.equal(await store.lastTotpStep(sts.mfa.serialNumber), 268, 'steps 267 and 268 claimed');
      assert.equal(clock.now(), 8_040_000, 'answered 1 s after the call began');
      relay.dropNext(0);

      const credentials = await drive(clock, base.get());
      assert.ok(credentials.sessionToken);
      assert.equal(clock.now(), 8_070_000, 'waited for step 269 rather than reuse 268');
      assert.deepEqual(usedSteps(), [269]);
      assert.equal((await sts.stsCalls()).GetSessionToken, 1);
    } finally {
      await relay.close();
    }
  });

  /** A loopback port nothing listens on: connecting to it is refused at once. */
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    assert.ok(address && typeof address === 'object');
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return address.port;
  }

  it('a refused connection answers aws_unreachable at once, naming the endpoint, without waiting for another TOTP step', async () => {
    const port = await closedPort();
    const clock = new ManualClock(11_000_000); // step 366, 10 s before step 367: a retry would fit the budget
    const store = new MemoryEngineStore();
    const config = sts.config({ endpoints: { sts: `http://127.0.0.1:${port}` } });
    const base = new BaseSession({ name: 'refused', config, store, clock });

    const error = await base.get().then(
      () => assert.fail('expected aws_unreachable'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof SkybridgeError);
    assert.equal(error.code, 'aws_unreachable');
    assert.equal(error.status, 502);
    assert.match(error.message, new RegExp(`at 127\\.0\\.0\\.1:${port} for GetSessionToken \\(ECONNREFUSED`));
    assert.equal(clock.now(), 11_000_000, 'no wait on the clock');
    assert.equal(clock.waiting, 0);
    // The one code prepared stays claimed: the TOTP rule holds even for a request that never left.
    assert.equal(await store.lastTotpStep(sts.mfa.serialNumber), 366);
  });

  it('a host name DNS cannot resolve answers aws_unreachable within seconds on the real clock, naming the host', async () => {
    const store = new MemoryEngineStore();
    const config = sts.config({ endpoints: { sts: 'http://sts.nonexistent.invalid' } });
    const base = new BaseSession({ name: 'dns', config, store }); // system clock: a TOTP wait would be real
    const started = Date.now();
    const error = await base.identity().then(
      () => assert.fail('expected aws_unreachable'),
      (e: unknown) => e,
    );
    const elapsed = Date.now() - started;
    assert.ok(error instanceof SkybridgeError);
    assert.equal(error.code, 'aws_unreachable');
    assert.match(error.message, /at sts\.nonexistent\.invalid for GetSessionToken \((ENOTFOUND|EAI_AGAIN)/);
    assert.ok(elapsed < 5_000, `took ${elapsed} ms`);
    assert.equal((await sts.stsCalls()).GetSessionToken ?? 0, 0);
  });

  it('a cut connection is not retried when the next TOTP step starts beyond the 10-s budget', async () => {
    const relay = await flakyRelay();
    try {
      const clock = new ManualClock(12_000_000); // step 400 started now; step 401 is 30 s away
      await sts.alignClock(12_000_000);
      const store = new MemoryEngineStore();
      const config = sts.config({ endpoints: { sts: relay.url } });
      const base = new BaseSession({ name: 'budget', config, store, clock });
      relay.dropNext(1);
      await assert.rejects(base.get(), { code: 'aws_unreachable' });
      assert.equal(relay.dropped(), 1);
      assert.equal(clock.now(), 12_000_000, 'answered without waiting');
      assert.equal(await store.lastTotpStep(sts.mfa.serialNumber), 400);
    } finally {
      await relay.close();
    }
  });

  it('sts_throttled (503, retryable) after 3 throttled GetSessionToken attempts, each on its own step; no code is reused after', async () => {
    const clock = new ManualClock(9_000_000); // step 300
    await sts.alignClock(9_000_000);
    await sts.admin.updateSettings({ throttleEvery: 1 });
    const store = new MemoryEngineStore();
    const base = new BaseSession({
      name: 'throttled',
      config: sts.config(),
      store,
      clock,
      backoff: { baseMs: 1, capMs: 1 },
    });
    try {
      const error = await drive(clock, base.get()).then(
        () => assert.fail('expected sts_throttled'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof SkybridgeError);
      assert.equal(error.code, 'sts_throttled');
      assert.equal(error.status, 503);
      assert.equal(error.retryable, true);
      assert.equal((await sts.stsCalls()).GetSessionToken, 3);
      assert.deepEqual(usedSteps(), [], 'AWS refused before reading a code');
      assert.equal(await store.lastTotpStep(sts.mfa.serialNumber), 302);
    } finally {
      await sts.admin.updateSettings({ throttleEvery: 0 });
    }
    await drive(clock, base.get());
    assert.deepEqual(usedSteps(), [303]);
    assert.equal((await sts.stsCalls()).GetSessionToken, 4);
  });

  it('logs no secret, session token or TOTP code, whether GetSessionToken succeeds or AWS rejects its codes', async () => {
    const lines: string[] = [];
    const capture = (bindings: Record<string, unknown>): Logger => {
      const write = (obj: object, msg?: string) => lines.push(JSON.stringify({ ...bindings, ...obj, msg }));
      return {
        debug: write,
        info: write,
        warn: write,
        error: write,
        child: (more) => capture({ ...bindings, ...more }),
      };
    };
    const clock = new ManualClock(10_000_000); // step 333
    await sts.alignClock(10_000_000);
    const store = new MemoryEngineStore();
    const base = new BaseSession({ name: 'logs', config: sts.config(), store, clock, logger: capture({}) });
    const good = await base.get();
    const device = sts.sandbox.world.accounts.get(BASE_ACCOUNT)?.users.get('integration-bot')?.mfaDevices[0];
    device?.usedSteps.add(335).add(336); // AWS will reject both codes of the next refresh
    clock.set(10_020_000);
    await sts.alignClock(10_020_000);
    await assert.rejects(drive(clock, base.refresh()), { code: 'mfa_code_rejected' });

    const text = lines.join('\n');
    assert.ok(lines.length >= 3, text);
    for (const secret of [
      sts.mfa.base32Secret,
      sts.user.secretAccessKey,
      good.secretAccessKey,
      good.sessionToken ?? '',
    ]) {
      assert.ok(!text.includes(secret), 'a secret reached the log');
    }
    for (const step of [333, 334, 335, 336]) {
      assert.ok(
        !text.includes(totpCode(sts.mfa.base32Secret, step)),
        `the code of step ${step} reached the log`,
      );
    }
  });
});
