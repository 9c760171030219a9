/**
 * Names AWS calls `service:Action` for the stats endpoint. Query services carry their Action; S3
 * operations are told apart by method, path depth and sub-resource, the way S3 routes them.
 */
import type { SandboxRequest } from './protocol.js';

const BUCKET_SUBRESOURCES: Record<string, string> = {
  policy: 'BucketPolicy',
  versioning: 'BucketVersioning',
  acl: 'BucketAcl',
  cors: 'BucketCors',
  tagging: 'BucketTagging',
  notification: 'BucketNotificationConfiguration',
  lifecycle: 'BucketLifecycleConfiguration',
  website: 'BucketWebsite',
  encryption: 'BucketEncryption',
  publicAccessBlock: 'PublicAccessBlock',
  ownershipControls: 'BucketOwnershipControls',
};

const VERB: Record<string, string> = { GET: 'Get', PUT: 'Put', DELETE: 'Delete' };

/** Splits an S3 request into bucket and key, path-style or virtual-host style. */
export function s3BucketAndKey(request: SandboxRequest): { bucket?: string; key?: string } {
  const host = request.host.replace(/:\d+$/, '');
  const hostBucket = /^(.+)\.(localhost|s3[.\w-]*\.amazonaws\.com|s3\.localhost)$/.exec(host)?.[1];
  const path = request.path.startsWith('/') ? request.path.slice(1) : request.path;
  if (hostBucket && !/^\d+\.\d+\.\d+$/.test(hostBucket))
    return { bucket: hostBucket, key: path || undefined };
  const slash = path.indexOf('/');
  if (!path) return {};
  if (slash < 0) return { bucket: path };
  return { bucket: path.slice(0, slash), key: path.slice(slash + 1) || undefined };
}

export function s3OperationName(request: SandboxRequest): string {
  const { bucket, key } = s3BucketAndKey(request);
  const q = request.query;
  const method = request.method;
  if (!bucket) return 'ListBuckets';
  if (!key) {
    for (const [name, operation] of Object.entries(BUCKET_SUBRESOURCES)) {
      if (q.has(name) && VERB[method]) return `${VERB[method]}${operation}`;
    }
    if (q.has('location')) return 'GetBucketLocation';
    if (q.has('delete') && method === 'POST') return 'DeleteObjects';
    if (q.has('uploads') && method === 'GET') return 'ListMultipartUploads';
    if (method === 'GET') return q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
    if (method === 'PUT') return 'CreateBucket';
    if (method === 'HEAD') return 'HeadBucket';
    if (method === 'DELETE') return 'DeleteBucket';
    return `${method}Bucket`;
  }
  if (method === 'POST' && q.has('uploads')) return 'CreateMultipartUpload';
  if (method === 'POST' && q.has('uploadId')) return 'CompleteMultipartUpload';
  if (method === 'PUT' && q.has('uploadId')) return 'UploadPart';
  if (method === 'DELETE' && q.has('uploadId')) return 'AbortMultipartUpload';
  if (q.has('tagging') && VERB[method]) return `${VERB[method]}ObjectTagging`;
  if (q.has('acl') && VERB[method]) return `${VERB[method]}ObjectAcl`;
  if (method === 'GET') return 'GetObject';
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'DELETE') return 'DeleteObject';
  if (method === 'PUT') return request.headers['x-amz-copy-source'] ? 'CopyObject' : 'PutObject';
  return `${method}Object`;
}
