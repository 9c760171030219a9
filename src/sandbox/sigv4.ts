/**
 * SigV4 verification by re-signing: rebuild the request from what was received (method, path as
 * sent, query, only the signed headers, raw body), sign it with the caller's secret for the same
 * scope and date, and compare. Headers carry the signature (`Authorization: AWS4-HMAC-SHA256 ...`)
 * or, for presigned URLs, the query does (`X-Amz-Signature`).
 */
import { timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Credential, SandboxWorld } from './model.js';
import { AwsError, type SandboxRequest } from './protocol.js';

// hash-node wraps node:crypto; far cheaper than a pure-JS SHA-256 on the hot path.
const sha256 = Hash.bind(null, 'sha256');

/** AWS refuses requests signed more than 15 minutes away from its clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface ParsedSignature {
  presigned: boolean;
  accessKeyId: string;
  /** `<yyyymmdd>/<region>/<service>/aws4_request` */
  scope: string;
  shortDate: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  /** `yyyymmddThhmmssZ` from x-amz-date (header or query). */
  amzDate: string;
  /** Presigned URLs only. */
  expiresSeconds?: number;
  securityToken?: string;
}

/** True when the service answers auth errors in S3's vocabulary. */
function isS3(service: string): boolean {
  return service === 's3';
}

function malformed(service: string, message: string): AwsError {
  return isS3(service)
    ? new AwsError('AuthorizationHeaderMalformed', message, 400)
    : new AwsError('IncompleteSignature', message, 400);
}

/** The signature of a request, or undefined when it is not SigV4-signed at all. */
export function parseSignature(request: SandboxRequest): ParsedSignature | undefined {
  const authorization = request.headers.authorization;
  if (authorization?.startsWith('AWS4-HMAC-SHA256 ')) {
    const fields = new Map<string, string>();
    for (const part of authorization.slice('AWS4-HMAC-SHA256 '.length).split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    const credential = fields.get('Credential');
    const signedHeaders = fields.get('SignedHeaders');
    const signature = fields.get('Signature');
    const amzDate = request.headers['x-amz-date'];
    return build(
      false,
      credential,
      signedHeaders,
      signature,
      amzDate,
      undefined,
      request.headers['x-amz-security-token'],
    );
  }
  if (request.query.has('X-Amz-Signature')) {
    const q = request.query;
    if (q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') {
      throw new AwsError(
        'AuthorizationQueryParametersError',
        'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"',
        400,
      );
    }
    const expires = Number(q.get('X-Amz-Expires'));
    return build(
      true,
      q.get('X-Amz-Credential') ?? undefined,
      q.get('X-Amz-SignedHeaders') ?? undefined,
      q.get('X-Amz-Signature') ?? undefined,
      q.get('X-Amz-Date') ?? undefined,
      Number.isInteger(expires) && expires > 0 ? expires : Number.NaN,
      q.get('X-Amz-Security-Token') ?? undefined,
    );
  }
  return undefined;
}

function build(
  presigned: boolean,
  credential: string | undefined,
  signedHeaders: string | undefined,
  signature: string | undefined,
  amzDate: string | undefined,
  expiresSeconds: number | undefined,
  securityToken: string | undefined,
): ParsedSignature {
  const parts = credential?.split('/') ?? [];
  const service = parts[3] ?? '';
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !/^\d{8}$/.test(parts[1] ?? '')) {
    throw malformed(
      service,
      `Credential must have the form <access key>/<date>/<region>/<service>/aws4_request.`,
    );
  }
  if (!signedHeaders || !signature) {
    throw malformed(service, 'Authorization must include SignedHeaders and Signature.');
  }
  if (!amzDate || !/^\d{8}T\d{6}Z$/.test(amzDate)) {
    throw malformed(service, 'The request must carry x-amz-date in the form yyyyMMddTHHmmssZ.');
  }
  if (presigned && !Number.isFinite(expiresSeconds)) {
    throw new AwsError('AuthorizationQueryParametersError', 'X-Amz-Expires must be a positive integer.', 400);
  }
  return {
    presigned,
    accessKeyId: parts[0]!,
    shortDate: parts[1]!,
    region: parts[2]!,
    service,
    scope: parts.slice(1).join('/'),
    signedHeaders: signedHeaders.split(';'),
    signature,
    amzDate,
    expiresSeconds,
    securityToken,
  };
}

/** `20240102T030405Z` -> epoch ms. */
export function parseAmzDate(amzDate: string): number {
  return Date.UTC(
    Number(amzDate.slice(0, 4)),
    Number(amzDate.slice(4, 6)) - 1,
    Number(amzDate.slice(6, 8)),
    Number(amzDate.slice(9, 11)),
    Number(amzDate.slice(11, 13)),
    Number(amzDate.slice(13, 15)),
  );
}

