/**
 * Reads a template named by TemplateURL from the sandbox's own S3 world, without an HTTP round trip.
 * Accepted: the sandbox's path-style and virtual-host URLs, and AWS-shaped S3 URLs
 * (`https://<bucket>.s3.<region>.amazonaws.com/<key>`, `https://s3.<region>.amazonaws.com/<bucket>/<key>`)
 * whose bucket exists in the sandbox. The reader is an account (the stack's) or anonymous (the
 * console's preview): it must own the bucket or be granted s3:GetObject by the bucket policy.
 */
import type { SandboxWorld } from '../model.js';
import { AwsError } from '../protocol.js';
import { bucketPolicyDecision, resolveS3Address, sandboxHostNames } from '../s3/index.js';

export const MAX_TEMPLATE_URL_LENGTH = 1024;
export const MAX_TEMPLATE_URL_BYTES = 1024 * 1024;
export const MAX_TEMPLATE_BODY_BYTES = 51_200;

export const INACCESSIBLE_TEMPLATE_MESSAGE =
  'TemplateURL must reference a valid S3 object to which you have access.';

export interface S3ObjectLocation {
  bucket: string;
  key: string;
}

function inaccessible(): AwsError {
  return new AwsError('ValidationError', INACCESSIBLE_TEMPLATE_MESSAGE, 400);
}

/** Where a template URL points in S3, or undefined when it is no S3 URL the sandbox serves. */
export function locateTemplateUrl(templateUrl: string, baseUrl: string): S3ObjectLocation | undefined {
  let url: URL;
  try {
    url = new URL(templateUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  const host = url.hostname.toLowerCase();
  const path = url.pathname;
  const region = '(?:[.-](?:dualstack\\.)?[a-z]{2}(?:-[a-z]+)+-\\d)?';
  const virtualAws = new RegExp(`^(.+)\\.s3${region}\\.amazonaws\\.com$`).exec(host);
  if (virtualAws) return withKey(virtualAws[1]!, decodePath(path.replace(/^\//, '')));
  if (new RegExp(`^s3${region}\\.amazonaws\\.com$`).test(host)) return fromPathStyle(path);

  if (!isSandboxHost(url, baseUrl)) return undefined;
  const address = resolveS3Address(url.host, path, baseUrl);
  if (address.bucket === undefined || address.key === undefined) return undefined;
  return { bucket: address.bucket, key: address.key };
}

function isSandboxHost(url: URL, baseUrl: string): boolean {
  const base = new URL(baseUrl);
  // Another service on the same machine (another port) is not the sandbox's S3.
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const basePort = base.port || (base.protocol === 'https:' ? '443' : '80');
  if (port !== basePort) return false;
  const host = url.hostname.toLowerCase();
  return sandboxHostNames(baseUrl).some((own) => host === own || host.endsWith(`.${own}`));
}

function fromPathStyle(path: string): S3ObjectLocation | undefined {
  const trimmed = path.replace(/^\//, '');
  const slash = trimmed.indexOf('/');
  if (slash <= 0) return undefined;
  return withKey(decodePath(trimmed.slice(0, slash)), decodePath(trimmed.slice(slash + 1)));
}

function withKey(bucket: string, key: string): S3ObjectLocation | undefined {
  return key === '' ? undefined : { bucket, key };
}

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * The template text at `templateUrl` as `readerAccountId` (undefined: anonymous) may read it;
 * ValidationError with AWS's message when it is missing or not readable.
 */
export function readTemplateUrl(
  world: SandboxWorld,
  baseUrl: string,
  templateUrl: string,
  readerAccountId: string | undefined,
): string {
  if (templateUrl.length > MAX_TEMPLATE_URL_LENGTH) {
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value '${templateUrl}' at 'templateURL' failed to satisfy constraint: ` +
        `Member must have length less than or equal to ${MAX_TEMPLATE_URL_LENGTH}`,
      400,
    );
  }
  const location = locateTemplateUrl(templateUrl, baseUrl);
  if (!location) throw inaccessible();
  const bucket = world.buckets.get(location.bucket);
  const object = bucket?.objects.get(location.key);
  if (!bucket || !object) throw inaccessible();
  const resource = `arn:aws:s3:::${bucket.name}/${location.key}`;
  const principal = readerAccountId === undefined ? undefined : { accountId: readerAccountId, arns: [] };
  const decision = bucketPolicyDecision(bucket.policy, principal, 's3:GetObject', resource);
  const allowed = decision === 'allow' || (decision === 'none' && bucket.accountId === readerAccountId);
  if (!allowed) throw inaccessible();
  if (object.body.length > MAX_TEMPLATE_URL_BYTES) {
    throw new AwsError(
      'ValidationError',
      `Template may not exceed ${MAX_TEMPLATE_URL_BYTES} bytes in size.`,
      400,
    );
  }
  return object.body.toString('utf8');
}
