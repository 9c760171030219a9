/**
 * A client integration code builds once from getSdkByTenant keeps working after the first tenant
 * credentials expire (the sandbox's clock and the server's clock both jump past their lifetime), and
 * each credential it gets is audited and counted like one from POST .../credentials: install, caller,
 * time, never the credential. Real server over HTTP, real integration route, real sandbox.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { createIntegrationRoutes, Integration, type TenantSdkConfig } from '../src/runtime/index.js';
import { integrationHostOf } from '../src/server/integrationHost.js';
import { offsetClock, setupWorld, type World } from './support/journey.js';

const TWO_HOURS = 2 * 3_600_000;

// Built in one request and used in later ones, as integration code may keep a client around.
let kept: { config: TenantSdkConfig; s3: S3Client } | undefined;
const integration = new Integration();
integration.router.post('/api/tenant/:tenantId/client', async (ctx) => {
  const config = await integration.tenant.getSdkByTenant(ctx, 'awsConnector', ctx.params.tenantId);
  kept?.s3.destroy();
  kept = { config, s3: new S3Client(config) };
  ctx.body = { region: config.region, endpoint: config.endpoint };
});
integration.router.get('/api/kept-client/buckets', async (ctx) => {
  const answer = await kept!.s3.send(new ListBucketsCommand({}));
  ctx.body = { buckets: answer.Buckets?.map((bucket) => bucket.Name).sort() };
});
// A client per request, as the bundled examples build them.
integration.router.get('/api/tenant/:tenantId/fresh-buckets', async (ctx) => {
  const s3 = new S3Client(await integration.tenant.getSdkByTenant(ctx, 'awsConnector', ctx.params.tenantId));
  try {
    const answer = await s3.send(new ListBucketsCommand({}));
    ctx.body = { buckets: answer.Buckets?.map((bucket) => bucket.Name).sort() };
  } finally {
    s3.destroy();
  }
});
// What the kept client signs with now (the test looks for these values in the audit log).
integration.router.get('/api/kept-client/credentials', async (ctx) => {
  const { accessKeyId, secretAccessKey, sessionToken } = await kept!.config.credentials();
  ctx.body = { accessKeyId, secretAccessKey, sessionToken };
});

describe('credentials given to integration code', () => {
  const serverClock = offsetClock();
  let world: World;
  let installId = '';

  before(async () => {
    world = await setupWorld({
      clock: serverClock,
      integrationRoutes: createIntegrationRoutes({
        integrations: new Map([['demo', integration]]),
        host: integrationHostOf,
      }),
    });
    ({ installId } = await world.installTenant('acme'));
    const s3 = world.tenantS3();
    for (const bucket of ['acme-a', 'acme-b', 'acme-c'])
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    s3.destroy();
  });
  after(async () => {
    kept?.s3.destroy();
    await world?.close();
  });

  /** A call to the test integration's routes with the admin key and a request id of the test's choosing. */
  const route = async (method: string, path: string, requestId: string) => {
    const response = await fetch(`${world.url}/v1/integrations/demo/api${path}`, {
      method,
      headers: { authorization: `Bearer ${world.adminKey}`, 'x-request-id': requestId },
    });
    const text = await response.text();
    assert.equal(response.status, 200, `${method} ${path}: ${text}`);
    assert.equal(response.headers.get('x-request-id'), requestId);
    return JSON.parse(text);
  };
  const issued = async () =>
    (await world.server.store.audit.list({ action: 'credentials.issued', limit: 1000 })).reverse();
  const issuedMetric = async () => {
    const text = await fetch(`${world.url}/metrics`).then((r) => r.text());
    return Number(/^skybridge_credentials_issued_total (\d+)$/m.exec(text)?.[1]);
  };

  it('keep a client built once working past the first credential lifetime, and audit each credential once', async () => {
    assert.deepEqual(await issued(), [], 'nothing issued before the route asks');
    const metricBefore = await issuedMetric();

    const built = await route('POST', '/tenant/acme/client', 'req-build-client');
    assert.deepEqual(built, { region: 'us-east-1', endpoint: world.sandbox.url });
    // The SDK asks the provider before nearly every request: several calls, still one credential.
    for (const id of ['req-list-1', 'req-list-2', 'req-list-3']) {
      const listed = await route('GET', '/kept-client/buckets', id);
      assert.deepEqual(listed.buckets, ['acme-a', 'acme-b', 'acme-c']);
    }
    const first = await route('GET', '/kept-client/credentials', 'req-peek-1');

    const rows = await issued();
    assert.equal(rows.length, 1, `one row for one credential: ${JSON.stringify(rows)}`);
    const row = rows[0]!;
    assert.equal(row.target, installId);
    assert.equal(row.actor, 'integration:demo');
    assert.deepEqual(row.details, {
      integration: 'demo',
      tenantId: 'acme',
      connector: 'awsConnector',
      requestId: 'req-list-1',
    });
    assert.ok(Math.abs(row.at.getTime() - serverClock.now()) < 30_000, `at ${row.at.toISOString()}`);
    assert.equal(await issuedMetric(), metricBefore + 1, 'counted like the credentials endpoint');

    await world.sandboxAdmin.updateSettings({ clockOffsetMs: TWO_HOURS });
    serverClock.advance(TWO_HOURS);

    // The first credentials are now refused by the (sandbox) AWS: the test can fail.
    const stale = new S3Client({
      region: 'us-east-1',
      endpoint: world.sandbox.url,
      forcePathStyle: true,
      credentials: first,
    });
    await assert.rejects(stale.send(new ListBucketsCommand({})), /expired|ExpiredToken/i);
    stale.destroy();

    const afterExpiry = await route('GET', '/kept-client/buckets', 'req-list-4');
    assert.deepEqual(afterExpiry.buckets, ['acme-a', 'acme-b', 'acme-c']);
    await route('GET', '/kept-client/buckets', 'req-list-5');
    const second = await route('GET', '/kept-client/credentials', 'req-peek-2');
    assert.notEqual(second.accessKeyId, first.accessKeyId);

    const all = await issued();
    assert.equal(all.length, 2, `a second row for the second credential: ${JSON.stringify(all)}`);
    const refreshed = all[1]!;
    assert.equal(refreshed.target, installId);
    assert.equal(refreshed.actor, 'integration:demo');
    assert.equal(refreshed.details?.requestId, 'req-list-4', 'the request the refresh happened in');
    assert.ok(
      refreshed.at.getTime() - row.at.getTime() >= TWO_HOURS,
      `issued after the jump: ${row.at.toISOString()} then ${refreshed.at.toISOString()}`,
    );
    assert.equal(await issuedMetric(), metricBefore + 2);

    const stored = JSON.stringify(all);
    for (const { secretAccessKey, sessionToken } of [first, second]) {
      for (const secret of [secretAccessKey, sessionToken] as string[]) {
        assert.ok(secret.length >= 16, 'the test knows the secret');
        assert.equal(stored.includes(secret), false, 'no credential secret in the audit log');
      }
    }
    assert.equal((await world.storedText()).includes(second.sessionToken), false, 'nor in the database');
  });

  it('records a credential once however many clients use it (a client per request, concurrent requests)', async () => {
    const rowsBefore = await issued();
    const metricBefore = await issuedMetric();
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => route('GET', '/tenant/acme/fresh-buckets', `req-fresh-${i}`)),
    );
    for (const answer of answers) assert.deepEqual(answer.buckets, ['acme-a', 'acme-b', 'acme-c']);
    // The engine served its cached credential, the one the kept client's refresh recorded already.
    assert.deepEqual(await issued(), rowsBefore);
    assert.equal(await issuedMetric(), metricBefore);
  });

  it('counts a tenant who removed the role as an STS failure, as the credentials endpoint does', async () => {
    const failures = async () => {
      const text = await fetch(`${world.url}/metrics`).then((r) => r.text());
      return Number(
        /^skybridge_sts_failures_total\{code="tenant_access_denied"\} (\d+)$/m.exec(text)?.[1] ?? 0,
      );
    };
    const before = await failures();
    const rowsBefore = (await issued()).length;
    await world.deleteTenantRole(installId);
    // Past the second credential's lifetime too: the kept client must ask AWS again, and is refused.
    await world.sandboxAdmin.updateSettings({ clockOffsetMs: 2 * TWO_HOURS });
    serverClock.advance(TWO_HOURS);

    const refused = await fetch(`${world.url}/v1/integrations/demo/api/kept-client/buckets`, {
      headers: { authorization: `Bearer ${world.adminKey}` },
    });
    const body = (await refused.json()) as { error: { code: string } };
    assert.ok(refused.status >= 400, `${refused.status} ${JSON.stringify(body)}`);
    assert.equal(await failures(), before + 1);
    assert.equal((await issued()).length, rowsBefore, 'no credential, no audit row');
  });
});
