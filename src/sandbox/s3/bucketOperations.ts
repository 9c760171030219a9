/**
 * Bucket-level S3 operations: CreateBucket, DeleteBucket, HeadBucket, GetBucketLocation,
 * ListBuckets and the bucket policy.
 */
import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { DEFAULT_REGION, type PolicyDocument, type S3Bucket } from '../model.js';
import {
  AwsError,
  type SandboxContext,
  type SandboxRequest,
  type SandboxResponse,
  xmlEscape,
} from '../protocol.js';
import { authorizeAccountAction, bucketArn } from './bucketAccess.js';
import { assertValidBucketName } from './bucketName.js';
import { isoTimestamp, s3XmlDocument, XML_CONTENT_TYPE, xmlElement } from './s3Xml.js';

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d$/;

export function noSuchBucket(name: string): AwsError {
  return new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404, 'Sender', {
    fields: { BucketName: name },
  });
}

/** The bucket by name, or NoSuchBucket. */
export function findBucket(context: SandboxContext, name: string): S3Bucket {
  const bucket = context.world.buckets.get(name);
  if (!bucket) throw noSuchBucket(name);
  return bucket;
}

export function createBucket(
  request: SandboxRequest,
  context: SandboxContext,
  name: string,
): SandboxResponse {
  const caller = authorizeAccountAction(context.world, request.caller, 's3:CreateBucket', bucketArn(name));
  assertValidBucketName(name);
  const region = locationConstraintOf(request.body);
  // A regional endpoint creates buckets in its own region only; us-east-1 (the global endpoint) in any.
  if (request.signedRegion && request.signedRegion !== DEFAULT_REGION && request.signedRegion !== region) {
    const named = region === DEFAULT_REGION && request.body.length === 0 ? 'unspecified' : region;
    throw new AwsError(
      'IllegalLocationConstraintException',
      `The ${named} location constraint is incompatible for the region specific endpoint this request was sent to.`,
      400,
    );
  }
  const existing = context.world.buckets.get(name);
  if (existing?.accountId === caller.accountId) {
    throw new AwsError(
      'BucketAlreadyOwnedByYou',
      'Your previous request to create the named bucket succeeded and you already own it.',
      409,
      'Sender',
      { fields: { BucketName: name } },
    );
  }
  if (existing) {
    throw new AwsError(
      'BucketAlreadyExists',
      'The requested bucket name is not available. The bucket namespace is shared by all users of the system. ' +
        'Please select a different name and try again.',
      409,
      'Sender',
      { fields: { BucketName: name } },
    );
  }
  context.world.buckets.set(name, {
    name,
    accountId: caller.accountId,
    region,
    createdAt: context.now(),
    objects: new Map(),
  });
  return { status: 200, headers: { location: `/${name}` } };
}

function locationConstraintOf(body: Buffer): string {
  if (body.length === 0) return DEFAULT_REGION;
  let parsed: unknown;
  try {
    parsed = new XMLParser({ parseTagValue: false, removeNSPrefix: true }).parse(body.toString('utf8'), true);
  } catch {
    throw malformedXml();
  }
  const configuration = (parsed as { CreateBucketConfiguration?: unknown }).CreateBucketConfiguration;
  if (configuration === undefined) throw malformedXml();
  const constraint =
    typeof configuration === 'object' && configuration !== null
      ? (configuration as { LocationConstraint?: unknown }).LocationConstraint
      : undefined;
  if (constraint === undefined || constraint === '') return DEFAULT_REGION;
  if (constraint === 'EU') return 'eu-west-1';
  // AWS refuses an explicit us-east-1: that region is spelled by leaving the constraint out.
  if (typeof constraint !== 'string' || !REGION_PATTERN.test(constraint) || constraint === DEFAULT_REGION) {
    throw new AwsError(
      'InvalidLocationConstraint',
      'The specified location-constraint is not valid',
      400,
      'Sender',
      {
        fields: { LocationConstraint: String(constraint) },
      },
    );
  }
  return constraint;
}

function malformedXml(): AwsError {
  return new AwsError(
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema',
    400,
  );
}

export function deleteBucket(context: SandboxContext, bucket: S3Bucket): SandboxResponse {
  if (bucket.objects.size > 0) {
    throw new AwsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, 'Sender', {
      fields: { BucketName: bucket.name },
    });
  }
  context.world.buckets.delete(bucket.name);
  return { status: 204 };
}

export function headBucket(bucket: S3Bucket): SandboxResponse {
  return { status: 200, headers: { 'x-amz-bucket-region': bucket.region } };
}

