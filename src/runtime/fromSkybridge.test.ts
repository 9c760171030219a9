import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { offsetClock, setupWorld, type World } from '../../test/support/journey.js';
import { fromSkybridge } from './fromSkybridge.js';

describe('fromSkybridge against a real server', () => {
  let world: World;
  const requests: string[] = [];
  // The real fetch, counted: what reaches the server is what the cache did not answer.
  const countingFetch: typeof fetch = (input, init) => {
    requests.push(String(input));
    return fetch(input, init);
  };

  before(async () => {
    world = await setupWorld();
    await world.installTenant('acme');
    const s3 = world.tenantS3();
    for (const bucket of ['acme-one', 'acme-two']) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    s3.destroy();
  });
  after(() => world.close());

  it('fetches credentials that work with the AWS SDK, then answers from its cache', async () => {
    requests.length = 0;
    const credentials = fromSkybridge({
      url: world.url,
      apiKey: world.adminKey,
      integration: 'demo',
      tenantId: 'acme',
      connector: 'awsConnector',
      fetch: countingFetch,
    });
    const s3 = new S3Client({
      region: 'us-east-1',
      endpoint: world.sandbox.url,
      forcePathStyle: true,
      credentials,
    });
    const listed = await s3.send(new ListBucketsCommand({}));
    assert.deepEqual(listed.Buckets?.map((b) => b.Name).sort(), ['acme-one', 'acme-two']);
    const first = await credentials();
    const second = await credentials();
    assert.equal(requests.length, 1, 'one HTTP request for three uses');
    assert.equal(second.accessKeyId, first.accessKeyId);
    assert.ok(first.expiration && first.expiration.getTime() > Date.now() + 5 * 60_000);
    assert.match(
      requests[0] ?? '',
      /\/v1\/integrations\/demo\/tenants\/acme\/credentials\?connector=awsConnector$/,
    );
    s3.destroy();
  });

  it('shares one request between concurrent callers', async () => {
    requests.length = 0;
    const credentials = fromSkybridge({
      url: world.url,
      apiKey: world.adminKey,
      integration: 'demo',
      tenantId: 'acme',
      fetch: countingFetch,
    });
    const all = await Promise.all(Array.from({ length: 10 }, () => credentials()));
    assert.equal(requests.length, 1);
    assert.equal(new Set(all.map((c) => c.accessKeyId)).size, 1);
  });

  it('refreshes once the credentials are within 5 minutes of expiry', async () => {
    requests.length = 0;
    const clock = offsetClock();
    const credentials = fromSkybridge({
      url: world.url,
      apiKey: world.adminKey,
      integration: 'demo',
      tenantId: 'acme',
      clock,
      fetch: countingFetch,
    });
    const first = await credentials();
    const lifetime = (first.expiration?.getTime() ?? 0) - clock.now();
    clock.advance(lifetime - 5 * 60_000 - 1_000); // 5 min 1 s before expiry: still cached
    await credentials();
    assert.equal(requests.length, 1);
    clock.advance(2_000); // 4 min 59 s before expiry: refresh
    await credentials();
    assert.equal(requests.length, 2);
  });

  it("reports the API's code and message when the tenant has no install", async () => {
    const credentials = fromSkybridge({
      url: world.url,
      apiKey: world.adminKey,
      integration: 'demo',
      tenantId: 'nobody',
    });
    await assert.rejects(credentials(), (error: Error & { code?: string; status?: number }) => {
      assert.equal(error.code, 'install_not_found');
      assert.equal(error.status, 404);
      assert.match(error.message, /"nobody"/);
      return true;
    });
  });

  it("refuses a wrong API key with the server's code", async () => {
    const credentials = fromSkybridge({
      url: world.url,
      apiKey: 'wrong-key-wrong-key',
      integration: 'demo',
      tenantId: 'acme',
    });
    await assert.rejects(credentials(), (error: Error & { status?: number }) => error.status === 401);
  });
});
