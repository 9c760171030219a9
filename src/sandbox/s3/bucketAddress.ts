/**
 * Which bucket and key an S3 request addresses: path-style (`/<bucket>/<key>`) on the sandbox's own
 * host, or virtual-host style where the Host header is `<bucket>.<sandbox host>` (optionally
 * `<bucket>.s3.<sandbox host>`).
 */

export interface S3Address {
  style: 'path' | 'virtual';
  /** Undefined for service-level requests (ListBuckets). */
  bucket?: string;
  /** Undefined for bucket-level requests; percent-decoded. */
  key?: string;
}

/** Host names the sandbox answers to as itself; anything in front of them names a bucket. */
export function sandboxHostNames(baseUrl: string): string[] {
  const names = new Set(['localhost', '127.0.0.1']);
  try {
    names.add(new URL(baseUrl).hostname.toLowerCase());
  } catch {
    // A malformed base URL leaves the loopback names.
  }
  return [...names];
}

export function resolveS3Address(host: string, rawPath: string, baseUrl: string): S3Address {
  const path = rawPath.split('?')[0] ?? '/';
  const virtualBucket = bucketFromHost(hostWithoutPort(host), sandboxHostNames(baseUrl));
  if (virtualBucket !== undefined) {
    const rawKey = path.replace(/^\//, '');
    return {
      style: 'virtual',
      bucket: virtualBucket,
      key: rawKey === '' ? undefined : decodePathPart(rawKey),
    };
  }
  const trimmed = path.replace(/^\//, '');
  if (trimmed === '') return { style: 'path' };
  const slash = trimmed.indexOf('/');
  if (slash < 0) return { style: 'path', bucket: decodePathPart(trimmed) };
  const rawKey = trimmed.slice(slash + 1);
  return {
    style: 'path',
    bucket: decodePathPart(trimmed.slice(0, slash)),
    key: rawKey === '' ? undefined : decodePathPart(rawKey),
  };
}

function hostWithoutPort(host: string): string {
  const lower = host.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  return lower.replace(/:\d+$/, '');
}

function bucketFromHost(host: string, sandboxHosts: string[]): string | undefined {
  for (const own of sandboxHosts) {
    if (host === own || host === `s3.${own}`) return undefined;
    if (host.endsWith(`.${own}`)) {
      const front = host.slice(0, -(own.length + 1));
      // `<bucket>.s3.localhost` and `<bucket>.s3.<region>.localhost` are the AWS-like spellings.
      return front.replace(/\.s3(\.[a-z]{2}(-[a-z]+)+-\d)?$/, '');
    }
  }
  return undefined;
}

function decodePathPart(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
