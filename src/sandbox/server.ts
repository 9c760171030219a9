/**
 * The sandbox's HTTP server on loopback. Reads each request whole, then routes it: console pages,
 * the admin API, or an AWS service chosen by the SigV4 credential scope after the signature checks
 * out. Unsigned GET/HEAD go to S3 as anonymous reads; other unsigned requests are refused.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAdmin } from './admin.js';
import { s3OperationName } from './callNames.js';
import { handleCloudFormation } from './cloudformation/index.js';
import { handleConsole } from './console/index.js';
import { type QueryService, renderQueryError, renderS3Error, toAwsError } from './errorResponses.js';
import { handleIam } from './iam.js';
import { newRequestId } from './identifiers.js';
import { type SandboxSettings, SandboxWorld } from './model.js';
import {
  AwsError,
  type SandboxContext,
  type SandboxRequest,
  type SandboxResponse,
  type ServiceHandler,
} from './protocol.js';
import { readQueryParams } from './queryProtocol.js';
import { handleS3 } from './s3/index.js';
import { type BaseClock, sandboxClock } from './sandboxClock.js';
import { parseSignature, verifySignature } from './sigv4.js';
import { handleSts } from './sts.js';

export interface SandboxOptions {
  /** 0 (default) picks any free port. */
  port?: number;
  /** Default 127.0.0.1: the sandbox is for loopback only. */
  host?: string;
  /** The base clock in ms; the sandbox clock adds settings.clockOffsetMs. Default Date.now. */
  now?: BaseClock;
  settings?: Partial<SandboxSettings>;
}

export interface RunningSandbox {
  /** e.g. `http://127.0.0.1:4566` */
  url: string;
  port: number;
  world: SandboxWorld;
  close(): Promise<void>;
}

const AWS_SERVICES: Record<string, ServiceHandler> = {
  sts: handleSts,
  iam: handleIam,
  s3: handleS3,
  cloudformation: handleCloudFormation,
};

const QUERY_SERVICES = new Set<string>(['sts', 'iam', 'cloudformation']);

/** Largest request body the sandbox reads (S3 templates and test objects are far smaller). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

function readBody(message: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    message.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(
          new AwsError('EntityTooLarge', 'Your proposed upload exceeds the sandbox limit of 64 MB.', 400),
        );
        message.destroy();
        return;
      }
      chunks.push(chunk);
    });
    message.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    message.on('error', reject);
  });
}

function safeDecodePath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return rawPath;
  }
}

function toSandboxRequest(message: IncomingMessage, body: Buffer): SandboxRequest {
  const url = message.url ?? '/';
  const queryStart = url.indexOf('?');
  const rawPath = queryStart < 0 ? url : url.slice(0, queryStart);
  const rawQuery = queryStart < 0 ? '' : url.slice(queryStart + 1);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return {
    method: message.method ?? 'GET',
    rawPath,
    path: safeDecodePath(rawPath),
    query: new URLSearchParams(rawQuery),
    rawQuery,
    headers,
    body,
    host: headers.host ?? '',
    requestId: newRequestId(),
  };
}

/** Which Query service an unsigned or malformed request was probably meant for (for the error shape). */
function guessQueryService(request: SandboxRequest): QueryService | undefined {
  const action = request.method === 'POST' ? readQueryParams(request).get('Action') : null;
  if (!action) return undefined;
  if (/Role|Policy|User|Group|MFA|AccessKey|InstanceProfile/.test(action) && action !== 'AssumeRole')
    return 'iam';
  if (/Stack|Template|ChangeSet/.test(action)) return 'cloudformation';
  return 'sts';
}

function renderError(error: unknown, request: SandboxRequest, service: string | undefined): SandboxResponse {
  const awsError = toAwsError(error);
  if (service && QUERY_SERVICES.has(service))
    return renderQueryError(awsError, request.requestId, service as QueryService);
  return renderS3Error(awsError, request.requestId, request.method);
}

