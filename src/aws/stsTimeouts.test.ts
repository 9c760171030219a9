import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ManualClock, SkybridgeError } from '../core/index.js';
import { DEFAULT_STS_REQUEST_TIMEOUT_MS } from './awsClients.js';
import { AwsConnector } from './awsConnector.js';
import { MemoryEngineStore } from './engineStore.js';
import { StsSandbox } from './stsSandbox.fixture.js';
import { totpCode } from './totp.js';

const TENANT = '012345678901';
const EXTERNAL_ID = 'timeout-external-id-0123456789abcdef';

/**
 * A loopback STS that accepts every connection, reads the request and never answers. It notes each
 * request's action and TOTP code (the query protocol's form body), to check what was sent.
 */
async function blackHole(): Promise<{
  url: string;
  requests: () => { action: string | null; tokenCode: string | null }[];
  close: () => Promise<void>;
}> {
  const sockets = new Set<Socket>();
  const bodies: string[] = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const index = bodies.push('') - 1;
    socket.on('data', (chunk) => {
      bodies[index] += chunk.toString('utf8');
    });
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests: () =>
      bodies.map((raw) => {
        const form = new URLSearchParams(raw.slice(raw.indexOf('\r\n\r\n') + 4));
        return { action: form.get('Action'), tokenCode: form.get('TokenCode') };
      }),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `work`'s outcome, or a failure once `ms` of real time pass (a hung call must fail the test, not stall it). */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Until `work` settles: each time the engine waits on `clock`, moves it (and the sandbox) to the next TOTP step. */
async function drive<T>(sts: StsSandbox, clock: ManualClock, work: Promise<T>): Promise<T> {
  let settled = false;
  const watched = work.finally(() => {
    settled = true;
  });
  watched.catch(() => {});
  while (!settled) {
    for (let i = 0; i < 5_000 && !settled && clock.waiting === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 1));
    if (settled) break;
    assert.ok(clock.waiting > 0, 'the engine neither finished nor waited on the clock');
    const next = (Math.floor(clock.now() / 30_000) + 1) * 30_000;
    await sts.alignClock(next);
    clock.set(next);
  }
  return watched;
}

describe('STS request timeouts against an endpoint that accepts and never answers', () => {
  let sts: StsSandbox;
  let hole: Awaited<ReturnType<typeof blackHole>>;

  before(async () => {
    sts = await StsSandbox.start();
    await sts.createAccount(TENANT);
    hole = await blackHole();
  });
  after(async () => {
    await hole.close();
    await sts.close();
  });

  it(`fails within the default ${DEFAULT_STS_REQUEST_TIMEOUT_MS} ms request timeout with aws_unreachable (502, retryable)`, async () => {
    const aws = new AwsConnector({
      name: 'hole',
      config: sts.config({ mfa: false, endpoints: { sts: hole.url } }),
      store: new MemoryEngineStore(),
    });
    const started = Date.now();
    const error = await within(DEFAULT_STS_REQUEST_TIMEOUT_MS + 3_000, aws.check()).then(
      () => assert.fail('expected aws_unreachable'),
      (e: unknown) => e,
    );
    const elapsed = Date.now() - started;
    assert.ok(error instanceof SkybridgeError, String(error));
    assert.equal(error.code, 'aws_unreachable');
    assert.equal(error.status, 502);
    assert.equal(error.retryable, true);
    assert.match(error.message, /at 127\.0\.0\.1:\d+ for GetCallerIdentity/);
    assert.ok(elapsed >= DEFAULT_STS_REQUEST_TIMEOUT_MS - 100, `answered after ${elapsed} ms`);
    assert.ok(elapsed < DEFAULT_STS_REQUEST_TIMEOUT_MS + 1_500, `answered after ${elapsed} ms`);
  });

  it('with MFA, each timed-out GetSessionToken used its own TOTP step: no code is sent twice', async () => {
    const requestTimeoutMs = 300;
    const start = 16_525_000; // step 550, 5 s before step 551: one retry fits the 10-s budget
    const clock = new ManualClock(start);
    await sts.alignClock(start);
    const store = new MemoryEngineStore();
    const aws = new AwsConnector({
      name: 'hole-mfa',
      config: sts.config({ endpoints: { sts: hole.url } }),
      store,
      clock,
      tuning: { stsTimeouts: { requestTimeoutMs }, retryBackoff: { baseMs: 1, capMs: 1 } },
    });
    const identity = sts.identity({
      id: 'idn_hole',
      accountId: TENANT,
      externalId: EXTERNAL_ID,
      roleArn: aws.roleArnFor(TENANT),
    });
    const before = hole.requests().length;
    const started = Date.now();
    const error = await within(5_000, drive(sts, clock, aws.getCredentials(identity))).then(
      () => assert.fail('expected aws_unreachable'),
      (e: unknown) => e,
    );
    const elapsed = Date.now() - started;
    assert.ok(error instanceof SkybridgeError, String(error));
    assert.equal(error.code, 'aws_unreachable');
    assert.equal(error.retryable, true);
    const sent = hole.requests().slice(before);
    assert.deepEqual(
      sent.map((r) => r.action),
      ['GetSessionToken', 'GetSessionToken'],
    );
    assert.deepEqual(
      sent.map((r) => r.tokenCode),
      [totpCode(sts.mfa.base32Secret, 550), totpCode(sts.mfa.base32Secret, 551)],
      "step 550's code, then step 551's: never one code twice",
    );
    assert.equal(await store.lastTotpStep(sts.mfa.serialNumber), 551);
    assert.ok(elapsed < 2 * requestTimeoutMs + 1_500, `answered after ${elapsed} ms`);
    assert.equal((await sts.stsCalls()).AssumeRole, 0);
  });

  it('AssumeRole to a silent endpoint gives aws_unreachable after its bounded attempts, each cut at the request timeout', async () => {
    const requestTimeoutMs = 200;
    const clock = new ManualClock(17_000_000);
    const aws = new AwsConnector({
      name: 'hole-assume',
      config: sts.config({ mfa: false, endpoints: { sts: hole.url } }),
      store: new MemoryEngineStore(),
      clock,
      tuning: { stsTimeouts: { requestTimeoutMs }, retryBackoff: { baseMs: 1, capMs: 1 } },
    });
    const identity = sts.identity({
      id: 'idn_hole_assume',
      accountId: TENANT,
      externalId: EXTERNAL_ID,
      roleArn: aws.roleArnFor(TENANT),
    });
    const before = hole.requests().length;
    const started = Date.now();
    const error = await within(5_000, drive(sts, clock, aws.getCredentials(identity))).then(
      () => assert.fail('expected aws_unreachable'),
      (e: unknown) => e,
    );
    const elapsed = Date.now() - started;
    assert.ok(error instanceof SkybridgeError, String(error));
    assert.equal(error.code, 'aws_unreachable');
    assert.equal(error.retryable, true);
    const sent = hole.requests().slice(before);
    assert.deepEqual(
      sent.map((r) => r.action),
      Array(5).fill('AssumeRole'),
    );
    assert.ok(elapsed < 5 * requestTimeoutMs + 1_500, `answered after ${elapsed} ms`);
  });
});