export function getBucketLocation(bucket: S3Bucket): SandboxResponse {
  const region = bucket.region === DEFAULT_REGION ? '' : bucket.region;
  return {
    status: 200,
    headers: { 'content-type': XML_CONTENT_TYPE },
    body: s3XmlDocument('LocationConstraint', xmlEscape(region)),
  };
}

/** A canonical user id for an account: stable, 64 hex characters, as S3's are. */
export function canonicalUserId(accountId: string): string {
  return createHash('sha256').update(`skybridge-sandbox:${accountId}`).digest('hex');
}

export function listBuckets(request: SandboxRequest, context: SandboxContext): SandboxResponse {
  const caller = authorizeAccountAction(
    context.world,
    request.caller,
    's3:ListAllMyBuckets',
    'arn:aws:s3:::*',
  );
  const prefix = request.query.get('prefix') ?? '';
  const regionFilter = request.query.get('bucket-region');
  const after = request.query.get('continuation-token') ?? '';
  const maxBuckets = Number(request.query.get('max-buckets') ?? '10000');
  const owned = [...context.world.buckets.values()]
    .filter((bucket) => bucket.accountId === caller.accountId && bucket.name.startsWith(prefix))
    .filter((bucket) => !regionFilter || bucket.region === regionFilter)
    .filter((bucket) => bucket.name > after)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const page = owned.slice(0, Number.isFinite(maxBuckets) && maxBuckets > 0 ? maxBuckets : 10000);
  const truncated = page.length < owned.length;
  const buckets = page
    .map(
      (bucket) =>
        `<Bucket>${xmlElement('Name', bucket.name)}${xmlElement('CreationDate', isoTimestamp(bucket.createdAt))}` +
        `${xmlElement('BucketRegion', bucket.region)}</Bucket>`,
    )
    .join('');
  const owner = `<Owner>${xmlElement('ID', canonicalUserId(caller.accountId))}</Owner>`;
  const next = truncated ? xmlElement('ContinuationToken', page[page.length - 1]?.name) : '';
  return {
    status: 200,
    headers: { 'content-type': XML_CONTENT_TYPE },
    body: s3XmlDocument(
      'ListAllMyBucketsResult',
      `${owner}<Buckets>${buckets}</Buckets>${next}${prefix ? xmlElement('Prefix', prefix) : ''}`,
    ),
  };
}

export function putBucketPolicy(request: SandboxRequest, bucket: S3Bucket): SandboxResponse {
  bucket.policy = parseBucketPolicy(request.body.toString('utf8'), bucket.name);
  return { status: 204 };
}

export function getBucketPolicy(bucket: S3Bucket): SandboxResponse {
  if (!bucket.policy) {
    throw new AwsError('NoSuchBucketPolicy', 'The bucket policy does not exist', 404, 'Sender', {
      fields: { BucketName: bucket.name },
    });
  }
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(bucket.policy),
  };
}

export function deleteBucketPolicy(bucket: S3Bucket): SandboxResponse {
  bucket.policy = undefined;
  return { status: 204 };
}

function parseBucketPolicy(text: string, bucketName: string): PolicyDocument {
  const malformed = (message: string) => new AwsError('MalformedPolicy', message, 400);
  if (!text.trimStart().startsWith('{')) {
    throw malformed("Policies must be valid JSON and the first byte must be '{'");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed("Policies must be valid JSON and the first byte must be '{'");
  }
  const statement = (parsed as { Statement?: unknown }).Statement;
  const statements = Array.isArray(statement) ? statement : statement === undefined ? [] : [statement];
  if (statements.length === 0) throw malformed('Missing required field Statement');
  for (const entry of statements as Record<string, unknown>[]) {
    if (entry === null || typeof entry !== 'object') throw malformed('Missing required field Statement');
    if (entry.Effect !== 'Allow' && entry.Effect !== 'Deny')
      throw malformed('Invalid effect: ' + String(entry.Effect));
    if (entry.Principal === undefined && entry.NotPrincipal === undefined)
      throw malformed('Missing required field Principal');
    if (entry.Action === undefined && entry.NotAction === undefined) {
      throw malformed('Missing required field Action');
    }
    const resources = entry.Resource === undefined ? [] : [entry.Resource].flat();
    for (const resource of resources) {
      // A bucket policy may only name this bucket and its objects.
      const arn = `arn:aws:s3:::${bucketName}`;
      if (typeof resource !== 'string' || (resource !== arn && !resource.startsWith(`${arn}/`))) {
        throw malformed('Policy has invalid resource');
      }
    }
  }
  return parsed as PolicyDocument;
}
