/** Builders for S3's REST-XML answers. */
import { xmlEscape } from '../protocol.js';

export const S3_XML_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** One element, its text escaped; nothing at all when the value is undefined. */
export function xmlElement(name: string, value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  return `<${name}>${xmlEscape(String(value))}</${name}>`;
}

/** A complete S3 XML document with the S3 namespace on its root element. */
export function s3XmlDocument(root: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_XML_NAMESPACE}">${inner}</${root}>`;
}

/** S3 timestamps in XML bodies: ISO 8601 with milliseconds. */
export function isoTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}

/** Timestamps in headers (Last-Modified): RFC 7231. */
export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

export const XML_CONTENT_TYPE = 'application/xml';
