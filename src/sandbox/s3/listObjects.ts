/**
 * ListObjectsV2 (and the older ListObjects): keys in UTF-8 byte order, `prefix`, `delimiter` rolling
 * keys up into CommonPrefixes, `max-keys` counting keys and prefixes together, and continuation.
 */
import type { S3Bucket, S3Object } from '../model.js';
import { AwsError, type SandboxRequest, type SandboxResponse } from '../protocol.js';
import { isoTimestamp, s3XmlDocument, XML_CONTENT_TYPE, xmlElement } from './s3Xml.js';

const DEFAULT_MAX_KEYS = 1000;

interface ListingEntry {
  /** The key, or the common prefix it rolls up into. */
  group: string;
  object?: S3Object;
}

interface ListingPage {
  entries: ListingEntry[];
  truncated: boolean;
}

/**
 * UTF-8 byte order, which S3 lists in, without encoding: it equals code point order, and UTF-16
 * code units give code point order once surrogates are moved above U+E000..U+FFFF.
 */
function compareBytes(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit >= 0xe000 ? unit - 0x800 : unit + 0x2000;
}

function listPage(
  bucket: S3Bucket,
  options: { prefix: string; delimiter: string; maxKeys: number; after?: string; afterGroup?: string },
): ListingPage {
  const keys = [...bucket.objects.keys()].filter((key) => key.startsWith(options.prefix)).sort(compareBytes);
  const entries: ListingEntry[] = [];
  for (const key of keys) {
    if (options.after !== undefined && compareBytes(key, options.after) <= 0) continue;
    const rest = key.slice(options.prefix.length);
    const cut = options.delimiter ? rest.indexOf(options.delimiter) : -1;
    const group = cut >= 0 ? options.prefix + rest.slice(0, cut + options.delimiter.length) : key;
    // Groups rise with keys, so everything up to the last group answered was answered before.
    if (options.afterGroup !== undefined && compareBytes(group, options.afterGroup) <= 0) continue;
    if (entries[entries.length - 1]?.group === group) continue;
    if (entries.length === options.maxKeys) return { entries, truncated: true };
    entries.push(cut >= 0 ? { group } : { group, object: bucket.objects.get(key) });
  }
  return { entries, truncated: false };
}

function maxKeysOf(request: SandboxRequest): number {
  const text = request.query.get('max-keys');
  if (text === null || text === '') return DEFAULT_MAX_KEYS;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    throw new AwsError(
      'InvalidArgument',
      'Provided max-keys not an integer or within integer range',
      400,
      'Sender',
      {
        fields: { ArgumentName: 'max-keys', ArgumentValue: text },
      },
    );
  }
  return Math.min(value, DEFAULT_MAX_KEYS);
}

function encoder(request: SandboxRequest): (value: string) => string {
  if (request.query.get('encoding-type') === 'url') {
    return (value) => encodeURIComponent(value).replace(/%2F/g, '/');
  }
  return (value) => value;
}

function contentsXml(entries: ListingEntry[], encode: (value: string) => string): string {
  let xml = '';
  for (const entry of entries) {
    const object = entry.object;
    if (!object) continue;
    const algorithms = Object.keys(object.checksums)
      .map((algorithm) => xmlElement('ChecksumAlgorithm', algorithm))
      .join('');
    xml +=
      `<Contents>${xmlElement('Key', encode(object.key))}` +
      `${xmlElement('LastModified', isoTimestamp(object.lastModified))}${xmlElement('ETag', object.etag)}` +
      `${algorithms}${xmlElement('Size', object.body.length)}${xmlElement('StorageClass', 'STANDARD')}</Contents>`;
  }
  for (const entry of entries) {
    if (!entry.object) xml += `<CommonPrefixes>${xmlElement('Prefix', encode(entry.group))}</CommonPrefixes>`;
  }
  return xml;
}

function encodeToken(group: string): string {
  return Buffer.from(JSON.stringify({ after: group }), 'utf8').toString('base64');
}

function decodeToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // Falls through to the error below.
  }
  throw new AwsError('InvalidArgument', 'The continuation token provided is incorrect', 400, 'Sender', {
    fields: { ArgumentName: 'continuation-token' },
  });
}

export function listObjectsV2(request: SandboxRequest, bucket: S3Bucket): SandboxResponse {
  const prefix = request.query.get('prefix') ?? '';
  const delimiter = request.query.get('delimiter') ?? '';
  const token = request.query.get('continuation-token') ?? undefined;
  const startAfter = request.query.get('start-after') ?? undefined;
  const maxKeys = maxKeysOf(request);
  const page = listPage(bucket, {
    prefix,
    delimiter,
    maxKeys,
    after: startAfter || undefined,
    afterGroup: token === undefined ? undefined : decodeToken(token),
  });
  const encode = encoder(request);
  const last = page.entries[page.entries.length - 1];
  const body =
    xmlElement('Name', bucket.name) +
    xmlElement('Prefix', encode(prefix)) +
    (delimiter ? xmlElement('Delimiter', encode(delimiter)) : '') +
    xmlElement('MaxKeys', maxKeys) +
    xmlElement('KeyCount', page.entries.length) +
    xmlElement('IsTruncated', page.truncated) +
    (token !== undefined ? xmlElement('ContinuationToken', token) : '') +
    (page.truncated && last ? xmlElement('NextContinuationToken', encodeToken(last.group)) : '') +
    (startAfter !== undefined ? xmlElement('StartAfter', encode(startAfter)) : '') +
    (request.query.get('encoding-type') === 'url' ? xmlElement('EncodingType', 'url') : '') +
    contentsXml(page.entries, encode);
  return {
    status: 200,
    headers: { 'content-type': XML_CONTENT_TYPE },
    body: s3XmlDocument('ListBucketResult', body),
  };
}

/** The original ListObjects: `marker` instead of tokens; NextMarker only with a delimiter, as in S3. */
export function listObjectsV1(request: SandboxRequest, bucket: S3Bucket): SandboxResponse {
  const prefix = request.query.get('prefix') ?? '';
  const delimiter = request.query.get('delimiter') ?? '';
  const marker = request.query.get('marker') ?? '';
  const maxKeys = maxKeysOf(request);
  const page = listPage(bucket, { prefix, delimiter, maxKeys, afterGroup: marker || undefined });
  const encode = encoder(request);
  const last = page.entries[page.entries.length - 1];
  const body =
    xmlElement('Name', bucket.name) +
    xmlElement('Prefix', encode(prefix)) +
    xmlElement('Marker', encode(marker)) +
    xmlElement('MaxKeys', maxKeys) +
    (delimiter ? xmlElement('Delimiter', encode(delimiter)) : '') +
    xmlElement('IsTruncated', page.truncated) +
    (page.truncated && delimiter && last ? xmlElement('NextMarker', encode(last.group)) : '') +
    (request.query.get('encoding-type') === 'url' ? xmlElement('EncodingType', 'url') : '') +
    contentsXml(page.entries, encode);
  return {
    status: 200,
    headers: { 'content-type': XML_CONTENT_TYPE },
    body: s3XmlDocument('ListBucketResult', body),
  };
}