function countCall(request: SandboxRequest, service: string, context: SandboxContext): void {
  const action =
    service === 's3' ? s3OperationName(request) : (readQueryParams(request).get('Action') ?? 'Unknown');
  context.world.countCall(`${service}:${action}`);
}

async function handleAws(request: SandboxRequest, context: SandboxContext): Promise<SandboxResponse> {
  let service: string | undefined;
  try {
    const signature = parseSignature(request);
    if (!signature) {
      if (request.method === 'GET' || request.method === 'HEAD') {
        service = 's3';
        countCall(request, service, context);
        return await handleS3(request, context);
      }
      service = guessQueryService(request);
      if (service)
        throw new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
      throw new AwsError('AccessDenied', 'Access Denied', 403);
    }
    service = signature.service;
    const handler = AWS_SERVICES[service];
    if (!handler) {
      service = 'sts';
      throw new AwsError(
        'InvalidAction',
        `The sandbox does not emulate the service "${signature.service}".`,
        400,
      );
    }
    countCall(request, service, context);
    request.caller = await verifySignature(request, signature, context.world, {
      sandboxNow: context.now(),
      realNow: Date.now(),
    });
    request.signedRegion = signature.region;
    request.signedService = service;
    return await handler(request, context);
  } catch (error) {
    return renderError(error, request, service ?? guessQueryService(request));
  }
}

async function dispatch(request: SandboxRequest, context: SandboxContext): Promise<SandboxResponse> {
  if (request.path === '/_sandbox/console' || request.path.startsWith('/_sandbox/console/')) {
    return handleConsole(request, context);
  }
  if (request.path === '/_sandbox' || request.path.startsWith('/_sandbox/'))
    return handleAdmin(request, context);
  return handleAws(request, context);
}

function send(response: ServerResponse, request: SandboxRequest, answer: SandboxResponse): void {
  const body =
    answer.body === undefined
      ? undefined
      : typeof answer.body === 'string'
        ? Buffer.from(answer.body)
        : answer.body;
  const headers: Record<string, string | number> = {
    'x-amzn-requestid': request.requestId,
    'x-amz-request-id': request.requestId,
    'x-amz-id-2': 'sandbox',
    ...answer.headers,
  };
  if (body !== undefined && request.method !== 'HEAD') headers['content-length'] = body.length;
  else if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-length'))
    headers['content-length'] = 0;
  response.writeHead(answer.status, headers);
  response.end(request.method === 'HEAD' ? undefined : body);
}

/**
 * Starts the sandbox on loopback. Close it with `close()`; every test should.
 *
 * Time: the sandbox clock is `now()` (default Date.now) plus settings.clockOffsetMs. It alone decides
 * TOTP steps, credential expiry and every time in an answer: issued credentials expire at sandbox
 * clock + DurationSeconds, so a base clock frozen near Unix 0 yields 1970 `Expiration`s, and that
 * is right. Such credentials still work against the sandbox (it compares them with its own clock),
 * but an SDK credential provider that refreshes before `Expiration` (fromTemporaryCredentials,
 * fromIni role profiles) sees them as long expired and re-fetches on every call; pass the keys as
 * static credentials, or freeze `now` at a realistic instant. SigV4's 15-minute skew check and
 * presigned URL expiry use real time instead, because the SDK signs with real time.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const world = new SandboxWorld();
  Object.assign(world.settings, options.settings);
  const host = options.host ?? '127.0.0.1';
  const context: SandboxContext = { world, now: sandboxClock(world, options.now), baseUrl: '' };

  const server = createServer(async (message, response) => {
    let request: SandboxRequest | undefined;
    try {
      const body = await readBody(message);
      request = toSandboxRequest(message, body);
      send(response, request, await dispatch(request, context));
    } catch (error) {
      const fallback = request ?? toSandboxRequest(message, Buffer.alloc(0));
      if (!response.headersSent) send(response, fallback, renderError(error, fallback, undefined));
      else response.destroy();
    }
  });
  // Many SDK clients keep connections alive; closing must not wait for them.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  context.baseUrl = url;
  return {
    url,
    port,
    world,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
