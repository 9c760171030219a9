/** Object-level S3 operations: PutObject, GetObject, HeadObject, DeleteObject. */
import { createHash } from 'node:crypto';
import type { S3Bucket, S3Object } from '../model.js';
import { AwsError, type SandboxContext, type SandboxRequest, type SandboxResponse } from '../protocol.js';
import { decodeAwsChunkedBody } from './awsChunkedBody.js';
import { accessDenied } from './bucketAccess.js';
import { checksumHeaders, collectChecksums, verifyContentMd5 } from './objectChecksums.js';
import { httpDate } from './s3Xml.js';

const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';
const HEX_SHA256 = /^[0-9a-f]{64}$/;

export function putObject(
  request: SandboxRequest,
  context: SandboxContext,
  bucket: S3Bucket,
  key: string,
): SandboxResponse {
  if (request.headers['x-amz-copy-source'] !== undefined) {
    throw new AwsError('NotImplemented', 'CopyObject is not implemented by the Skybridge sandbox.', 501);
  }
  const { payload, trailers } = payloadOf(request);
  verifyContentMd5(payload, request.headers['content-md5']);
  const checksums = collectChecksums(payload, [request.headers, trailers]);
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = value;
  }
  const object: S3Object = {
    key,
    body: payload,
    contentType: request.headers['content-type'] || DEFAULT_CONTENT_TYPE,
    etag: `"${createHash('md5').update(payload).digest('hex')}"`,
    lastModified: context.now(),
    metadata,
    checksums,
  };
  bucket.objects.set(key, object);
  return {
    status: 200,
    headers: { etag: object.etag, 'x-amz-server-side-encryption': 'AES256', ...checksumHeaders(checksums) },
  };
}

/** The object's bytes: aws-chunked bodies decoded, hex payload hashes verified. */
function payloadOf(request: SandboxRequest): { payload: Buffer; trailers: Record<string, string> } {
  const declaredHash = request.headers['x-amz-content-sha256'];
  const chunked =
    (request.headers['content-encoding'] ?? '').split(',').some((part) => part.trim() === 'aws-chunked') ||
    declaredHash?.startsWith('STREAMING-') === true;
  if (chunked) {
    const decoded = decodeAwsChunkedBody(request.body);
    const declaredLength = request.headers['x-amz-decoded-content-length'];
    if (declaredLength !== undefined && Number(declaredLength) !== decoded.payload.length) {
      throw new AwsError(
        'IncompleteBody',
        'You did not provide the number of bytes specified by the Content-Length HTTP header',
        400,
      );
    }
    return decoded;
  }
  if (declaredHash !== undefined && HEX_SHA256.test(declaredHash)) {
    const computed = createHash('sha256').update(request.body).digest('hex');
    if (computed !== declaredHash) {
      throw new AwsError(
        'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        400,
        'Sender',
        { fields: { ClientComputedContentSHA256: declaredHash, S3ComputedContentSHA256: computed } },
      );
    }
  }
  return { payload: request.body, trailers: {} };
}

/**
 * GetObject and HeadObject. A missing key answers NoSuchKey only to callers allowed to list the
 * bucket; others get AccessDenied, so keys cannot be probed.
 */
export function getObject(
  request: SandboxRequest,
  bucket: S3Bucket,
  key: string,
  options: { head: boolean; callerMayList: () => boolean },
): SandboxResponse {
  const object = bucket.objects.get(key);
  if (!object) {
    if (!options.callerMayList()) throw accessDenied();
    throw new AwsError('NoSuchKey', 'The specified key does not exist.', 404, 'Sender', {
      fields: { Key: key },
    });
  }
  const precondition = checkPreconditions(request, object);
  if (precondition) return precondition;

  const size = object.body.length;
  const range = parseRange(request.headers.range, size);
  const headers: Record<string, string> = {
    'content-type': object.contentType,
    etag: object.etag,
    'last-modified': httpDate(object.lastModified),
    'accept-ranges': 'bytes',
    'x-amz-server-side-encryption': 'AES256',
  };
  for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
  if (range) {
    const body = object.body.subarray(range.start, range.end + 1);
    headers['content-range'] = `bytes ${range.start}-${range.end}/${size}`;
    headers['content-length'] = String(body.length);
    return { status: 206, headers, body: options.head ? undefined : body };
  }
  // Full-object checksums only: a range has none, as in S3.
  if (request.headers['x-amz-checksum-mode']?.toUpperCase() === 'ENABLED') {
    Object.assign(headers, checksumHeaders(object.checksums));
  }
  headers['content-length'] = String(size);
  return { status: 200, headers, body: options.head ? undefined : object.body };
}

function checkPreconditions(request: SandboxRequest, object: S3Object): SandboxResponse | undefined {
  const ifMatch = request.headers['if-match'];
  if (ifMatch !== undefined && !etagListIncludes(ifMatch, object.etag)) {
    throw new AwsError(
      'PreconditionFailed',
      'At least one of the pre-conditions you specified did not hold',
      412,
      'Sender',
      {
        fields: { Condition: 'If-Match' },
      },
    );
  }
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch !== undefined && etagListIncludes(ifNoneMatch, object.etag)) {
    return { status: 304, headers: { etag: object.etag, 'last-modified': httpDate(object.lastModified) } };
  }
  return undefined;
}

function etagListIncludes(list: string, etag: string): boolean {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .some((entry) => entry === '*' || entry === etag || `"${entry}"` === etag);
}

/** A single `bytes=` range; other forms are ignored and the whole object is answered, as S3 does. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
    if (match[2] !== '' && Number(match[2]) < start) return undefined;
  }
  if (start >= size || end < start) {
    throw new AwsError('InvalidRange', 'The requested range is not satisfiable', 416, 'Sender', {
      fields: { RangeRequested: header, ActualObjectSize: String(size) },
    });
  }
  return { start, end };
}

export function deleteObject(bucket: S3Bucket, key: string): SandboxResponse {
  bucket.objects.delete(key);
  return { status: 204 };
}
