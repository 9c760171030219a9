/**
 * What the sandbox's services receive and answer. The HTTP server (server.ts) parses the request,
 * verifies its SigV4 signature, resolves the caller, and hands a SandboxRequest to the service the
 * request is for. A service answers with a SandboxResponse or throws an AwsError, which the server
 * renders in the XML error shape of that service (Query protocol for STS/IAM/CloudFormation, the
 * REST shape for S3), so the AWS SDK raises the same error names as against AWS.
 */
import type { Credential } from './model.js';

export interface SandboxRequest {
  method: string;
  /** The path as received, still percent-encoded. */
  rawPath: string;
  /** The decoded path. */
  path: string;
  query: URLSearchParams;
  /** The query string as received (after `?`, still percent-encoded; '' when none). */
  rawQuery?: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: Buffer;
  /** The Host header (for virtual-host-style S3). */
  host: string;
  /** The region and service from the signature's credential scope, when signed. */
  signedRegion?: string;
  signedService?: string;
  /** The verified caller, or undefined for an unsigned (anonymous) request. */
  caller?: Credential;
  requestId: string;
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export type AwsErrorType = 'Sender' | 'Receiver';

export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly type: AwsErrorType = 'Sender',
    /** Extra response headers (S3's `x-amz-bucket-region`) or extra XML fields. */
    readonly extra: { headers?: Record<string, string>; fields?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'AwsError';
  }
}

/** Escape text for XML element content and attribute values. */
export function xmlEscape(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** What every service handler gets besides the request. */
export interface SandboxContext {
  world: import('./model.js').SandboxWorld;
  /** The sandbox clock in ms since the epoch: the base clock plus `settings.clockOffsetMs`. */
  now(): number;
  /** The sandbox's own base URL, e.g. `http://127.0.0.1:4566` (for links and template URLs). */
  baseUrl: string;
}

/** A service entry point: S3, CloudFormation, the console pages, STS, IAM. */
export type ServiceHandler = (request: SandboxRequest, context: SandboxContext) => Promise<SandboxResponse>;
