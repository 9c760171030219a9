/**
 * Objects in a tenant's buckets: list (prefix, pagination), read, create from the request body, delete.
 *
 *   GET    /api/tenant/:tenantId/buckets/:bucket/objects?prefix=&maxKeys=&continuationToken=
 *   POST   /api/tenant/:tenantId/buckets/:bucket/objects        {"key", "content", "contentType"?}
 *   GET    /api/tenant/:tenantId/buckets/:bucket/objects/<key>
 *   DELETE /api/tenant/:tenantId/buckets/:bucket/objects/<key>
 */
import { S3 } from '@aws-sdk/client-s3';
import { Integration, type IntegrationContext } from 'skybridge';
import { z } from 'zod';
import { s3Failure } from './s3Errors.js';

const integration = new Integration();

const bucketName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    'must be a bucket name: 3-63 lower-case letters, digits, "." or "-"',
  );
const objectKey = z.string().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters');
const target = z.object({ tenantId: z.string().min(1), bucket: bucketName });
const listQuery = z.object({
  prefix: z.string().max(1024, 'must be at most 1024 characters').optional(),
  maxKeys: z.coerce.number().int('must be a whole number').min(1).max(1000).optional(),
  continuationToken: z.string().max(4096).optional(),
});
const createBody = z.object(
  {
    key: objectKey,
    content: z.string({ error: 'must be a string' }),
    contentType: z.string().max(255).optional(),
  },
  { error: 'must be a JSON object {"key", "content", "contentType"?}' },
);

/** An S3 client for the tenant named in the path. */
async function s3For(ctx: IntegrationContext, tenantId: string): Promise<S3> {
  return new S3(await integration.tenant.getSdkByTenant(ctx, 'awsConnector', tenantId));
}

integration.router.get('/api/tenant/:tenantId/buckets/:bucket/objects', async (ctx) => {
  const { tenantId, bucket } = target.parse(ctx.params);
  const query = listQuery.parse(ctx.query);
  const s3 = await s3For(ctx, tenantId);
  try {
    const page = await s3.listObjectsV2({
      Bucket: bucket,
      Prefix: query.prefix,
      MaxKeys: query.maxKeys,
      ContinuationToken: query.continuationToken,
    });
    ctx.body = {
      bucket,
      prefix: query.prefix ?? '',
      items: (page.Contents ?? []).map((object) => ({
        key: object.Key,
        size: object.Size,
        lastModified: object.LastModified?.toISOString(),
        etag: object.ETag,
      })),
      ...(page.NextContinuationToken ? { nextContinuationToken: page.NextContinuationToken } : {}),
    };
  } catch (error) {
    throw s3Failure(error, { tenantId, bucket, action: 's3:ListBucket' });
  }
});

integration.router.post('/api/tenant/:tenantId/buckets/:bucket/objects', async (ctx) => {
  const { tenantId, bucket } = target.parse(ctx.params);
  const body = createBody.parse(ctx.request.body);
  const s3 = await s3For(ctx, tenantId);
  try {
    const put = await s3.putObject({
      Bucket: bucket,
      Key: body.key,
      Body: body.content,
      ContentType: body.contentType ?? 'text/plain; charset=utf-8',
    });
    ctx.status = 201;
    ctx.body = { bucket, key: body.key, etag: put.ETag, size: Buffer.byteLength(body.content) };
  } catch (error) {
    throw s3Failure(error, { tenantId, bucket, key: body.key, action: 's3:PutObject' });
  }
});

integration.router.get('/api/tenant/:tenantId/buckets/:bucket/objects/*key', async (ctx) => {
  const { tenantId, bucket } = target.parse(ctx.params);
  const key = objectKey.parse(ctx.params.key);
  const s3 = await s3For(ctx, tenantId);
  try {
    const object = await s3.getObject({ Bucket: bucket, Key: key });
    ctx.body = {
      bucket,
      key,
      contentType: object.ContentType,
      size: object.ContentLength,
      content: (await object.Body?.transformToString('utf8')) ?? '',
    };
  } catch (error) {
    throw s3Failure(error, { tenantId, bucket, key, action: 's3:GetObject' });
  }
});

integration.router.delete('/api/tenant/:tenantId/buckets/:bucket/objects/*key', async (ctx) => {
  const { tenantId, bucket } = target.parse(ctx.params);
  const key = objectKey.parse(ctx.params.key);
  const s3 = await s3For(ctx, tenantId);
  try {
    // S3 answers 204 for a key that does not exist; look first so the caller learns it was not there.
    await s3.headObject({ Bucket: bucket, Key: key });
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NotFound') {
      // HEAD answers carry no error code: ask the bucket to tell a missing bucket from a missing key.
      try {
        await s3.headBucket({ Bucket: bucket });
      } catch (bucketError) {
        if ((bucketError as { name?: string }).name === 'NotFound') {
          throw s3Failure({ name: 'NoSuchBucket' }, { tenantId, bucket, action: 's3:GetObject' });
        }
      }
    }
    throw s3Failure(error, { tenantId, bucket, key, action: 's3:GetObject' });
  }
  try {
    await s3.deleteObject({ Bucket: bucket, Key: key });
  } catch (error) {
    throw s3Failure(error, { tenantId, bucket, key, action: 's3:DeleteObject' });
  }
  ctx.status = 204;
});

export default integration;
