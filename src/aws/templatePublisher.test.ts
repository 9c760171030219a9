import assert from 'node:assert/strict';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketPolicyCommand,
  S3Client,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { type RunningSandbox, SandboxAdminClient, startSandbox } from '../sandbox/index.js';
import { type ConnectorConfig, parseConnectorConfig } from './connectorConfig.js';
import { TemplatePublisher, templateObjectKey, templateUrlFor } from './templatePublisher.js';

const SESSION = 'Se55ion_0123456789-abcdef';

describe('templateObjectKey', () => {
  it('puts the session id under the prefix, without a leading slash when the prefix is empty', () => {
    assert.equal(
      templateObjectKey(parseConnectorConfig({ bucketName: 'acme', bucketPrefix: '/tpl//v1/' }), SESSION),
      `tpl/v1/${SESSION}.yaml`,
    );
    assert.equal(
      templateObjectKey(parseConnectorConfig({ bucketName: 'acme', bucketPrefix: '' }), SESSION),
      `${SESSION}.yaml`,
    );
  });

  for (const bad of ['short', '../../etc/passwd0000', 'session id with spaces', 'a'.repeat(129)]) {
    it(`refuses the session id ${JSON.stringify(bad.slice(0, 24))}`, () => {
      assert.throws(() => templateObjectKey({ bucketPrefix: 'templates' }, bad), {
        code: 'invalid_session_id',
        status: 400,
      });
    });
  }
});

describe('templateUrlFor', () => {
  const url = (input: Record<string, unknown>) => {
    const config = parseConnectorConfig({ bucketName: 'acme-templates', ...input });
    return templateUrlFor(config, templateObjectKey(config, SESSION));
  };

  it('is virtual-hosted in the bucket region', () => {
    assert.equal(
      url({ bucketRegion: 'eu-west-1' }),
      `https://acme-templates.s3.eu-west-1.amazonaws.com/templates/${SESSION}.yaml`,
    );
  });

  it('is path-style for a bucket name with dots (the wildcard certificate does not cover them)', () => {
    assert.equal(
      url({ bucketName: 'templates.acme.example' }),
      `https://s3.us-east-1.amazonaws.com/templates.acme.example/templates/${SESSION}.yaml`,
    );
  });

  it('is path-style on a configured S3 endpoint', () => {
    assert.equal(
      url({ endpoints: { s3: 'http://127.0.0.1:4566/' } }),
      `http://127.0.0.1:4566/acme-templates/templates/${SESSION}.yaml`,
    );
  });

  it('uses amazonaws.com.cn in the China partition', () => {
    assert.equal(
      url({ defaultRegion: 'cn-north-1', bucketPrefix: '' }),
      `https://acme-templates.s3.cn-north-1.amazonaws.com.cn/${SESSION}.yaml`,
    );
  });

  it('follows forcePathStyle', () => {
    assert.equal(
      url({ endpoints: { forcePathStyle: true } }),
      `https://s3.us-east-1.amazonaws.com/acme-templates/templates/${SESSION}.yaml`,
    );
  });
});

