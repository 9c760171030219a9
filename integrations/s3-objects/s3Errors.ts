// What an S3 failure in a tenant's account means for the caller of this integration's routes.
import { SkybridgeError } from 'skybridge';

interface S3Target {
  tenantId: string;
  action: string;
  bucket: string;
  key?: string;
}

export function s3Failure(error: unknown, target: S3Target): unknown {
  const name = (error as { name?: string })?.name;
  const where = target.key ? `"${target.key}" in bucket "${target.bucket}"` : `bucket "${target.bucket}"`;
  if (name === 'NoSuchBucket') {
    return new SkybridgeError(
      'bucket_not_found',
      `Bucket "${target.bucket}" does not exist in the account of tenant "${target.tenantId}".`,
      { status: 404, field: 'bucket' },
    );
  }
  if (name === 'NoSuchKey' || name === 'NotFound') {
    return new SkybridgeError('object_not_found', `No object ${where}.`, { status: 404, field: 'key' });
  }
  if (name === 'AccessDenied' || name === 'Forbidden') {
    return new SkybridgeError(
      'access_denied',
      `The role in the account of tenant "${target.tenantId}" may not ${target.action} on ${where}: allow it in the stack's role policy, or use another bucket.`,
      { status: 403 },
    );
  }
  return error;
}
