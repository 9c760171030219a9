/**
 * The sandbox's S3: routes a request to the operation its method, address and sub-resource name,
 * after the checks S3 makes first: the bucket exists, the request was signed for its region, and the
 * caller may act on it.
 */
import type { S3Bucket } from '../model.js';
import {
  AwsError,
  type SandboxContext,
  type SandboxRequest,
  type SandboxResponse,
  type ServiceHandler,
} from '../protocol.js';
import { authorizeBucketAction, bucketArn, isBucketActionAllowed, objectArn } from './bucketAccess.js';
import { resolveS3Address } from './bucketAddress.js';
import {
  createBucket,
  deleteBucket,
  deleteBucketPolicy,
  findBucket,
  getBucketLocation,
  getBucketPolicy,
  headBucket,
  listBuckets,
  putBucketPolicy,
} from './bucketOperations.js';
import { listObjectsV1, listObjectsV2 } from './listObjects.js';
import { deleteObject, getObject, putObject } from './objectOperations.js';
import { assertSignedForBucketRegion } from './regionRedirect.js';

export { bucketPolicyDecision, isBucketActionAllowed, principalOf } from './bucketAccess.js';
export { resolveS3Address, type S3Address, sandboxHostNames } from './bucketAddress.js';

/** Sub-resources S3 has that the sandbox does not: answered NotImplemented rather than misread. */
const UNSUPPORTED_SUBRESOURCES = [
  'acl',
  'cors',
  'encryption',
  'lifecycle',
  'logging',
  'notification',
  'ownershipControls',
  'policyStatus',
  'publicAccessBlock',
  'replication',
  'tagging',
  'uploads',
  'uploadId',
  'versioning',
  'versions',
  'website',
  'delete',
  'object-lock',
  'retention',
  'legal-hold',
  'attributes',
  'accelerate',
  'analytics',
  'inventory',
  'metrics',
  'requestPayment',
  'intelligent-tiering',
  'torrent',
  'restore',
  'select',
];

export const handleS3: ServiceHandler = async (request, context) => {
  const address = resolveS3Address(request.host, request.rawPath, context.baseUrl);
  if (address.bucket === undefined) {
    if (request.method === 'GET') return listBuckets(request, context);
    throw methodNotAllowed();
  }
  const unsupported = UNSUPPORTED_SUBRESOURCES.find((name) => request.query.has(name));
  if (unsupported) {
    throw new AwsError(
      'NotImplemented',
      `The '${unsupported}' sub-resource is not implemented by the Skybridge sandbox.`,
      501,
      'Receiver',
    );
  }
  if (request.method === 'PUT' && address.key === undefined && !request.query.has('policy')) {
    return createBucket(request, context, address.bucket);
  }
  const bucket = findBucket(context, address.bucket);
  // GetBucketLocation exists to find a bucket's region, so it is answered from any region.
  if (!(address.key === undefined && request.query.has('location'))) {
    assertSignedForBucketRegion(request, bucket);
  }
  return address.key === undefined
    ? bucketRequest(request, context, bucket)
    : objectRequest(request, context, bucket, address.key);
};

function bucketRequest(request: SandboxRequest, context: SandboxContext, bucket: S3Bucket): SandboxResponse {
  const allow = (action: string) =>
    authorizeBucketAction(context.world, request.caller, bucket, action, bucketArn(bucket.name));
  const { method, query } = request;
  if (query.has('policy')) {
    switch (method) {
      case 'PUT':
        allow('s3:PutBucketPolicy');
        return putBucketPolicy(request, bucket);
      case 'GET':
        allow('s3:GetBucketPolicy');
        return getBucketPolicy(bucket);
      case 'DELETE':
        allow('s3:DeleteBucketPolicy');
        return deleteBucketPolicy(bucket);
      default:
        throw methodNotAllowed();
    }
  }
  if (query.has('location')) {
    if (method !== 'GET') throw methodNotAllowed();
    allow('s3:GetBucketLocation');
    return getBucketLocation(bucket);
  }
  switch (method) {
    case 'HEAD':
      allow('s3:ListBucket');
      return headBucket(bucket);
    case 'GET':
      allow('s3:ListBucket');
      return query.get('list-type') === '2' ? listObjectsV2(request, bucket) : listObjectsV1(request, bucket);
    case 'DELETE':
      allow('s3:DeleteBucket');
      return deleteBucket(context, bucket);
    default:
      throw methodNotAllowed();
  }
}

function objectRequest(
  request: SandboxRequest,
  context: SandboxContext,
  bucket: S3Bucket,
  key: string,
): SandboxResponse {
  const allow = (action: string) =>
    authorizeBucketAction(context.world, request.caller, bucket, action, objectArn(bucket.name, key));
  const callerMayList = () =>
    isBucketActionAllowed(context.world, request.caller, bucket, 's3:ListBucket', bucketArn(bucket.name));
  switch (request.method) {
    case 'PUT':
      allow('s3:PutObject');
      return putObject(request, context, bucket, key);
    case 'GET':
      allow('s3:GetObject');
      return getObject(request, bucket, key, { head: false, callerMayList });
    case 'HEAD':
      allow('s3:GetObject');
      return getObject(request, bucket, key, { head: true, callerMayList });
    case 'DELETE':
      allow('s3:DeleteObject');
      return deleteObject(bucket, key);
    default:
      throw methodNotAllowed();
  }
}

function methodNotAllowed(): AwsError {
  return new AwsError('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405);
}