/** Decodes a raw query string the way SigV4 sees it: `+` stays `+`, repeated names become arrays. */
export function parseRawQuery(rawQuery: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  if (!rawQuery) return query;
  for (const pair of rawQuery.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const name = safeDecode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : safeDecode(pair.slice(eq + 1));
    const existing = query[name];
    if (existing === undefined) query[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else query[name] = [existing, value];
  }
  return query;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function sameSignature(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export interface VerifyOptions {
  /** The sandbox clock (with clockOffsetMs): governs credential expiry. */
  sandboxNow: number;
  /** Real time: the SDK signs with it, so the 15-minute skew check uses it. */
  realNow: number;
}

/**
 * Checks the signature and resolves the caller. Throws the AwsError AWS would answer, in the
 * vocabulary of the signed service (S3 names some of them differently).
 */
export async function verifySignature(
  request: SandboxRequest,
  parsed: ParsedSignature,
  world: SandboxWorld,
  options: VerifyOptions,
): Promise<Credential> {
  const s3 = isS3(parsed.service);
  const credential = world.credentials.get(parsed.accessKeyId);
  if (!credential) {
    throw s3
      ? new AwsError(
          'InvalidAccessKeyId',
          'The AWS Access Key Id you provided does not exist in our records.',
          403,
        )
      : new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
  }
  if (credential.sessionToken !== undefined && parsed.securityToken !== credential.sessionToken) {
    throw s3
      ? new AwsError('InvalidToken', 'The provided token is malformed or otherwise invalid.', 400)
      : new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
  }
  if (credential.sessionToken === undefined && parsed.securityToken !== undefined) {
    throw s3
      ? new AwsError('InvalidToken', 'The provided token is malformed or otherwise invalid.', 400)
      : new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
  }

  const signedAt = parseAmzDate(parsed.amzDate);
  if (parsed.presigned) {
    if (signedAt + parsed.expiresSeconds! * 1000 < options.realNow) {
      throw new AwsError('AccessDenied', 'Request has expired', 403, 'Sender', {
        fields: {
          'X-Amz-Expires': String(parsed.expiresSeconds),
          ServerTime: new Date(options.realNow).toISOString(),
        },
      });
    }
  } else if (Math.abs(signedAt - options.realNow) > MAX_CLOCK_SKEW_MS) {
    throw skewError(s3, parsed.amzDate, options.realNow, signedAt);
  }

  const expected = await computeSignature(request, parsed, credential.secretAccessKey);
  if (!sameSignature(expected, parsed.signature)) {
    throw s3
      ? new AwsError(
          'SignatureDoesNotMatch',
          'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
          403,
        )
      : new AwsError(
          'SignatureDoesNotMatch',
          'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
          403,
        );
  }

  if (credential.expiresAt !== undefined && credential.expiresAt <= options.sandboxNow) {
    throw s3
      ? new AwsError('ExpiredToken', 'The provided token has expired.', 400)
      : new AwsError('ExpiredToken', 'The security token included in the request is expired', 400);
  }
  return credential;
}

function amzDateOf(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function skewError(s3: boolean, amzDate: string, realNow: number, signedAt: number): AwsError {
  if (s3) {
    return new AwsError(
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
      403,
      'Sender',
      {
        fields: {
          RequestTime: amzDate,
          ServerTime: new Date(realNow).toISOString(),
          MaxAllowedSkewMilliseconds: String(MAX_CLOCK_SKEW_MS),
        },
      },
    );
  }
  const message =
    signedAt < realNow
      ? `Signature expired: ${amzDate} is now earlier than ${amzDateOf(realNow - MAX_CLOCK_SKEW_MS)} (${amzDateOf(realNow)} - 15 min.)`
      : `Signature not yet current: ${amzDate} is still later than ${amzDateOf(realNow + MAX_CLOCK_SKEW_MS)} (${amzDateOf(realNow)} + 15 min.)`;
  return new AwsError('SignatureDoesNotMatch', message, 403);
}

/** Re-signs the received request with `secret` and returns the hex signature it should carry. */
async function computeSignature(
  request: SandboxRequest,
  parsed: ParsedSignature,
  secret: string,
): Promise<string> {
  const s3 = isS3(parsed.service);
  const headers: Record<string, string> = {};
  for (const name of parsed.signedHeaders) {
    const value = request.headers[name];
    // A signed header that did not arrive cannot match; sign it empty so the comparison fails.
    headers[name] = value ?? '';
  }
  const query = parseRawQuery(request.rawQuery ?? '');
  const signer = new SignatureV4({
    credentials: { accessKeyId: parsed.accessKeyId, secretAccessKey: secret },
    region: parsed.region,
    service: parsed.service,
    sha256,
    uriEscapePath: !s3,
    applyChecksum: false,
  });
  const signableHeaders = new Set(parsed.signedHeaders);
  const signingDate = new Date(parseAmzDate(parsed.amzDate));

  if (parsed.presigned) {
    delete query['X-Amz-Signature'];
    const unsignableHeaders = new Set<string>();
    // Presigned S3 URLs sign no payload; the header only carries that choice into the signer.
    if (!('x-amz-content-sha256' in headers)) {
      headers['x-amz-content-sha256'] = s3 ? 'UNSIGNED-PAYLOAD' : await hashOf(request.body);
      unsignableHeaders.add('x-amz-content-sha256');
    }
    const presigned = await signer.presign(
      new HttpRequest({
        method: request.method,
        hostname: request.host,
        path: request.rawPath,
        query,
        headers,
      }),
      {
        signingDate,
        expiresIn: parsed.expiresSeconds,
        signingRegion: parsed.region,
        signingService: parsed.service,
        signableHeaders,
        unsignableHeaders,
        // Signed x-amz-* headers stayed headers when the URL was made; keep them there.
        unhoistableHeaders: new Set(Object.keys(headers)),
      },
    );
    return String(presigned.query?.['X-Amz-Signature']);
  }

  const signed = await signer.sign(
    new HttpRequest({
      method: request.method,
      hostname: request.host,
      path: request.rawPath,
      query,
      headers,
      body: request.body.length > 0 ? request.body : undefined,
    }),
    { signingDate, signingRegion: parsed.region, signingService: parsed.service, signableHeaders },
  );
  const authorization = String(signed.headers.authorization ?? signed.headers.Authorization ?? '');
  return authorization.slice(authorization.lastIndexOf('Signature=') + 'Signature='.length);
}

async function hashOf(body: Buffer): Promise<string> {
  const hash = new sha256();
  hash.update(body);
  return Buffer.from(await hash.digest()).toString('hex');
}
