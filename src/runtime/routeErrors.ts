/**
 * Turns what an integration route throws into the contract's error answer. Errors meant for the
 * caller (SkybridgeError, `ctx.throw(404, 'message', { code })`, zod validation) keep their status,
 * code and message; anything else is a 500 `internal_error` naming only the request id, because its
 * message may carry details (or, from some library, secrets) the caller must not see.
 */
import { isSkybridgeError } from '../core/index.js';

export interface RouteErrorAnswer {
  status: number;
  body: { error: { code: string; message: string; field?: string; requestId?: string } };
  /** Unexpected failures are logged with their stack. */
  unexpected: boolean;
}

const CODES_BY_STATUS: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  410: 'gone',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'too_many_requests',
};

interface HttpErrorLike {
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  code?: unknown;
  message: string;
}

interface ZodErrorLike {
  name: string;
  issues: { path: PropertyKey[]; message: string }[];
}

function isZodError(error: unknown): error is ZodErrorLike {
  return (
    error instanceof Error &&
    error.name === 'ZodError' &&
    Array.isArray((error as unknown as ZodErrorLike).issues)
  );
}

export function routeErrorAnswer(error: unknown, requestId: string): RouteErrorAnswer {
  if (isSkybridgeError(error)) {
    const body = error.toJSON();
    return {
      status: error.status,
      body: error.status >= 500 ? { error: { ...body.error, requestId } } : body,
      unexpected: error.status >= 500 && error.code === 'internal_error',
    };
  }
  if (isZodError(error)) {
    const issue = error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : undefined;
    const message = issue ? `${field ?? 'body'}: ${issue.message}` : 'The request is not valid.';
    return {
      status: 400,
      body: { error: { code: 'invalid_request', message, ...(field ? { field } : {}) } },
      unexpected: false,
    };
  }
  const http = error as HttpErrorLike;
  const status = typeof http?.status === 'number' ? http.status : http?.statusCode;
  if (
    error instanceof Error &&
    typeof status === 'number' &&
    status >= 400 &&
    status < 500 &&
    http.expose !== false
  ) {
    const code = typeof http.code === 'string' && /^[a-z][a-z0-9_]*$/.test(http.code) ? http.code : undefined;
    return {
      status,
      body: { error: { code: code ?? CODES_BY_STATUS[status] ?? 'request_failed', message: error.message } },
      unexpected: false,
    };
  }
  return {
    status: 500,
    body: {
      error: {
        code: 'internal_error',
        message: `The integration failed to handle this request; the server log has the details under request id ${requestId}.`,
        requestId,
      },
    },
    unexpected: true,
  };
}

/** The parts of an error that are safe and useful in a log line (never request objects or headers). */
export function loggableError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const withCode = error as Error & {
    code?: unknown;
    $metadata?: { httpStatusCode?: number; requestId?: string };
  };
  return {
    type: error.name,
    message: error.message,
    stack: error.stack,
    ...(typeof withCode.code === 'string' ? { code: withCode.code } : {}),
    ...(withCode.$metadata
      ? { awsStatus: withCode.$metadata.httpStatusCode, awsRequestId: withCode.$metadata.requestId }
      : {}),
  };
}
