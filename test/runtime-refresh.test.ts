/**
 * A client integration code builds once from getSdkByTenant keeps working after the first tenant
 * credentials expire: the sandbox's clock and the server's clock both jump past their lifetime.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { bindContext } from '../src/runtime/host.js';
import { Integration } from '../src/runtime/index.js';
import { integrationHostFor } from '../src/server/integrationHost.js';
import { offsetClock, setupWorld, type World } from './support/journey.js';

const TWO_HOURS = 2 * 3_600_000;

describe('credentials given to integration code', () => {
  const serverClock = offsetClock();
  let world: World;

  before(async () => {
    world = await setupWorld({ clock: serverClock });
    await world.installTenant('acme');
    const s3 = world.tenantS3();
    for (const bucket of ['acme-a', 'acme-b', 'acme-c'])
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    s3.destroy();
  });
  after(() => world.close());

  it('keep a client built once working past the first credential lifetime', async () => {
    const integration = new Integration();
    // The ctx of a request the server routed to this integration.
    const ctx = { state: {} };
    bindContext(ctx, {
      integration: 'demo',
      host: integrationHostFor(world.server.services),
      requestId: 'req_test',
    });

    const aws = await integration.tenant.getSdkByTenant(ctx, 'awsConnector', 'acme');
    assert.equal(aws.region, 'us-east-1');
    assert.equal(aws.endpoint, world.sandbox.url);
    const s3 = new S3Client(aws);
    const before = await s3.send(new ListBucketsCommand({}));
    assert.deepEqual(before.Buckets?.map((b) => b.Name).sort(), ['acme-a', 'acme-b', 'acme-c']);
    const first = await aws.credentials();

    await world.sandboxAdmin.updateSettings({ clockOffsetMs: TWO_HOURS });
    serverClock.advance(TWO_HOURS);

    // The first credentials are now refused by the (sandbox) AWS: the test can fail.
    const stale = new S3Client({ ...aws, credentials: first });
    await assert.rejects(stale.send(new ListBucketsCommand({})), /expired|ExpiredToken/i);
    stale.destroy();

    const afterExpiry = await s3.send(new ListBucketsCommand({}));
    assert.deepEqual(afterExpiry.Buckets?.map((b) => b.Name).sort(), ['acme-a', 'acme-b', 'acme-c']);
    const second = await aws.credentials();
    assert.notEqual(second.accessKeyId, first.accessKeyId);
    s3.destroy();
  });
});
