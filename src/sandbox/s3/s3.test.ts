import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SandboxAdminClient } from '../adminClient.js';
import { createRole } from '../iamRoles.js';
import type { PolicyDocument } from '../model.js';
import type { RunningSandbox } from '../server.js';
import {
  createAccountWithUser,
  type Keys,
  rejection,
  s3Client,
  startTestSandbox,
  stsClient,
} from '../testing.js';

const OWNER = '111122223333';
const OTHER = '444455556666';

describe('sandbox S3 through the AWS SDK', () => {
  let sandbox: RunningSandbox;
  let admin: SandboxAdminClient;
  let owner: Keys;
  let other: Keys;

  const client = (keys: Keys, config?: Partial<S3ClientConfig>) => s3Client(sandbox, keys, config);

  before(async () => {
    ({ sandbox, admin } = await startTestSandbox({ port: 0 }));
  });
  after(async () => {
    await sandbox.close();
  });
  beforeEach(async () => {
    await admin.reset();
    owner = await createAccountWithUser(admin, OWNER, 'owner');
    other = await createAccountWithUser(admin, OTHER, 'other');
  });

  describe('buckets', () => {
    it('creates a bucket, answers HeadBucket and GetBucketLocation, and lists only the caller account buckets', async () => {
      const s3 = client(owner);
      await s3.send(new CreateBucketCommand({ Bucket: 'templates-1' }));
      await s3.send(
        new CreateBucketCommand({
          Bucket: 'eu-bucket',
          CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
        }),
      );
      await client(other).send(new CreateBucketCommand({ Bucket: 'someone-elses' }));

      const head = await s3.send(new HeadBucketCommand({ Bucket: 'templates-1' }));
      assert.equal(head.BucketRegion, 'us-east-1');
      const usLocation = await s3.send(new GetBucketLocationCommand({ Bucket: 'templates-1' }));
      assert.equal(usLocation.LocationConstraint, undefined);
      const euLocation = await s3.send(new GetBucketLocationCommand({ Bucket: 'eu-bucket' }));
      assert.equal(euLocation.LocationConstraint, 'eu-west-1');

      const listed = await s3.send(new ListBucketsCommand({}));
      assert.deepEqual(
        listed.Buckets?.map((bucket) => [bucket.Name, bucket.BucketRegion]),
        [
          ['eu-bucket', 'eu-west-1'],
          ['templates-1', 'us-east-1'],
        ],
      );
      assert.ok(listed.Buckets?.[0]?.CreationDate instanceof Date);
    });

    it('refuses invalid bucket names', async () => {
      const s3 = client(owner);
      for (const name of [
        'ab',
        'Upper-case',
        '-starts-with-hyphen',
        'ends-with-hyphen-',
        '192.168.1.1',
        'a..b',
        'x'.repeat(64),
      ]) {
        const error = await rejection(s3.send(new CreateBucketCommand({ Bucket: name })));
        assert.equal(error.name, 'InvalidBucketName', name);
        assert.equal(error.message, 'The specified bucket is not valid.');
      }
    });

    it('tells the owner it already owns a bucket and anyone else that the name is taken', async () => {
      await client(owner).send(new CreateBucketCommand({ Bucket: 'taken-name' }));
      const again = await rejection(client(owner).send(new CreateBucketCommand({ Bucket: 'taken-name' })));
      assert.equal(again.name, 'BucketAlreadyOwnedByYou');
      assert.equal(again.$metadata?.httpStatusCode, 409);
      const elsewhere = await rejection(
        client(other).send(new CreateBucketCommand({ Bucket: 'taken-name' })),
      );
      assert.equal(elsewhere.name, 'BucketAlreadyExists');
    });

    it('refuses to delete a bucket that still holds objects, then deletes it once empty', async () => {
      const s3 = client(owner);
      await s3.send(new CreateBucketCommand({ Bucket: 'full-bucket' }));
      await s3.send(new PutObjectCommand({ Bucket: 'full-bucket', Key: 'k', Body: 'v' }));
      const error = await rejection(s3.send(new DeleteBucketCommand({ Bucket: 'full-bucket' })));
      assert.equal(error.name, 'BucketNotEmpty');
      await s3.send(new DeleteObjectCommand({ Bucket: 'full-bucket', Key: 'k' }));
      await s3.send(new DeleteBucketCommand({ Bucket: 'full-bucket' }));
      const gone = await rejection(s3.send(new GetBucketLocationCommand({ Bucket: 'full-bucket' })));
      assert.equal(gone.name, 'NoSuchBucket');
      assert.equal(gone.message, 'The specified bucket does not exist');
    });

    it('stores, returns and deletes a bucket policy', async () => {
      const s3 = client(owner);
      await s3.send(new CreateBucketCommand({ Bucket: 'policy-bucket' }));
      const missing = await rejection(s3.send(new GetBucketPolicyCommand({ Bucket: 'policy-bucket' })));
      assert.equal(missing.name, 'NoSuchBucketPolicy');
      const policy = {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: '*',
            Action: 's3:GetObject',
            Resource: 'arn:aws:s3:::policy-bucket/*',
          },
        ],
      };
      await s3.send(new PutBucketPolicyCommand({ Bucket: 'policy-bucket', Policy: JSON.stringify(policy) }));
      const stored = await s3.send(new GetBucketPolicyCommand({ Bucket: 'policy-bucket' }));
      assert.deepEqual(JSON.parse(stored.Policy ?? ''), policy);
      const malformed = await rejection(
        s3.send(new PutBucketPolicyCommand({ Bucket: 'policy-bucket', Policy: 'nope' })),
      );
      assert.equal(malformed.name, 'MalformedPolicy');
      await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'policy-bucket' }));
      const deleted = await rejection(s3.send(new GetBucketPolicyCommand({ Bucket: 'policy-bucket' })));
      assert.equal(deleted.name, 'NoSuchBucketPolicy');
    });
  });

  describe('objects', () => {
    beforeEach(async () => {
      await client(owner).send(new CreateBucketCommand({ Bucket: 'objects' }));
    });

    it('stores an object with its type and metadata and returns it with an MD5 ETag', async () => {
      const s3 = client(owner);
      const body = 'AWSTemplateFormatVersion: "2010-09-09"\n';
      const put = await s3.send(
        new PutObjectCommand({
          Bucket: 'objects',
          Key: 'tenants/t 1/template.yaml',
          Body: body,
          ContentType: 'application/x-yaml',
          Metadata: { tenant: 't1' },
        }),
      );
      const md5 = createHash('md5').update(body).digest('hex');
      assert.equal(put.ETag, `"${md5}"`);
      assert.ok(put.ChecksumCRC32, 'the CRC32 checksum the SDK sent is echoed');

      const got = await s3.send(
        new GetObjectCommand({ Bucket: 'objects', Key: 'tenants/t 1/template.yaml' }),
      );
      assert.equal(await got.Body?.transformToString(), body);
      assert.equal(got.ContentType, 'application/x-yaml');
      assert.equal(got.ContentLength, Buffer.byteLength(body));
      assert.equal(got.ETag, `"${md5}"`);
      assert.deepEqual(got.Metadata, { tenant: 't1' });
      assert.ok(got.LastModified instanceof Date);

      const head = await s3.send(
        new HeadObjectCommand({ Bucket: 'objects', Key: 'tenants/t 1/template.yaml' }),
      );
      assert.equal(head.ContentLength, Buffer.byteLength(body));
      assert.equal(head.ETag, `"${md5}"`);
      assert.deepEqual(head.Metadata, { tenant: 't1' });
    });

    it('answers a byte range with 206 and Content-Range', async () => {
      const s3 = client(owner);
      await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'digits', Body: '0123456789' }));
      const middle = await s3.send(
        new GetObjectCommand({ Bucket: 'objects', Key: 'digits', Range: 'bytes=2-5' }),
      );
      assert.equal(await middle.Body?.transformToString(), '2345');
      assert.equal(middle.ContentRange, 'bytes 2-5/10');
      assert.equal(middle.$metadata.httpStatusCode, 206);
      const suffix = await s3.send(
        new GetObjectCommand({ Bucket: 'objects', Key: 'digits', Range: 'bytes=-3' }),
      );
      assert.equal(await suffix.Body?.transformToString(), '789');
      const beyond = await rejection(
        s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'digits', Range: 'bytes=20-' })),
      );
      assert.equal(beyond.name, 'InvalidRange');
    });

    it('decodes a streamed aws-chunked body with its trailing checksum', async () => {
      const s3 = client(owner);
      const text = 'streamed '.repeat(1000);
      await s3.send(
        new PutObjectCommand({
          Bucket: 'objects',
          Key: 'streamed.txt',
          Body: Readable.from([Buffer.from(text)]),
          ContentLength: Buffer.byteLength(text),
        }),
      );
      const stored = sandbox.world.buckets.get('objects')?.objects.get('streamed.txt');
      assert.equal(stored?.body.toString(), text);
      assert.ok(stored?.checksums.CRC32, 'the trailer checksum is stored');
      const got = await s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'streamed.txt' }));
      assert.equal(await got.Body?.transformToString(), text);
    });

    it('answers NoSuchKey for a missing key and deletes missing keys with 204', async () => {
      const s3 = client(owner);
      const missing = await rejection(
        s3.send(new GetObjectCommand({ Bucket: 'objects', Key: 'nothing-here' })),
      );
      assert.equal(missing.name, 'NoSuchKey');
      assert.equal(missing.message, 'The specified key does not exist.');
      const headMissing = await rejection(
        s3.send(new HeadObjectCommand({ Bucket: 'objects', Key: 'nothing-here' })),
      );
      assert.equal(headMissing.$metadata?.httpStatusCode, 404);
      const deleted = await s3.send(new DeleteObjectCommand({ Bucket: 'objects', Key: 'nothing-here' }));
      assert.equal(deleted.$metadata.httpStatusCode, 204);
      const noBucket = await rejection(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'k' })));
      assert.equal(noBucket.name, 'NoSuchBucket');
    });

    it('refuses a body whose SHA-256 differs from x-amz-content-sha256', async () => {
      const response = await signedRequest(sandbox.url, owner, {
        method: 'PUT',
        path: '/objects/tampered',
        body: 'the real body',
        // Signed over another body's hash: the signature is valid, the payload is not.
        payloadHash: createHash('sha256').update('another body').digest('hex'),
      });
      assert.equal(response.status, 400);
      assert.match(response.body, /<Code>XAmzContentSHA256Mismatch<\/Code>/);
      assert.equal(sandbox.world.buckets.get('objects')?.objects.has('tampered'), false);
    });
  });

  describe('ListObjectsV2', () => {
    beforeEach(async () => {
      const s3 = client(owner);
      await s3.send(new CreateBucketCommand({ Bucket: 'listing' }));
      const keys = ['a/1', 'a/2', 'b/1', 'b/sub/2', 'c', 'd', 'e', 'f', 'g'];
      for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: 'listing', Key: key, Body: key }));
    });

    it('lists keys in lexicographic order with KeyCount', async () => {
      const listed = await client(owner).send(new ListObjectsV2Command({ Bucket: 'listing' }));
      assert.deepEqual(
        listed.Contents?.map((object) => object.Key),
        ['a/1', 'a/2', 'b/1', 'b/sub/2', 'c', 'd', 'e', 'f', 'g'],
      );
      assert.equal(listed.KeyCount, 9);
      assert.equal(listed.IsTruncated, false);
      assert.equal(listed.Contents?.[0]?.Size, 3);
    });

    it('orders keys by their UTF-8 bytes, as S3 does', async () => {
      const s3 = client(owner);
      await s3.send(new CreateBucketCommand({ Bucket: 'unicode' }));
      for (const key of ['\u{1F600}', '\uFFFD', 'é', 'a']) {
        await s3.send(new PutObjectCommand({ Bucket: 'unicode', Key: key, Body: key }));
      }
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'unicode' }));
      // UTF-16 order would put the emoji (a surrogate pair) before U+FFFD.
      assert.deepEqual(
        listed.Contents?.map((object) => object.Key),
        ['a', 'é', '\uFFFD', '\u{1F600}'],
      );
    });

    it('rolls keys up into CommonPrefixes with a delimiter and filters by prefix', async () => {
      const s3 = client(owner);
      const top = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
      assert.deepEqual(
        top.CommonPrefixes?.map((prefix) => prefix.Prefix),
        ['a/', 'b/'],
      );
      assert.deepEqual(
        top.Contents?.map((object) => object.Key),
        ['c', 'd', 'e', 'f', 'g'],
      );
      assert.equal(top.KeyCount, 7);
      const underB = await s3.send(
        new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'b/', Delimiter: '/' }),
      );
      assert.deepEqual(
        underB.Contents?.map((object) => object.Key),
        ['b/1'],
      );
      assert.deepEqual(
        underB.CommonPrefixes?.map((prefix) => prefix.Prefix),
        ['b/sub/'],
      );
    });

    it('pages with max-keys and continuation tokens, prefixes counted as entries', async () => {
      const s3 = client(owner);
      const first = await s3.send(
        new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/', MaxKeys: 3 }),
      );
      assert.equal(first.IsTruncated, true);
      assert.equal(first.KeyCount, 3);
      assert.deepEqual(
        first.CommonPrefixes?.map((prefix) => prefix.Prefix),
        ['a/', 'b/'],
      );
      assert.deepEqual(
        first.Contents?.map((object) => object.Key),
        ['c'],
      );
      assert.ok(first.NextContinuationToken);

      const pages: string[][] = [];
      for await (const page of paginateListObjectsV2({ client: s3, pageSize: 4 }, { Bucket: 'listing' })) {
        pages.push((page.Contents ?? []).map((object) => object.Key ?? ''));
      }
      assert.deepEqual(pages, [['a/1', 'a/2', 'b/1', 'b/sub/2'], ['c', 'd', 'e', 'f'], ['g']]);

      const afterD = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'd' }));
      assert.deepEqual(
        afterD.Contents?.map((object) => object.Key),
        ['e', 'f', 'g'],
      );
    });
  });

  describe('access', () => {
    beforeEach(async () => {
      const s3 = client(owner);
      await s3.send(new CreateBucketCommand({ Bucket: 'private-bucket' }));
      await s3.send(new PutObjectCommand({ Bucket: 'private-bucket', Key: 'secret.txt', Body: 'secret' }));
      await s3.send(new CreateBucketCommand({ Bucket: 'public-bucket' }));
      await s3.send(
        new PutObjectCommand({ Bucket: 'public-bucket', Key: 'tenants/t1.yaml', Body: 'public template' }),
      );
      await s3.send(
        new PutBucketPolicyCommand({
          Bucket: 'public-bucket',
          Policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: '*' },
                Action: 's3:GetObject',
                Resource: 'arn:aws:s3:::public-bucket/tenants/*',
              },
            ],
          }),
        }),
      );
    });

    it('serves a publicly readable object to an unsigned fetch and refuses the rest', async () => {
      const open = await fetch(`${sandbox.url}/public-bucket/tenants/t1.yaml`);
      assert.equal(open.status, 200);
      assert.equal(await open.text(), 'public template');
      const closed = await fetch(`${sandbox.url}/private-bucket/secret.txt`);
      assert.equal(closed.status, 403);
      assert.match(await closed.text(), /<Code>AccessDenied<\/Code><Message>Access Denied<\/Message>/);
      // The policy grants reads of objects, not listing.
      const listing = await fetch(`${sandbox.url}/public-bucket?list-type=2`);
      assert.equal(listing.status, 403);
      // And a missing public key is AccessDenied, not NoSuchKey, for a caller who may not list.
      const missing = await fetch(`${sandbox.url}/public-bucket/tenants/none.yaml`);
      assert.equal(missing.status, 403);
    });

    it('refuses another account without a bucket policy grant', async () => {
      const s3 = client(other);
      const read = await rejection(
        s3.send(new GetObjectCommand({ Bucket: 'private-bucket', Key: 'secret.txt' })),
      );
      assert.equal(read.name, 'AccessDenied');
      assert.equal(read.message, 'Access Denied');
      const write = await rejection(
        s3.send(new PutObjectCommand({ Bucket: 'public-bucket', Key: 'tenants/x', Body: 'x' })),
      );
      assert.equal(write.name, 'AccessDenied');
      const publicRead = await s3.send(
        new GetObjectCommand({ Bucket: 'public-bucket', Key: 'tenants/t1.yaml' }),
      );
      assert.equal(await publicRead.Body?.transformToString(), 'public template');
    });

    it('lets another account in when the bucket policy names it', async () => {
      await client(owner).send(
        new PutBucketPolicyCommand({
          Bucket: 'private-bucket',
          Policy: JSON.stringify({
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${OTHER}:root` },
                Action: ['s3:Get*', 's3:ListBucket'],
                Resource: ['arn:aws:s3:::private-bucket', 'arn:aws:s3:::private-bucket/*'],
              },
            ],
          }),
        }),
      );
      const s3 = client(other);
      const got = await s3.send(new GetObjectCommand({ Bucket: 'private-bucket', Key: 'secret.txt' }));
      assert.equal(await got.Body?.transformToString(), 'secret');
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'private-bucket' }));
      assert.deepEqual(
        listed.Contents?.map((object) => object.Key),
        ['secret.txt'],
      );
      const write = await rejection(
        s3.send(new PutObjectCommand({ Bucket: 'private-bucket', Key: 'x', Body: 'x' })),
      );
      assert.equal(write.name, 'AccessDenied');
    });

    it('limits a role session to what the role policies grant', async () => {
      const trust: PolicyDocument = {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OWNER}:root` }, Action: 'sts:AssumeRole' },
        ],
      };
      createRole(
        sandbox.world,
        OWNER,
        {
          roleName: 'reader',
          assumeRolePolicyDocument: trust,
          managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'],
        },
        Date.now(),
      );
      createRole(
        sandbox.world,
        OWNER,
        {
          roleName: 'uploader',
          assumeRolePolicyDocument: trust,
          inlinePolicies: {
            upload: {
              Statement: [
                {
                  Effect: 'Allow',
                  Action: 's3:PutObject',
                  Resource: 'arn:aws:s3:::private-bucket/uploads/*',
                },
              ],
            },
          },
        },
        Date.now(),
      );
      const sts = stsClient(sandbox, owner);
      const session = async (roleName: string): Promise<Keys> => {
        const answer = await sts.send(
          new AssumeRoleCommand({
            RoleArn: `arn:aws:iam::${OWNER}:role/${roleName}`,
            RoleSessionName: 'test',
          }),
        );
        return {
          accessKeyId: answer.Credentials?.AccessKeyId ?? '',
          secretAccessKey: answer.Credentials?.SecretAccessKey ?? '',
          sessionToken: answer.Credentials?.SessionToken ?? '',
        };
      };

      const reader = client(await session('reader'));
      const read = await reader.send(new GetObjectCommand({ Bucket: 'private-bucket', Key: 'secret.txt' }));
      assert.equal(await read.Body?.transformToString(), 'secret');
      assert.equal((await reader.send(new ListBucketsCommand({}))).Buckets?.length, 2);
      const readerWrite = await rejection(
        reader.send(new PutObjectCommand({ Bucket: 'private-bucket', Key: 'x', Body: 'x' })),
      );
      assert.equal(readerWrite.name, 'AccessDenied');

      const uploader = client(await session('uploader'));
      await uploader.send(
        new PutObjectCommand({ Bucket: 'private-bucket', Key: 'uploads/a.txt', Body: 'a' }),
      );
      const outside = await rejection(
        uploader.send(new PutObjectCommand({ Bucket: 'private-bucket', Key: 'b.txt', Body: 'b' })),
      );
      assert.equal(outside.name, 'AccessDenied');
      const list = await rejection(uploader.send(new ListBucketsCommand({})));
      assert.equal(list.name, 'AccessDenied');
    });

    it('does not list another account buckets and refuses anonymous ListBuckets', async () => {
      const listed = await client(other).send(new ListBucketsCommand({}));
      assert.deepEqual(listed.Buckets ?? [], []);
      const anonymous = await fetch(`${sandbox.url}/`);
      assert.equal(anonymous.status, 403);
    });
  });

  describe('regions', () => {
    beforeEach(async () => {
      const s3 = client(owner, { region: 'eu-west-1' });
      await s3.send(
        new CreateBucketCommand({
          Bucket: 'eu-data',
          CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
        }),
      );
      await s3.send(new PutObjectCommand({ Bucket: 'eu-data', Key: 'k', Body: 'in ireland' }));
    });

    it('redirects a request signed for the wrong region with PermanentRedirect and x-amz-bucket-region', async () => {
      const error = await rejection(
        client(owner).send(new GetObjectCommand({ Bucket: 'eu-data', Key: 'k' })),
      );
      assert.equal(error.name, 'PermanentRedirect');
      assert.equal(error.$metadata?.httpStatusCode, 301);
      assert.match(error.message, /must be addressed using the specified endpoint/);
      assert.equal(error.$response?.headers['x-amz-bucket-region'], 'eu-west-1');
      const head = await rejection(client(owner).send(new HeadBucketCommand({ Bucket: 'eu-data' })));
      assert.equal(head.$metadata?.httpStatusCode, 301);
      assert.equal(head.$response?.headers['x-amz-bucket-region'], 'eu-west-1');
    });

    it('follows the redirect when the client has followRegionRedirects', async () => {
      const s3 = client(owner, { followRegionRedirects: true });
      const got = await s3.send(new GetObjectCommand({ Bucket: 'eu-data', Key: 'k' }));
      assert.equal(await got.Body?.transformToString(), 'in ireland');
      const head = await s3.send(new HeadBucketCommand({ Bucket: 'eu-data' }));
      assert.equal(head.BucketRegion, 'eu-west-1');
    });

    it('refuses a bucket without location constraint on a regional endpoint other than us-east-1', async () => {
      // The SDK adds the client's region as LocationConstraint itself, so this is a raw request.
      const response = await signedRequest(sandbox.url, owner, {
        method: 'PUT',
        path: '/no-constraint',
        region: 'eu-west-1',
      });
      assert.equal(response.status, 400);
      assert.match(response.body, /<Code>IllegalLocationConstraintException<\/Code>/);
      assert.match(response.body, /The unspecified location constraint is incompatible/);
      const inferred = client(owner, { region: 'eu-west-1' });
      await inferred.send(new CreateBucketCommand({ Bucket: 'sdk-inferred' }));
      assert.equal(sandbox.world.buckets.get('sdk-inferred')?.region, 'eu-west-1');
    });
  });

  describe('virtual-host addressing', () => {
    it('reads the bucket from the Host header', async () => {
      await client(owner).send(new CreateBucketCommand({ Bucket: 'vhost-bucket' }));
      const s3 = client(owner, { endpoint: `http://localhost:${sandbox.port}`, forcePathStyle: false });
      // `<bucket>.localhost` does not resolve here: connect to 127.0.0.1 and keep the signed Host header.
      s3.middlewareStack.add(
        (next) => async (args) => {
          const request = args.request as HttpRequest;
          request.hostname = '127.0.0.1';
          return next(args);
        },
        { step: 'finalizeRequest', priority: 'low', name: 'connectToLoopback' },
      );
      await s3.send(new PutObjectCommand({ Bucket: 'vhost-bucket', Key: 'dir/file.txt', Body: 'hello' }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'vhost-bucket', Key: 'dir/file.txt' }));
      assert.equal(await got.Body?.transformToString(), 'hello');
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'vhost-bucket' }));
      assert.deepEqual(
        listed.Contents?.map((object) => object.Key),
        ['dir/file.txt'],
      );
      assert.equal(
        sandbox.world.buckets.get('vhost-bucket')?.objects.get('dir/file.txt')?.body.toString(),
        'hello',
      );
    });

    it('accepts the <bucket>.s3.localhost spelling', async () => {
      await client(owner).send(new CreateBucketCommand({ Bucket: 'vhost-two' }));
      await client(owner).send(new PutObjectCommand({ Bucket: 'vhost-two', Key: 'k', Body: 'two' }));
      const response = await signedRequest(sandbox.url, owner, {
        method: 'GET',
        path: '/k',
        host: `vhost-two.s3.localhost:${sandbox.port}`,
      });
      assert.equal(response.status, 200);
      assert.equal(response.body, 'two');
    });
  });
});

/** A SigV4-signed raw HTTP request, for what the SDK will not send (a wrong payload hash, a chosen Host). */
async function signedRequest(
  baseUrl: string,
  keys: Keys,
  options: {
    method: string;
    path: string;
    body?: string;
    payloadHash?: string;
    host?: string;
    region?: string;
  },
): Promise<{ status: number; body: string }> {
  const url = new URL(baseUrl);
  const host = options.host ?? url.host;
  const body = options.body ?? '';
  const payloadHash = options.payloadHash ?? createHash('sha256').update(body).digest('hex');
  const unsigned = new HttpRequest({
    method: options.method,
    protocol: 'http:',
    hostname: host.split(':')[0],
    port: Number(url.port),
    path: options.path,
    headers: { host, 'x-amz-content-sha256': payloadHash, 'content-length': String(Buffer.byteLength(body)) },
    body,
  });
  const signer = new SignatureV4({
    credentials: keys,
    region: options.region ?? 'us-east-1',
    service: 's3',
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: false,
  });
  const signed = await signer.sign(unsigned);
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port: Number(url.port),
        method: options.method,
        path: options.path,
        headers: signed.headers,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