describe('TemplatePublisher against the sandbox', () => {
  let sandbox: RunningSandbox;
  let keys: { accessKeyId: string; secretAccessKey: string };
  let s3: S3Client;
  let config: ConnectorConfig;
  let publisher: TemplatePublisher;
  const body = "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n";

  before(async () => {
    sandbox = await startSandbox({ port: 0 });
    const admin = new SandboxAdminClient(sandbox.url);
    const { accountId } = await admin.createAccount('111122223333');
    const user = await admin.createUser(accountId, 'integration-bot');
    keys = { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey };
    s3 = new S3Client({
      region: 'us-east-1',
      endpoint: sandbox.url,
      forcePathStyle: true,
      credentials: keys,
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'acme-templates' }));
    config = parseConnectorConfig({
      bucketName: 'acme-templates',
      bucketPrefix: 'skybridge/templates',
      endpoints: { s3: sandbox.url },
    });
    publisher = new TemplatePublisher({ config, credentials: async () => keys });
  });

  after(async () => {
    publisher?.close();
    s3?.destroy();
    await sandbox?.close();
  });

  it('puts the template under <prefix>/<session>.yaml and gives its URL', async () => {
    const published = await publisher.publish(SESSION, body);
    assert.equal(published.key, `skybridge/templates/${SESSION}.yaml`);
    assert.equal(published.templateUrl, `${sandbox.url}/acme-templates/skybridge/templates/${SESSION}.yaml`);
    const object = await s3.send(new GetObjectCommand({ Bucket: 'acme-templates', Key: published.key }));
    assert.equal(await object.Body?.transformToString(), body);
    assert.equal(object.ContentType, 'application/x-yaml');
  });

  it('gives a URL an anonymous reader can fetch once the bucket is public', async () => {
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: 'acme-templates',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: '*',
              Action: 's3:GetObject',
              Resource: 'arn:aws:s3:::acme-templates/*',
            },
          ],
        }),
      }),
    );
    const { templateUrl } = await publisher.publish(SESSION, body);
    const response = await fetch(templateUrl);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), body);
  });

  it('removes the template, and removing it again is fine', async () => {
    const { key } = await publisher.publish(SESSION, body);
    await publisher.remove(SESSION);
    await assert.rejects(
      s3.send(new GetObjectCommand({ Bucket: 'acme-templates', Key: key })),
      (error: S3ServiceException) => error.name === 'NoSuchKey',
    );
    await publisher.remove(SESSION);
  });

  it('reports a missing bucket as template_publish_failed naming the bucket', async () => {
    const missing = new TemplatePublisher({
      config: { ...config, bucketName: 'no-such-bucket' },
      credentials: async () => keys,
    });
    try {
      await assert.rejects(missing.publish(SESSION, body), {
        code: 'template_publish_failed',
        status: 502,
        message: /bucket "no-such-bucket": NoSuchBucket \(HTTP 404\)\. Check bucketName and bucketRegion\./,
      });
    } finally {
      missing.close();
    }
  });

  it('reports an S3 that does not answer as aws_unreachable, retryable', async () => {
    const nowhere = new TemplatePublisher({
      config: { ...config, endpoints: { ...config.endpoints, s3: 'http://127.0.0.1:9' } },
      credentials: async () => keys,
    });
    try {
      await assert.rejects(nowhere.publish(SESSION, body), {
        code: 'aws_unreachable',
        status: 502,
        retryable: true,
        message: /Could not reach S3 to publish the template to bucket "acme-templates" \(ECONNREFUSED\)/,
      });
    } finally {
      nowhere.close();
    }
  });

  it('gives up on an S3 that accepts the connection and never answers, within its request timeout', async () => {
    // A black hole: accepts TCP connections, reads, never writes. Without a thrown request timeout
    // the SDK would wait on it forever while the tenant waits on the install page.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const stuck = new TemplatePublisher({
      config: { ...config, endpoints: { ...config.endpoints, s3: `http://127.0.0.1:${port}` } },
      credentials: async () => keys,
      timeouts: { requestTimeoutMs: 300 },
    });
    const started = Date.now();
    try {
      await assert.rejects(stuck.publish(SESSION, body), {
        code: 'aws_unreachable',
        status: 502,
        retryable: true,
      });
      // The SDK retries (3 attempts by default): bounded, well short of "forever".
      assert.ok(Date.now() - started < 5_000, `gave up after ${Date.now() - started} ms`);
    } finally {
      stuck.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('reports refused credentials without repeating them', async () => {
    const wrongSecret = 'WRONGwrongWRONGwrongWRONGwrongWRONGwrong';
    const refused = new TemplatePublisher({
      config,
      credentials: async () => ({ accessKeyId: keys.accessKeyId, secretAccessKey: wrongSecret }),
    });
    try {
      await assert.rejects(refused.publish(SESSION, body), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'template_publish_failed');
        assert.match(error.message, /SignatureDoesNotMatch \(HTTP 403\)\. Check iam\.secretAccessKey\./);
        assert.ok(!error.message.includes(wrongSecret));
        assert.ok(!error.message.includes(keys.secretAccessKey));
        return true;
      });
    } finally {
      refused.close();
    }
  });
});
