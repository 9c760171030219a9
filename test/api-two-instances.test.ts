/**
 * Two Skybridge servers on ONE PostgreSQL database, as a deployment behind a load balancer runs them:
 * an install made through one issues credentials through the other, each TOTP code reaches STS at most
 * once across both, and a DELETE on one stops the other's clients.
 */
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { createIntegrationRoutes, Integration } from '../src/runtime/index.js';
import type { RunningServer } from '../src/server/index.js';
import { integrationHostOf } from '../src/server/integrationHost.js';
import { type Json, setupWorld, type World } from './support/journey.js';

/** A pass-through proxy in front of the sandbox's STS that records every MFA code sent and its answer. */
async function startStsRecorder(target: () => string): Promise<{
  url: string;
  codes: { code: string; status: number }[];
  close(): Promise<void>;
}> {
  const codes: { code: string; status: number }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const form = new URLSearchParams(body.toString('utf8'));
      const { hostname, port } = new URL(target());
      // The Host header is kept: the sandbox checks the signature, which covers it.
      const upstream = httpRequest(
        { host: hostname, port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          const code = form.get('TokenCode');
          if (form.get('Action') === 'GetSessionToken' && code)
            codes.push({ code, status: answer.statusCode ?? 0 });
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => {
        res.statusCode = 502;
        res.end();
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    codes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

// A client kept between requests, per server instance.
const kept = new Map<string, S3Client>();
const integration = new Integration();
integration.router.post('/api/tenant/:tenantId/client/:slot', async (ctx) => {
  const sdk = await integration.tenant.getSdkByTenant(ctx, 'awsConnector', ctx.params.tenantId);
  kept.set(ctx.params.slot, new S3Client(sdk));
  ctx.status = 204;
});
integration.router.get('/api/client/:slot/buckets', async (ctx) => {
  const answer = await kept.get(ctx.params.slot)!.send(new ListBucketsCommand({}));
  ctx.body = { buckets: answer.Buckets?.map((bucket) => bucket.Name).sort() };
});

describe('two servers on one PostgreSQL database', () => {
  let world: World;
  let other: RunningServer;
  let recorder: Awaited<ReturnType<typeof startStsRecorder>>;

  before(async () => {
    let sandboxUrl = '';
    recorder = await startStsRecorder(() => sandboxUrl);
    world = await setupWorld({
      database: 'postgres',
      configure: false,
      integrationRoutes: createIntegrationRoutes({
        integrations: new Map([['demo', integration]]),
        host: integrationHostOf,
      }),
    });
    sandboxUrl = world.sandbox.url;
    other = await world.startInstance();
    const config = {
      ...world.connectorConfig,
      endpoints: { ...world.connectorConfig.endpoints, sts: recorder.url },
    };
    assert.equal((await world.api('PUT', '/v1/connectors/aws', config)).status, 200);
    const put = await world.api('PUT', '/v1/integrations/demo', {
      connectors: { awsConnector: 'aws' },
      redirectUrls: [world.redirectUrl],
    });
    assert.equal(put.status, 200, put.text);
    const s3 = world.tenantS3();
    for (const bucket of ['two-a', 'two-b', 'two-c'])
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    s3.destroy();
  });
  after(async () => {
    for (const client of kept.values()) client.destroy();
    await world?.close();
    await recorder?.close();
  });

  /** A call to the second instance with the admin key. */
  const otherApi = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${other.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${world.adminKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, text, body: (text ? JSON.parse(text) : undefined) as Json };
  };

  it('sends each TOTP code to STS at most once while both check the connector at the same time', async (t) => {
    const checks = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        index % 2 === 0
          ? world.api('POST', '/v1/connectors/aws/check')
          : otherApi('POST', '/v1/connectors/aws/check'),
      ),
    );
    for (const check of checks) {
      assert.equal(check.status, 200, check.text);
      assert.equal(check.body.mfa, 'ok');
    }
    assert.ok(recorder.codes.length >= 1, 'the base session was made with an MFA code');
    const codes = recorder.codes.map((entry) => entry.code);
    assert.equal(new Set(codes).size, codes.length, `a code was sent twice: ${codes.join(', ')}`);
    assert.deepEqual(
      recorder.codes.filter((entry) => entry.status !== 200),
      [],
      'STS refused no code',
    );
    const stats = await world.sandboxAdmin.stats();
    t.diagnostic(`GetSessionToken calls for 6 concurrent checks on 2 instances: ${codes.length}`);
    assert.equal(stats['sts:GetSessionToken'], codes.length);
  });

  it('issues credentials through one server for an install made through the other', async () => {
    const created = await world.api('POST', '/v1/integrations/demo/sessions', {
      tenantId: 'acme',
      redirectUrl: world.redirectUrl,
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id;
    const started = await otherApi('POST', `/v1/sessions/${id}/start`, { accountId: world.tenant.accountId });
    assert.equal(started.status, 200, started.text);
    assert.equal((await world.createStack(started.body.templateUrl)).status, 201);
    assert.equal((await world.api('POST', `/v1/sessions/${id}/verify`)).status, 200);
    let ended: Json;
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
      ended = (await otherApi('GET', `/v1/sessions/${id}`)).body;
      if (ended.status !== 'verifying') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(ended.status, 'completed', JSON.stringify(ended));

    const credentials = await otherApi('POST', '/v1/integrations/demo/tenants/acme/credentials');
    assert.equal(credentials.status, 200, credentials.text);
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: world.sandbox.url,
      forcePathStyle: true,
      credentials: {
        accessKeyId: credentials.body.accessKeyId,
        secretAccessKey: credentials.body.secretAccessKey,
        sessionToken: credentials.body.sessionToken,
      },
    });
    const listed = await s3.send(new ListBucketsCommand({}));
    s3.destroy();
    assert.deepEqual(listed.Buckets?.map((bucket) => bucket.Name).sort(), ['two-a', 'two-b', 'two-c']);
    const codes = recorder.codes.map((entry) => entry.code);
    assert.equal(new Set(codes).size, codes.length, `a code was sent twice: ${codes.join(', ')}`);
  });

  it("stops the other server's clients within a second of a DELETE on one", async () => {
    const built = await otherApi('POST', '/v1/integrations/demo/api/tenant/acme/client/b');
    assert.equal(built.status, 204, built.text);
    const before = await otherApi('GET', '/v1/integrations/demo/api/client/b/buckets');
    assert.equal(before.status, 200, before.text);

    const installs = await world.api('GET', '/v1/integrations/demo/installs?tenantId=acme');
    const deletedAt = Date.now();
    assert.equal((await world.api('DELETE', `/v1/installs/${installs.body.items[0].id}`)).status, 204);
    assert.equal((await otherApi('POST', '/v1/integrations/demo/tenants/acme/credentials')).status, 404);

    let refused: { status: number; body: Json } | undefined;
    while (Date.now() - deletedAt < 3_000) {
      refused = await otherApi('GET', '/v1/integrations/demo/api/client/b/buckets');
      if (refused.status !== 200) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(refused?.status, 410, JSON.stringify(refused?.body));
    assert.equal(refused?.body.error.code, 'install_deleted');
    assert.ok(Date.now() - deletedAt < 1_500, `refused after ${Date.now() - deletedAt} ms`);
  });
});
